/**
 * DMA mapping (QEMU's address_space_map / address_space_unmap): a direct view
 * of guest RAM, or the single bounce buffer for anything else.
 */
import type { MemTxAttrs } from './attrs.js';
import { MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import type { RegionHandle } from './region.js';
import { StaleMappingError } from './errors.js';

/** A live DMA mapping returned by {@link addressSpaceMap}. */
export class DmaMapping {
  /** Still mapped (unmap clears it). */
  live = true;

  /** Use addressSpaceMap. */
  constructor(
    /** The memory to read or write: a view of guest RAM, or the bounce buffer. */
    readonly bytes: Uint8Array,
    /** Guest address mapped. */
    readonly addr: number,
    /** Length mapped (may be less than asked: QEMU's *plen). */
    readonly length: number,
    /** Mapped for writing. */
    readonly isWrite: boolean,
    /** The region referenced while mapped. */
    readonly region: RegionHandle,
    /** Offset in the region of `addr` (RAM mappings). */
    readonly xlat: number,
    /** The mapping uses the bounce buffer. */
    readonly bounced: boolean,
    /** The address space it was made in. */
    readonly as: AddressSpaceAccess,
  ) {}
}

/**
 * QEMU's address_space_map: maps up to `len` bytes at `addr` for reading or
 * writing (not both). RAM gives a view of the RAM block itself, extended over
 * following ranges of the same region at contiguous offsets. Anything else
 * (MMIO, ROM for writing) uses the one bounce buffer of the data plane, at
 * most a page, filled by a read when mapping for reading; while it is in use
 * another such map returns null (QEMU returns NULL with *plen = 0; register a
 * map client to learn when to retry). Returns null for len 0.
 *
 * Takes a reference on the region's owner until unmap; regions without an
 * owner (RAM that cannot be unplugged) skip it (upstream 612263cf33).
 */
export function addressSpaceMap(
  as: AddressSpaceAccess,
  addr: number,
  len: number,
  isWrite: boolean,
  _attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED,
): DmaMapping | null {
  if (len === 0) return null;
  const plane = as.plane;
  const d = as.dispatch;
  const s = d.lookup(addr);
  const direct = isWrite ? s.writeDirect : s.readDirect;
  if (!direct) {
    const bounce = plane.bounce;
    if (bounce.inUse) return null;
    bounce.inUse = true;
    // QEMU: l is the translated length (clamped to the range for RAM-like memory), at most a page.
    const l0 = s.writeDiscard || s.readDirect ? Math.min(len, s.end - addr) : len;
    const l = Math.min(l0, plane.pageSize);
    const buffer = new Uint8Array(l);
    s.region.ref();
    bounce.addr = addr;
    bounce.len = l;
    bounce.buffer = buffer;
    bounce.region = s.region;
    bounce.as = as;
    if (!isWrite) as.read(addr, buffer);
    return new DmaMapping(buffer, addr, l, isWrite, s.region, addr + s.delta, true, as);
  }
  const xlat = addr + s.delta;
  let l = Math.min(len, s.end - addr);
  // QEMU's flatview_extend_translation.
  let next = s.end;
  while (l < len) {
    const t = d.lookup(next);
    if (t.region !== s.region || next + t.delta !== xlat + l || !(isWrite ? t.writeDirect : t.readDirect)) break;
    l = Math.min(len, t.end - addr);
    next = t.end;
  }
  l = Math.min(l, s.bytes.length - xlat);
  s.region.ref();
  return new DmaMapping(s.bytes.subarray(xlat, xlat + l), addr, l, isWrite, s.region, xlat, false, as);
}

/**
 * QEMU's address_space_unmap: ends a mapping. `accessLen` is how many bytes
 * the caller actually read or wrote. A RAM mapping written to marks those
 * bytes dirty for the region's logging clients (and invalidates translated
 * code); a bounce mapping written to is written back through the address
 * space (which marks RAM dirty the same way), then the bounce buffer is free
 * again and waiting map clients are told. Drops the owner reference.
 * Throws StaleMappingError for a mapping already unmapped.
 */
export function addressSpaceUnmap(mapping: DmaMapping, isWrite: boolean, accessLen: number): void {
  if (!mapping.live) throw new StaleMappingError(mapping.addr);
  mapping.live = false;
  const as = mapping.as;
  const plane = as.plane;
  if (!mapping.bounced) {
    const r = mapping.region;
    if (isWrite && accessLen > 0 && r.dirtyLogMask !== 0) plane.markDirty(r.ramAddr + mapping.xlat, accessLen, r.dirtyLogMask);
    r.unref();
    return;
  }
  const bounce = plane.bounce;
  if (isWrite && accessLen > 0) as.write(bounce.addr, bounce.buffer.subarray(0, accessLen));
  bounce.buffer = new Uint8Array(0);
  bounce.region = null;
  bounce.as = null;
  mapping.region.unref();
  bounce.inUse = false;
  plane.notifyMapClients();
}
