import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { discover, formatDiscovery } from './discover.js';
import type { Problem } from './model.js';
import { countByStatus, renderPackageList } from './readme.js';
import { BACKPORTS_DIR, REPO_ROOT, committedTestFiles, loadInput, worktreeTestFiles } from './repo.js';
import { checkBackports } from './validate.js';

const USAGE = `Usage: tsx backports/check.ts [options]

Checks docs/backports/ against docs/backports/upstream.tsv (exit 1 on any problem).

  --strict                 planned entries are problems, not warnings
  --write                  regenerate the generated parts (the README's table and counts,
                           each package README's upstream list), then check
  --seeds DIR              also check titles marked "seed" and that bodies do not
                           copy the upstream messages (DIR: the seed texts)
  --discover               list planned entries that tests already cite
                           ("// upstream <id>"), as committed at HEAD
  --worktree               with --discover: scan the working tree instead of HEAD
  --package-list NAME      print the markdown list of commits package NAME implements
  --include-planned        with --package-list: list planned commits too
  --help                   this text
`;

function formatProblems(problems: readonly Problem[]): string {
  const out: string[] = [];
  let last: string | undefined;
  for (const problem of problems) {
    const where = problem.commit ? `${problem.commit} (${problem.file})` : problem.file;
    if (where !== last) out.push(`  ${where}`);
    last = where;
    out.push(`    - ${problem.message}`);
  }
  return out.join('\n');
}

/**
 * Runs the checker with command-line `args` and returns the exit code:
 * 0 when the layer is consistent, 1 when something is missing or wrong,
 * 2 on a usage error.
 */
export function main(args: readonly string[], root = REPO_ROOT): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        strict: { type: 'boolean', default: false },
        write: { type: 'boolean', default: false },
        seeds: { type: 'string' },
        discover: { type: 'boolean', default: false },
        worktree: { type: 'boolean', default: false },
        'package-list': { type: 'string' },
        'include-planned': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const options = parsed.values;
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const input = loadInput(root, options.seeds);
  const result = checkBackports(input, options.strict);

  if (options['package-list'] !== undefined) {
    const pkg = options['package-list'];
    if (!input.workspacePackages.includes(pkg)) {
      console.error(`"${pkg}" is not a workspace package (${input.workspacePackages.join(', ')})`);
      return 2;
    }
    console.log(renderPackageList(pkg, input.upstream, result.entries, options['include-planned']));
    return 0;
  }

  if (options.discover) {
    const files = options.worktree ? worktreeTestFiles(root) : committedTestFiles(root);
    const report = discover(input.upstream, result.entries, files);
    console.log(formatDiscovery(report, options.worktree ? `working tree, ${files.size} test files` : `HEAD, ${files.size} test files`));
    return 0;
  }

  let { problems } = result;
  if (options.write) {
    let wrote = false;
    if (result.expectedReadme !== undefined && result.expectedReadme !== input.readme) {
      writeFileSync(join(root, BACKPORTS_DIR, 'README.md'), result.expectedReadme);
      console.log(`wrote ${BACKPORTS_DIR}/README.md`);
      wrote = true;
    }
    for (const [file, text] of result.expectedPackageReadmes) {
      if (text === input.readRepoFile(file)) continue;
      writeFileSync(join(root, file), text);
      console.log(`wrote ${file}`);
      wrote = true;
    }
    if (wrote) problems = checkBackports(loadInput(root, options.seeds), options.strict).problems;
  }

  const planned = result.warnings.filter((warning) => warning.message.startsWith('planned'));
  if (planned.length > 0) {
    console.log(
      `${planned.length} planned entr${planned.length === 1 ? 'y' : 'ies'} (not implemented yet; --strict fails on these):\n  ` +
        planned.map((warning) => warning.commit).join(' '),
    );
  }
  if (problems.length > 0) {
    const commits = new Set(problems.map((problem) => problem.commit ?? problem.file));
    console.error(`backports: ${problems.length} problem(s) in ${commits.size} place(s):\n${formatProblems(problems)}`);
    return 1;
  }
  const counts = countByStatus(input.upstream, result.entries);
  const summary = [...counts]
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  console.log(`backports: ${input.upstream.length} upstream commits, all entries consistent (${summary}).`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}

