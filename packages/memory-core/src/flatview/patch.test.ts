import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../topology/MemorySystem.js';
import { regionLookup } from '../topology/regionTable.js';
import { collectRegionWindows, type RegionWindow } from './dirtyWindows.js';
import { patchFlatView, refreshDirtyLogMasks } from './patch.js';
import { renderFlatRangesIn, renderFlatView } from './render.js';

function machine(): MemorySystem {
  const m = new MemorySystem();
  m.createContainer({ name: 'sys', size: 1n << 64n });
  m.createRam({ name: 'ram', size: 0x10000n });
  m.createContainer({ name: 'bus', size: 0x1000n });
  m.createIo({ name: 'dev', size: 0x100n });
  m.addSubregion('bus', 'dev', 0x200n);
  m.addSubregion('sys', 'ram', 0n);
  m.addSubregion('sys', 'bus', 0x4000n, 1);
  m.createAlias({ name: 'win', target: 'bus', offset: 0x100n, size: 0x400n });
  m.addSubregion('sys', 'win', 0x20000n);
  return m;
}

describe('dirty windows', () => {
  it('lists where a region can show: itself, each container, and each alias of it or its containers, clipped', () => {
    const m = machine();
    const out: RegionWindow[] = [];
    const aliasesOf = (id: string) => (id === 'bus' ? ['win'] : []);
    expect(collectRegionWindows(regionLookup(m.state.regions), aliasesOf, 'dev', out, 100)).toBe(true);
    const fmt = out.map((w) => `${w.node}[${w.lo.toString(16)},${w.hi.toString(16)})`).sort();
    expect(fmt).toEqual(['bus[200,300)', 'dev[0,100)', 'sys[20100,20200)', 'sys[4200,4300)', 'win[100,200)']);
  });

  it('gives up past the budget', () => {
    const m = machine();
    expect(collectRegionWindows(regionLookup(m.state.regions), () => [], 'dev', [], 2)).toBe(false);
  });
});

describe('patchFlatView', () => {
  it('re-renders only the windows, cutting ranges at their edges and merging back', () => {
    const m = machine();
    const old = renderFlatView(m.state, 'sys');
    m.setEnabled('dev', false);
    const full = renderFlatView(m.state, 'sys');
    expect(patchFlatView(m.state, old, [[0x4200n, 0x4300n], [0x20100n, 0x20200n]]).ranges).toEqual(full.ranges);
    // a window much wider than needed, or past 2^64, changes nothing in the result
    expect(patchFlatView(m.state, old, [[0x1000n, 0x30000n], [(1n << 64n) - 1n, 1n << 65n]]).ranges).toEqual(full.ranges);
    // no window: the old ranges, in a new FlatView object
    const same = patchFlatView(m.state, full, []);
    expect(same).not.toBe(full);
    expect(same.ranges).toBe(full.ranges);
  });

  it('renderFlatRangesIn returns the full render cut to the window', () => {
    const m = machine();
    const cut = renderFlatRangesIn(m.state, 'sys', 0x4100n, 0x4280n);
    expect(cut.map((r) => `${r.region}@${r.start.toString(16)}+${r.size.toString(16)}/${r.offsetInRegion.toString(16)}`)).toEqual([
      'ram@4100+100/4100',
      'dev@4200+80/0',
    ]);
  });

  it('refreshDirtyLogMasks recomputes masks only', () => {
    const m = machine();
    const before = renderFlatView(m.state, 'sys');
    m.globalDirtyLogStart();
    const after = refreshDirtyLogMasks(m.state, before);
    expect(after.ranges).toEqual(renderFlatView(m.state, 'sys').ranges);
    expect(after.ranges.find((r) => r.region === 'dev')).toBe(before.ranges.find((r) => r.region === 'dev'));
  });
});
