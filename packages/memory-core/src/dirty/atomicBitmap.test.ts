import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitmapNew } from './bitmap.js';
import { bitmapAllSetAtomic, bitmapCopyAndClearAtomic, bitmapSetAtomic, bitmapTestAndClearAtomic, setBitAtomic } from './atomicBitmap.js';

function fromBools(bools: boolean[]): Uint32Array {
  const map = bitmapNew(bools.length);
  bools.forEach((b, i) => {
    if (b) map[i >>> 5] = (map[i >>> 5] as number) | (1 << (i & 31));
  });
  return map;
}

function toBools(map: Uint32Array, nbits: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < nbits; i++) out.push(((map[i >>> 5] as number) >>> (i & 31)) % 2 === 1);
  return out;
}

const bitsAndRange = fc
  .array(fc.boolean(), { minLength: 1, maxLength: 260 })
  .chain((bools) =>
    fc
      .tuple(fc.nat({ max: bools.length }), fc.nat({ max: bools.length }))
      .map(([a, b]) => ({ bools, start: Math.min(a, b), nr: Math.abs(a - b) })),
  );

describe('atomic bitmap operations against a boolean-array oracle', () => {
  // upstream d114875b9a: bits are set atomically so several threads can dirty memory
  it('setBitAtomic sets exactly one bit', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start }) => {
        const i = Math.min(start, bools.length - 1);
        const map = fromBools(bools);
        setBitAtomic(map, i);
        expect(toBools(map, bools.length)).toEqual(bools.map((b, k) => k === i || b));
      }),
    );
  });

  // upstream 9f02cfc84b: atomic OR on partial words, plain stores + one barrier on whole words
  it('bitmapSetAtomic sets exactly [start, start + nr) and keeps every other bit', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        const map = fromBools(bools);
        bitmapSetAtomic(map, start, nr);
        expect(toBools(map, bools.length)).toEqual(bools.map((b, k) => (k >= start && k < start + nr) || b));
      }),
    );
  });

  // upstream 36546e5b80: bitmap_test_and_clear_atomic clears a range and says whether a bit was set
  it('bitmapTestAndClearAtomic clears exactly the range and reports whether any bit in it was set', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        const map = fromBools(bools);
        const inRange = bools.slice(start, start + nr).some(Boolean);
        expect(bitmapTestAndClearAtomic(map, start, nr)).toBe(inRange);
        expect(toBools(map, bools.length)).toEqual(bools.map((b, k) => (k >= start && k < start + nr ? false : b)));
        expect(bitmapTestAndClearAtomic(map, start, nr)).toBe(false);
      }),
    );
  });

  // upstream e87f7778b6: the check that lets set_dirty_range skip clients already dirty
  it('bitmapAllSetAtomic is true exactly when every bit of the range is set', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        expect(bitmapAllSetAtomic(fromBools(bools), start, nr)).toBe(bools.slice(start, start + nr).every(Boolean));
        const full = fromBools(bools.map(() => true));
        expect(bitmapAllSetAtomic(full, start, nr)).toBe(true);
      }),
    );
  });

  it('bitmapCopyAndClearAtomic moves the words and leaves the source clear', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 260 }), (bools) => {
        const n = bools.length;
        const src = fromBools(bools);
        const dst = fromBools(bools.map((b) => !b)); // stale content is overwritten
        bitmapCopyAndClearAtomic(dst, src, n);
        expect(toBools(dst, n)).toEqual(bools);
        expect(toBools(src, n).some(Boolean)).toBe(false);
      }),
    );
  });

  it('work on non-shared Uint32Arrays too', () => {
    const map = new Uint32Array(4);
    bitmapSetAtomic(map, 3, 100);
    expect(bitmapTestAndClearAtomic(map, 0, 3)).toBe(false);
    expect(bitmapTestAndClearAtomic(map, 50, 1)).toBe(true);
    expect(map[1]).toBe(0xfffbffff);
  });
});
