import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MulDivRangeError, muldiv64, muldiv64Number } from './hostUtils.js';

// upstream 49caffe0cc: muldiv64 with the host arithmetic helpers.
const oracle = (a: bigint, b: number, c: number): bigint => ((a * BigInt(b)) / BigInt(c)) & ((1n << 64n) - 1n);

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const divisor = fc.integer({ min: 1, max: 0xffffffff });

describe('muldiv64 (upstream 49caffe0cc)', () => {
  it('is floor(a * b / c) modulo 2^64 for every uint64 a and uint32 b, c (bigint oracle)', () => {
    fc.assert(fc.property(u64, u32, divisor, (a, b, c) => muldiv64(a, b, c) === oracle(a, b, c)), { numRuns: 2000 });
  });

  it('keeps the bits a 64-bit product would lose (the reason QEMU uses a wide intermediate)', () => {
    const a = (1n << 64n) - 1n;
    // a * 1e9 overflows 64 bits, the quotient does not.
    expect(muldiv64(a, 1_000_000_000, 1_000_000_000)).toBe(a);
    expect(muldiv64(a, 10_000_000, 1_000_000_000)).toBe(a / 100n);
    // A quotient of 2^64 or more wraps, as QEMU's uint64_t result does.
    expect(muldiv64(a, 3, 2)).toBe((a * 3n) / 2n - (1n << 64n));
    expect(muldiv64(1n << 63n, 2, 1)).toBe(0n);
  });

  it('names the operand out of range, c = 0 included', () => {
    expect(() => muldiv64(-1n, 1, 1)).toThrow(MulDivRangeError);
    expect(() => muldiv64(1n << 64n, 1, 1)).toThrow(/a = 18446744073709551616/);
    expect(() => muldiv64(1n, 2 ** 32, 1)).toThrow(/b = 4294967296/);
    expect(() => muldiv64(1n, 1, 0)).toThrow(/c = 0 is not non-zero/);
    expect(() => muldiv64(1n, 1.5, 1)).toThrow(MulDivRangeError);
  });
});

describe('muldiv64Number: the same on numbers, exact, without bigints', () => {
  const safe = fc.oneof(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 32 - 1, 2 ** 52 + 1),
  );

  it('equals the bigint oracle whenever the quotient is below 2^53, and refuses the rest', () => {
    fc.assert(
      fc.property(safe, fc.oneof(u32, fc.constantFrom(0, 1, 0xffffffff, 1_000_000_000, 10_000_000)), fc.oneof(divisor, fc.constantFrom(1, 3, 0xffffffff, 1_000_000_000)), (a, b, c) => {
        const want = (BigInt(a) * BigInt(b)) / BigInt(c);
        if (want < 1n << 53n) return muldiv64Number(a, b, c) === Number(want);
        expect(() => muldiv64Number(a, b, c)).toThrow(MulDivRangeError);
        return true;
      }),
      { numRuns: 5000 },
    );
  });

  it('is exact where a double product or quotient would round', () => {
    // 2^53 - 1 times 3 is not a safe integer; the exact quotient by 3 is.
    expect(muldiv64Number(Number.MAX_SAFE_INTEGER, 3, 3)).toBe(Number.MAX_SAFE_INTEGER);
    // (2^53 - 1) * (2^32 - 1) / (2^32 - 1): a 85-bit intermediate.
    expect(muldiv64Number(Number.MAX_SAFE_INTEGER, 0xffffffff, 0xffffffff)).toBe(Number.MAX_SAFE_INTEGER);
    // In doubles the product rounds and the floor comes out one too high.
    const [a, b, c] = [4503599627382841, 3, 2];
    expect(muldiv64Number(a, b, c)).toBe(Number((BigInt(a) * BigInt(b)) / BigInt(c)));
    expect(Math.floor((a * b) / c)).toBe(muldiv64Number(a, b, c) + 1);
  });

  it('agrees with the oracle on each of its paths', () => {
    const cases: [number, number, number][] = [
      [123_456_789, 1000, 7], // product below 2^52: rounded quotient, corrected
      [2 ** 52 + 3, 1, 3], // between 2^52 and 2^53: exact remainder
      [2 ** 50 + 11, 10_000_000, 1_000_000_000], // too wide, reduced by gcd 10^7 to 1 / 100
      [2 ** 50 + 11, 0xfffffffb, 0xfffffff1], // too wide and coprime: 16-bit limbs
      [2 ** 52 + 1, 6, 4], // reduced to 3 / 2, still too wide: limbs
    ];
    for (const [a, b, c] of cases) expect([a, b, c, muldiv64Number(a, b, c)]).toEqual([a, b, c, Number((BigInt(a) * BigInt(b)) / BigInt(c))]);
  });

  it('names the operand out of range', () => {
    expect(() => muldiv64Number(2 ** 53, 1, 1)).toThrow(/a = 9007199254740992/);
    expect(() => muldiv64Number(-1, 1, 1)).toThrow(MulDivRangeError);
    expect(() => muldiv64Number(1, 1, 0)).toThrow(/c = 0/);
    expect(() => muldiv64Number(2 ** 52, 4, 1)).toThrow(/result = 18014398509481984/);
  });
});
