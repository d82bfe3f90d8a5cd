import { describe, expect, it } from 'vitest';
import { MemoryTopologyError, UnknownRegionError } from './errors.js';
import { MemvisorError } from './memvisorError.js';

describe('MemvisorError', () => {
  it('is the root of the typed errors: instanceof it, name = class name, a stable kind', () => {
    const e = new UnknownRegionError('ram0', 'addSubregion child');
    expect(e).toBeInstanceOf(MemoryTopologyError);
    expect(e).toBeInstanceOf(MemvisorError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('UnknownRegionError');
    expect(e.kind).toBe('unknown-region');
    expect(String(e)).toMatch(/^UnknownRegionError: no memory region with id "ram0"/);
  });
});
