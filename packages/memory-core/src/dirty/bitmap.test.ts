import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsAndRange as bitsAndRangeOf, fromBools, toBools } from './testing/bitmapOracle.js';
import {
  bitmapAnd,
  bitmapAndnot,
  bitmapClear,
  bitmapCopy,
  bitmapCountOne,
  bitmapCountOneWithOffset,
  bitmapEmpty,
  bitmapEqual,
  bitmapFill,
  bitmapFromLe,
  bitmapToLe,
  bitmapFull,
  bitmapNew,
  bitmapOr,
  bitmapSet,
  bitmapXor,
  bitmapZero,
  bitsToWords,
  clearBit,
  findFirstBit,
  findFirstZeroBit,
  findNextBit,
  findNextZeroBit,
  popcount32,
  setBit,
  testBit,
} from './bitmap.js';

const bitsAndRange = bitsAndRangeOf(200);

const twoMaps = fc
  .integer({ min: 1, max: 200 })
  .chain((n) => fc.tuple(fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n })));

describe('bitmap against a boolean-array oracle', () => {
  it('setBit, clearBit, testBit touch exactly one bit', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start }) => {
        const i = Math.min(start, bools.length - 1);
        const map = fromBools(bools);
        setBit(map, i);
        expect(toBools(map, bools.length)).toEqual(bools.map((b, k) => (k === i ? true : b)));
        expect(testBit(map, i)).toBe(true);
        clearBit(map, i);
        expect(toBools(map, bools.length)).toEqual(bools.map((b, k) => (k === i ? false : b)));
        expect(testBit(map, i)).toBe(false);
      }),
    );
  });

  it('bitmapSet and bitmapClear change exactly [start, start + nr)', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        const a = fromBools(bools);
        bitmapSet(a, start, nr);
        expect(toBools(a, bools.length)).toEqual(bools.map((b, k) => (k >= start && k < start + nr ? true : b)));
        const c = fromBools(bools);
        bitmapClear(c, start, nr);
        expect(toBools(c, bools.length)).toEqual(bools.map((b, k) => (k >= start && k < start + nr ? false : b)));
      }),
    );
  });

  it('findNextBit / findNextZeroBit return the first match at or after offset, or size', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        const size = start + nr; // a size smaller than the map, as callers use
        const map = fromBools(bools);
        const next = (want: boolean) => {
          for (let k = start; k < size; k++) if (bools[k] === want) return k;
          return size;
        };
        expect(findNextBit(map, size, start)).toBe(next(true));
        expect(findNextZeroBit(map, size, start)).toBe(next(false));
      }),
    );
  });

  it('findFirstBit / findFirstZeroBit, bitmapEmpty / bitmapFull', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), (bools) => {
        const map = fromBools(bools);
        const n = bools.length;
        const first = bools.indexOf(true);
        const firstZero = bools.indexOf(false);
        expect(findFirstBit(map, n)).toBe(first < 0 ? n : first);
        expect(findFirstZeroBit(map, n)).toBe(firstZero < 0 ? n : firstZero);
        expect(bitmapEmpty(map, n)).toBe(first < 0);
        expect(bitmapFull(map, n)).toBe(firstZero < 0);
      }),
    );
  });

  it('bitmapFull and bitmapEmpty ignore bits past nbits', () => {
    const map = bitmapNew(64);
    bitmapFill(map, 40);
    expect(bitmapFull(map, 40)).toBe(true);
    expect(bitmapFull(map, 41)).toBe(false);
    expect(map[1]).toBe(0xff);
    bitmapZero(map, 64);
    map[1] = 0x100; // bit 40
    expect(bitmapEmpty(map, 40)).toBe(true);
    expect(bitmapEmpty(map, 41)).toBe(false);
  });

  it('bitmapCountOne and bitmapCountOneWithOffset count set bits', () => {
    fc.assert(
      fc.property(bitsAndRange, ({ bools, start, nr }) => {
        const map = fromBools(bools);
        expect(bitmapCountOne(map, bools.length)).toBe(bools.filter(Boolean).length);
        expect(bitmapCountOneWithOffset(map, start, nr)).toBe(bools.slice(start, start + nr).filter(Boolean).length);
      }),
    );
  });

  it('popcount32 over whole words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        expect(popcount32(v)).toBe(v.toString(2).split('').filter((c) => c === '1').length);
      }),
    );
  });

  it('bitmapCopy, bitmapEqual', () => {
    fc.assert(
      fc.property(twoMaps, ([a, b]) => {
        const n = a.length;
        const dst = fromBools(b);
        bitmapCopy(dst, fromBools(a), n);
        expect(toBools(dst, n)).toEqual(a);
        expect(bitmapEqual(fromBools(a), fromBools(b), n)).toBe(a.every((x, i) => x === b[i]));
      }),
    );
  });

  it('bitmapAnd / bitmapOr / bitmapXor / bitmapAndnot are bitwise, and/andnot say whether any bit is set', () => {
    fc.assert(
      fc.property(twoMaps, ([a, b]) => {
        const n = a.length;
        const ma = fromBools(a);
        const mb = fromBools(b);
        const dst = bitmapNew(n);
        const and = a.map((x, i) => x && (b[i] as boolean));
        expect(bitmapAnd(dst, ma, mb, n)).toBe(and.some(Boolean));
        expect(toBools(dst, n)).toEqual(and);
        bitmapOr(dst, ma, mb, n);
        expect(toBools(dst, n)).toEqual(a.map((x, i) => x || (b[i] as boolean)));
        bitmapXor(dst, ma, mb, n);
        expect(toBools(dst, n)).toEqual(a.map((x, i) => x !== b[i]));
        const andnot = a.map((x, i) => x && !b[i]);
        expect(bitmapAndnot(dst, ma, mb, n)).toBe(andnot.some(Boolean));
        expect(toBools(dst, n)).toEqual(andnot);
      }),
    );
  });

  it('bitmapFromLe reads KVM-style little-endian bitmaps from bytes and from 64-bit words', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (bools) => {
        const n = bools.length;
        const bytes = new Uint8Array(Math.ceil(n / 64) * 8);
        const words = new BigUint64Array(Math.ceil(n / 64));
        bools.forEach((b, i) => {
          if (!b) return;
          bytes[i >>> 3] = (bytes[i >>> 3] as number) | (1 << (i & 7));
          words[i >>> 6] = (words[i >>> 6] as bigint) | (1n << BigInt(i & 63));
        });
        expect(toBools(bitmapFromLe(bytes, n), n)).toEqual(bools);
        expect(toBools(bitmapFromLe(words, n), n)).toEqual(bools);
        // A byte-exact buffer (not a multiple of 4 bytes) works too.
        expect(toBools(bitmapFromLe(bytes.subarray(0, Math.ceil(n / 8)), n), n)).toEqual(bools);
        expect(bitmapFromLe(bytes, n).length).toBe(bitsToWords(n));
      }),
    );
  });

  it('bitmapToLe writes 64-bit little-endian words that bitmapFromLe reads back', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (bools) => {
        const n = bools.length;
        const map = fromBools(bools);
        map[map.length - 1] = (map[map.length - 1] as number) | 0x80000000; // junk past nbits is dropped
        const le = bitmapToLe(map, n);
        expect(le.byteLength).toBe(Math.ceil(n / 64) * 8);
        bools.forEach((b, i) => expect((((le[i >>> 3] as number) >>> (i & 7)) & 1) === 1).toBe(b));
        for (let i = n; i < le.byteLength * 8; i++) expect((((le[i >>> 3] as number) >>> (i & 7)) & 1) === 0).toBe(true);
        expect(toBools(bitmapFromLe(le, n), n)).toEqual(bools);
      }),
    );
  });

  it('bitmapFromLe clears bits past nbits and rejects a short buffer', () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const map = bitmapFromLe(bytes, 36);
    expect(map[0]).toBe(0xffffffff);
    expect(map[1]).toBe(0xf);
    expect(() => bitmapFromLe(new Uint8Array(4), 40)).toThrow(RangeError);
  });
});
