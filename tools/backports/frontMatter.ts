/** A front-matter value: a scalar string or a list of strings. */
export type FrontMatterValue = string | string[];

/** A markdown file split into its YAML front matter and its body. */
export interface FrontMatterDocument {
  data: Record<string, FrontMatterValue>;
  body: string;
}

/** Thrown when a file's front matter is missing or uses YAML this parser does not read. */
export class FrontMatterError extends Error {
  override name = 'FrontMatterError';

  /**
   * @param line 1-based line in the file where the problem is, or 0 for the whole file.
   */
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:\s+(.*))?$/;
const ITEM_LINE = /^\s+-\s+(.*)$|^\s+-$|^-\s+(.*)$/;

function unquote(raw: string, line: number): string {
  const value = raw.trim();
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) {
      throw new FrontMatterError(`unterminated double-quoted string: ${value}`, line);
    }
    try {
      return JSON.parse(value) as string;
    } catch {
      throw new FrontMatterError(`bad escape in double-quoted string: ${value}`, line);
    }
  }
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) {
      throw new FrontMatterError(`unterminated single-quoted string: ${value}`, line);
    }
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[|>]/.test(value)) {
    throw new FrontMatterError('block scalars (| or >) are not supported; write the value on one line', line);
  }
  return value.replace(/\s+#.*$/, '');
}

function parseFlowList(raw: string, line: number): string[] {
  const inner = raw.trim().slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((item) => unquote(item, line));
}

/**
 * Splits `text` into front matter and body, reading the small YAML subset the
 * backport entries use: `key: value`, `key: "quoted"`, `key: [a, b]`, `key: []`
 * and `key:` followed by indented `- item` lines. Anything else (nesting, block
 * scalars, anchors) is rejected with a {@link FrontMatterError} naming the line,
 * rather than guessed at. A key given twice is an error.
 */
export function parseFrontMatter(text: string): FrontMatterDocument {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== '---') {
    throw new FrontMatterError('the file must start with a front-matter line "---"', 1);
  }
  const end = lines.indexOf('---', 1);
  if (end < 0) {
    throw new FrontMatterError('the front matter is not closed by a "---" line', 0);
  }
  const data: Record<string, FrontMatterValue> = {};
  let openList: string[] | undefined;
  for (let i = 1; i < end; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const item = ITEM_LINE.exec(line);
    if (item) {
      if (!openList) {
        throw new FrontMatterError('a list item "- ..." must follow a "key:" line with no value', lineNo);
      }
      const raw = item[1] ?? item[2];
      if (raw === undefined || raw.trim() === '') {
        throw new FrontMatterError('empty list item', lineNo);
      }
      openList.push(unquote(raw, lineNo));
      continue;
    }
    const key = KEY_LINE.exec(line);
    if (!key) {
      throw new FrontMatterError(`cannot read "${line}" (expected "key: value" or "  - item")`, lineNo);
    }
    const name = key[1] as string;
    if (Object.hasOwn(data, name)) {
      throw new FrontMatterError(`key "${name}" is given twice`, lineNo);
    }
    const raw = key[2]?.trim() ?? '';
    if (raw === '') {
      openList = [];
      data[name] = openList;
    } else if (raw.startsWith('[')) {
      if (!raw.endsWith(']')) {
        throw new FrontMatterError(`unterminated list for "${name}"`, lineNo);
      }
      openList = undefined;
      data[name] = parseFlowList(raw, lineNo);
    } else {
      openList = undefined;
      data[name] = unquote(raw, lineNo);
    }
  }
  return { data, body: lines.slice(end + 1).join('\n') };
}

function needsQuotes(value: string): boolean {
  return (
    value === '' ||
    /^[\s"'[\]{}>|*&!%@`#,?-]/.test(value) ||
    /:\s|\s#|:$/.test(value) ||
    value !== value.trim()
  );
}

function formatScalar(value: string): string {
  return needsQuotes(value) ? JSON.stringify(value) : value;
}

/**
 * Writes `data` as front matter that {@link parseFrontMatter} reads back
 * unchanged, keys in the given order; empty lists are written `[]`, other
 * lists one `- item` per line.
 */
export function formatFrontMatter(data: Record<string, FrontMatterValue>, body: string): string {
  const out = ['---'];
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        out.push(`${key}: []`);
      } else {
        out.push(`${key}:`);
        for (const item of value) out.push(`  - ${formatScalar(item)}`);
      }
    } else {
      out.push(`${key}: ${formatScalar(value)}`);
    }
  }
  out.push('---');
  return `${out.join('\n')}\n${body}`;
}
