/**
 * Reader for QEMU 7.2's `info mtree` / `info mtree -D` text: address-space
 * groups and the `memory-region:` sections of aliased regions, each a tree of
 * region lines.
 */
import { wrap64 } from './hex16.js';
import { MtreeParseError } from './MtreeParseError.js';
import type { MtreeType } from './mtreeType.js';

const SIZE_2_64 = 1n << 64n;

/** One region line of the tree text, placed in its tree. */
export interface TreeTextNode {
  /** 1-based line number; 0 for a placeholder. */
  line: number;
  /** Absolute start as printed (base of the section plus the offsets down the tree). */
  start: bigint;
  /** Last address as printed (inclusive). */
  end: bigint;
  /** Offset within the printed parent (mr->addr). */
  addr: bigint;
  /**
   * Size in bytes: end - start + 1, with 2^64 for a full range. A printed range
   * of one address is read as size 1 (QEMU prints size 0 the same way).
   */
  size: bigint;
  priority: number;
  nonvolatile: boolean;
  type: MtreeType;
  name: string;
  disabled: boolean;
  /** For an alias line: the target's name and the offset into it. */
  alias: { target: string; offset: bigint } | null;
  /**
   * True for a region the text does not show: `info mtree` without `-D` skips
   * a disabled region's line but prints its subregions one level deeper.
   */
  placeholder: boolean;
  parent: TreeTextNode | null;
  children: TreeTextNode[];
}

/** An `address-space:` group (one or more address spaces over one root) or a `memory-region:` section. */
export interface TreeTextSection {
  kind: 'address-space' | 'memory-region';
  /** 1-based line of the first header. */
  line: number;
  /** Address-space names (kind `address-space`), or the one region name. */
  names: string[];
  /** The level-1 region; null if the section printed no region. */
  root: TreeTextNode | null;
  /** The section's text, header to blank line, ending with `\n`. */
  text: string;
}

const REGION =
  /^(\[DETECTED OVERFLOW!\] )?( +)([0-9a-f]{16,})-([0-9a-f]{16,}) \(prio (-?\d+), (nv-)?(ramd|romd|rom|ram|i\/o)\): (.*)$/;
const ALIAS = /^alias (.*?) @(.*) ([0-9a-f]{16,})-([0-9a-f]{16,})$/;
const REGION_EXPECTED = 'a region line "start-end (prio N, type): name", indented by two spaces per level';

/**
 * Parses `info mtree` text (with or without `-D`) into its sections, in the
 * order printed. Throws {@link MtreeParseError} with the line number for
 * anything that is not a header, a region line or a blank line.
 */
