/**
 * Bitmap operations that are safe while other threads set and clear bits of
 * the same `SharedArrayBuffer`-backed words (QEMU's set_bit_atomic,
 * bitmap_set_atomic, bitmap_test_and_clear_atomic and
 * bitmap_copy_and_clear_atomic). Same layout as `bitmap.ts`.
 *
 * The rule that makes them compose: a setter never loses another thread's
 * bit (it ORs, or it stores all-ones, which already contains every bit), and a
 * clearer takes bits out with a single read-modify-write (`Atomics.and` or
 * `Atomics.exchange`), so each bit it clears is one it has seen and reports.
 */

/** Sets bit `nr` with one atomic OR (QEMU's set_bit_atomic). Hot path. */
export function setBitAtomic(map: Uint32Array, nr: number): void {
  Atomics.or(map, Math.floor(nr / 32), 1 << (nr & 31));
}

/** All-ones words, the source `bitmapSetAtomic` copies whole words from. */
const ONES = new Uint32Array(4096).fill(0xffffffff);

/**
 * Sets `nr` bits from `start` while other threads may set or clear bits of the
 * same words (QEMU's bitmap_set_atomic). Hot path.
 *
 * The partial words at either end use `Atomics.or`, since other bits of those
 * words belong to other pages. Whole words are written with plain stores of
 * all-ones: the stored value does not depend on the old one, so no concurrent
 * setter's bit can be lost, and a concurrent clearer's `Atomics.exchange`
 * either returns the ones (and reports those pages dirty) or runs before the
 * store lands (and the ones stay for the next clear). What the plain stores
 * lack is ordering, so one atomic read-modify-write follows them (QEMU's
 * smp_mb): it is a full barrier on every engine, and under the JS memory
 * model any thread that later reads that word atomically also sees the
 * earlier stores.
 */
export function bitmapSetAtomic(map: Uint32Array, start: number, nr: number): void {
  if (nr <= 0) return;
  let w = Math.floor(start / 32);
  const end = start + nr;
  const lastW = Math.floor((end - 1) / 32);
  const first = (0xffffffff << (start & 31)) >>> 0;
  const last = 0xffffffff >>> (-end & 31);
  if (w === lastW) {
    Atomics.or(map, w, first & last);
    return;
  }
  if (first !== 0xffffffff) {
    Atomics.or(map, w, first);
    w++;
  }
  const fullEnd = last === 0xffffffff ? lastW + 1 : lastW;
  const stored = fullEnd > w;
  if (fullEnd - w > 16) {
    // TypedArray fill on a SharedArrayBuffer stores one element at a time;
    // set() copies 8 bytes at a time, twice as fast.
    for (; fullEnd - w >= ONES.length; w += ONES.length) map.set(ONES, w);
    if (fullEnd > w) map.set(ONES.subarray(0, fullEnd - w), w);
  } else {
    for (; w < fullEnd; w++) map[w] = 0xffffffff;
  }
  if (last !== 0xffffffff) Atomics.or(map, lastW, last);
  else if (stored) Atomics.or(map, lastW, 0);
}

/**
 * True when all `nr` bits from `start` are set, read with `Atomics.load`
 * (seq-cst), so that the answer is ordered after the caller's own earlier
 * `Atomics` stores and before a later clearer's read-modify-write. Used to
 * skip setting bits that are already set. Hot path.
 */
export function bitmapAllSetAtomic(map: Uint32Array, start: number, nr: number): boolean {
  if (nr <= 0) return true;
  let w = Math.floor(start / 32);
  const end = start + nr;
  const lastW = Math.floor((end - 1) / 32);
  const first = (0xffffffff << (start & 31)) >>> 0;
  const last = 0xffffffff >>> (-end & 31);
  if (w === lastW) {
    const m = (first & last) >>> 0;
    return ((Atomics.load(map, w) & m) >>> 0) === m;
  }
  if (((Atomics.load(map, w) & first) >>> 0) !== first) return false;
  for (w++; w < lastW; w++) if (Atomics.load(map, w) !== 0xffffffff) return false;
  return ((Atomics.load(map, lastW) & last) >>> 0) === last;
}

/**
 * Clears `nr` bits from `start` and returns true when any of them was set
 * (QEMU's bitmap_test_and_clear_atomic). Each word is cleared by one atomic
 * read-modify-write, so a bit set concurrently is either returned here or
 * stays set: none is lost. Hot path.
 */
export function bitmapTestAndClearAtomic(map: Uint32Array, start: number, nr: number): boolean {
  if (nr <= 0) return false;
  let w = Math.floor(start / 32);
  const end = start + nr;
  const lastW = Math.floor((end - 1) / 32);
  const first = (0xffffffff << (start & 31)) >>> 0;
  const last = 0xffffffff >>> (-end & 31);
  let dirty = 0;
  if (w === lastW) {
    const m = first & last;
    if (((map[w] as number) & m) !== 0) dirty = Atomics.and(map, w, ~m) & m;
    return dirty !== 0;
  }
  if (((map[w] as number) & first) !== 0) dirty |= Atomics.and(map, w, ~first) & first;
  for (w++; w < lastW; w++) {
    // Reading first skips the locked write for clean words; a bit set after
    // the read is simply left for the next clear.
    if (map[w] !== 0) dirty |= Atomics.exchange(map, w, 0);
  }
  if (((map[lastW] as number) & last) !== 0) dirty |= Atomics.and(map, lastW, ~last) & last;
  return dirty !== 0;
}

/**
 * Moves the words holding `nbits` bits from `src` to `dst`, clearing `src`
 * word by word with `Atomics.exchange` (QEMU's bitmap_copy_and_clear_atomic).
 * `dst` is private to the caller. Hot path.
 */
export function bitmapCopyAndClearAtomic(dst: Uint32Array, src: Uint32Array, nbits: number): void {
  const n = Math.ceil(nbits / 32);
  for (let w = 0; w < n; w++) {
    dst[w] = src[w] !== 0 ? Atomics.exchange(src, w, 0) : 0;
  }
}
