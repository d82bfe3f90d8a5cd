/**
 * The data plane of one memory system: region handles, device ops, owners,
 * dirty tracking, the big lock and the DMA bounce buffer, shared by all the
 * address spaces it serves.
 */
import type { FlatView, RegionKind } from '../topology/types.js';
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { dispatchRead, dispatchWrite, mmioOut } from './adjust.js';
import type { BigLock } from './bigLock.js';
import type { CodeInvalidateHook, DirtyMemorySink } from './dirty.js';
import { invalidateAndSetDirty } from './dirty.js';
import type { Dispatch, ReadonlyWrites } from './dispatch.js';
import { buildDispatch } from './dispatch.js';
import { UnresolvedRegionError } from './errors.js';
import type { MemoryRegionOps } from './ops.js';
import { MmioOps, UNASSIGNED_OPS } from './ops.js';
import type { Owner } from './owner.js';
import { RegionHandle } from './region.js';
import { AddressSpaceAccess } from './AddressSpaceAccess.js';

/** Host memory of a RAM-backed region: bytes indexed by offset in the region, and its ram_addr. */
export interface RamBacking {
  /** The region's memory from offset 0 (typically a view on a SharedArrayBuffer). */
  readonly bytes: Uint8Array;
  /** ram_addr of offset 0 (the RAM block's offset in ram_addr space), used for dirty bitmaps. */
  readonly ramAddr: number;
}

/** What the data plane needs to know about a region named in a FlatView. */
export interface RegionInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: RegionKind;
  /** The region's own readonly flag (mr->readonly; ROM starts readonly). Default false. */
  readonly readonly?: boolean;
}

/**
 * Where the data plane resolves the regions of the FlatViews it publishes:
 * the control plane's state, and the RAM blocks.
 */
export interface RegionSource {
  /** The region's state, or undefined if unknown. */
  region(id: string): RegionInfo | undefined;
  /** Host memory of a RAM-backed region (ram, rom, romDevice), or undefined. */
  ram(id: string): RamBacking | undefined;
}

/** Options of a {@link DataPlane}. */
export interface DataPlaneOptions {
  /** Target byte order, for `native` devices and target-endian ld/st (default little, as RISC-V). */
  readonly targetEndianness?: 'little' | 'big';
  /** Dirty tracking; null (default) means RAM writes mark nothing. */
  readonly dirty?: DirtyMemorySink | null;
  /** Big lock shared by the vCPU threads; null (default) for single-threaded use. */
  readonly bigLock?: BigLock | null;
  /** Target page size: the largest MMIO bounce buffer (default 4096). */
  readonly pageSize?: number;
  /** Writes to ROM and readonly ranges: dropped with MEMTX_OK (`discard`, default) or QEMU's DMA rules (`physmem`). */
  readonly readonlyWrites?: ReadonlyWrites;
}

/** Options of {@link DataPlane.registerOps}. */
export interface RegisterOpsOptions {
  /** Reference-counted owner (a device that can be unplugged). */
  readonly owner?: Owner | null;
  /** False: dispatch without the big lock (upstream 196ea13104). Default true. */
  readonly globalLocking?: boolean;
}

/** The one bounce buffer for DMA to MMIO (QEMU's `bounce`). */
export class BounceBuffer {
  /** A map currently uses it. */
  inUse = false;
  /** Guest address of the mapping. */
  addr = 0;
  /** Length mapped. */
  len = 0;
  /** Buffer handed to the mapper. */
  buffer: Uint8Array = new Uint8Array(0);
  /** Region referenced while mapped. */
  region: RegionHandle | null = null;
  /** Address space the mapping was made in (unmap writes back through it). */
  as: AddressSpaceAccess | null = null;
}

const RAM_KINDS: ReadonlySet<RegionKind> = new Set<RegionKind>(['ram', 'rom', 'romDevice']);

/**
 * The data plane: builds the dispatch of each published FlatView, holds the
 * device ops by region id, and is the context of every access.
 *
 * Threads: JavaScript objects are per thread, so each thread that runs vCPUs
 * builds its own DataPlane over the same shared state — RAM bytes on the same
 * SharedArrayBuffers (a RegionSource answering with views on them), the dirty
 * bitmaps attached from the owner's handle (DirtyMemory.attach), one BigLock
 * on a shared buffer — and publishes the FlatViews the control-plane thread
 * sends it (plain data, structured-cloneable). Stores from any thread land in
 * the same RAM and set the same dirty bits atomically.
 */
