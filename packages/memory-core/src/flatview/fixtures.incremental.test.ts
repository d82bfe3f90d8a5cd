/**
 * Incremental commits on real machine trees: QEMU 7.2's q35 and pc (with
 * devices) as captured in tools/qemu-fixtures, mutated at random. Patching
 * the dirty windows must give exactly what re-rendering every view gives:
 * the same FlatViews and the same listener calls, on every address space.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryTopologyError } from '../errors.js';
import { parseQemuMtree } from '../mtree/parseQemu.js';
import { loadSpec } from '../spec/loadSpec.js';
import type { TopologyEvent } from '../topology/events.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import { getFlatViewRoot } from './flatViewRoot.js';
import { renderFlatView } from './render.js';
import { callLog } from './testing/callLog.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../tools/qemu-fixtures/7.2');

function machineLog(machine: string): readonly TopologyEvent[] {
  const text = (f: string) => readFileSync(join(FIXTURES, machine, f), 'utf8');
  return loadSpec(parseQemuMtree(text('mtree-D.txt'), { flat: text('mtree-f.txt') })).eventLog;
}

type Step = { op: 'enable' | 'readonly' | 'log'; pick: number; on: boolean } | { op: 'move'; pick: number; shift: number } | { op: 'global' } | { op: 'txn'; open: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('enable' as const, 'readonly' as const, 'log' as const), pick: fc.nat(), on: fc.boolean() }),
  fc.record({ op: fc.constant('move' as const), pick: fc.nat(), shift: fc.integer({ min: -4, max: 4 }) }),
  fc.constant({ op: 'global' as const }),
  fc.record({ op: fc.constant('txn' as const), open: fc.boolean() }),
);

function run(log: readonly TopologyEvent[], steps: readonly Step[], incrementalRender: boolean) {
  const m = MemorySystem.fromEvents(log, { incrementalRender });
  const calls: string[] = [];
  for (const as of m.addressSpaceNames()) m.registerListener(as, callLog(as, calls));
  const ids = Object.keys(m.state.regions);
  for (const s of steps) {
    const id = 'pick' in s ? (ids[s.pick % ids.length] as string) : '';
    try {
      switch (s.op) {
        case 'enable':
          m.setEnabled(id, s.on);
          break;
        case 'readonly':
          m.setReadonly(id, s.on);
          break;
        case 'log':
          m.setLog(id, s.on);
          break;
        case 'move': {
          const r = m.region(id);
          const a = r.addr + BigInt(s.shift) * 0x1000n;
          m.setAddress(id, a < 0n ? 0n : a);
          break;
        }
        case 'global':
          if (m.state.globalDirtyLog) m.globalDirtyLogStop();
          else m.globalDirtyLogStart();
          break;
        case 'txn':
          if (s.open) m.begin();
          else m.commit();
          break;
      }
    } catch (e) {
      if (!(e instanceof MemoryTopologyError)) throw e;
    }
  }
  while (m.state.transactionDepth > 0) m.commit();
  // some changes set no update pending (moving an unmapped root): QEMU renders them at the next commit
  if (m.state.globalDirtyLog) m.globalDirtyLogStop();
  else m.globalDirtyLogStart();
  const views = m.addressSpaceNames().map((as) => m.flatView(as));
  return { m, calls, views };
}

describe.each(['q35-devices', 'pc-devices'])('incremental commits on the QEMU 7.2 %s tree', (machine) => {
  const log = machineLog(machine);

  it('give the same FlatViews and listener calls as full re-rendering', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const inc = run(log, steps, true);
        const full = run(log, steps, false);
        expect(inc.calls).toEqual(full.calls);
        expect(inc.views).toEqual(full.views);
        for (const as of inc.m.addressSpaceNames()) {
          const root = getFlatViewRoot(inc.m.state, inc.m.state.addressSpaces[as]!.root);
          if (inc.m.flatView(as).root === root) expect(inc.m.flatView(as).ranges).toEqual(renderFlatView(inc.m.state, root).ranges);
        }
      }),
      { numRuns: 40 },
    );
  });
});
