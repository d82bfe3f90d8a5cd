/**
 * Exact 64-bit arithmetic helpers (QEMU's include/qemu/host-utils.h, where
 * `muldiv64` lives since upstream 49caffe0cc).
 */
import { MemvisorError } from '../memvisorError.js';

const TWO_32 = 4294967296;
const TWO_64 = 1n << 64n;
const TWO_52 = 4503599627370496;

/**
 * An operand of {@link muldiv64} or {@link muldiv64Number} out of its range,
 * or a result that does not fit the number form.
 */
export class MulDivRangeError extends MemvisorError {
  readonly kind = 'mul-div-range';
  constructor(
    /** The operand at fault: `a`, `b`, `c` or `result`. */
    readonly operand: 'a' | 'b' | 'c' | 'result',
    /** Its value (for `result`, the exact quotient). */
    readonly value: bigint | number,
    /** What range it should be in. */
    readonly expected: string,
  ) {
    super(`muldiv64: ${operand} = ${value} is not ${expected}`);
  }
}

function checkU32(name: 'b' | 'c', v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new MulDivRangeError(name, v, 'an integer in [0, 2^32)');
  if (name === 'c' && v === 0) throw new MulDivRangeError('c', v, 'non-zero (division by zero)');
}

/**
 * QEMU's `muldiv64(uint64_t a, uint32_t b, uint32_t c)`: `a * b / c` rounded
 * down, computed with a 96-bit (QEMU: 128-bit) intermediate so the product
 * never overflows. As in QEMU, a quotient of 2^64 or more wraps modulo 2^64
 * (the C function returns a uint64_t).
 * @param a - unsigned 64-bit, as a bigint in [0, 2^64)
 * @param b - multiplier, an integer in [0, 2^32)
 * @param c - divisor, an integer in [1, 2^32)
 * @throws MulDivRangeError naming the operand out of range (c = 0 included)
 */
export function muldiv64(a: bigint, b: number, c: number): bigint {
  if (a < 0n || a >= TWO_64) throw new MulDivRangeError('a', a, 'in [0, 2^64)');
  checkU32('b', b);
  checkU32('c', c);
  return ((a * BigInt(b)) / BigInt(c)) % TWO_64;
}

/** Throws the MulDivRangeError for the first bad operand of {@link muldiv64Number}. */
function badNumberOperands(a: number, b: number, c: number): never {
  if (!Number.isSafeInteger(a) || a < 0) throw new MulDivRangeError('a', a, 'a non-negative safe integer');
  checkU32('b', b);
  checkU32('c', c);
  throw new MulDivRangeError('a', a, 'a valid operand');
}

/**
 * {@link muldiv64} on plain numbers, for paths that must not touch a bigint
 * (timers read on every event check): `floor(a * b / c)` exactly, for `a` a
 * safe non-negative integer and a quotient below 2^53. A product below 2^53 is
 * divided at once; otherwise `b / c` is reduced by their gcd first (the
 * timer's 10 MHz / 1e9 ns becomes 1 / 100), and only if the product is still
 * too wide is it divided by 16-bit limbs. Hot path of the CLINT.
 * @param a - a non-negative safe integer (below 2^53)
 * @param b - multiplier, an integer in [0, 2^32)
 * @param c - divisor, an integer in [1, 2^32)
 * @throws MulDivRangeError naming the operand out of range, or `result` when the quotient is 2^53 or more
 */
export function muldiv64Number(a: number, b: number, c: number): number {
  if (
    !(a >= 0 && a <= Number.MAX_SAFE_INTEGER && Math.floor(a) === a) ||
    !(b >= 0 && b < TWO_32 && Math.floor(b) === b) ||
    !(c >= 1 && c < TWO_32 && Math.floor(c) === c)
  ) {
    badNumberOperands(a, b, c);
  }
  let p = a * b;
  if (p > Number.MAX_SAFE_INTEGER) {
    let x = b;
    let y = c;
    while (y !== 0) {
      const t = x % y;
      x = y;
      y = t;
    }
    if (x <= 1) return wideMulDiv(a, b, c);
    b /= x;
    c /= x;
    p = a * b;
    if (p > Number.MAX_SAFE_INTEGER) return wideMulDiv(a, b, c);
  }
  if (p <= TWO_52) {
    // q * c <= p + c stays exact here; the rounded quotient is off by at most one.
    const q = Math.floor(p / c);
    const r = p - q * c;
    return r < 0 ? q - 1 : r >= c ? q + 1 : q;
  }
  const r = p % c; // exact for doubles
  return (p - r) / c; // an exact multiple of c: the division is exact
}

/** floor(a * b / c) when a * b is 2^53 or more: 96-bit product in 32-bit halves, long division by 16-bit steps. */
function wideMulDiv(a: number, b: number, c: number): number {
  // a = a1 * 2^32 + a0; a0 * b as (rlHi, lo) 32-bit halves from 16-bit partial products.
  const a0 = a % TWO_32;
  const a1 = (a - a0) / TWO_32;
  const a0l = a0 % 65536;
  const a0h = (a0 - a0l) / 65536;
  const bl = b % 65536;
  const bh = (b - bl) / 65536;
  const mid = a0h * bl + a0l * bh; // < 2^49
  const midLo = mid % 65536;
  let lo = a0l * bl + midLo * 65536; // < 2^33
  const carry = lo >= TWO_32 ? 1 : 0;
  lo -= carry * TWO_32;
  const rlHi = a0h * bh + (mid - midLo) / 65536 + carry; // < 2^32
  const rh = a1 * b + rlHi; // < 2^53 since a1 < 2^21
  let r = rh % c;
  const qHi = (rh - r) / c;
  // (r * 2^32 + lo) / c in two 16-bit steps, each numerator below 2^48.
  const loL = lo % 65536;
  let n = r * 65536 + (lo - loL) / 65536;
  r = n % c;
  const q1 = (n - r) / c;
  n = r * 65536 + loL;
  r = n % c;
  const q0 = (n - r) / c;
  if (qHi >= 2 ** 21) {
    throw new MulDivRangeError('result', (BigInt(a) * BigInt(b)) / BigInt(c), 'below 2^53 (use muldiv64 on bigints)');
  }
  return qHi * TWO_32 + q1 * 65536 + q0;
}
