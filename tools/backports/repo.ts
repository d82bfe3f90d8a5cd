import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUpstreamTsv } from './model.js';
import type { BackportsInput } from './validate.js';

/** The repository root, two levels above this file (`tools/backports/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Repository-relative folder of the backport layer. */
export const BACKPORTS_DIR = 'docs/backports';

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Names of the workspace packages: the folders of `packages/` that hold a package.json. */
export function workspacePackages(root: string): string[] {
  const dir = join(root, 'packages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'package.json')))
    .sort();
}

/**
 * Reads the backport layer of the checkout at `root` into a {@link BackportsInput}.
 * `seedsDir`, when given, is a folder of seed texts (`../shared/seeds`) for the
 * checks that need the upstream messages.
 */
export function loadInput(root: string, seedsDir?: string): BackportsInput {
  const dir = join(root, BACKPORTS_DIR);
  const tsv = readOrUndefined(join(dir, 'upstream.tsv'));
  if (tsv === undefined) {
    throw new Error(`${BACKPORTS_DIR}/upstream.tsv does not exist: the list of upstream commits must be committed there`);
  }
  const entryFiles = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.md') && name !== 'README.md') entryFiles.set(name, readFileSync(join(dir, name), 'utf8'));
  }
  let seeds: Map<string, string> | undefined;
  if (seedsDir !== undefined) {
    seeds = new Map();
    for (const name of readdirSync(seedsDir)) seeds.set(name, readFileSync(join(seedsDir, name), 'utf8'));
  }
  return {
    upstream: parseUpstreamTsv(tsv),
    entryFiles,
    readme: readOrUndefined(join(dir, 'README.md')),
    workspacePackages: workspacePackages(root),
    readRepoFile: (path) => readOrUndefined(join(root, path)),
    pathExists: (path) => existsSync(join(root, path)),
    ...(seeds ? { seeds } : {}),
  };
}

/**
 * True for the files that hold tests and may cite upstream commits:
 * `*.test.ts` anywhere under `packages/`, and every `.ts` under a package's
 * `test/` folder or the root `test/` folder.
 */
export function isTestPath(path: string): boolean {
  const parts = path.split('/');
  if (parts.includes('node_modules') || parts.includes('dist') || !path.endsWith('.ts')) return false;
  if (parts[0] === 'test') return true;
  if (parts[0] !== 'packages') return false;
  return path.endsWith('.test.ts') || parts[2] === 'test';
}

function walk(root: string, dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(root, full, out);
    else out.push(relative(root, full).split(sep).join('/'));
  }
}

/** Test files of the working tree (committed or not): path → text. */
export function worktreeTestFiles(root: string): Map<string, string> {
  const paths: string[] = [];
  walk(root, join(root, 'packages'), paths);
  walk(root, join(root, 'test'), paths);
  const files = new Map<string, string>();
  for (const path of paths.filter(isTestPath).sort()) files.set(path, readFileSync(join(root, path), 'utf8'));
  return files;
}

/** Test files as committed at `rev` (default `HEAD`): path → text. Uncommitted work is not seen. */
export function committedTestFiles(root: string, rev = 'HEAD'): Map<string, string> {
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const listed = git('ls-tree', '-r', '--name-only', rev, '--', 'packages', 'test')
    .split('\n')
    .filter((path) => path !== '' && isTestPath(path));
  const files = new Map<string, string>();
  for (const path of listed.sort()) files.set(path, git('show', `${rev}:${path}`));
  return files;
}
