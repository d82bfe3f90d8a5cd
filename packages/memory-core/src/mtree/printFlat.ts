/**
 * `info mtree -f`: every FlatView with the address spaces that share it, in
 * QEMU 7.2's exact layout.
 */
import { hex16, mrSize, wrap64 } from './hex16.js';
import type { FlatViewOf, MtreeSource } from './mtreeSource.js';
import { mtreeType } from './mtreeType.js';
import type { FlatView, RegionState } from '../topology/types.js';

/**
 * Prints the FlatViews as QEMU 7.2's `info mtree -f` does, byte for byte, with
 * one deliberate difference in ordering: QEMU numbers and prints FlatViews in
 * hash-table order (different on every run); here FlatView blocks come in the
 * order of their first address space in `addressSpaceOrder`, numbered from 0 in
 * that order. Address spaces share a block when their FlatViews have the same
 * root (`memory_region_get_flatview_root`; all address spaces with nothing to
 * render share one). Inside a block, as in QEMU: the address spaces in creation
 * order (` AS "name", root: R`, plus `, alias T` when the root is an alias), the
 * root (`(none)` when there is none), then one line per FlatRange with the
 * terminating region's priority and type (`rom` when the range is read-only),
 * `@offset` when the range does not start at the region's offset 0, or
 * `No rendered FlatView` when there are no ranges.
 */
export function printFlat(source: MtreeSource, flatViewOf: FlatViewOf): string {
  const region = (id: string): RegionState => {
    const r = source.regions[id];
    if (!r) throw new Error(`mtree: no region with id "${id}"`);
    return r;
  };
  const blocks = new Map<string | null, { view: FlatView; names: string[] }>();
  for (const name of source.addressSpaceOrder) {
    if (!source.addressSpaces[name]) continue;
    const view = flatViewOf(name);
    const block = blocks.get(view.root);
    if (block) block.names.push(name);
    else blocks.set(view.root, { view, names: [name] });
  }
  const out: string[] = [];
  let counter = 0;
  for (const { view, names } of blocks.values()) {
    out.push(`FlatView #${counter++}\n`);
    for (const name of names) {
      const root = region(source.addressSpaces[name]!.root);
      const alias = root.kind === 'alias' && root.alias !== null ? `, alias ${region(root.alias).name}` : '';
      out.push(` AS "${name}", root: ${root.name}${alias}\n`);
    }
    out.push(` Root memory region: ${view.root !== null ? region(view.root).name : '(none)'}\n`);
    if (view.ranges.length === 0) {
      out.push('  No rendered FlatView\n\n');
      continue;
    }
    for (const fr of view.ranges) {
      const mr = region(fr.region);
      const type = fr.readonly ? 'rom' : mtreeType(mr, region);
      const at = fr.offsetInRegion !== 0n ? ` @${hex16(fr.offsetInRegion)}` : '';
      out.push(
        `  ${hex16(fr.start)}-${hex16(wrap64(fr.start + mrSize(fr.size)))} (prio ${mr.priority}, ${fr.nonvolatile ? 'nv-' : ''}${type}): ${mr.name}${at}\n`,
      );
    }
    out.push('\n');
  }
  return out.join('');
}
