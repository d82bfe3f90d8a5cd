/**
 * Byte swaps on plain numbers (no bigint): the endianness adjustments of the
 * MMIO path.
 */

/** Swaps the two low bytes of `v` (hot path). */
export function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

/** Swaps the four bytes of `v`, as an unsigned number (hot path). */
export function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Joins two unsigned 32-bit halves into a bigint (only for 8-byte values at the API edge). */
export function joinU64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Low 32 bits of a 64-bit bigint, unsigned. */
export function lo32(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/** High 32 bits of a 64-bit bigint, unsigned. */
export function hi32(v: bigint): number {
  return Number(BigInt.asUintN(32, v >> 32n));
}