export class DataPlane {
  /** Target is big-endian. */
  readonly targetBigEndian: boolean;
  /** Dirty sink (may be replaced with {@link setDirtySink}). */
  dirty: DirtyMemorySink | null;
  /** Code-invalidation hook registered by a TCG user. */
  codeInvalidate: CodeInvalidateHook | null = null;
  /** Big lock, or null. */
  readonly bigLock: BigLock | null;
  /** Target page size. */
  readonly pageSize: number;
  /** How writes to ROM and readonly ranges behave. */
  readonly readonlyWrites: ReadonlyWrites;
  /** The DMA bounce buffer. */
  readonly bounce = new BounceBuffer();

  private mapClients: (() => void)[] = [];
  private readonly source: RegionSource;
  private readonly handles = new Map<string, RegionHandle>();
  private readonly dispatchCache = new WeakMap<FlatView, Dispatch>();

  /** Creates a data plane resolving regions through `source`. */
  constructor(source: RegionSource, options: DataPlaneOptions = {}) {
    this.source = source;
    this.targetBigEndian = options.targetEndianness === 'big';
    this.dirty = options.dirty ?? null;
    this.bigLock = options.bigLock ?? null;
    this.pageSize = options.pageSize ?? 4096;
    this.readonlyWrites = options.readonlyWrites ?? 'discard';
  }

  /** Replaces the dirty sink (null: nothing is marked). */
  setDirtySink(sink: DirtyMemorySink | null): void {
    this.dirty = sink;
  }

  /** Registers the code-invalidation hook called for writes to CODE-logged RAM (null removes it). */
  setCodeInvalidateHook(hook: CodeInvalidateHook | null): void {
    this.codeInvalidate = hook;
  }

  /** The handle of region `id`, created on first use. */
  handle(id: string): RegionHandle {
    let h = this.handles.get(id);
    if (h === undefined) {
      h = new RegionHandle(id);
      this.handles.set(id, h);
    }
    return h;
  }

  /**
   * Registers a device's callbacks for region `id` (an io or romDevice
   * region), replacing earlier ones. Takes effect at once, also for
   * dispatches already published.
   */
  registerOps(id: string, ops: MemoryRegionOps, options: RegisterOpsOptions = {}): void {
    const h = this.handle(id);
    h.mmio = new MmioOps(id, ops, this.targetBigEndian);
    if (options.owner !== undefined) h.owner = options.owner;
    if (options.globalLocking !== undefined) h.globalLocking = options.globalLocking;
  }

  /** Removes a device's callbacks: its region then decodes like a hole. */
  unregisterOps(id: string): void {
    this.handle(id).mmio = UNASSIGNED_OPS;
  }

  /** Sets (or clears) the reference-counted owner of region `id`. */
  setOwner(id: string, owner: Owner | null): void {
    this.handle(id).owner = owner;
  }

  /** QEMU's memory_region_clear_global_locking (false) and its inverse. */
  setGlobalLocking(id: string, locking: boolean): void {
    this.handle(id).globalLocking = locking;
  }

  /**
   * QEMU's cpu_register_map_client: `callback` runs once, when the bounce
   * buffer is free (at once if it is free now). For DMA that got null from
   * addressSpaceMap and wants to retry.
   */
  registerMapClient(callback: () => void): void {
    if (!this.bounce.inUse) {
      callback();
      return;
    }
    this.mapClients.push(callback);
  }

  /** Runs the waiting map clients (called when the bounce buffer is released). */
  notifyMapClients(): void {
    const clients = this.mapClients;
    this.mapClients = [];
    for (const c of clients) c();
  }

  /** Creates an address space's data path; it decodes nothing until {@link publish}. */
  createAddressSpace(name: string): AddressSpaceAccess {
    return new AddressSpaceAccess(this, name);
  }

  /**
   * Publishes `view` as the current topology of `as` (QEMU's commit of an
   * address space's dispatch): refreshes the handles of the regions it names,
   * builds (or reuses, for address spaces sharing a FlatView) the dispatch,
   * and swaps it in with one assignment.
   */
  publish(as: AddressSpaceAccess, view: FlatView): void {
    let d = this.dispatchCache.get(view);
    if (d === undefined) {
      for (const fr of view.ranges) this.refresh(fr.region, fr.dirtyLogMask);
      d = buildDispatch(view, (id) => this.handle(id), this.readonlyWrites);
      this.dispatchCache.set(view, d);
    }
    as.setDispatch(d);
  }

