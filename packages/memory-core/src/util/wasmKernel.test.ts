import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sleb128, uleb128, wasmSection } from './wasmKernel.js';

/** Decodes LEB128 the way the WebAssembly spec reads it. */
function decode(bytes: number[], signed: boolean): number {
  let result = 0n;
  let shift = 0n;
  let b = 0;
  for (const x of bytes) {
    b = x;
    result |= BigInt(x & 0x7f) << shift;
    shift += 7n;
  }
  if (signed && (b & 0x40) !== 0) result -= 1n << shift;
  return Number(result);
}

describe('wasm encodings', () => {
  it('LEB128 round-trips every 32-bit value, signed and unsigned, with no spare byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const s = sleb128(n);
        expect(decode(s, true)).toBe(n);
        expect(s.slice(0, -1).every((b) => (b & 0x80) !== 0) && (s.at(-1)! & 0x80) === 0).toBe(true);
        const u = n >>> 0;
        expect(decode(uleb128(u), false)).toBe(u);
      }),
    );
    expect(sleb128(64)).toEqual([0xc0, 0x00]);
    expect(uleb128(64)).toEqual([0x40]);
  });

  it('a section is its id, its length, its bytes', () => {
    expect(wasmSection(3, new Array<number>(200).fill(1)).slice(0, 3)).toEqual([3, 0xc8, 0x01]);
  });
});
