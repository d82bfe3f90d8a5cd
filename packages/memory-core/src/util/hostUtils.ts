/**
 * Exact 64-bit arithmetic helpers (QEMU's include/qemu/host-utils.h, where
 * `muldiv64` lives since upstream 49caffe0cc).
 */

const TWO_32 = 4294967296;
const TWO_64 = 1n << 64n;

/**
 * An operand of {@link muldiv64} or {@link muldiv64Number} out of its range,
 * or a result that does not fit the number form.
 */
export class MulDivRangeError extends RangeError {
  constructor(
    /** The operand at fault: `a`, `b`, `c` or `result`. */
    readonly operand: 'a' | 'b' | 'c' | 'result',
    /** Its value (for `result`, the exact quotient). */
    readonly value: bigint | number,
    /** What range it should be in. */
    readonly expected: string,
  ) {
    super(`muldiv64: ${operand} = ${value} is not ${expected}`);
    this.name = 'MulDivRangeError';
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

/** floor(hi * 2^16 + lo) / c and its remainder for hi * 2^16 + lo < 2^53, exactly (out: q, r). */
const qr = { q: 0, r: 0 };
function divStep(n: number, c: number): void {
  const r = n % c; // exact for doubles
  qr.q = (n - r) / c; // an exact multiple of c: the division is exact
  qr.r = r;
}

/**
 * {@link muldiv64} on plain numbers, for paths that must not touch a bigint
 * (timers read on every event check): `floor(a * b / c)` exactly, by limbs, for
 * `a` a safe non-negative integer and a quotient below 2^53.
 * @param a - a non-negative safe integer (below 2^53)
 * @param b - multiplier, an integer in [0, 2^32)
 * @param c - divisor, an integer in [1, 2^32)
 * @throws MulDivRangeError naming the operand out of range, or `result` when the quotient is 2^53 or more
 */
export function muldiv64Number(a: number, b: number, c: number): number {
  if (!Number.isSafeInteger(a) || a < 0) throw new MulDivRangeError('a', a, 'a non-negative safe integer');
  checkU32('b', b);
  checkU32('c', c);
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) {
    divStep(p, c);
    return qr.q;
  }
  // a = a1 * 2^32 + a0; a0 * b as (rlHi, rlLo) 32-bit halves from 16-bit partial products.
  const a0 = a % TWO_32;
  const a1 = (a - a0) / TWO_32;
  const a0h = Math.floor(a0 / 65536);
  const a0l = a0 % 65536;
  const bh = Math.floor(b / 65536);
  const bl = b % 65536;
  const mid = a0h * bl + a0l * bh; // < 2^49
  const midLo = mid % 65536;
  let lo = a0l * bl + midLo * 65536; // < 2^33
  const carry = Math.floor(lo / TWO_32);
  lo %= TWO_32;
  const rlHi = a0h * bh + (mid - midLo) / 65536 + carry; // < 2^32
  const rh = a1 * b + rlHi; // < 2^53 since a1 < 2^21
  divStep(rh, c);
  const qHi = qr.q;
  // (r * 2^32 + lo) / c in two 16-bit steps, each numerator below 2^48.
  divStep(qr.r * 65536 + Math.floor(lo / 65536), c);
  const q1 = qr.q;
  divStep(qr.r * 65536 + (lo % 65536), c);
  const q0 = qr.q;
  const result = qHi * TWO_32 + q1 * 65536 + q0;
  if (qHi >= 2 ** 21) {
    throw new MulDivRangeError('result', (BigInt(a) * BigInt(b)) / BigInt(c), 'below 2^53 (use muldiv64 on bigints)');
  }
  return result;
}
