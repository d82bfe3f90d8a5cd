import { MIN_CITATION_LENGTH, shortId, type BackportEntry, type UpstreamRow } from './model.js';

/** One `upstream <id>` citation in a test file. */
export interface Citation {
  /** The hex id as written, lower case. */
  id: string;
  /** 1-based line. */
  line: number;
}

/** What the test files say about one upstream commit. */
export interface DiscoveredCommit {
  row: UpstreamRow;
  entry: BackportEntry | undefined;
  /** Test files citing the commit, sorted. */
  citedBy: string[];
  /** Citing files the entry does not list under `tests`. */
  unlisted: string[];
}

/** The result of scanning the test files for citations. */
export interface DiscoveryReport {
  /** Planned (or missing) entries that at least one test cites: candidates for promotion. */
  promotable: DiscoveredCommit[];
  /** Implemented/adapted entries cited by test files they do not list. */
  unlisted: DiscoveredCommit[];
  /** Citations that match no commit of the list, or more than one. */
  unresolved: { file: string; citation: Citation; matches: number }[];
}

const CITATION_START = new RegExp(`\\bupstream[ \\t]+[0-9a-f]{${MIN_CITATION_LENGTH},40}(?![0-9a-z])`, 'i');
const COMMIT_LIKE = new RegExp(`(?<![0-9a-z_])[0-9a-f]{${MIN_CITATION_LENGTH},40}(?![0-9a-z_])`, 'gi');
const COMMENT_LINE = /^\s*(\/\/|\*|\/\*)/;

/**
 * Finds `upstream <hex id>` citations in `text` (case-insensitive, ids of
 * {@link MIN_CITATION_LENGTH} to 40 hex digits), the form the conventions ask
 * tests to use: `// upstream b2dfd71c48`. A citation may name several commits
 * (`upstream a29ac16632, 794e8f301a`) and run on over the comment lines right
 * below it; every id-like hex run (with at least one decimal digit, so English
 * words do not count) from the word `upstream` to the end of that comment counts.
 */
export function findCitations(text: string): Citation[] {
  const citations: Citation[] = [];
  const lines = text.split('\n');
  const collect = (fragment: string, line: number): void => {
    for (const match of fragment.matchAll(COMMIT_LIKE)) {
      if (/[0-9]/.test(match[0])) citations.push({ id: match[0].toLowerCase(), line });
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const start = CITATION_START.exec(line);
    if (!start) continue;
    collect(line.slice(start.index), i + 1);
    const opening = line.slice(0, start.index);
    if (!COMMENT_LINE.test(line) && !/\/\/|\/\*/.test(opening)) continue;
    while (i + 1 < lines.length && COMMENT_LINE.test(lines[i + 1] ?? '') && !CITATION_START.test(lines[i + 1] ?? '')) {
      i++;
      collect(lines[i] ?? '', i + 1);
    }
  }
  return citations;
}

/**
 * Maps the citations in `files` (path → text) onto the upstream list and says
 * which entries could be promoted from planned, which implemented entries miss
 * a citing test in their `tests`, and which citations name no listed commit.
 */
export function discover(
  rows: readonly UpstreamRow[],
  entries: ReadonlyMap<string, BackportEntry>,
  files: ReadonlyMap<string, string>,
): DiscoveryReport {
  const citedBy = new Map<string, Set<string>>();
  const unresolved: DiscoveryReport['unresolved'] = [];
  for (const [file, text] of files) {
    for (const citation of findCitations(text)) {
      const matches = rows.filter((row) => row.commit.startsWith(citation.id));
      const only = matches[0];
      if (matches.length !== 1 || !only) {
        unresolved.push({ file, citation, matches: matches.length });
        continue;
      }
      const set = citedBy.get(only.commit) ?? new Set<string>();
      set.add(file);
      citedBy.set(only.commit, set);
    }
  }
  const report: DiscoveryReport = { promotable: [], unlisted: [], unresolved };
  for (const row of rows) {
    const files = [...(citedBy.get(row.commit) ?? [])].sort();
    if (files.length === 0) continue;
    const entry = entries.get(row.commit);
    const listed = new Set(entry?.tests ?? []);
    const found: DiscoveredCommit = { row, entry, citedBy: files, unlisted: files.filter((file) => !listed.has(file)) };
    if (!entry || entry.status === 'planned') {
      report.promotable.push(found);
    } else if ((entry.status === 'implemented' || entry.status === 'adapted') && found.unlisted.length > 0) {
      report.unlisted.push(found);
    }
  }
  return report;
}

/** The report as text for a person: what to promote, with the `tests:` lines to paste. */
export function formatDiscovery(report: DiscoveryReport, source: string): string {
  const out: string[] = [`Citations found in test files (${source}).`, ''];
  if (report.promotable.length === 0) {
    out.push('No planned entry is cited by a test yet.');
  } else {
    out.push(`${report.promotable.length} planned entr${report.promotable.length === 1 ? 'y' : 'ies'} cited by tests (check the code landed, then promote):`);
    for (const found of report.promotable) {
      out.push('', `  ${shortId(found.row.commit)}  ${found.entry?.title ?? found.row.summary}`, '    tests:');
      for (const file of found.citedBy) out.push(`      - ${file}`);
    }
  }
  if (report.unlisted.length > 0) {
    out.push('', 'Implemented/adapted entries with citing tests not listed under "tests":');
    for (const found of report.unlisted) out.push(`  ${shortId(found.row.commit)}: ${found.unlisted.join(', ')}`);
  }
  if (report.unresolved.length > 0) {
    out.push('', 'Citations that match no listed commit (or several):');
    for (const { file, citation, matches } of report.unresolved) {
      out.push(`  ${file}:${citation.line}: upstream ${citation.id} (${matches === 0 ? 'not in upstream.tsv' : `${matches} commits match`})`);
    }
  }
  return out.join('\n');
}
