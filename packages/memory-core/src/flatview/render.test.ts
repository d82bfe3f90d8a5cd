import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA, type FlatView } from '../topology/types.js';
import { getFlatViewRoot } from './flatViewRoot.js';
import { renderFlatView } from './render.js';
import { canMerge, simplifyFlatRanges } from './simplify.js';

function lines(view: FlatView): string[] {
  return view.ranges.map(
    (r) =>
      `${r.start.toString(16)}+${r.size.toString(16)} ${r.region}@${r.offsetInRegion.toString(16)}` +
      `${r.readonly ? ' ro' : ''}${r.nonvolatile ? ' nv' : ''}${r.romdMode ? '' : ' !romd'} m${r.dirtyLogMask}`,
  );
}

function base(): MemorySystem {
  const m = new MemorySystem();
  m.createContainer({ name: 'sys', size: 1n << 64n });
  m.createAddressSpace('as', 'sys');
  return m;
}

describe('render', () => {
  it('equal priorities: the later subregion wins', () => {
    const m = base();
    m.createIo({ name: 'first', size: 0x100n });
    m.createIo({ name: 'second', size: 0x100n });
    m.addSubregion('sys', 'first', 0n);
    m.addSubregion('sys', 'second', 0x80n);
    expect(lines(m.flatView('as'))).toEqual(['0+80 first@0 m0', '80+100 second@0 m0']);
  });

  it('higher priority wins regardless of order', () => {
    const m = base();
    m.createIo({ name: 'hi', size: 0x100n });
    m.createIo({ name: 'lo', size: 0x100n });
    m.addSubregion('sys', 'hi', 0n, 5);
    m.addSubregion('sys', 'lo', 0x80n);
    expect(lines(m.flatView('as'))).toEqual(['0+100 hi@0 m0', '100+80 lo@80 m0']);
  });

  it('set address re-adds: the moved region comes first among equal priorities', () => {
    const m = base();
    m.createIo({ name: 'a', size: 0x100n });
    m.createIo({ name: 'b', size: 0x100n });
    m.addSubregion('sys', 'a', 0n);
    m.addSubregion('sys', 'b', 0n);
    expect(m.state.regions['sys']?.subregions).toEqual(['b', 'a']);
    m.setAddress('a', 0x10n);
    expect(m.state.regions['sys']?.subregions).toEqual(['a', 'b']);
    expect(lines(m.flatView('as'))).toEqual(['0+10 b@0 m0', '10+100 a@0 m0']);
  });

  it('a subregion is clipped to its container', () => {
    const m = base();
    m.createContainer({ name: 'c', size: 0x100n });
    m.createRam({ name: 'ram', size: 0x1000n });
    m.addSubregion('sys', 'c', 0x1000n);
    m.addSubregion('c', 'ram', 0x80n);
    expect(lines(m.flatView('as'))).toEqual(['1080+80 ram@0 m0']);
  });

  it('an alias applies its offset and passes readonly down; the target is unchanged elsewhere', () => {
    const m = base();
    m.createRam({ name: 'ram', size: 0x4000n });
    m.createAlias({ name: 'win', target: 'ram', offset: 0x1000n, size: 0x1000n });
    m.setReadonly('win', true);
    m.addSubregion('sys', 'ram', 0n);
    m.addSubregion('sys', 'win', 0x10000n);
    expect(lines(m.flatView('as'))).toEqual(['0+4000 ram@0 m0', '10000+1000 ram@1000 ro m0']);
  });

  it('the alias target\'s own address does not move the alias window', () => {
    const m = base();
    m.createRam({ name: 'ram', size: 0x4000n });
    m.createContainer({ name: 'holder', size: 0x10000n });
    m.addSubregion('holder', 'ram', 0x8000n);
    m.createAlias({ name: 'win', target: 'ram', offset: 0x1000n, size: 0x1000n });
    m.addSubregion('sys', 'win', 0x20000n);
    expect(lines(m.flatView('as'))).toEqual(['20000+1000 ram@1000 m0']);
  });

  it('a disabled region renders nothing, nor does its subtree, and lower regions show', () => {
    const m = base();
    m.createContainer({ name: 'c', size: 0x1000n });
    m.createIo({ name: 'in-c', size: 0x1000n });
    m.createIo({ name: 'under', size: 0x1000n });
    m.addSubregion('c', 'in-c', 0n);
    m.addSubregion('sys', 'c', 0n, 1);
    m.addSubregion('sys', 'under', 0n);
    m.setEnabled('c', false);
    expect(lines(m.flatView('as'))).toEqual(['0+1000 under@0 m0']);
  });

  it('a disabled alias target renders nothing through the alias', () => {
    const m = base();
    m.createRam({ name: 'ram', size: 0x1000n });
    m.createAlias({ name: 'al', target: 'ram', offset: 0n, size: 0x1000n });
    m.addSubregion('sys', 'al', 0n);
    m.setEnabled('ram', false);
    expect(m.flatView('as').ranges).toEqual([]);
  });

  it('ranges carry romd mode, readonly, nonvolatile and the dirty-log mask', () => {
    const m = new MemorySystem({ tcg: true });
    m.createContainer({ name: 'sys', size: 0x10000n });
    m.createRomDevice({ name: 'flash', size: 0x1000n });
    m.createRom({ name: 'rom', size: 0x1000n });
    m.createRam({ name: 'nv', size: 0x1000n, nonvolatile: true });
    m.createIo({ name: 'io', size: 0x1000n });
    for (const [id, a] of [['flash', 0n], ['rom', 0x1000n], ['nv', 0x2000n], ['io', 0x3000n]] as const) m.addSubregion('sys', id, a);
    m.createAddressSpace('as', 'sys');
    m.setRomdMode('flash', false);
    m.setLog('io', true);
    m.globalDirtyLogStart();
    const code = 1 << DIRTY_MEMORY_CODE;
    const mig = 1 << DIRTY_MEMORY_MIGRATION;
    expect(lines(m.flatView('as'))).toEqual([
      `0+1000 flash@0 !romd m${code | mig}`,
      `1000+1000 rom@0 ro m${code | mig}`,
      `2000+1000 nv@0 nv m${code | mig}`,
      `3000+1000 io@0 m${1 << DIRTY_MEMORY_VGA}`,
    ]);
  });

  it('pieces of one region merge back only when can_merge holds', () => {
    const m = base();
    m.createRam({ name: 'ram', size: 0x3000n });
    m.createContainer({ name: 'hole', size: 0x1000n });
    m.addSubregion('sys', 'ram', 0n);
    m.addSubregion('sys', 'hole', 0x1000n, 1);
    // an empty container on top does not split RAM
    expect(lines(m.flatView('as'))).toEqual(['0+3000 ram@0 m0']);
    // a readonly alias of the middle does
    m.createAlias({ name: 'mid', target: 'ram', offset: 0x1000n, size: 0x1000n });
    m.setReadonly('mid', true);
    m.addSubregion('sys', 'mid', 0x1000n, 2);
    expect(lines(m.flatView('as'))).toEqual(['0+1000 ram@0 m0', '1000+1000 ram@1000 ro m0', '2000+1000 ram@2000 m0']);
    m.setReadonly('mid', false);
    expect(lines(m.flatView('as'))).toEqual(['0+3000 ram@0 m0']);
  });

  it('a region of 2^64 bytes renders one range of 2^64', () => {
    const m = base();
    m.createIo({ name: 'all', size: (1n << 64n) - 1n });
    expect(m.state.regions['all']?.size).toBe(1n << 64n);
    m.addSubregion('sys', 'all', 0n);
    expect(m.flatView('as').ranges[0]?.size).toBe(1n << 64n);
  });

  it('addresses closer than a double can tell apart, near 2^63, are ordered and cut exactly', () => {
    const m = base();
    const top = 1n << 63n;
    m.createIo({ name: 'a', size: 10n });
    m.createIo({ name: 'b', size: 1n });
    m.createIo({ name: 'c', size: 3n });
    m.addSubregion('sys', 'a', top + 5n);
    m.addSubregion('sys', 'b', top + 8n, 1);
    m.addSubregion('sys', 'c', top);
    const h = (x: bigint) => (x - top).toString(16);
    expect(m.flatView('as').ranges.map((r) => `${h(r.start)}+${r.size} ${r.region}@${r.offsetInRegion}`)).toEqual([
      '0+3 c@0',
      '5+3 a@0',
      '8+1 b@0',
      '9+6 a@4',
    ]);
  });

  it('a zero-size region renders nothing', () => {
    const m = base();
    m.createIo({ name: 'z', size: 0n });
    m.addSubregion('sys', 'z', 0x10n);
    expect(m.flatView('as').ranges).toEqual([]);
  });

  it('simplify merges contiguous pieces and is idempotent', () => {
    const r = (start: bigint, size: bigint, off: bigint, region = 'r') => ({
      region, start, size, offsetInRegion: off, dirtyLogMask: 0, romdMode: true, readonly: false, nonvolatile: false,
    });
    const ranges = [r(0n, 0x10n, 0n), r(0x10n, 0x10n, 0x10n), r(0x20n, 0x10n, 0x40n), r(0x30n, 0x10n, 0x50n, 's')];
    expect(canMerge(ranges[0]!, ranges[1]!)).toBe(true);
    expect(canMerge(ranges[1]!, ranges[2]!)).toBe(false);
    const once = simplifyFlatRanges(ranges);
    expect(once).toEqual([r(0n, 0x20n, 0n), r(0x20n, 0x10n, 0x40n), r(0x30n, 0x10n, 0x50n, 's')]);
    expect(simplifyFlatRanges(once)).toBe(once);
  });
});

