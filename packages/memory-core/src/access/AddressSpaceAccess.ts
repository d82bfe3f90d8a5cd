/**
 * The data path of one address space: translate, read / write / rw, and the
 * ld/st family (QEMU's address_space_* in softmmu/physmem.c and
 * memory_ldst.c.inc).
 *
 * Results: every access stores its MemTxResult in {@link AddressSpaceAccess.result}
 * (loads return the value; buffer accesses also return the result). Nothing
 * is allocated per access on the ≤4-byte paths.
 *
 * Values: 1-, 2- and 4-byte loads return unsigned numbers; 8-byte loads and
 * stores take and return bigints (the only bigint on the data path).
 *
 * Writes to ROM and to readonly aliases of RAM are dropped with MEMTX_OK, as a
 * CPU store is in QEMU (TLB_DISCARD_WRITE). An ld/st that runs past the end of
 * a RAM range is dispatched to the RAM region's (unassigned) ops and gets
 * MEMTX_DECODE_ERROR and 0, as QEMU's memory_ldst does; buffer accesses split
 * at range ends instead.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { MEMTX_OK, MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import { memoryAccessSize, mmioOut } from './adjust.js';
import type { DataPlane } from './DataPlane.js';
import type { Dispatch, Section } from './dispatch.js';
import { Dispatch as DispatchClass } from './dispatch.js';
import { hi32, joinU64, lo32 } from './endian.js';

/** What {@link AddressSpaceAccess.translate} returns (QEMU's address_space_translate outputs). */
export interface TranslateResult {
  /** The section found (UNASSIGNED_SECTION for a hole). */
  readonly section: Section;
  /** Offset in the region (QEMU's xlat). */
  readonly offsetInRegion: number;
  /** Usable length: clamped to the end of the range for RAM, unclamped for MMIO (the caller splits with memory_access_size). */
  readonly length: number;
}

const EMPTY_DISPATCH: Dispatch = new DispatchClass([]);

function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  if (len <= 32) {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
  } else {
    dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  }
}

/**
 * One address space's data path. Create it with DataPlane.createAddressSpace;
 * DataPlane.publish swaps its dispatch at every commit.
 */
export class AddressSpaceAccess {
  /** Current dispatch (replaced whole at commit; an access uses the one it started with). */
  dispatch: Dispatch = EMPTY_DISPATCH;
  /** MemTxResult of the last access made through this object. */
  result: MemTxResult = MEMTX_OK;
  /** The data plane. */
  readonly plane: DataPlane;
  /** Address-space name (QEMU's as->name). */
  readonly name: string;

  /** Use DataPlane.createAddressSpace. */
  constructor(plane: DataPlane, name: string) {
    this.plane = plane;
    this.name = name;
  }

  /**
   * QEMU's address_space_translate: the section at `addr`, the offset in its
   * region, and how many of `len` bytes it can take in one go. For RAM (and
   * ROM, and ROM devices in romd mode when reading) the length stops at the end of the range;
   * for MMIO it is not clamped, as in QEMU. Allocates its result: not for hot paths.
   */
  translate(addr: number, len: number, isWrite: boolean, _attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): TranslateResult {
    const s = this.dispatch.lookup(addr);
    const ramLike = isWrite ? s.writeDirect || s.writeDiscard : s.readDirect;
    const length = ramLike ? Math.min(len, s.end - addr) : len;
    return { section: s, offsetInRegion: addr + s.delta, length };
  }

  /** The section covering `addr` (for TLB fills: host bytes, delta, ramAddrDelta, flags). Hot path. */
  lookup(addr: number): Section {
    return this.dispatch.lookup(addr);
  }

  // ---- buffer accesses ----

