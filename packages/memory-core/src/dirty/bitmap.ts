/**
 * Bitmaps with QEMU's util/bitmap.c semantics, stored in `Uint32Array` words so
 * that the same arrays can be shared with worker threads and updated with
 * `Atomics` (see `atomicBitmap.ts`). Bit `n` lives in word `n >>> 5`, at bit
 * position `n & 31`; that is also the byte layout of a little-endian bitmap of
 * any word size, which is what KVM hands out.
 *
 * Bit numbers and counts are safe-integer `number`s (a word index must fit a
 * typed-array index). None of these functions check bounds: callers pass
 * ranges inside the map, as in QEMU.
 */

/** Bits per bitmap word. */
export const BITS_PER_WORD = 32;

/** Number of words needed for `nbits` bits (QEMU's BITS_TO_LONGS). */
export function bitsToWords(nbits: number): number {
  return Math.ceil(nbits / BITS_PER_WORD);
}

/** A zeroed bitmap of `nbits` bits in a `SharedArrayBuffer` (QEMU's bitmap_new). */
export function bitmapNew(nbits: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(bitsToWords(nbits) * 4));
}

/** Population count of a 32-bit word. Hot path. */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Index of the lowest set bit of a non-zero word (QEMU's ctz32). */
function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/** Mask of the bits of a word from bit `start & 31` upwards (BITMAP_FIRST_WORD_MASK). */
function firstWordMask(start: number): number {
  return (0xffffffff << (start & 31)) >>> 0;
}

/** Mask of the bits of the last word of an `nbits` range (BITMAP_LAST_WORD_MASK). */
function lastWordMask(nbits: number): number {
  return 0xffffffff >>> (-nbits & 31);
}

/** Sets bit `nr` (QEMU's set_bit). Not atomic. Hot path. */
export function setBit(map: Uint32Array, nr: number): void {
  const w = Math.floor(nr / 32);
  map[w] = (map[w] as number) | (1 << (nr & 31));
}

/** Clears bit `nr` (QEMU's clear_bit). Not atomic. */
export function clearBit(map: Uint32Array, nr: number): void {
  const w = Math.floor(nr / 32);
  map[w] = (map[w] as number) & ~(1 << (nr & 31));
}

/** True when bit `nr` is set (QEMU's test_bit). Hot path. */
export function testBit(map: Uint32Array, nr: number): boolean {
  return (((map[Math.floor(nr / 32)] as number) >>> (nr & 31)) & 1) !== 0;
}

/** Sets `nr` bits from bit `start` (QEMU's bitmap_set). Not atomic. Hot path. */
export function bitmapSet(map: Uint32Array, start: number, nr: number): void {
  if (nr <= 0) return;
  let w = Math.floor(start / 32);
  const end = start + nr;
  const lastW = Math.floor((end - 1) / 32);
  if (w === lastW) {
    map[w] = (map[w] as number) | (firstWordMask(start) & lastWordMask(end));
    return;
  }
  map[w] = (map[w] as number) | firstWordMask(start);
  for (w++; w < lastW; w++) map[w] = 0xffffffff;
  map[lastW] = (map[lastW] as number) | lastWordMask(end);
}

/** Clears `nr` bits from bit `start` (QEMU's bitmap_clear). Not atomic. */
export function bitmapClear(map: Uint32Array, start: number, nr: number): void {
  if (nr <= 0) return;
  let w = Math.floor(start / 32);
  const end = start + nr;
  const lastW = Math.floor((end - 1) / 32);
  if (w === lastW) {
    map[w] = (map[w] as number) & ~(firstWordMask(start) & lastWordMask(end));
    return;
  }
  map[w] = (map[w] as number) & ~firstWordMask(start);
  for (w++; w < lastW; w++) map[w] = 0;
  map[lastW] = (map[lastW] as number) & ~lastWordMask(end);
}

/** Clears the first `nbits` bits (QEMU's bitmap_zero); whole words. */
export function bitmapZero(map: Uint32Array, nbits: number): void {
  map.fill(0, 0, bitsToWords(nbits));
}

/** Sets the first `nbits` bits and clears the tail of the last word (QEMU's bitmap_fill). */
export function bitmapFill(map: Uint32Array, nbits: number): void {
  const n = Math.floor(nbits / 32);
  map.fill(0xffffffff, 0, n);
  if (nbits & 31) map[n] = lastWordMask(nbits);
}

/**
 * Index of the first set bit at or after `offset`, below `size`; `size` when
 * there is none (QEMU's find_next_bit). Hot path.
 */
export function findNextBit(map: Uint32Array, size: number, offset: number): number {
  if (offset >= size) return size;
  let w = Math.floor(offset / 32);
  const lastW = Math.floor((size - 1) / 32);
  let v = (map[w] as number) & firstWordMask(offset);
  while (v === 0) {
    if (++w > lastW) return size;
    v = map[w] as number;
  }
  const bit = w * 32 + ctz32(v);
  return bit < size ? bit : size;
}

/**
 * Index of the first clear bit at or after `offset`, below `size`; `size` when
 * there is none (QEMU's find_next_zero_bit).
 */
export function findNextZeroBit(map: Uint32Array, size: number, offset: number): number {
  if (offset >= size) return size;
  let w = Math.floor(offset / 32);
  const lastW = Math.floor((size - 1) / 32);
  let v = ~(map[w] as number) & firstWordMask(offset);
  while (v === 0) {
    if (++w > lastW) return size;
    v = ~(map[w] as number);
  }
  const bit = w * 32 + ctz32(v);
  return bit < size ? bit : size;
}

/** Index of the first set bit below `size`, or `size` (QEMU's find_first_bit). */
export function findFirstBit(map: Uint32Array, size: number): number {
  return findNextBit(map, size, 0);
}

/** Index of the first clear bit below `size`, or `size` (QEMU's find_first_zero_bit). */
export function findFirstZeroBit(map: Uint32Array, size: number): number {
  return findNextZeroBit(map, size, 0);
}

/** Number of set bits among the first `nbits` (QEMU's bitmap_count_one). Hot path. */
export function bitmapCountOne(map: Uint32Array, nbits: number): number {
  if (nbits <= 0) return 0;
  const full = Math.floor(nbits / 32);
  let n = 0;
  for (let w = 0; w < full; w++) {
    const v = map[w] as number;
    if (v !== 0) n += popcount32(v);
  }
  if (nbits & 31) n += popcount32((map[full] as number) & lastWordMask(nbits));
  return n;
}

/** Number of set bits in `[offset, offset + nbits)` (QEMU's bitmap_count_one_with_offset). */
export function bitmapCountOneWithOffset(map: Uint32Array, offset: number, nbits: number): number {
  if (nbits <= 0) return 0;
  const end = offset + nbits;
  let w = Math.floor(offset / 32);
  const lastW = Math.floor((end - 1) / 32);
  if (w === lastW) return popcount32((map[w] as number) & firstWordMask(offset) & lastWordMask(end));
  let n = popcount32((map[w] as number) & firstWordMask(offset));
  for (w++; w < lastW; w++) {
    const v = map[w] as number;
    if (v !== 0) n += popcount32(v);
  }
  return n + popcount32((map[lastW] as number) & lastWordMask(end));
}

/** True when none of the first `nbits` bits is set (QEMU's bitmap_empty). */
export function bitmapEmpty(map: Uint32Array, nbits: number): boolean {
  return findFirstBit(map, nbits) === nbits;
}

/** True when all of the first `nbits` bits are set (QEMU's bitmap_full). */
export function bitmapFull(map: Uint32Array, nbits: number): boolean {
  return findFirstZeroBit(map, nbits) === nbits;
}

/** True when the first `nbits` bits of both maps are equal (QEMU's bitmap_equal). */
export function bitmapEqual(a: Uint32Array, b: Uint32Array, nbits: number): boolean {
  const full = Math.floor(nbits / 32);
  for (let w = 0; w < full; w++) if (a[w] !== b[w]) return false;
  if (nbits & 31) return (((a[full] as number) ^ (b[full] as number)) & lastWordMask(nbits)) === 0;
  return true;
}

/**
 * Copies the words holding the first `nbits` bits of `src` into `dst` (QEMU's
 * bitmap_copy: whole words, so bits past `nbits` in the last word come along).
 */
export function bitmapCopy(dst: Uint32Array, src: Uint32Array, nbits: number): void {
  const n = bitsToWords(nbits);
  dst.set(n === src.length ? src : src.subarray(0, n));
}

/** `dst = a & b` over `nbits`; true when the result has a set bit (QEMU's bitmap_and). */
export function bitmapAnd(dst: Uint32Array, a: Uint32Array, b: Uint32Array, nbits: number): boolean {
  const n = bitsToWords(nbits);
  let any = 0;
  for (let w = 0; w < n; w++) {
    const v = ((a[w] as number) & (b[w] as number)) >>> 0;
    dst[w] = v;
    any |= w === n - 1 && nbits & 31 ? v & lastWordMask(nbits) : v;
  }
  return any !== 0;
}

/** `dst = a | b` over the words of `nbits` (QEMU's bitmap_or). */
export function bitmapOr(dst: Uint32Array, a: Uint32Array, b: Uint32Array, nbits: number): void {
  const n = bitsToWords(nbits);
  for (let w = 0; w < n; w++) dst[w] = (a[w] as number) | (b[w] as number);
}

/** `dst = a ^ b` over the words of `nbits` (QEMU's bitmap_xor). */
export function bitmapXor(dst: Uint32Array, a: Uint32Array, b: Uint32Array, nbits: number): void {
  const n = bitsToWords(nbits);
  for (let w = 0; w < n; w++) dst[w] = (a[w] as number) ^ (b[w] as number);
}

/** `dst = a & ~b`; true when the result has a set bit (QEMU's bitmap_andnot). */
export function bitmapAndnot(dst: Uint32Array, a: Uint32Array, b: Uint32Array, nbits: number): boolean {
  const n = bitsToWords(nbits);
  let any = 0;
  for (let w = 0; w < n; w++) {
    const v = ((a[w] as number) & ~(b[w] as number)) >>> 0;
    dst[w] = v;
    any |= w === n - 1 && nbits & 31 ? v & lastWordMask(nbits) : v;
  }
  return any !== 0;
}

const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads word `i` (32 bits) of a little-endian bitmap given as bytes or as
 * 64-bit words in native byte order (KVM's `KVM_GET_DIRTY_LOG` buffer).
 */
function leWord32(bytes: Uint8Array, nativeU64: boolean, i: number): number {
  const b = i * 4;
  if (nativeU64 && !NATIVE_LITTLE_ENDIAN) {
    // Big-endian host: a u64's low half is its second 4 bytes, most significant byte first.
    const q = (i >>> 1) * 8 + ((i & 1) === 0 ? 4 : 0);
    return (((bytes[q] as number) << 24) | ((bytes[q + 1] as number) << 16) | ((bytes[q + 2] as number) << 8) | (bytes[q + 3] as number)) >>> 0;
  }
  return ((bytes[b] as number) | ((bytes[b + 1] as number) << 8) | ((bytes[b + 2] as number) << 16) | ((bytes[b + 3] as number) << 24)) >>> 0;
}

/**
 * A little-endian bitmap as the 32-bit words of our layout: `src` is either
 * bytes (bit `n` is bit `n & 7` of byte `n >> 3`) or 64-bit words holding bit
 * `n` at bit `n & 63` of word `n >> 6`, as KVM's dirty log is laid out.
 * Returns `bitsToWords(nbits)` words; bits past `nbits` are cleared.
 */
export function bitmapFromLe(src: Uint8Array | BigUint64Array, nbits: number): Uint32Array {
  const nativeU64 = src instanceof BigUint64Array;
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const n = bitsToWords(nbits);
  if (bytes.byteLength < Math.ceil(nbits / 8)) {
    throw new RangeError(`little-endian bitmap of ${bytes.byteLength} bytes is too short for ${nbits} bits`);
  }
  const out = new Uint32Array(n);
  const whole = Math.min(n, Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < whole; i++) out[i] = leWord32(bytes, nativeU64, i);
  if (whole < n) {
    // Byte-granular tail (only possible for a Uint8Array source).
    let v = 0;
    for (let k = whole * 4; k < bytes.byteLength; k++) v |= (bytes[k] as number) << ((k & 3) * 8);
    out[whole] = v >>> 0;
  }
  if (nbits & 31) out[n - 1] = (out[n - 1] as number) & lastWordMask(nbits);
  return out;
}

/**
 * The first `nbits` bits as a little-endian bitmap of 64-bit words, the
 * byte layout QEMU puts on the wire (bitmap_to_le, as used for the received
 * bitmap of postcopy recovery): `8 * ceil(nbits / 64)` bytes, bits past
 * `nbits` cleared. Endian-independent.
 */
export function bitmapToLe(src: Uint32Array, nbits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(nbits / 64) * 8);
  const n = bitsToWords(nbits);
  for (let i = 0; i < n; i++) {
    let v = src[i] as number;
    if (i === n - 1 && nbits & 31) v &= lastWordMask(nbits);
    const b = i * 4;
    out[b] = v & 0xff;
    out[b + 1] = (v >>> 8) & 0xff;
    out[b + 2] = (v >>> 16) & 0xff;
    out[b + 3] = v >>> 24;
  }
  return out;
}
