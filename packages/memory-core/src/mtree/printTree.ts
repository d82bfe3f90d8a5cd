/**
 * `info mtree` / `info mtree -D`: the region tree of every address space, then
 * every region an alias points to, in QEMU 7.2's exact layout.
 */
import { hex16, mrSize, wrap64 } from './hex16.js';
import type { MtreeSource } from './mtreeSource.js';
import { mtreeType } from './mtreeType.js';
import type { RegionState } from '../topology/types.js';

/** Options of {@link printTree}. */
export interface PrintTreeOptions {
  /** Also print disabled regions, marked `[disabled]` (`info mtree -D`). */
  disabled?: boolean;
}

const INDENT = '  ';

/**
 * Prints the tree as QEMU 7.2's `info mtree` does, byte for byte, with one
 * deliberate difference in ordering: QEMU prints address-space groups in
 * hash-table order (different on every run); here groups come in the order of
 * their first address space in `addressSpaceOrder`. Within a group the names
 * are sorted by byte value, as QEMU does. Everything else follows QEMU:
 *
 * - address spaces with the same root region form one group (`address-space:`
 *   lines, then the root at indent 1);
 * - subregions are listed by address, then priority (highest first), then in
 *   the container's list order; a disabled region's line is left out (unless
 *   `disabled`) but its subregions are still printed, one level deeper;
 * - an alias prints `alias NAME @TARGET start-end` and queues its target, even
 *   when the alias is disabled; after the address spaces every queued region is
 *   printed as a `memory-region:` section, which may queue more;
 * - addresses wrap at 2^64 and a region whose range overflows is prefixed
 *   `[DETECTED OVERFLOW!] `, as QEMU does.
 */
export function printTree(source: MtreeSource, options: PrintTreeOptions = {}): string {
  const showDisabled = options.disabled ?? false;
  const region = (id: string): RegionState => {
    const r = source.regions[id];
    if (!r) throw new Error(`mtree: no region with id "${id}"`);
    return r;
  };
  const out: string[] = [];
  const queue: string[] = [];
  const queued = new Set<string>();

  const printRegion = (id: string, level: number, base: bigint): void => {
    const mr = region(id);
    const start = wrap64(base + mr.addr);
    const end = wrap64(start + mrSize(mr.size));
    if (start < base || end < start) out.push('[DETECTED OVERFLOW!] ');
    const head = `${INDENT.repeat(level)}${hex16(start)}-${hex16(end)} (prio ${mr.priority}, ${mr.nonvolatile ? 'nv-' : ''}${mtreeType(mr, region)}): `;
    const tail = mr.enabled ? '\n' : ' [disabled]\n';
    if (mr.kind === 'alias' && mr.alias !== null) {
      if (!queued.has(mr.alias)) {
        queued.add(mr.alias);
        queue.push(mr.alias);
      }
      if (mr.enabled || showDisabled) {
        const target = region(mr.alias);
        out.push(`${head}alias ${mr.name} @${target.name} ${hex16(mr.aliasOffset)}-${hex16(mr.aliasOffset + mrSize(mr.size))}${tail}`);
      }
    } else if (mr.enabled || showDisabled) {
      out.push(`${head}${mr.name}${tail}`);
    }
    for (const child of printOrder(mr.subregions.map(region))) printRegion(child.id, level + 1, start);
  };

  const groups = new Map<string, string[]>();
  for (const name of source.addressSpaceOrder) {
    const as = source.addressSpaces[name];
    if (!as) continue;
    const names = groups.get(as.root);
    if (names) names.push(name);
    else groups.set(as.root, [name]);
  }
  for (const [root, names] of groups) {
    for (const name of [...names].sort(byteOrder)) out.push(`address-space: ${name}\n`);
    printRegion(root, 1, 0n);
    out.push('\n');
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    out.push(`memory-region: ${region(id).name}\n`);
    printRegion(id, 1, 0n);
    out.push('\n');
  }
  return out.join('');
}

/** QEMU's `g_strcmp0` order: by byte value, not locale. */
function byteOrder(a: string, b: string): number {
  const ba = utf8.encode(a);
  const bb = utf8.encode(b);
  const n = Math.min(ba.length, bb.length);
  for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return ba.length - bb.length;
}

const utf8 = new TextEncoder();

/**
 * Subregions in print order: by address, then higher priority first; ties keep
 * the container's list order (QEMU inserts each before the first that sorts after it).
 */
function printOrder(subregions: RegionState[]): RegionState[] {
  return subregions
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.addr < b.r.addr ? -1 : a.r.addr > b.r.addr ? 1 : b.r.priority - a.r.priority || a.i - b.i))
    .map((x) => x.r);
}
