import { describe, expect, it } from 'vitest';
import { UnknownRegionError } from '../errors.js';
import { MemorySystem } from './MemorySystem.js';
import { REGION_PROPERTY_NAMES, regionProperties } from './regionProperties.js';

function machine() {
  const m = new MemorySystem();
  const sys = m.createContainer({ id: 'system', name: 'system', size: 1n << 64n });
  const ram = m.createRam({ id: 'ram', name: 'pc.ram', size: 0x10000n });
  m.addSubregion(sys, ram, 0x8000_0000n, -2);
  m.createAddressSpace('memory', sys);
  return m;
}

const asObject = (m: MemorySystem, id: string) => Object.fromEntries([...regionProperties(m, id)].map((p) => [p.name, [p.type, p.value]]));

// upstream a00c948241: properties are reached through an iterator, never the internal list
describe('regionProperties (upstream a00c948241)', () => {
  it("yields memory_region_initfn's properties in QEMU's order and types, then the class property type", () => {
    const m = machine();
    const props = [...regionProperties(m, 'ram')];
    expect(props.map((p) => p.name)).toEqual([...REGION_PROPERTY_NAMES]);
    expect(props).toEqual([
      { name: 'container', type: 'link<memory-region>', value: 'system' },
      { name: 'addr', type: 'uint64', value: 0x8000_0000n },
      { name: 'priority', type: 'uint32', value: -2 }, // QEMU's getter visits int32
      { name: 'size', type: 'uint64', value: 0x10000n },
      { name: 'type', type: 'string', value: 'memory-region' },
    ]);
  });

  it('a root has no container, and a 2^64 size reads as 2^64 - 1 (memory_region_size)', () => {
    const m = machine();
    expect(asObject(m, 'system')).toMatchObject({
      container: ['link<memory-region>', null],
      size: ['uint64', 0xffff_ffff_ffff_ffffn],
    });
  });

  it('values track mutations, also for an iterator taken before them', () => {
    const m = machine();
    const early = regionProperties(m, 'ram');
    expect(early.next().value).toEqual({ name: 'container', type: 'link<memory-region>', value: 'system' });
    m.setAddress('ram', 0x9000_0000n);
    m.setSize('ram', 0x20000n);
    expect([...early].map((p) => p.value)).toEqual([0x9000_0000n, -2, 0x20000n, 'memory-region']);
    m.delSubregion('system', 'ram');
    m.addSubregion('system', 'ram', 0x1000n, 7);
    expect(asObject(m, 'ram')).toMatchObject({ addr: ['uint64', 0x1000n], priority: ['uint32', 7] });
    m.delSubregion('system', 'ram');
    expect(asObject(m, 'ram')['container']).toEqual(['link<memory-region>', null]);
  });

  it('reading the properties changes nothing: same state object, same event log', () => {
    const m = machine();
    const state = m.state;
    const events = m.eventLog.length;
    expect([...regionProperties(m, 'ram')]).toHaveLength(5);
    expect(m.state).toBe(state);
    expect(m.eventLog.length).toBe(events);
  });

  it('an unknown region throws UnknownRegionError at the call; a region destroyed meanwhile throws from next()', () => {
    const m = machine();
    expect(() => regionProperties(m, 'nope')).toThrow(UnknownRegionError);
    const orphan = m.createRam({ id: 'orphan', name: 'orphan', size: 0x1000n });
    const it = regionProperties(m, orphan);
    it.next();
    m.destroyRegion(orphan);
    expect(() => it.next()).toThrow(UnknownRegionError);
  });
});
