/**
 * Topology benchmarks: one commit that toggles one region, with 3 listeners
 * registered on the `memory` address space — reduce (Immer) + render +
 * simplify + diff + delivery of every region_del/add/nop to each listener.
 * Baseline, in the same run: rendering that address space's FlatView alone
 * (`renderFlatView`, no reduce, diff or delivery).
 *
 * - `topology/commit-10k`: a synthetic tree of 10,000 regions.
 * - `topology/commit-q35`: the q35 tree captured from QEMU 7.2
 *   (tools/qemu-fixtures/7.2/q35, loaded with the QEMU text parser), toggling
 *   the `smram-region` alias as QEMU's SMRAM logic does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { record, timeMs, type BenchCase, type BenchRecord } from '../../../tools/bench/harness.js';
import { renderFlatView } from '../src/flatview/render.js';
import type { MemoryListener } from '../src/listener/MemoryListener.js';
import { parseQemuMtree } from '../src/mtree/parseQemu.js';
import { loadSpec } from '../src/spec/loadSpec.js';
import { MemorySystem } from '../src/topology/MemorySystem.js';

const q35Fixture = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/qemu-fixtures/7.2/q35');

/**
 * A machine-like tree of `total` regions: a root container holding 100 bus
 * containers; each bus holds RAM/I/O leaves, every tenth leaf an alias to a
 * RAM leaf of another bus, plus a low-priority background region per bus.
 */
function syntheticTree(total: number): { system: MemorySystem; toggled: string } {
  const m = new MemorySystem({ tcg: true });
  const buses = 100;
  const perBus = Math.floor((total - 1 - buses) / buses);
  const leafSize = 0x1000n;
  const busSize = 0x100_0000n;
  m.transaction(() => {
    m.createContainer({ id: 'root', name: 'system', size: 1n << 64n });
    for (let b = 0; b < buses; b++) {
      const bus = `bus${b}`;
      m.createContainer({ id: bus, name: bus, size: busSize });
      m.addSubregion('root', bus, BigInt(b) * busSize);
    }
    let made = 1 + buses;
    for (let b = 0; b < buses; b++) {
      const bus = `bus${b}`;
      for (let i = 0; i < perBus && made < total; i++, made++) {
        const id = `${bus}.r${i}`;
        if (i === 0) {
          m.createIo({ id, name: `${bus}.background`, size: busSize });
          m.addSubregion(bus, id, 0n, -1);
        } else if (i % 10 === 0 && b > 0) {
          m.createAlias({ id, name: id, target: `bus${b - 1}.r1`, offset: 0n, size: leafSize });
          m.addSubregion(bus, id, BigInt(i) * leafSize * 2n);
        } else if (i % 3 === 0) {
          m.createIo({ id, name: id, size: leafSize });
          m.addSubregion(bus, id, BigInt(i) * leafSize * 2n);
        } else {
          m.createRam({ id, name: id, size: leafSize });
          m.addSubregion(bus, id, BigInt(i) * leafSize * 2n);
        }
      }
    }
    for (; made < total; made++) m.createIo({ id: `spare${made}`, name: `spare${made}`, size: leafSize });
    m.createAddressSpace('memory', 'root');
  });
  return { system: m, toggled: 'bus50.r7' };
}

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

/** Times one commit toggling `toggled`, with 3 counting listeners, against a render of the same view. */
async function commitBench(id: string, system: MemorySystem, toggled: string, describe: string): Promise<BenchRecord> {
  const listeners = [countingListener(), countingListener(), countingListener()];
  listeners.forEach((l, i) => system.registerListener('memory', l, i));
  const regions = Object.keys(system.state.regions).length;
  const spaces = system.state.addressSpaceOrder.length;
  const ranges = system.flatView('memory').ranges.length;
  let on = false;
  const value = await timeMs(id, () => {
    system.setEnabled(toggled, on);
    on = !on;
  });
  if (listeners.some((l) => l.calls === 0)) throw new Error(`${id}: a listener saw no commit`);
  const state = system.state;
  const root = system.flatView('memory').root;
  const baselineValue = await timeMs(`${id} (render)`, () => {
    renderFlatView(state, root);
  });
  return record({
    id,
    value,
    unit: 'ms',
    baseline: 'renderFlatView(memory) alone',
    baselineValue,
    note: `${describe}: ${regions} regions, ${spaces} address spaces, ${ranges} FlatRanges in memory, 3 listeners`,
  });
}

const commit10k: BenchCase = {
  id: 'topology/commit-10k',
  run() {
    const { system, toggled } = syntheticTree(10_000);
    return commitBench('topology/commit-10k', system, toggled, 'synthetic tree');
  },
};

const commitQ35: BenchCase = {
  id: 'topology/commit-q35',
  run() {
    const spec = parseQemuMtree(readFileSync(join(q35Fixture, 'mtree-D.txt'), 'utf8'), {
      flat: readFileSync(join(q35Fixture, 'mtree-f.txt'), 'utf8'),
    });
    return commitBench('topology/commit-q35', loadSpec(spec), 'smram-region', 'q35 (QEMU 7.2)');
  },
};

export default [commit10k, commitQ35];
