/**
 * Reader for QEMU 7.2's `info mtree -f` text: the FlatView blocks.
 */
import { MtreeParseError } from './MtreeParseError.js';
import type { MtreeType } from './mtreeType.js';

/** One ` AS "name", root: R[, alias A]` line of a FlatView block. */
export interface FlatTextAddressSpace {
  name: string;
  root: string;
  /** The root's alias target name, when the root is an alias. */
  alias: string | null;
}

/** One range line of a FlatView block. */
export interface FlatTextRange {
  line: number;
  start: bigint;
  /** Last address (inclusive), as printed. */
  end: bigint;
  priority: number;
  nonvolatile: boolean;
  type: MtreeType;
  name: string;
  /** The `@offset` into the region; 0 when not printed. */
  offset: bigint;
}

/** One `FlatView #N` block. */
export interface FlatTextView {
  line: number;
  /** The `#N` QEMU printed (hash-table order, not meaningful). */
  number: number;
  addressSpaces: FlatTextAddressSpace[];
  /** `Root memory region:` name, or null for `(none)`. */
  root: string | null;
  ranges: FlatTextRange[];
  /** The block's text, lines joined with `\n`, ending with the blank line. */
  text: string;
}

const RANGE =
  /^ {2}([0-9a-f]{16,})-([0-9a-f]{16,}) \(prio (-?\d+), (nv-)?(ramd|romd|rom|ram|i\/o)\): (.*)$/;
const AS_LINE = /^ AS "(.*)", root: (.*)$/;

/**
 * Parses `info mtree -f` output into its FlatView blocks, in the order printed.
 * Throws {@link MtreeParseError} with the line number on anything else.
 */
export function parseFlatText(text: string, file: string | null = null): FlatTextView[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const views: FlatTextView[] = [];
  let view: FlatTextView | null = null;
  let blockStart = 0;
  let phase: 'between' | 'as' | 'ranges' | 'done' = 'between';
  const fail = (i: number, expected: string): never => {
    throw new MtreeParseError(file, i + 1, lines[i] ?? '', expected);
  };
  const close = (i: number): void => {
    if (view) {
      view.text = lines.slice(blockStart, i + 1).join('\n') + '\n';
      views.push(view);
    }
    view = null;
    phase = 'between';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (phase === 'between') {
      const m = /^FlatView #(\d+)$/.exec(line);
      if (!m) fail(i, '"FlatView #N"');
      view = { line: i + 1, number: Number(m![1]), addressSpaces: [], root: null, ranges: [], text: '' };
      blockStart = i;
      phase = 'as';
      continue;
    }
    const v = view!;
    if (phase === 'as') {
      const as = AS_LINE.exec(line);
      if (as) {
        const rootText = as[2]!;
        const k = rootText.lastIndexOf(', alias ');
        v.addressSpaces.push(
          k >= 0
            ? { name: as[1]!, root: rootText.slice(0, k), alias: rootText.slice(k + ', alias '.length) }
            : { name: as[1]!, root: rootText, alias: null },
        );
        continue;
      }
      const root = /^ Root memory region: (.*)$/.exec(line);
      if (!root || v.addressSpaces.length === 0) {
        fail(i, v.addressSpaces.length === 0 ? '\' AS "name", root: region\'' : '\' AS "name", root: region\' or \' Root memory region: name\'');
      }
      v.root = root![1] === '(none)' ? null : root![1]!;
      phase = 'ranges';
      continue;
    }
    if (phase === 'ranges') {
      if (line === '') {
        close(i);
        continue;
      }
      if (line === '  No rendered FlatView' && v.ranges.length === 0) {
        phase = 'done';
        continue;
      }
      const m = RANGE.exec(line);
      if (!m) fail(i, 'a FlatView range line "  start-end (prio N, type): name[ @offset]", or a blank line');
      // With an accelerator that has its own memory map (KVM...), QEMU appends its name
      // once per address space of the view that the accelerator maps the range in.
      let name = m![6]!.replace(/(?: (?:kvm|hvf|whpx|nvmm|hax))+$/, '');
      let offset = 0n;
      const at = / @([0-9a-f]{16,})$/.exec(name);
      if (at) {
        offset = BigInt(`0x${at[1]}`);
        name = name.slice(0, at.index);
      }
      v.ranges.push({
        line: i + 1,
        start: BigInt(`0x${m![1]}`),
        end: BigInt(`0x${m![2]}`),
        priority: Number(m![3]),
        nonvolatile: m![4] !== undefined,
        type: m![5] as MtreeType,
        name,
        offset,
      });
      continue;
    }
    if (line !== '') fail(i, 'a blank line after "No rendered FlatView"');
    close(i);
  }
  if (phase !== 'between') fail(lines.length, 'a blank line ending the FlatView block');
  return views;
}
