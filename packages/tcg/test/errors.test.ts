import { describe, expect, it } from 'vitest';
import { MemvisorError } from '@memvisor/memory-core';
import * as api from '../src/index.js';
import { ElfFormatError } from '../src/index.js';

describe('tcg errors', () => {
  it('every error class tcg exports is a MemvisorError', () => {
    const errors = Object.entries(api as Record<string, unknown>).filter(
      (e): e is [string, abstract new (...args: never[]) => unknown] => typeof e[1] === 'function' && (e[1] as { prototype: unknown }).prototype instanceof Error,
    );
    expect(errors.length).toBeGreaterThan(5);
    for (const [name, cls] of errors) expect(cls.prototype instanceof MemvisorError, name).toBe(true);
  });

  it('a concrete error names its class and has its own kind', () => {
    const e = new ElfFormatError('machine', 62, 243);
    expect(e.name).toBe('ElfFormatError');
    expect(e.kind).toBe('elf-format');
  });
});
