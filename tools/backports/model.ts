import { FrontMatterError, parseFrontMatter, type FrontMatterValue } from './frontMatter.js';

/** What memvisor did with an upstream commit. */
export type BackportStatus = 'implemented' | 'adapted' | 'not-applicable' | 'planned';

/** Every status an entry may have, in the order the README counts them. */
export const STATUSES: readonly BackportStatus[] = ['implemented', 'adapted', 'not-applicable', 'planned'];

/** Where an entry's title comes from. */
export type TitleSource = 'seed' | 'upstream' | 'paraphrase';

/**
 * `seed`: the subject line, verbatim from the seed text; `upstream`: the subject
 * line as published upstream (`title_ref` gives the page); `paraphrase`: the seed
 * holds only the commit body, so the title is ours and says so.
 */
export const TITLE_SOURCES: readonly TitleSource[] = ['seed', 'upstream', 'paraphrase'];

/** The front-matter keys an entry may have. Anything else is reported as a typo. */
export const ENTRY_KEYS = [
  'commit',
  'title',
  'title_source',
  'title_ref',
  'status',
  'packages',
  'modules',
  'tests',
  'reason',
] as const;

/** Headings every entry body carries, each followed by some text. */
export const BODY_SECTIONS = ['## In QEMU', '## In memvisor'] as const;

/** One row of `docs/backports/upstream.tsv`. */
export interface UpstreamRow {
  /** Full 40-hex upstream commit id, lower case. */
  commit: string;
  /** Seed file whose text carries the commit message. */
  seed: string;
  /** Area hint from the list (`memory-core`, `tcg`, `n/a?`...). */
  areaHint: string;
  summary: string;
  /** 1-based line in upstream.tsv. */
  line: number;
}

/** A parsed `docs/backports/<id>.md`. */
export interface BackportEntry {
  commit: string;
  title: string;
  titleSource: string;
  titleRef: string | undefined;
  status: string;
  packages: string[];
  modules: string[];
  tests: string[];
  reason: string | undefined;
  body: string;
}

/** One thing wrong with the backport layer, attributed to a commit where there is one. */
export interface Problem {
  /** Short id of the commit concerned, or `undefined` for the layer as a whole. */
  commit: string | undefined;
  /** Repository-relative file the problem is in. */
  file: string;
  message: string;
}

/** Number of hex digits in an entry's file name and in the README. */
export const SHORT_ID_LENGTH = 10;

/** Fewest hex digits that count as citing a commit. */
export const MIN_CITATION_LENGTH = 8;

/** The 10-hex short id used in file names and tables. */
export function shortId(commit: string): string {
  return commit.slice(0, SHORT_ID_LENGTH).toLowerCase();
}

/** Repository-relative path of the entry file for `commit`. */
export function entryPath(commit: string): string {
  return `docs/backports/${shortId(commit)}.md`;
}

/** Thrown when `upstream.tsv` cannot be read as the list of commits. */
export class UpstreamListError extends Error {
  override name = 'UpstreamListError';

  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`docs/backports/upstream.tsv line ${line}: ${message}`);
  }
}

/**
 * Reads `upstream.tsv`: a header `upstream<TAB>seed<TAB>area_hint<TAB>summary`
 * and one row per commit. Ids must be 40 hex digits and appear once.
 */
export function parseUpstreamTsv(text: string): UpstreamRow[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header = lines[0]?.split('\t') ?? [];
  if (header[0] !== 'upstream' || header[1] !== 'seed') {
    throw new UpstreamListError('expected the header "upstream\tseed\tarea_hint\tsummary"', 1);
  }
  const rows: UpstreamRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const [commit = '', seed = '', areaHint = '', ...rest] = line.split('\t');
    if (!/^[0-9a-f]{40}$/i.test(commit)) {
      throw new UpstreamListError(`"${commit}" is not a 40-hex commit id`, i + 1);
    }
    const id = commit.toLowerCase();
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new UpstreamListError(`commit ${id} is listed twice (also line ${earlier})`, i + 1);
    }
    seen.set(id, i + 1);
    rows.push({ commit: id, seed, areaHint, summary: rest.join('\t'), line: i + 1 });
  }
  const shorts = new Map<string, string>();
  for (const row of rows) {
    const other = shorts.get(shortId(row.commit));
    if (other !== undefined) {
      throw new UpstreamListError(`commits ${other} and ${row.commit} share the short id ${shortId(row.commit)}`, row.line);
    }
    shorts.set(shortId(row.commit), row.commit);
  }
  return rows;
}

function scalar(data: Record<string, FrontMatterValue>, key: string, problems: string[]): string | undefined {
  const value = data[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    problems.push(`"${key}" must be a single value, not a list`);
    return undefined;
  }
  return value;
}

function list(data: Record<string, FrontMatterValue>, key: string, problems: string[]): string[] {
  const value = data[key];
  if (value === undefined) {
    problems.push(`"${key}" is missing (write "${key}: []" when there is nothing to list)`);
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push(`"${key}" must be a list ("${key}: []" or "- item" lines)`);
    return [];
  }
  return value;
}

/**
 * Reads an entry file into a {@link BackportEntry}, or returns what keeps it
 * from being read (bad front matter, a missing or mistyped field). Field values
 * are not judged here; {@link checkBackports} does that.
 */
export function parseEntry(text: string): { entry: BackportEntry; problems: string[] } | { entry: undefined; problems: string[] } {
  let doc;
  try {
    doc = parseFrontMatter(text);
  } catch (error) {
    if (error instanceof FrontMatterError) return { entry: undefined, problems: [`front matter: ${error.message}`] };
    throw error;
  }
  const problems: string[] = [];
  for (const key of Object.keys(doc.data)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown front-matter key "${key}" (known: ${ENTRY_KEYS.join(', ')})`);
    }
  }
  const entry: BackportEntry = {
    commit: scalar(doc.data, 'commit', problems) ?? '',
    title: scalar(doc.data, 'title', problems) ?? '',
    titleSource: scalar(doc.data, 'title_source', problems) ?? '',
    titleRef: scalar(doc.data, 'title_ref', problems),
    status: scalar(doc.data, 'status', problems) ?? '',
    packages: list(doc.data, 'packages', problems),
    modules: list(doc.data, 'modules', problems),
    tests: list(doc.data, 'tests', problems),
    reason: scalar(doc.data, 'reason', problems),
    body: doc.body,
  };
  return { entry, problems };
}

/**
 * True when `text` names `commit` by an id of at least {@link MIN_CITATION_LENGTH}
 * hex digits (case-insensitive) that is a prefix of the full id and is not part
 * of a longer hex run.
 */
export function mentionsCommit(text: string, commit: string): boolean {
  const full = commit.toLowerCase();
  const hexRun = new RegExp(`(?<![0-9a-f])[0-9a-f]{${MIN_CITATION_LENGTH},40}(?![0-9a-f])`, 'gi');
  for (const match of text.matchAll(hexRun)) {
    if (full.startsWith(match[0].toLowerCase())) return true;
  }
  return false;
}
