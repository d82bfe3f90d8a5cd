import { describe, expect, it } from 'vitest';
import { MemoryTopologyError, UnknownRegionError } from './errors.js';
import { MemvisorError } from './memvisorError.js';
import * as api from './index.js';

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

  it('every error class memory-core exports is a MemvisorError', () => {
    const errors = Object.entries(api as Record<string, unknown>).filter(
      (e): e is [string, abstract new (...args: never[]) => unknown] =>
        e[0] !== 'MemvisorError' && typeof e[1] === 'function' && (e[1] as { prototype: unknown }).prototype instanceof Error,
    );
    expect(errors.length).toBeGreaterThan(20);
    for (const [name, cls] of errors) {
      expect(cls.prototype instanceof MemvisorError, name).toBe(true);
    }
  });
});