export function parseTreeText(text: string, file: string | null = null): TreeTextSection[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // Text with a "[disabled]" line is -D text: nothing in it is hidden.
  const showsDisabled = lines.some((l) => l.endsWith(' [disabled]'));
  const sections: TreeTextSection[] = [];
  let section: TreeTextSection | null = null;
  let sectionStart = 0;
  let stack: TreeTextNode[] = [];
  const fail = (i: number, expected: string): never => {
    throw new MtreeParseError(file, i + 1, lines[i] ?? '', expected);
  };
  const close = (i: number): void => {
    if (section) {
      section.text = lines.slice(sectionStart, i + 1).join('\n') + '\n';
      sections.push(section);
    }
    section = null;
    stack = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const asHeader = /^address-space: (.*)$/.exec(line);
    if (asHeader) {
      if (section && section.kind === 'address-space' && section.root === null && stack.length === 0) {
        section.names.push(asHeader[1]!);
      } else if (section) {
        fail(i, 'a blank line before the next section');
      } else {
        section = { kind: 'address-space', line: i + 1, names: [asHeader[1]!], root: null, text: '' };
        sectionStart = i;
      }
      continue;
    }
    const mrHeader = /^memory-region: (.*)$/.exec(line);
    if (mrHeader) {
      if (section) fail(i, 'a blank line before the next section');
      section = { kind: 'memory-region', line: i + 1, names: [mrHeader[1]!], root: null, text: '' };
      sectionStart = i;
      continue;
    }
    if (line === '') {
      if (!section) fail(i, '"address-space: NAME" or "memory-region: NAME"');
      close(i);
      continue;
    }
    const m = REGION.exec(line);
    if (!section) fail(i, '"address-space: NAME" or "memory-region: NAME"');
    if (!m) fail(i, REGION_EXPECTED);
    const indent = m![2]!.length;
    if (indent % 2 !== 0) fail(i, `${REGION_EXPECTED} (got an odd indentation of ${indent})`);
    const level = indent / 2;
    const s = section!;
    if (level === 1 && (s.root !== null || stack.length > 0)) {
      fail(i, 'one root region per section (a second region at the first level)');
    }
    const start = BigInt(`0x${m![3]}`);
    const end = BigInt(`0x${m![4]}`);
    let rest = m![8]!;
    const disabled = rest.endsWith(' [disabled]');
    if (disabled) rest = rest.slice(0, -' [disabled]'.length);
    let alias: TreeTextNode['alias'] = null;
    let name = rest;
    let size = wrap64(end - start) + 1n;
    if (rest.startsWith('alias ')) {
      const a = ALIAS.exec(rest);
      if (!a) fail(i, 'an alias line "alias NAME @TARGET offset-end"');
      name = a![1]!;
      const offset = BigInt(`0x${a![3]}`);
      const offEnd = BigInt(`0x${a![4]}`);
      if (wrap64(offEnd - offset) + 1n !== size && !(size === SIZE_2_64 && offEnd - offset === SIZE_2_64 - 1n)) {
        fail(i, `an alias range as long as the region (${m![3]}-${m![4]})`);
      }
      alias = { target: a![2]!, offset };
    }
    if (size > SIZE_2_64) size = SIZE_2_64;
    // Without -D a disabled region's line is missing but its subregions are printed one
    // level deeper: right after a sibling's subregions they look like that sibling's.
    // A region outside that sibling's range is taken as the subregion of a hidden one
    // (unless this is -D text, where a subregion outside its container is just that).
    stack.length = Math.min(stack.length, level - 1);
    const maybeParent = stack[level - 2];
    if (!showsDisabled && level > 2 && maybeParent && !maybeParent.placeholder && (start < maybeParent.start || start > maybeParent.end)) {
      stack.length = level - 2;
    }
    // Levels the text skips are disabled regions `info mtree` without -D does not print.
    while (stack.length < level - 1) {
      const parent = stack[stack.length - 1] ?? null;
      // Placed where its first subregion starts, so it sorts where the text shows it.
      const ph: TreeTextNode = {
        line: 0,
        start: parent ? start : 0n,
        end: parent ? parent.end : SIZE_2_64 - 1n,
        addr: parent ? wrap64(start - parent.start) : 0n,
        size: parent ? wrap64(parent.end - start) + 1n : SIZE_2_64,
        priority: 0,
        nonvolatile: false,
        type: 'i/o',
        name: '(hidden)',
        disabled: true,
        alias: null,
        placeholder: true,
        parent,
        children: [],
      };
      if (parent) parent.children.push(ph);
      else s.root = ph;
      stack.push(ph);
    }
    stack.length = level - 1;
    const parent = stack[level - 2] ?? null;
    const node: TreeTextNode = {
      line: i + 1,
      start,
      end,
      addr: parent ? wrap64(start - parent.start) : start,
      size,
      priority: Number(m![5]),
      nonvolatile: m![6] !== undefined,
      type: m![7] as MtreeType,
      name,
      disabled,
      alias,
      placeholder: false,
      parent,
      children: [],
    };
    if (parent) parent.children.push(node);
    else s.root = node;
    stack.push(node);
  }
  if (section) fail(lines.length, 'a blank line ending the last section');
  return sections;
}
