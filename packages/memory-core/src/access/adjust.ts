/**
 * QEMU's MMIO access rules (softmmu/memory.c): memory_region_access_valid,
 * access_with_adjusted_size, adjust_endianness, memory_region_dispatch_read /
 * _write, and physmem.c's memory_access_size.
 *
 * Values travel as two unsigned 32-bit halves (`lo` returned, `hi` in
 * {@link mmioOut}) so that no access allocates or touches a bigint unless a
 * device implements 8-byte callbacks.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { bswap16, bswap32, hi32, joinU64, lo32 } from './endian.js';
import type { MmioOps } from './ops.js';

/**
 * Second output of the dispatch functions: the high 32 bits of the value and
 * the MemTxResult. Set just before each dispatch function returns (after every
 * callback ran), so a device that itself does DMA cannot clobber the caller's
 * pair; read it right after the call.
 */
export const mmioOut = { hi: 0, result: MEMTX_OK as MemTxResult };

/**
 * QEMU's memory_region_access_valid: may the guest make this access at all?
 * Checks the accepts hook, alignment, then valid sizes (a valid max of 0
 * accepts any size).
 */
export function memoryRegionAccessValid(
  ops: MmioOps,
  offset: number,
  size: number,
  isWrite: boolean,
  attrs: MemTxAttrs,
): boolean {
  if (ops.accepts !== null && !ops.accepts(offset, size, isWrite, attrs)) return false;
  if (!ops.validUnaligned && offset % size !== 0) return false;
  if (ops.validMax === 0) return true;
  return size <= ops.validMax && size >= ops.validMin;
}

/**
 * QEMU's memory_access_size: how many bytes of an `l`-byte buffer access at
 * `offset` go to the device in one dispatch (valid max, default 4; bounded by
 * the alignment of `offset` unless impl.unaligned; rounded down to a power of 2).
 */
export function memoryAccessSize(ops: MmioOps, l: number, offset: number): number {
  let max = ops.validMax === 0 ? 4 : ops.validMax;
  if (!ops.implUnaligned && offset !== 0) {
    // offset & -offset, on numbers up to 2^53
    let align = 1;
    while (align < max && offset % (align * 2) === 0) align *= 2;
    if (align < max) max = align;
  }
  if (l > max) l = max;
  let p = 1;
  while (p * 2 <= l) p *= 2;
  return p;
}

// Set by callRead after the device callback returned (so nested accesses made
// by the callback cannot clobber them): the high half and the callback's result.
let callHi = 0;
let callResult: MemTxResult = MEMTX_OK;

function callRead(ops: MmioOps, offset: number, size: number, attrs: MemTxAttrs): number {
  const o = ops.ops;
  if (size === 8) {
    const v = o.read64!(offset, attrs);
    callHi = hi32(v);
    callResult = MEMTX_OK;
    return lo32(v);
  }
  if (o.read !== undefined) {
    const v = o.read(offset, size, attrs);
    callHi = 0;
    callResult = MEMTX_OK;
    return v;
  }
  if (o.readWithAttrs !== undefined) {
    const out = ops.readOut;
    out.value = 0;
    const r = o.readWithAttrs(offset, size, attrs, out);
    callHi = 0;
    callResult = r;
    return out.value;
  }
  callHi = 0;
  callResult = MEMTX_OK;
  return 0;
}

function callWrite(ops: MmioOps, offset: number, lo: number, hi: number, size: number, attrs: MemTxAttrs): MemTxResult {
  const o = ops.ops;
  if (size === 8) {
    return o.write64!(offset, joinU64(lo, hi), attrs) ?? MEMTX_OK;
  }
  if (o.write !== undefined) {
    return o.write(offset, lo, size, attrs) ?? MEMTX_OK;
  }
  if (o.writeWithAttrs !== undefined) {
    return o.writeWithAttrs(offset, lo, size, attrs);
  }
  return MEMTX_OK;
}

function maskLo(v: number, bytes: number): number {
  return bytes >= 4 ? v >>> 0 : v & ((1 << (bytes * 8)) - 1);
}

/** Output of {@link orderValue} (one object, reused: no allocation per access). */
const ordered = { lo: 0, hi: 0 };

/**
 * Truncates a (lo, hi) value to `size` bytes and, when `swap`, reverses its
 * byte order (the swap between the requested order and the device's that
 * QEMU's adjust_endianness does). Result in {@link ordered}.
 */
function orderValue(lo: number, hi: number, size: number, swap: boolean): void {
  if (size < 8) hi = 0;
  if (size < 4) lo = maskLo(lo, size);
  if (swap) {
    if (size === 2) lo = bswap16(lo);
    else if (size === 4) lo = bswap32(lo);
    else if (size === 8) {
      const t = bswap32(lo);
      lo = bswap32(hi);
      hi = t;
    }
  }
  ordered.lo = lo;
  ordered.hi = hi;
}

/**
 * QEMU's memory_region_dispatch_read for a `size`-byte access (1, 2, 4, 8):
 * refused accesses give 0 and MEMTX_DECODE_ERROR; others are split or widened
 * to the device's impl sizes (pieces shifted into place by the device's byte
 * order, negative shifts for widened big-endian reads), then byte-swapped if
 * the requested order (`bigEndian`) differs from the device's. Returns the low
 * 32 bits; the high bits and the result are in {@link mmioOut}. Hot path.
 */
