import {
  BODY_SECTIONS,
  STATUSES,
  TITLE_SOURCES,
  entryPath,
  mentionsCommit,
  parseEntry,
  shortId,
  type BackportEntry,
  type Problem,
  type UpstreamRow,
} from './model.js';
import { ReadmeMarkerError, updatePackageReadme, updateReadme } from './readme.js';

/** Everything the checker looks at, read from disk by the CLI or built in memory by tests. */
export interface BackportsInput {
  upstream: readonly UpstreamRow[];
  /** Every `*.md` in `docs/backports/` except README.md: file name → text. */
  entryFiles: ReadonlyMap<string, string>;
  /** `docs/backports/README.md`, or `undefined` when it does not exist. */
  readme: string | undefined;
  /** Names of the workspace packages (`packages/<name>`). */
  workspacePackages: readonly string[];
  /** Reads a repository-relative file; `undefined` when there is none. */
  readRepoFile(path: string): string | undefined;
  /** True when a repository-relative file or directory exists. */
  pathExists(path: string): boolean;
  /** Seed texts by file name; when given, titles marked `seed` are looked up in them and bodies are checked for copied sentences. */
  seeds?: ReadonlyMap<string, string>;
}

/** What {@link checkBackports} found. */
export interface CheckResult {
  /** Fatal: the checker exits non-zero when there is any. */
  problems: Problem[];
  /** Reported, not fatal (planned entries unless strict). */
  warnings: Problem[];
  /** Every entry that could be read, by full commit id. */
  entries: Map<string, BackportEntry>;
  /** The README as it should be, or `undefined` when it cannot be generated. */
  expectedReadme: string | undefined;
  /** Each package README as it should be (repository-relative path → text), where it can be generated. */
  expectedPackageReadmes: Map<string, string>;
}

const DONE = new Set(['implemented', 'adapted']);

/** Opening words of the note a planned entry's body carries until the code lands. */
export const PLANNED_NOTE = '*Planned:';

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

