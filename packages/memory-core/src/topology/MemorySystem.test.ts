import { describe, expect, it } from 'vitest';
import { UnknownRegionError } from '../errors.js';
import type { TopologyEvent } from './events.js';
import { MemorySystem } from './MemorySystem.js';
import { DIRTY_MEMORY_CODE } from './types.js';

describe('MemorySystem', () => {
  it('ids default to the name, then name#2, name#3...', () => {
    const m = new MemorySystem();
    expect(m.createIo({ name: 'serial', size: 8n })).toBe('serial');
    expect(m.createIo({ name: 'serial', size: 8n })).toBe('serial#2');
    expect(m.createIo({ name: 'serial', size: 8n })).toBe('serial#3');
    expect(m.createIo({ id: 'explicit', name: 'serial', size: 8n })).toBe('explicit');
    expect(m.region('serial#2').name).toBe('serial');
  });

  it('region kinds start as QEMU initialises them', () => {
    const m = new MemorySystem();
    const kinds = {
      c: m.createContainer({ name: 'c', size: 1n }),
      ram: m.createRam({ name: 'ram', size: 1n, owner: '/machine/dev' }),
      rom: m.createRom({ name: 'rom', size: 1n }),
      romd: m.createRomDevice({ name: 'romd', size: 1n }),
      io: m.createIo({ name: 'io', size: 1n }),
      res: m.createReservation({ name: 'res', size: 1n }),
      al: m.createAlias({ name: 'al', target: 'ram', offset: 0n, size: 1n }),
      ramd: m.createRam({ name: 'ramd', size: 1n, ramDevice: true }),
    };
    const r = (id: string) => m.region(id);
    expect([r(kinds.c).terminates, r(kinds.al).terminates, r(kinds.io).terminates, r(kinds.res).terminates]).toEqual([false, false, true, true]);
    expect([r(kinds.ram).ram, r(kinds.rom).ram, r(kinds.romd).ram, r(kinds.io).ram]).toEqual([true, true, true, false]);
    expect(r(kinds.rom).readonly).toBe(true);
    expect(r(kinds.romd).romdMode).toBe(true);
    expect(r(kinds.al).alias).toBe('ram');
    expect(r(kinds.ramd).ramDevice).toBe(true);
    expect(r(kinds.ram).owner).toBe('/machine/dev');
    expect(r(kinds.io).enabled).toBe(true);
  });

  it('events$ emits every applied event in order, after it is applied; eventLog holds them', () => {
    const m = new MemorySystem();
    const seen: TopologyEvent[] = [];
    const views: number[] = [];
    m.events$.subscribe((e) => {
      seen.push(e);
      if (e.type === 'addressSpaceCreated' || e.type === 'subregionAdded') views.push(m.flatView('as').ranges.length);
    });
    m.createContainer({ name: 'root', size: 0x100n });
    m.createAddressSpace('as', 'root');
    m.createIo({ name: 'io', size: 0x10n });
    m.addSubregion('root', 'io', 0n);
    expect(seen.map((e) => e.type)).toEqual(['regionCreated', 'addressSpaceCreated', 'regionCreated', 'subregionAdded']);
    expect(m.eventLog).toEqual(seen);
    expect(views).toEqual([0, 1]);
    expect(Object.isFrozen(m.eventLog[0])).toBe(true);
  });

  it('transaction(fn) commits even when fn throws, and rethrows', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'root', size: 0x100n });
    m.createIo({ name: 'io', size: 0x10n });
    m.createAddressSpace('as', 'root');
    expect(() =>
      m.transaction(() => {
        m.addSubregion('root', 'io', 0n);
        throw new Error('device failed');
      }),
    ).toThrow('device failed');
    expect(m.state.transactionDepth).toBe(0);
    expect(m.flatView('as').ranges.length).toBe(1);
    expect(m.transaction(() => 42)).toBe(42);
  });

  it('fromEvents rebuilds the same state and views', () => {
    const m = new MemorySystem({ tcg: true });
    m.createContainer({ name: 'root', size: 0x1000n });
    m.createRam({ name: 'ram', size: 0x100n });
    m.addSubregion('root', 'ram', 0x100n);
    m.createAddressSpace('as', 'root');
    const copy = MemorySystem.fromEvents(m.eventLog);
    expect(copy.state).toEqual(m.state);
    expect(copy.flatView('as')).toEqual(m.flatView('as'));
    expect(copy.isLogging('ram', DIRTY_MEMORY_CODE)).toBe(true);
  });

  it('destroyRegion unmaps its subregions and frees its id', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'bus', size: 0x100n });
    m.createIo({ name: 'io', size: 0x10n });
    m.addSubregion('bus', 'io', 0n);
    m.destroyRegion('bus');
    expect(() => m.region('bus')).toThrow(UnknownRegionError);
    expect(m.region('io').container).toBeNull();
    expect(m.createContainer({ name: 'bus', size: 0x10n })).toBe('bus');
  });

  it('setTcg turns the CODE bit on RAM ranges on and off', () => {
    const m = new MemorySystem();
    m.createRam({ name: 'ram', size: 0x100n });
    m.createAddressSpace('as', 'ram');
    m.setTcg(true);
    expect(m.flatView('as').ranges[0]?.dirtyLogMask).toBe(1 << DIRTY_MEMORY_CODE);
    m.setTcg(false);
    expect(m.flatView('as').ranges[0]?.dirtyLogMask).toBe(0);
  });

  it('an address space created inside a transaction renders at once; its listeners see the commit', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'root', size: 0x100n });
    m.createIo({ name: 'a', size: 0x10n });
    m.createIo({ name: 'b', size: 0x10n });
    m.addSubregion('root', 'a', 0n);
    m.begin();
    m.addSubregion('root', 'b', 0x20n);
    m.createAddressSpace('as', 'root');
    expect(m.flatView('as').ranges.map((r) => r.region)).toEqual(['a', 'b']);
    const calls: string[] = [];
    m.registerListener('as', { regionAdd: (s) => calls.push(`add ${s.region}`), regionNop: (s) => calls.push(`nop ${s.region}`) });
    m.setEnabled('a', false);
    m.commit();
    expect(calls).toEqual(['add a', 'add b', 'nop b']);
  });

  it('a view rendered inside a transaction gets its dirty-log masks refreshed even if the flags end where they began', () => {
    for (const incrementalRender of [true, false]) {
      const m = new MemorySystem({ incrementalRender });
      m.createRam({ name: 'ram', size: 0x100n });
      m.createIo({ name: 'io', size: 0x100n });
      m.begin();
      m.globalDirtyLogStart();
      m.createAddressSpace('as', 'ram');
      expect(m.flatView('as').ranges[0]?.dirtyLogMask).not.toBe(0);
      m.globalDirtyLogStop();
      m.commit();
      expect(m.flatView('as').ranges[0]?.dirtyLogMask).toBe(0);
    }
  });
});
