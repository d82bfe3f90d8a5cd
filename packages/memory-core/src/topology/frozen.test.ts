import { describe, expect, it } from 'vitest';
import { MemorySystem } from './MemorySystem.js';

describe('immutability', () => {
  it('states, regions and their subregion lists are frozen', () => {
    const m = new MemorySystem();
    m.createContainer({ name: 'c', size: 16n });
    m.createIo({ name: 'i', size: 1n });
    expect(Object.isFrozen(m.region('c'))).toBe(true);
    expect(Object.isFrozen(m.region('c').subregions)).toBe(true);
    m.addSubregion('c', 'i', 0n);
    m.createAddressSpace('as', 'c');
    expect(Object.isFrozen(m.region('c'))).toBe(true);
    expect(Object.isFrozen(m.region('c').subregions)).toBe(true);
    expect(Object.isFrozen(m.state)).toBe(true);
    expect(Object.isFrozen(m.state.addressSpaceOrder)).toBe(true);
    expect(Object.isFrozen(m.state.addressSpaces)).toBe(true);
  });
});