describe('memory_region_get_flatview_root and FlatView sharing', () => {
  it('address spaces over the same root, a whole-target alias, or a single-child container share one FlatView', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'sys', size: 1n << 64n });
    m.createRam({ name: 'ram', size: 0x1000n });
    m.createIo({ name: 'io', size: 0x100n });
    m.addSubregion('sys', 'ram', 0n);
    m.addSubregion('sys', 'io', 0x2000n);
    m.createIo({ name: 'io2', size: 0x100n });
    m.addSubregion('sys', 'io2', 0x3000n);
    m.createAlias({ name: 'sys-alias', target: 'sys', offset: 0n, size: 1n << 64n });
    m.createContainer({ name: 'wrapper', size: 1n << 64n });
    m.addSubregion('wrapper', 'sys-alias', 0n);
    m.createAlias({ name: 'offset-alias', target: 'sys', offset: 0x1000n, size: 0x2000n });
    m.createAddressSpace('a', 'sys');
    m.createAddressSpace('b', 'sys-alias');
    m.createAddressSpace('c', 'wrapper');
    m.createAddressSpace('d', 'offset-alias');
    expect(getFlatViewRoot(m.state, 'wrapper')).toBe('sys');
    expect(getFlatViewRoot(m.state, 'offset-alias')).toBe('offset-alias');
    m.setEnabled('io2', false); // a commit renders every view again
    expect(m.flatView('b')).toBe(m.flatView('a'));
    expect(m.flatView('c')).toBe(m.flatView('a'));
    expect(m.flatView('d')).not.toBe(m.flatView('a'));
    expect(m.flatView('a').root).toBe('sys');
    // with one enabled child left at 0, that child becomes the FlatView root
    m.setEnabled('io', false);
    expect(m.flatView('a').root).toBe('ram');
    expect(m.flatView('c')).toBe(m.flatView('a'));
  });

  it('address_space_init shares the existing FlatView of the same root at once, without a commit', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'sys', size: 0x10000n });
    m.createIo({ name: 'io', size: 0x100n });
    m.createIo({ name: 'io2', size: 0x100n });
    m.addSubregion('sys', 'io', 0n);
    m.addSubregion('sys', 'io2', 0x1000n);
    m.createAlias({ name: 'sys-alias', target: 'sys', offset: 0n, size: 0x10000n });
    m.createAddressSpace('a', 'sys');
    m.createAddressSpace('b', 'sys-alias');
    expect(m.flatView('b')).toBe(m.flatView('a'));
    // inside a transaction QEMU hands out the view of the last commit; so do we
    m.begin();
    m.setEnabled('io', false);
    m.createAddressSpace('c', 'sys');
    expect(m.flatView('c')).toBe(m.flatView('a'));
    expect(m.flatView('c').ranges.length).toBe(2);
    m.commit();
    expect(m.flatView('c').ranges.length).toBe(1);
    expect(m.flatView('c')).toBe(m.flatView('a'));
  });

  it('QEMU quirks kept: flags and the address of regions skipped by the FlatView-root walk are not applied', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'holder', size: 0x10000n });
    m.createRam({ name: 'ram', size: 0x1000n });
    m.addSubregion('holder', 'ram', 0x4000n);
    m.createAlias({ name: 'ro-view', target: 'ram', offset: 0n, size: 0x1000n });
    m.setReadonly('ro-view', true);
    m.createAddressSpace('as', 'ro-view');
    // the root resolves to "ram", rendered at ram's own address and without the alias's readonly
    expect(m.flatView('as').root).toBe('ram');
    expect(lines(m.flatView('as'))).toEqual(['4000+1000 ram@0 m0']);
    // rendered through a container, the same alias gives what memory.rst describes
    m.createContainer({ name: 'top', size: 0x10000n });
    m.createIo({ name: 'other', size: 0x10n });
    m.addSubregion('top', 'ro-view', 0n);
    m.addSubregion('top', 'other', 0x8000n);
    m.createAddressSpace('top-as', 'top');
    expect(lines(m.flatView('top-as'))).toEqual(['0+1000 ram@0 ro m0', '8000+10 other@0 m0']);
  });

  it('a container with no enabled subregion, or a disabled root, has the empty view', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'empty', size: 0x1000n });
    m.createRam({ name: 'ram', size: 0x1000n });
    m.createAddressSpace('e', 'empty');
    m.createAddressSpace('r', 'ram');
    m.setEnabled('ram', false);
    expect(getFlatViewRoot(m.state, 'empty')).toBeNull();
    expect(getFlatViewRoot(m.state, 'ram')).toBeNull();
    expect(m.flatView('e')).toEqual({ root: null, ranges: [] });
    expect(m.flatView('r').ranges).toEqual([]);
  });

  it('a single child that does not start at 0 or is larger than the container stops the walk', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'c', size: 0x1000n });
    m.createRam({ name: 'big', size: 0x2000n });
    m.addSubregion('c', 'big', 0n);
    expect(getFlatViewRoot(m.state, 'c')).toBe('c');
    expect(renderFlatView(m.state, 'c').ranges[0]?.size).toBe(0x1000n);
  });
});
