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
 * CPU store is in QEMU (TLB_DISCARD_WRITE); DataPlaneOptions.readonlyWrites =
 * 'physmem' selects QEMU's DMA rules instead (see ReadonlyWrites). An ld/st
 * that runs past the end of a RAM range is dispatched to the RAM region's
 * (unassigned) ops and gets MEMTX_DECODE_ERROR and 0, as QEMU's memory_ldst
 * does; buffer accesses split at range ends instead.
 *
 * In front of the dispatch sit two one-entry caches (the last RAM range read,
 * the last writable RAM range written), so a run of RAM accesses costs a
 * subtraction and two comparisons before the typed-array access.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { MEMTX_OK, MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import { dispatchRead, dispatchWrite, memoryAccessSize, memoryRegionAccessValid, mmioOut } from './adjust.js';
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
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY_BYTES.buffer);
// A non-Smi start value, so the base fields hold doubles from the start (addresses above 2^30 are doubles).
const NO_BASE = 2 ** 53;
const INDEX_LIMIT = 2 ** 31 - 1;

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
  // One-entry RAM caches in front of the dispatch, like a TLB entry: the
  // fields a RAM load or store reads come first and together (upstream
  // a676854f34, adapted). Emptied (start >= end) at every publish. The hit
  // test compares addresses; the typed-array index is then an int32
  // (`| 0`), which is what keeps the access cheap, so ranges reaching past
  // 2 GiB into their block are never cached and take the dispatch path.
  /** First address of the cached RAM range for loads. */
  rdStart = NO_BASE;
  /** One past its last address (rdStart >= rdEnd: nothing cached). */
  rdEnd = 0.5;
  /** Address of index 0 of rdBytes: a load at addr reads index addr - rdBase. */
  rdBase = NO_BASE;
  /** DataView over the cached RAM for loads. */
  rdView: DataView = EMPTY_VIEW;
  /** Bytes of the cached RAM for loads. */
  rdBytes: Uint8Array = EMPTY_BYTES;
  /** First address of the cached writable RAM range. */
  wrStart = NO_BASE;
  /** One past its last address (wrStart >= wrEnd: nothing cached). */
  wrEnd = 0.5;
  /** Address of index 0 of wrBytes. */
  wrBase = NO_BASE;
  /** DataView over the cached writable RAM. */
  wrView: DataView = EMPTY_VIEW;
  /** Bytes of the cached writable RAM. */
  wrBytes: Uint8Array = EMPTY_BYTES;
  /** Dirty-log mask of the cached writable range (0: stores do no dirty work). */
  wrMask = 0;
  /** ram_addr of index 0 of wrBytes (the region's ram_addr). */
  wrRamAddr = 0;
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
   * Installs `d` as the current dispatch and empties the RAM caches (called
   * by DataPlane.publish at commit).
   */
  setDispatch(d: Dispatch): void {
    this.dispatch = d;
    this.rdStart = NO_BASE;
    this.rdEnd = 0.5;
    this.wrStart = NO_BASE;
    this.wrEnd = 0.5;
  }

  private fillRead(s: Section): void {
    // Host indexes must stay int32 for the `| 0` in the hit path: ranges reaching past 2 GiB of their block are not cached.
    if (s.end + s.delta > INDEX_LIMIT) return;
    this.rdStart = s.start;
    this.rdEnd = s.end;
    this.rdBase = -s.delta;
    this.rdView = s.view;
    this.rdBytes = s.bytes;
  }

  private fillWrite(s: Section): void {
    if (s.end + s.delta > INDEX_LIMIT) return;
    this.wrStart = s.start;
    this.wrEnd = s.end;
    this.wrBase = -s.delta;
    this.wrView = s.view;
    this.wrBytes = s.bytes;
    this.wrMask = s.dirtyLogMask;
    this.wrRamAddr = s.ramAddrDelta - s.delta;
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
    if (addr >= this.rdStart && addr + len <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      copyBytes(this.rdBytes, off, buf, 0, len);
      return (this.result = MEMTX_OK);
    }
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.readDirect && addr + len <= s.end) {
      this.fillRead(s);
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
    if (addr >= this.wrStart && addr + len <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      copyBytes(buf, 0, this.wrBytes, off, len);
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, len, this.wrMask);
      return (this.result = MEMTX_OK);
    }
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.writeDirect && addr + len <= s.end) {
      this.fillWrite(s);
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

  /**
   * QEMU's address_space_access_valid: would every piece of a `len`-byte
   * access at `addr` be accepted? RAM always is; MMIO pieces (split as a
   * buffer access would split them) are checked with the device's rules.
   */
  accessValid(addr: number, len: number, isWrite: boolean, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): boolean {
    const d = this.dispatch;
    while (len > 0) {
      const s = d.lookup(addr);
      let l: number;
      if (isWrite ? s.writeDirect : s.readDirect) {
        l = Math.min(len, s.end - addr);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        if (!memoryRegionAccessValid(s.region.mmio, off, l, isWrite, attrs)) return false;
      }
      len -= l;
      addr += l;
    }
    return true;
  }

  /** QEMU's address_space_set: writes `len` copies of `byte` at `addr` (in 512-byte pieces, as QEMU). */
  set(addr: number, byte: number, len: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const fill = new Uint8Array(Math.min(len, 512)).fill(byte);
    let r: MemTxResult = MEMTX_OK;
    while (len > 0) {
      const l = Math.min(len, 512);
      r |= this.write(addr, l === fill.length ? fill : fill.subarray(0, l), attrs);
      len -= l;
      addr += l;
    }
    return (this.result = r);
  }

  /** QEMU's address_space_rw. */
  rw(addr: number, buf: Uint8Array, isWrite: boolean, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    return isWrite ? this.write(addr, buf, attrs) : this.read(addr, buf, attrs);
  }

  // ---- loads ----

  /** Load that missed the RAM cache: look up, refill the cache for RAM, else the MMIO path. Returns the low 32 bits (high bits of 8-byte loads in mmioOut.hi). */
  private ldMiss(addr: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && addr + size <= s.end) return this.ldRefill(s, addr, size, bigEndian);
    // MMIO, a hole, or an access running past the end of a RAM range: QEMU's
    // memory_ldst dispatches the whole access to the section's region.
    const plane = this.plane;
    const lo =
      plane.bigLock === null
        ? dispatchRead(s.region.mmio, addr + s.delta, size, bigEndian, attrs)
        : plane.mmioRead(s.region, addr + s.delta, size, bigEndian, attrs);
    this.result = mmioOut.result;
    return lo;
  }

  /** RAM load after a cache miss: refill the read cache, then load. */
  private ldRefill(s: Section, addr: number, size: number, bigEndian: boolean): number {
    this.fillRead(s);
    this.result = MEMTX_OK;
    const o = addr + s.delta;
    const v = s.view;
    if (size === 1) return s.bytes[o]!;
    if (size === 2) return v.getUint16(o, !bigEndian);
    if (size === 4) return v.getUint32(o, !bigEndian);
    const a = v.getUint32(o, !bigEndian);
    const b = v.getUint32(o + 4, !bigEndian);
    mmioOut.hi = bigEndian ? a : b;
    return bigEndian ? b : a;
  }

  /** QEMU's address_space_ldub. Hot path. */
  ldub(addr: number, attrs?: MemTxAttrs): number {
    if (addr >= this.rdStart && addr + 1 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdBytes[off]!;
    }
    return this.ldMiss(addr, 1, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_lduw_le. Hot path. */
  lduwLe(addr: number, attrs?: MemTxAttrs): number {
    if (addr >= this.rdStart && addr + 2 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getUint16(off, true);
    }
    return this.ldMiss(addr, 2, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_lduw_be. Hot path. */
  lduwBe(addr: number, attrs?: MemTxAttrs): number {
    if (addr >= this.rdStart && addr + 2 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getUint16(off, false);
    }
    return this.ldMiss(addr, 2, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_ldl_le. Hot path. */
  ldlLe(addr: number, attrs?: MemTxAttrs): number {
    if (addr >= this.rdStart && addr + 4 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getUint32(off, true);
    }
    return this.ldMiss(addr, 4, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_ldl_be. Hot path. */
  ldlBe(addr: number, attrs?: MemTxAttrs): number {
    if (addr >= this.rdStart && addr + 4 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getUint32(off, false);
    }
    return this.ldMiss(addr, 4, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
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
  ldqLe(addr: number, attrs?: MemTxAttrs): bigint {
    if (addr >= this.rdStart && addr + 8 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getBigUint64(off, true);
    }
    const lo = this.ldMiss(addr, 8, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
    return joinU64(lo, mmioOut.hi);
  }

  /** QEMU's address_space_ldq_be (bigint value). */
  ldqBe(addr: number, attrs?: MemTxAttrs): bigint {
    if (addr >= this.rdStart && addr + 8 <= this.rdEnd) {
      const off = (addr - this.rdBase) | 0;
      this.result = MEMTX_OK;
      return this.rdView.getBigUint64(off, false);
    }
    const lo = this.ldMiss(addr, 8, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
    return joinU64(lo, mmioOut.hi);
  }

  // ---- stores ----

  /** Store that missed the RAM cache: look up, refill for writable RAM, drop for ROM/readonly, else the MMIO path. */
  private stMiss(addr: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    const s = this.dispatch.lookup(addr);
    if (addr + size <= s.end) {
      if (s.writeDirect) {
        this.fillWrite(s);
        const o = addr + s.delta;
        const v = s.view;
        if (size === 1) s.bytes[o] = lo;
        else if (size === 2) v.setUint16(o, lo, !bigEndian);
        else if (size === 4) v.setUint32(o, lo, !bigEndian);
        else {
          v.setUint32(o, bigEndian ? hi : lo, !bigEndian);
          v.setUint32(o + 4, bigEndian ? lo : hi, !bigEndian);
        }
        if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, size, s.dirtyLogMask);
        this.result = MEMTX_OK;
        return;
      }
      if (s.writeDiscard) {
        this.result = MEMTX_OK;
        return;
      }
    }
    const plane = this.plane;
    this.result =
      plane.bigLock === null
        ? dispatchWrite(s.region.mmio, addr + s.delta, lo, hi, size, bigEndian, attrs)
        : plane.mmioWrite(s.region, addr + s.delta, lo, hi, size, bigEndian, attrs);
  }

  /** QEMU's address_space_stb. Hot path. */
  stb(addr: number, value: number, attrs?: MemTxAttrs): void {
    if (addr >= this.wrStart && addr + 1 <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      this.wrBytes[off] = value;
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, 1, this.wrMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stMiss(addr, value & 0xff, 0, 1, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stw_le. Hot path. */
  stwLe(addr: number, value: number, attrs?: MemTxAttrs): void {
    if (addr >= this.wrStart && addr + 2 <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      this.wrView.setUint16(off, value, true);
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, 2, this.wrMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stMiss(addr, value & 0xffff, 0, 2, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stw_be. Hot path. */
  stwBe(addr: number, value: number, attrs?: MemTxAttrs): void {
    if (addr >= this.wrStart && addr + 2 <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      this.wrView.setUint16(off, value, false);
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, 2, this.wrMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stMiss(addr, value & 0xffff, 0, 2, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stl_le. Hot path. */
  stlLe(addr: number, value: number, attrs?: MemTxAttrs): void {
    if (addr >= this.wrStart && addr + 4 <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      this.wrView.setUint32(off, value, true);
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, 4, this.wrMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stMiss(addr, value >>> 0, 0, 4, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stl_be. Hot path. */
  stlBe(addr: number, value: number, attrs?: MemTxAttrs): void {
    if (addr >= this.wrStart && addr + 4 <= this.wrEnd) {
      const off = (addr - this.wrBase) | 0;
      this.wrView.setUint32(off, value, false);
      if (this.wrMask !== 0) this.plane.markDirty(this.wrRamAddr + off, 4, this.wrMask);
      this.result = MEMTX_OK;
      return;
    }
    this.stMiss(addr, value >>> 0, 0, 4, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
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
  stqLe(addr: number, value: bigint, attrs?: MemTxAttrs): void {
    this.stMiss(addr, lo32(value), hi32(value), 8, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stq_be (bigint value). */
  stqBe(addr: number, value: bigint, attrs?: MemTxAttrs): void {
    this.stMiss(addr, lo32(value), hi32(value), 8, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }
}
