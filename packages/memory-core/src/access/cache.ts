/**
 * MemoryRegionCache: a pinned view of one stretch of guest memory for
 * repeated accesses (virtio descriptor rings), QEMU's address_space_cache_*.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { MEMTX_OK, MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import { memoryAccessSize, mmioOut } from './adjust.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import type { DataPlane } from './DataPlane.js';
import type { Dispatch, Section } from './dispatch.js';
import { UNASSIGNED_SECTION } from './dispatch.js';
import { hi32, joinU64, lo32 } from './endian.js';
import { CacheRangeError } from './errors.js';

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/**
 * A cached translation of [addr, addr+len) in one address space. init()
 * translates once and takes a reference on the region's owner; accesses then
 * take an offset relative to the start of the cache and skip the dispatch
 * entirely when the memory is RAM (QEMU's cache->ptr). MMIO caches go through
 * the device's ops at the cached offset.
 *
 * Differences from QEMU, on purpose: cached stores to RAM mark the written
 * pages dirty themselves (QEMU leaves that to an explicit
 * address_space_cache_invalidate, which {@link invalidate} still provides),
 * and an access outside the cache throws CacheRangeError where QEMU asserts.
 *
 * The object is reusable: init() again after destroy() without allocating.
 */
export class MemoryRegionCache {
  /** Host bytes of the region (RAM caches), else empty. Hot fields first. */
  bytes: Uint8Array = EMPTY;
  /** DataView over `bytes`. */
  view: DataView = EMPTY_VIEW;
  /** Index in `bytes` of cache offset 0 (QEMU's cache->xlat for RAM). */
  base = 0;
  /** Bytes covered (QEMU's cache->len). */
  len = 0;
  /** RAM caches access `bytes` directly (QEMU: cache->ptr != NULL). */
  direct = false;
  /** MemTxResult of the last access. */
  result: MemTxResult = MEMTX_OK;
  /** The section the cache was made from (UNASSIGNED_SECTION when destroyed). */
  section: Section = UNASSIGNED_SECTION;
  /** Offset in the region of cache offset 0. */
  xlat = 0;
  /** Made for writing. */
  isWrite = false;
  /** The dispatch (FlatView) it was made on, kept as QEMU keeps a flatview reference. */
  dispatch: Dispatch | null = null;
  private plane: DataPlane | null = null;

  /**
   * QEMU's address_space_cache_init: caches up to `len` bytes at `addr` in
   * `as` and returns how many it covers (it stops at the end of the range).
   * Takes a reference on the region's owner until {@link destroy}.
   */
  init(as: AddressSpaceAccess, addr: number, len: number, isWrite: boolean): number {
    if (this.dispatch !== null) this.destroy();
    const d = as.dispatch;
    const s = d.lookup(addr);
    this.plane = as.plane;
    this.dispatch = d;
    this.section = s;
    this.xlat = addr + s.delta;
    this.isWrite = isWrite;
    let l = s === UNASSIGNED_SECTION ? len : Math.min(len, s.end - addr);
    s.region.ref();
    this.direct = isWrite ? s.writeDirect : s.readDirect;
    if (this.direct) {
      // QEMU's flatview_extend_translation: following ranges of the same region at contiguous offsets.
      let next = s.end;
      while (l < len) {
        const t = d.lookup(next);
        if (t.region !== s.region || next + t.delta !== this.xlat + l || !(isWrite ? t.writeDirect : t.readDirect)) break;
        l = Math.min(len, t.end - addr);
        next = t.end;
      }
      l = Math.min(l, s.bytes.length - this.xlat);
      this.bytes = s.bytes;
      this.view = s.view;
      this.base = this.xlat;
    } else {
      this.bytes = EMPTY;
      this.view = EMPTY_VIEW;
      this.base = 0;
    }
    this.len = l;
    return l;
  }

  /** QEMU's address_space_cache_destroy: drops the owner reference. Destroying twice is a no-op, as in QEMU. */
  destroy(): void {
    if (this.dispatch === null) return;
    this.section.region.unref();
    this.section = UNASSIGNED_SECTION;
    this.dispatch = null;
    this.plane = null;
    this.bytes = EMPTY;
    this.view = EMPTY_VIEW;
    this.len = 0;
    this.direct = false;
  }

  /**
   * QEMU's address_space_cache_invalidate: marks [offset, offset+len) of a
   * RAM cache dirty for the region's logging clients (cached stores already
   * do; this is for memory written through `bytes` directly).
   */
  invalidate(offset: number, len: number): void {
    this.check(offset, len);
    const s = this.section;
    const mask = s.region.dirtyLogMask;
    if (this.direct && mask !== 0) this.plane!.markDirty(s.region.ramAddr + this.xlat + offset, len, mask);
  }

  private check(offset: number, size: number): void {
    if (!(offset >= 0 && size <= this.len - offset && offset < this.len)) {
      throw new CacheRangeError(offset, size, this.len);
    }
  }

  private dirty(offset: number, size: number): void {
    const r = this.section.region;
    if (r.dirtyLogMask !== 0) this.plane!.markDirty(r.ramAddr + this.xlat + offset, size, r.dirtyLogMask);
  }

  private ldSlow(offset: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    const lo = this.plane!.mmioRead(this.section.region, this.xlat + offset, size, bigEndian, attrs);
    this.result = mmioOut.result;
    return lo;
  }

  private stSlow(offset: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    if (this.section.writeDiscard) {
      this.result = MEMTX_OK;
      return;
    }
    this.result = this.plane!.mmioWrite(this.section.region, this.xlat + offset, lo, hi, size, bigEndian, attrs);
  }