  /**
   * QEMU's address_space_read: fills `buf` from guest memory at `addr`.
   * A read inside one RAM range is one copy, inlined here (upstream
   * 3cc8f88499); anything else continues in the general loop (upstream
   * a203ac702e). Returns the result (also in `result`). Hot path.
   */
  read(addr: number, buf: Uint8Array, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const len = buf.length;
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.readDirect && addr + len <= s.end) {
      copyBytes(s.bytes, addr + s.delta, buf, 0, len);
      return (this.result = MEMTX_OK);
    }
    return (this.result = this.readContinue(d, s, addr, buf, len, attrs));
  }

  /**
   * QEMU's flatview_read_continue: the general read loop over ranges, RAM by
   * copy, MMIO in pieces of memory_access_size (stored little-endian into the
   * buffer, so the bytes are the device's in its own order).
   */
  readContinue(d: Dispatch, s: Section, addr: number, buf: Uint8Array, len: number, attrs: MemTxAttrs): MemTxResult {
    let r: MemTxResult = MEMTX_OK;
    let pos = 0;
    for (;;) {
      let l: number;
      if (s.readDirect) {
        l = Math.min(len, s.end - addr);
        copyBytes(s.bytes, addr + s.delta, buf, pos, l);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        let lo = this.plane.mmioRead(s.region, off, l, false, attrs);
        let hi = mmioOut.hi;
        r |= mmioOut.result;
        for (let i = 0; i < l; i++) {
          if (i < 4) {
            buf[pos + i] = lo & 0xff;
            lo >>>= 8;
          } else {
            buf[pos + i] = hi & 0xff;
            hi >>>= 8;
          }
        }
      }
      len -= l;
      pos += l;
      addr += l;
      if (len === 0) return r;
      s = d.lookup(addr);
    }
  }

  /**
   * QEMU's address_space_write: stores `buf` at `addr`. RAM writes mark the
   * written pages dirty for the range's logging clients (nothing to do when
   * none log); ROM and readonly ranges drop the bytes. Hot path.
   */
  write(addr: number, buf: Uint8Array, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const len = buf.length;
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.writeDirect && addr + len <= s.end) {
      copyBytes(buf, 0, s.bytes, addr + s.delta, len);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, len, s.dirtyLogMask);
      return (this.result = MEMTX_OK);
    }
    return (this.result = this.writeContinue(d, s, addr, buf, len, attrs));
  }

  /** QEMU's flatview_write_continue: the general write loop. */
  writeContinue(d: Dispatch, s: Section, addr: number, buf: Uint8Array, len: number, attrs: MemTxAttrs): MemTxResult {
    let r: MemTxResult = MEMTX_OK;
    let pos = 0;
    for (;;) {
      let l: number;
      if (s.writeDirect) {
        l = Math.min(len, s.end - addr);
        copyBytes(buf, pos, s.bytes, addr + s.delta, l);
        if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, l, s.dirtyLogMask);
      } else if (s.writeDiscard) {
        l = Math.min(len, s.end - addr);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        let lo = 0;
        let hi = 0;
        for (let i = l - 1; i >= 0; i--) {
          if (i >= 4) hi = (hi << 8) | buf[pos + i]!;
          else lo = (lo << 8) | buf[pos + i]!;
        }
        r |= this.plane.mmioWrite(s.region, off, lo >>> 0, hi >>> 0, l, false, attrs);
      }
      len -= l;
      pos += l;
      addr += l;
      if (len === 0) return r;
      s = d.lookup(addr);
    }
  }

  /**
   * QEMU's address_space_write_rom (ROM loading, debugger writes): stores
   * into RAM and ROM alike (also readonly ranges and ROM devices' memory),
   * marking RAM dirty; MMIO is skipped. Always MEMTX_OK.
   */
  writeRom(addr: number, buf: Uint8Array, _attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const d = this.dispatch;
    let len = buf.length;
    let pos = 0;
    while (len > 0) {
      const s = d.lookup(addr);
      let l: number;
      if (s.readDirect || s.writeDirect || s.writeDiscard) {
        l = Math.min(len, s.end - addr);
        copyBytes(buf, pos, s.bytes, addr + s.delta, l);
        if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, l, s.dirtyLogMask);
      } else {
        l = memoryAccessSize(s.region.mmio, len, addr + s.delta);
      }
      len -= l;
      pos += l;
      addr += l;
    }
    return (this.result = MEMTX_OK);
  }

  /** QEMU's address_space_rw. */
  rw(addr: number, buf: Uint8Array, isWrite: boolean, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    return isWrite ? this.write(addr, buf, attrs) : this.read(addr, buf, attrs);
  }

  // ---- loads ----

  /** MMIO (or crossing) load: memory_region_dispatch_read of the whole `size` on the section's region. */
  private ldSlow(s: Section, addr: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    const lo = this.plane.mmioRead(s.region, addr + s.delta, size, bigEndian, attrs);
    this.result = mmioOut.result;
    return lo;
  }

  /** QEMU's address_space_ldub. Hot path. */
  ldub(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect) {
      this.result = MEMTX_OK;
      return s.bytes[addr + s.delta]!;
    }
    return this.ldSlow(s, addr, 1, false, attrs);
  }

  /** QEMU's address_space_lduw_le. Hot path. */
  lduwLe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + 2 <= s.end) {
      this.result = MEMTX_OK;
      return s.view.getUint16(addr + s.delta, true);
    }
    return this.ldSlow(s, addr, 2, false, attrs);
  }

  /** QEMU's address_space_lduw_be. Hot path. */
  lduwBe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + 2 <= s.end) {
      this.result = MEMTX_OK;
      return s.view.getUint16(addr + s.delta, false);
    }
    return this.ldSlow(s, addr, 2, true, attrs);
  }

  /** QEMU's address_space_ldl_le. Hot path. */
  ldlLe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + 4 <= s.end) {
      this.result = MEMTX_OK;
      return s.view.getUint32(addr + s.delta, true);
    }
    return this.ldSlow(s, addr, 4, false, attrs);
  }

  /** QEMU's address_space_ldl_be. Hot path. */
  ldlBe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + 4 <= s.end) {
      this.result = MEMTX_OK;
      return s.view.getUint32(addr + s.delta, false);
    }
    return this.ldSlow(s, addr, 4, true, attrs);
  }

  /** QEMU's address_space_ldl (target byte order). */
  ldl(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    return this.plane.targetBigEndian ? this.ldlBe(addr, attrs) : this.ldlLe(addr, attrs);
  }

  /** QEMU's address_space_lduw (target byte order). */
  lduw(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    return this.plane.targetBigEndian ? this.lduwBe(addr, attrs) : this.lduwLe(addr, attrs);
  }

  /** QEMU's address_space_ldq_le (bigint value). */
  ldqLe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): bigint {
    return this.ldq(addr, false, attrs);
  }

  /** QEMU's address_space_ldq_be (bigint value). */
  ldqBe(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): bigint {
    return this.ldq(addr, true, attrs);
  }

  private ldq(addr: number, bigEndian: boolean, attrs: MemTxAttrs): bigint {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + 8 <= s.end) {
      this.result = MEMTX_OK;
      return s.view.getBigUint64(addr + s.delta, !bigEndian);
    }
    const lo = this.ldSlow(s, addr, 8, bigEndian, attrs);
    return joinU64(lo, mmioOut.hi);
  }

  // ---- stores ----

  private stSlow(s: Section, addr: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    if (s.writeDiscard && addr + size <= s.end) {
      this.result = MEMTX_OK;
      return;
    }
    this.result = this.plane.mmioWrite(s.region, addr + s.delta, lo, hi, size, bigEndian, attrs);
  }

  /** QEMU's address_space_stb. Hot path. */
  stb(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect) {
      s.bytes[addr + s.delta] = value;
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 1, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, value & 0xff, 0, 1, false, attrs);
  }

  /** QEMU's address_space_stw_le. Hot path. */
  stwLe(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect && addr + 2 <= s.end) {
      s.view.setUint16(addr + s.delta, value, true);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 2, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, value & 0xffff, 0, 2, false, attrs);
  }

  /** QEMU's address_space_stw_be. Hot path. */
  stwBe(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect && addr + 2 <= s.end) {
      s.view.setUint16(addr + s.delta, value, false);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 2, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, value & 0xffff, 0, 2, true, attrs);
  }

  /** QEMU's address_space_stl_le. Hot path. */
  stlLe(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect && addr + 4 <= s.end) {
      s.view.setUint32(addr + s.delta, value, true);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 4, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, value >>> 0, 0, 4, false, attrs);
  }

  /** QEMU's address_space_stl_be. Hot path. */
  stlBe(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect && addr + 4 <= s.end) {
      s.view.setUint32(addr + s.delta, value, false);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 4, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, value >>> 0, 0, 4, true, attrs);
  }

  /** QEMU's address_space_stl (target byte order). */
  stl(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    if (this.plane.targetBigEndian) this.stlBe(addr, value, attrs);
    else this.stlLe(addr, value, attrs);
  }

  /** QEMU's address_space_stw (target byte order). */
  stw(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    if (this.plane.targetBigEndian) this.stwBe(addr, value, attrs);
    else this.stwLe(addr, value, attrs);
  }

  /** QEMU's address_space_stq_le (bigint value). */
  stqLe(addr: number, value: bigint, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stq(addr, value, false, attrs);
  }

  /** QEMU's address_space_stq_be (bigint value). */
  stqBe(addr: number, value: bigint, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    this.stq(addr, value, true, attrs);
  }

  private stq(addr: number, value: bigint, bigEndian: boolean, attrs: MemTxAttrs): void {
    const s = this.dispatch.lookup(addr);
    if (s.writeDirect && addr + 8 <= s.end) {
      s.view.setBigUint64(addr + s.delta, BigInt.asUintN(64, value), !bigEndian);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, 8, s.dirtyLogMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stSlow(s, addr, lo32(value), hi32(value), 8, bigEndian, attrs);
  }
}
