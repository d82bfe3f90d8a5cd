/**
 * `topology/commit-q35`: one commit that toggles one region (the `smram-region`
 * alias, as QEMU's SMRAM logic does) on the q35 tree captured from QEMU 7.2
 * (tools/qemu-fixtures/7.2/q35, loaded with the QEMU text parser), with 3
 * listeners registered on the `memory` address space — reduce + render of
 * every address space + diff + delivery to each listener.
 * Baseline, in the same run: rendering the `memory` FlatView alone.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { record, timeMs, type BenchCase } from '../../../tools/bench/harness.js';
import { renderFlatView } from '../src/flatview/render.js';
import type { MemoryListener } from '../src/listener/MemoryListener.js';
import { parseQemuMtree } from '../src/mtree/parseQemu.js';
import { loadSpec } from '../src/spec/loadSpec.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/qemu-fixtures/7.2/q35');

function countingListener(): MemoryListener & { calls: number } {
  const l = {
    calls: 0,
    begin: () => void l.calls++,
    commit: () => void l.calls++,
    regionAdd: () => void l.calls++,
    regionDel: () => void l.calls++,
    regionNop: () => void l.calls++,
    logStart: () => void l.calls++,
    logStop: () => void l.calls++,
  };
  return l;
}

const commitQ35: BenchCase = {
  id: 'topology/commit-q35',
  async run() {
    const spec = parseQemuMtree(readFileSync(join(fixture, 'mtree-D.txt'), 'utf8'), {
      flat: readFileSync(join(fixture, 'mtree-f.txt'), 'utf8'),
    });
    const system = loadSpec(spec);
    const listeners = [countingListener(), countingListener(), countingListener()];
    listeners.forEach((l, i) => system.registerListener('memory', l, i));
    const toggled = 'smram-region';
    const regions = Object.keys(system.state.regions).length;
    const spaces = system.state.addressSpaceOrder.length;
    const ranges = system.flatView('memory').ranges.length;
    let on = false;
    const value = await timeMs('commit-q35', () => {
      system.setEnabled(toggled, on);
      on = !on;
    });
    if (listeners.some((l) => l.calls === 0)) throw new Error('commit-q35: a listener saw no commit');
    const state = system.state;
    const root = system.flatView('memory').root;
    const baselineValue = await timeMs('render-q35', () => {
      renderFlatView(state, root);
    });
    return record({
      id: 'topology/commit-q35',
      value,
      unit: 'ms',
      baseline: 'renderFlatView(memory) alone',
      baselineValue,
      note: `q35 (QEMU 7.2): ${regions} regions, ${spaces} address spaces, ${ranges} FlatRanges in memory, 3 listeners`,
    });
  },
};

export default [commitQ35];