  /** QEMU's address_space_ldub_cached. Hot path. */
  ldub(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    this.check(offset, 1);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.bytes[this.base + offset]!;
    }
    return this.ldSlow(offset, 1, false, attrs);
  }

  /** QEMU's address_space_lduw_le_cached. Hot path. */
  lduwLe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    this.check(offset, 2);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.view.getUint16(this.base + offset, true);
    }
    return this.ldSlow(offset, 2, false, attrs);
  }

  /** QEMU's address_space_lduw_be_cached. Hot path. */
  lduwBe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    this.check(offset, 2);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.view.getUint16(this.base + offset, false);
    }
    return this.ldSlow(offset, 2, true, attrs);
  }

  /** QEMU's address_space_ldl_le_cached. Hot path. */
  ldlLe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    this.check(offset, 4);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.view.getUint32(this.base + offset, true);
    }
    return this.ldSlow(offset, 4, false, attrs);
  }

  /** QEMU's address_space_ldl_be_cached. Hot path. */
  ldlBe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    this.check(offset, 4);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.view.getUint32(this.base + offset, false);
    }
    return this.ldSlow(offset, 4, true, attrs);
  }

  /** QEMU's address_space_ldq_le_cached (bigint value). */
  ldqLe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): bigint {
    return this.ldq(offset, false, attrs);
  }

  /** QEMU's address_space_ldq_be_cached (bigint value). */
  ldqBe(offset: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): bigint {
    return this.ldq(offset, true, attrs);
  }

  private ldq(offset: number, bigEndian: boolean, attrs: MemTxAttrs): bigint {
    this.check(offset, 8);
    if (this.direct) {
      this.result = MEMTX_OK;
      return this.view.getBigUint64(this.base + offset, !bigEndian);
    }
    const lo = this.ldSlow(offset, 8, bigEndian, attrs);
    return joinU64(lo, mmioOut.hi);
  }

  /** QEMU's address_space_stb_cached; marks the page dirty for logging clients. Hot path. */
  stb(offset: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.check(offset, 1);
    if (this.direct) {
      this.bytes[this.base + offset] = value;
      this.dirty(offset, 1);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(offset, value & 0xff, 0, 1, false, attrs);
  }

  /** QEMU's address_space_stw_le_cached. Hot path. */
  stwLe(offset: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stw(offset, value, false, attrs);
  }

  /** QEMU's address_space_stw_be_cached. Hot path. */
  stwBe(offset: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stw(offset, value, true, attrs);
  }

  private stw(offset: number, value: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    this.check(offset, 2);
    if (this.direct) {
      this.view.setUint16(this.base + offset, value, !bigEndian);
      this.dirty(offset, 2);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(offset, value & 0xffff, 0, 2, bigEndian, attrs);
  }

  /** QEMU's address_space_stl_le_cached. Hot path. */
  stlLe(offset: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stl(offset, value, false, attrs);
  }

  /** QEMU's address_space_stl_be_cached. Hot path. */
  stlBe(offset: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stl(offset, value, true, attrs);
  }

  private stl(offset: number, value: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    this.check(offset, 4);
    if (this.direct) {
      this.view.setUint32(this.base + offset, value, !bigEndian);
      this.dirty(offset, 4);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(offset, value >>> 0, 0, 4, bigEndian, attrs);
  }

  /** QEMU's address_space_stq_le_cached (bigint value). */
  stqLe(offset: number, value: bigint, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stq(offset, value, false, attrs);
  }

  /** QEMU's address_space_stq_be_cached (bigint value). */
  stqBe(offset: number, value: bigint, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stq(offset, value, true, attrs);
  }

  private stq(offset: number, value: bigint, bigEndian: boolean, attrs: MemTxAttrs): void {
    this.check(offset, 8);
    if (this.direct) {
      this.view.setBigUint64(this.base + offset, BigInt.asUintN(64, value), !bigEndian);
      this.dirty(offset, 8);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(offset, lo32(value), hi32(value), 8, bigEndian, attrs);
  }

  /** QEMU's address_space_read_cached: copies `buf.length` bytes at `offset`. */
  read(offset: number, buf: Uint8Array): MemTxResult {
    this.check(offset, buf.length);
    if (this.direct) {
      buf.set(this.bytes.subarray(this.base + offset, this.base + offset + buf.length));
      return (this.result = MEMTX_OK);
    }
    // QEMU's address_space_read_cached_slow: device-sized pieces, bytes in device order.
    let r: MemTxResult = MEMTX_OK;
    const region = this.section.region;
    for (let pos = 0; pos < buf.length; ) {
      const l = memoryAccessSize(region.mmio, buf.length - pos, this.xlat + offset + pos);
      r |= this.plane!.mmioReadBytes(region, this.xlat + offset + pos, buf, pos, l, MEMTXATTRS_UNSPECIFIED);
      pos += l;
    }
    return (this.result = r);
  }

  /** QEMU's address_space_write_cached: stores `buf` at `offset` (RAM: marks it dirty). */
  write(offset: number, buf: Uint8Array): MemTxResult {
    this.check(offset, buf.length);
    if (this.direct) {
      this.bytes.set(buf, this.base + offset);
      this.dirty(offset, buf.length);
      return (this.result = MEMTX_OK);
    }
    if (this.section.writeDiscard) return (this.result = MEMTX_OK);
    let r: MemTxResult = MEMTX_OK;
    const region = this.section.region;
    for (let pos = 0; pos < buf.length; ) {
      const l = memoryAccessSize(region.mmio, buf.length - pos, this.xlat + offset + pos);
      r |= this.plane!.mmioWriteBytes(region, this.xlat + offset + pos, buf, pos, l, MEMTXATTRS_UNSPECIFIED);
      pos += l;
    }
    return (this.result = r);
  }
}
