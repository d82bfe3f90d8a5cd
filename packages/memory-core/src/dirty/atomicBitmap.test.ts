import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsAndRange as bitsAndRangeOf, fromBools, toBools } from './testing/bitmapOracle.js';
import { popcount32 } from './bitmap.js';
import { bitmapAllSetAtomic, bitmapCopyAndClearAtomic, bitmapSetAtomic, bitmapTestAndClearAtomic, setBitAtomic } from './atomicBitmap.js';

const bitsAndRange = bitsAndRangeOf(260);

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

  it('bitmapSetAtomic over long ranges (copied from an all-ones source in chunks) sets exactly the range', () => {
    const NBITS = 3 * 4096 * 32 + 100;
    fc.assert(
      fc.property(
        fc.nat({ max: 3000 }),
        fc.nat({ max: NBITS - 3000 }),
        fc.array(fc.nat({ max: NBITS - 1 }), { maxLength: 50 }),
        (start, nr, preset) => {
          const map = new Uint32Array(new SharedArrayBuffer(Math.ceil(NBITS / 32) * 4));
          for (const b of preset) map[b >>> 5] = (map[b >>> 5] as number) | (1 << (b & 31));
          const was = new Set(preset);
          bitmapSetAtomic(map, start, nr);
          let set = 0;
          for (let w = 0; w < map.length; w++) set += popcount32(map[w] as number);
          const outside = [...was].filter((b) => b < start || b >= start + nr).length;
          expect(set).toBe(nr + outside);
          if (nr > 0) expect([start, start + nr - 1].map((b) => ((map[b >>> 5] as number) >>> (b & 31)) & 1)).toEqual([1, 1]);
          for (const b of [start - 1, start + nr]) {
            if (b >= 0 && b < NBITS) expect(((map[b >>> 5] as number) >>> (b & 31)) & 1).toBe(was.has(b) ? 1 : 0);
          }
        },
      ),
      { numRuns: 60 },
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