  private refresh(id: string, dirtyLogMask: number): void {
    const h = this.handle(id);
    const info = this.source.region(id);
    if (info === undefined) throw new UnresolvedRegionError(id, 'the region source does not know it');
    h.kind = info.kind;
    h.name = info.name;
    h.readonly = info.readonly ?? info.kind === 'rom';
    h.dirtyLogMask = dirtyLogMask;
    if (RAM_KINDS.has(info.kind)) {
      const ram = this.source.ram(id);
      if (ram === undefined) throw new UnresolvedRegionError(id, `a ${info.kind} region without host memory`);
      if (ram.bytes !== h.bytes) {
        h.bytes = ram.bytes;
        h.view = new DataView(ram.bytes.buffer, ram.bytes.byteOffset, ram.bytes.byteLength);
      }
      h.ramAddr = ram.ramAddr;
      h.ramBacked = true;
    } else {
      h.ramBacked = false;
    }
  }

  /**
   * Marks a RAM write dirty (QEMU's invalidate_and_set_dirty); callers only
   * call it when `mask` is non-zero.
   */
  markDirty(ramAddr: number, length: number, mask: number): void {
    invalidateAndSetDirty(this.dirty, this.codeInvalidate, ramAddr, length, mask);
  }

  /**
   * One device-sized piece of a buffer read (flatview_read_continue's MMIO
   * step): reads `size` bytes at `offset` and stores them at `buf[pos..]`
   * in the device's own byte order (little-endian bytes of the value).
   * Returns the result.
   */
  mmioReadBytes(region: RegionHandle, offset: number, buf: Uint8Array, pos: number, size: number, attrs: MemTxAttrs): MemTxResult {
    let lo = this.mmioRead(region, offset, size, false, attrs);
    let hi = mmioOut.hi;
    for (let i = 0; i < size; i++) {
      if (i < 4) {
        buf[pos + i] = lo & 0xff;
        lo >>>= 8;
      } else {
        buf[pos + i] = hi & 0xff;
        hi >>>= 8;
      }
    }
    return mmioOut.result;
  }

  /**
   * One device-sized piece of a buffer write: the `size` bytes at `buf[pos..]`
   * as a little-endian value, written at `offset`. Returns the result.
   */
  mmioWriteBytes(region: RegionHandle, offset: number, buf: Uint8Array, pos: number, size: number, attrs: MemTxAttrs): MemTxResult {
    let lo = 0;
    let hi = 0;
    for (let i = size - 1; i >= 0; i--) {
      if (i >= 4) hi = (hi << 8) | buf[pos + i]!;
      else lo = (lo << 8) | buf[pos + i]!;
    }
    return this.mmioWrite(region, offset, lo >>> 0, hi >>> 0, size, false, attrs);
  }

  /**
   * MMIO read through a region's ops, under the big lock when the region
   * wants it and this thread does not hold it yet. Returns the low 32 bits;
   * the high bits and the result are in mmioOut. Hot path.
   */
  mmioRead(region: RegionHandle, offset: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    const lock = this.bigLock;
    const ops = region.mmio;
    if (lock !== null && region.globalLocking && ops !== UNASSIGNED_OPS && !lock.heldByMe) {
      return this.mmioReadLocked(lock, ops, offset, size, bigEndian, attrs);
    }
    return dispatchRead(ops, offset, size, bigEndian, attrs);
  }

  // The locked paths live apart so that mmioRead and mmioWrite stay small
  // enough (no try/finally) to inline into the accessors' miss paths.
  private mmioReadLocked(lock: BigLock, ops: MmioOps, offset: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    lock.lock();
    try {
      return dispatchRead(ops, offset, size, bigEndian, attrs);
    } finally {
      lock.unlock();
    }
  }

  /** MMIO write through a region's ops, under the big lock as for {@link mmioRead}. Hot path. */
  mmioWrite(
    region: RegionHandle,
    offset: number,
    lo: number,
    hi: number,
    size: number,
    bigEndian: boolean,
    attrs: MemTxAttrs,
  ): MemTxResult {
    const lock = this.bigLock;
    const ops = region.mmio;
    if (lock !== null && region.globalLocking && ops !== UNASSIGNED_OPS && !lock.heldByMe) {
      return this.mmioWriteLocked(lock, ops, offset, lo, hi, size, bigEndian, attrs);
    }
    return dispatchWrite(ops, offset, lo, hi, size, bigEndian, attrs);
  }

  private mmioWriteLocked(
    lock: BigLock,
    ops: MmioOps,
    offset: number,
    lo: number,
    hi: number,
    size: number,
    bigEndian: boolean,
    attrs: MemTxAttrs,
  ): MemTxResult {
    lock.lock();
    try {
      return dispatchWrite(ops, offset, lo, hi, size, bigEndian, attrs);
    } finally {
      lock.unlock();
    }
  }
}