function bodyProblems(body: string): string[] {
  const problems: string[] = [];
  for (const heading of BODY_SECTIONS) {
    const lines = body.split('\n');
    const at = lines.findIndex((line) => line.trim() === heading);
    if (at < 0) {
      problems.push(`the body has no "${heading}" section`);
      continue;
    }
    const rest = lines.slice(at + 1);
    const next = rest.findIndex((line) => /^#{1,2} /.test(line));
    const text = (next < 0 ? rest : rest.slice(0, next)).join(' ').trim();
    if (text.length < 40) problems.push(`the "${heading}" section is empty or too short to say anything`);
  }
  return problems;
}

/** Sentences of the body that appear word for word in the seed (copying the upstream message). */
function copiedSentences(body: string, seed: string): string[] {
  const haystack = normalise(seed);
  return body
    .replace(/^#.*$/gm, '')
    .split(/(?<=[.!?])\s+/)
    .map(normalise)
    .filter((sentence) => sentence.length >= 60 && haystack.includes(sentence));
}

function checkEntry(row: UpstreamRow, entry: BackportEntry, input: BackportsInput): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (entry.commit.toLowerCase() !== row.commit) {
    problems.push(`"commit" is "${entry.commit}", expected the full id ${row.commit}`);
  }
  if (entry.title.trim() === '') problems.push('"title" is missing');
  if (!(TITLE_SOURCES as readonly string[]).includes(entry.titleSource)) {
    problems.push(`"title_source" is "${entry.titleSource}", expected one of ${TITLE_SOURCES.join(', ')}`);
  }
  if (entry.titleSource === 'upstream' && !entry.titleRef?.startsWith('https://')) {
    problems.push('"title_source: upstream" needs a "title_ref" https URL where the subject line can be read');
  }
  if (input.seeds !== undefined) {
    const seeds = [...input.seeds.values()];
    // A subject line may sit in another seed than the one the list names (the
    // list points at the squashed series, the full commit may be a seed of its own).
    if (entry.titleSource === 'seed' && !seeds.some((seed) => seed.includes(entry.title))) {
      problems.push('"title_source: seed" but the title does not appear in any seed text');
    }
    const copied = new Set(seeds.flatMap((seed) => copiedSentences(entry.body, seed)));
    for (const sentence of copied) {
      problems.push(`the body copies the upstream message: "${sentence.slice(0, 70)}..."`);
    }
  }
  if (!(STATUSES as readonly string[]).includes(entry.status)) {
    problems.push(`"status" is "${entry.status}", expected one of ${STATUSES.join(', ')}`);
  }
  for (const pkg of entry.packages) {
    if (!input.workspacePackages.includes(pkg)) {
      problems.push(`"packages" names "${pkg}", which is not a workspace package (${input.workspacePackages.join(', ')})`);
    }
  }
  if (DONE.has(entry.status)) {
    if (entry.packages.length === 0) problems.push(`status ${entry.status} but "packages" is empty`);
    if (entry.modules.length === 0) problems.push(`status ${entry.status} but "modules" is empty`);
    if (entry.tests.length === 0) problems.push(`status ${entry.status} but "tests" is empty`);
    for (const module of entry.modules) {
      if (!input.pathExists(module)) problems.push(`module ${module} does not exist`);
    }
    for (const path of [...entry.modules, ...entry.tests]) {
      const owner = /^packages\/([^/]+)\//.exec(path)?.[1];
      if (owner !== undefined && !entry.packages.includes(owner)) {
        problems.push(`${path} belongs to package ${owner}, which "packages" does not list`);
      }
    }
    if (entry.body.includes(PLANNED_NOTE)) {
      problems.push(`status ${entry.status} but the body still carries the planned note; say what was done`);
    }
    for (const test of entry.tests) {
      const text = input.readRepoFile(test);
      if (text === undefined) {
        problems.push(`test file ${test} does not exist`);
      } else if (!mentionsCommit(text, row.commit)) {
        problems.push(`test file ${test} does not mention ${shortId(row.commit).slice(0, 8)} (cite it as "// upstream ${shortId(row.commit)}")`);
      }
    }
  }
  if (entry.status === 'not-applicable' && (entry.reason ?? '').trim() === '') {
    problems.push('status not-applicable but "reason" is missing');
  }
  if (entry.status === 'planned') {
    warnings.push('planned: not implemented yet');
  }
  problems.push(...bodyProblems(entry.body));
  return { problems, warnings };
}

/**
 * Checks the backport layer: one entry per upstream commit, readable front
 * matter, a known status, tests that exist and cite the commit for implemented
 * and adapted entries, a reason for not-applicable ones, a body with both
 * sections, no stray entry files, and a README whose generated parts are up to
 * date. Planned entries are warnings, or problems when `strict`. Pure: all
 * reading goes through `input`.
 */
export function checkBackports(input: BackportsInput, strict = false): CheckResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const entries = new Map<string, BackportEntry>();
  const known = new Set<string>();
  for (const row of input.upstream) {
    const id = shortId(row.commit);
    const file = entryPath(row.commit);
    const name = `${id}.md`;
    known.add(name);
    const text = input.entryFiles.get(name);
    if (text === undefined) {
      problems.push({ commit: id, file, message: `no entry file (every commit in upstream.tsv needs ${file})` });
      continue;
    }
    const parsed = parseEntry(text);
    for (const message of parsed.problems) problems.push({ commit: id, file, message });
    if (!parsed.entry) continue;
    entries.set(row.commit, parsed.entry);
    const result = checkEntry(row, parsed.entry, input);
    for (const message of result.problems) problems.push({ commit: id, file, message });
    for (const message of result.warnings) (strict ? problems : warnings).push({ commit: id, file, message });
  }
  for (const name of input.entryFiles.keys()) {
    if (!known.has(name)) {
      problems.push({
        commit: undefined,
        file: `docs/backports/${name}`,
        message: 'entry file for a commit that is not in upstream.tsv (rename it or add the commit to the list)',
      });
    }
  }
  // With an entry missing or unreadable the generated lists cannot be right
  // anyway; that entry's own problem is the one to report.
  const complete = entries.size === input.upstream.length;
  /**
   * One file with a generated part: its text as `regenerate` makes it, or
   * undefined when it cannot be made. A missing file, a missing marker, or
   * (with every entry read) a stale generated part is a problem.
   */
  const checkGenerated = (
    file: string,
    text: string | undefined,
    regenerate: (text: string) => string,
    missing: string,
    stale: string,
  ): string | undefined => {
    if (text === undefined) {
      problems.push({ commit: undefined, file, message: missing });
      return undefined;
    }
    try {
      const want = regenerate(text);
      if (complete && want !== text) {
        problems.push({ commit: undefined, file, message: `${stale}; run "npx tsx backports/check.ts --write" in tools/ and commit the result` });
      }
      return want;
    } catch (error) {
      if (!(error instanceof ReadmeMarkerError)) throw error;
      problems.push({ commit: undefined, file, message: error.message });
      return undefined;
    }
  };
  const expectedReadme = checkGenerated(
    'docs/backports/README.md',
    input.readme,
    (text) => updateReadme(text, input.upstream, entries),
    'the README does not exist',
    'the generated table or counts are out of date',
  );
  const expectedPackageReadmes = new Map<string, string>();
  for (const pkg of input.workspacePackages) {
    const file = `packages/${pkg}/README.md`;
    const want = checkGenerated(
      file,
      input.readRepoFile(file),
      (text) => updatePackageReadme(text, pkg, input.upstream, entries),
      'the package has no README (it lists the upstream commits the package implements)',
      'the list of upstream commits is out of date',
    );
    if (want !== undefined) expectedPackageReadmes.set(file, want);
  }
  return { problems, warnings, entries, expectedReadme, expectedPackageReadmes };
}