export function dispatchRead(ops: MmioOps, offset: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
  if (!memoryRegionAccessValid(ops, offset, size, false, attrs)) {
    mmioOut.hi = 0;
    mmioOut.result = MEMTX_DECODE_ERROR;
    return 0;
  }
  if (size <= 4 && size >= ops.implMin && size <= ops.implMax) {
    // One call at the requested size: the common case, kept small so it inlines.
    const o = ops.ops;
    let lo: number;
    let r: MemTxResult = MEMTX_OK;
    if (o.read !== undefined) {
      lo = o.read(offset, size, attrs);
    } else if (o.readWithAttrs !== undefined) {
      const out = ops.readOut;
      out.value = 0;
      r = o.readWithAttrs(offset, size, attrs, out);
      lo = out.value;
    } else {
      lo = 0;
    }
    lo = size === 4 ? lo >>> 0 : lo & ((1 << (size * 8)) - 1);
    if (bigEndian !== ops.bigEndian && size !== 1) lo = size === 2 ? bswap16(lo) : bswap32(lo);
    mmioOut.hi = 0;
    mmioOut.result = r;
    return lo;
  }
  return dispatchReadAdjusted(ops, offset, size, bigEndian, attrs);
}

/** The split/widen part of dispatchRead (QEMU's access_with_adjusted_size loop). */
function dispatchReadAdjusted(ops: MmioOps, offset: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
  const accessSize = Math.max(Math.min(size, ops.implMax), ops.implMin);
  let lo = 0;
  let hi = 0;
  let r: MemTxResult = MEMTX_OK;
  for (let i = 0; i < size; i += accessSize) {
    const shift = ops.bigEndian ? (size - accessSize - i) * 8 : i * 8;
    let tLo = callRead(ops, offset + i, accessSize, attrs);
    let tHi = callHi;
    r |= callResult;
    if (accessSize < 8) {
      tLo = maskLo(tLo, accessSize);
      tHi = 0;
    }
    if (shift >= 0) {
      if (shift === 0) {
        lo |= tLo;
        hi |= tHi;
      } else if (shift < 32) {
        lo |= tLo << shift;
        hi |= (tHi << shift) | (tLo >>> (32 - shift));
      } else {
        hi |= tLo << (shift - 32);
      }
    } else {
      const s = -shift;
      if (s < 32) {
        lo |= (tLo >>> s) | (tHi << (32 - s));
        hi |= tHi >>> s;
      } else {
        lo |= tHi >>> (s - 32);
      }
    }
    lo >>>= 0;
    hi >>>= 0;
  }
  orderValue(lo, hi, size, bigEndian !== ops.bigEndian);
  lo = ordered.lo;
  hi = ordered.hi;
  mmioOut.hi = hi;
  mmioOut.result = r;
  return lo >>> 0;
}

/**
 * QEMU's memory_region_dispatch_write for a `size`-byte access: refused
 * accesses are dropped with MEMTX_DECODE_ERROR; the value (in the requested
 * order `bigEndian`; `hi` only for 8 bytes) is swapped to the device's order,
 * then split or widened to impl sizes. Returns the combined result. Hot path.
 */
export function dispatchWrite(
  ops: MmioOps,
  offset: number,
  lo: number,
  hi: number,
  size: number,
  bigEndian: boolean,
  attrs: MemTxAttrs,
): MemTxResult {
  if (!memoryRegionAccessValid(ops, offset, size, true, attrs)) return MEMTX_DECODE_ERROR;
  if (size <= 4 && size >= ops.implMin && size <= ops.implMax) {
    // One call at the requested size: the common case, kept small so it inlines.
    let v = size === 4 ? lo >>> 0 : lo & ((1 << (size * 8)) - 1);
    if (bigEndian !== ops.bigEndian && size !== 1) v = size === 2 ? bswap16(v) : bswap32(v);
    const o = ops.ops;
    if (o.write !== undefined) return o.write(offset, v, size, attrs) ?? MEMTX_OK;
    if (o.writeWithAttrs !== undefined) return o.writeWithAttrs(offset, v, size, attrs);
    return MEMTX_OK;
  }
  return dispatchWriteAdjusted(ops, offset, lo, hi, size, bigEndian, attrs);
}

/** The split/widen part of dispatchWrite (QEMU's access_with_adjusted_size loop). */
function dispatchWriteAdjusted(
  ops: MmioOps,
  offset: number,
  lo: number,
  hi: number,
  size: number,
  bigEndian: boolean,
  attrs: MemTxAttrs,
): MemTxResult {
  orderValue(lo, hi, size, bigEndian !== ops.bigEndian);
  lo = ordered.lo;
  hi = ordered.hi;
  const accessSize = Math.max(Math.min(size, ops.implMax), ops.implMin);
  let r: MemTxResult = MEMTX_OK;
  for (let i = 0; i < size; i += accessSize) {
    const shift = ops.bigEndian ? (size - accessSize - i) * 8 : i * 8;
    let tLo: number;
    let tHi: number;
    if (shift >= 0) {
      if (shift === 0) {
        tLo = lo;
        tHi = hi;
      } else if (shift < 32) {
        tLo = (lo >>> shift) | (hi << (32 - shift));
        tHi = hi >>> shift;
      } else {
        tLo = hi >>> (shift - 32);
        tHi = 0;
      }
    } else {
      const s = -shift;
      if (s < 32) {
        tLo = lo << s;
        tHi = (hi << s) | (lo >>> (32 - s));
      } else {
        tLo = 0;
        tHi = lo << (s - 32);
      }
    }
    if (accessSize < 8) {
      tLo = maskLo(tLo, accessSize);
      tHi = 0;
    }
    r |= callWrite(ops, offset + i, tLo >>> 0, tHi >>> 0, accessSize, attrs);
  }
  return r;
}
