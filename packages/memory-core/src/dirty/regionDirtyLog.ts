import { hasRamBlock } from '../topology/dirtyLogMask.js';
import type { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_VGA } from '../topology/types.js';
import type { RamBlock, RamResizeCallback } from '../ram/ramBlock.js';
import type { RamList } from '../ram/ramList.js';
import type { DirtyBitmapSnapshot } from './dirtyBitmapSnapshot.js';
import { DirtyRangeError, NoRamBlockError } from './errors.js';

/** Options of {@link RegionDirtyLog.allocRam}. */
export interface RegionRamOptions {
  /** Maximum size of a resizeable block (the region's size is the used length). */
  readonly maxSize?: number;
  /** True for a resizeable RAM or ROM block (memory_region_init_resizeable_ram). */
  readonly resizeable?: boolean;
  /** Called after a resize, once the region's size has been updated. */
  readonly resized?: RamResizeCallback | null;
  /** Caller-supplied memory (memory_region_init_ram_ptr). */
  readonly host?: SharedArrayBuffer;
  /** Byte offset of the region's memory in `host`. */
  readonly hostOffset?: number;
}

/** Host memory of a RAM-backed region, as the data plane asks for it. */
export interface RegionRam {
  /** The block's bytes from region offset 0. */
  readonly bytes: Uint8Array;
  /** ram_addr of region offset 0. */
  readonly ramAddr: number;
}

/**
 * The dirty-logging protocol between memory regions, the RAM dirty bitmaps
 * and memory listeners (QEMU's memory_region_*_dirty API in memory.c):
 *
 * - `logSync` asks every listener to push the dirty state it tracks itself
 *   (KVM's dirty log, vhost's log...) into the RAM bitmaps, for every
 *   logging range (global) or those of one region; it only collects.
 * - Every operation that clears RAM bits — test-and-clear, snapshot-and-clear,
 *   the migration sync — then calls each listener's `logClear` with the
 *   sections of the affected region trimmed to the cleared range (upstream
 *   077874e01f), so that a listener clears exactly what it reported.
 *
 * Region offsets and sizes are safe-integer byte counts. It adds a clear
 * hook to the ram list's dirty memory (others, such as TCG's TLB reset, can
 * add theirs); `dispose` removes it.
 */
export class RegionDirtyLog {
  /**
   * @param system - the topology: dirty-log masks, listeners, FlatViews
   * @param ramList - the RAM blocks and their dirty bitmaps
   */
  constructor(
    readonly system: MemorySystem,
    readonly ramList: RamList,
  ) {
    this.removeHook = ramList.dirtyMemory.addClearHook(this.onCleared);
  }

  private readonly removeHook: () => void;

  /** Removes the clear hook: later clears no longer reach listeners. */
  dispose(): void {
    this.removeHook();
  }

  /**
   * Creates the RAM block of a RAM, ROM or ROM-device region: named after the
   * region (owner path + "/" + name), its used length the region's size. A
   * resize of a resizeable block updates the region's size before the
   * caller's callback runs (qemu_ram_resize's memory_region_set_size).
   * @throws NoRamBlockError for a region kind without RAM; RamBlockExistsError,
   *   RamAllocationError from the ram list
   */
  allocRam(regionId: string, opts: RegionRamOptions = {}): RamBlock {
    const region = this.system.region(regionId);
    if (!hasRamBlock(region)) throw new NoRamBlockError(regionId, `a ${region.kind} region does not own RAM`);
    const size = Number(region.size);
    const user = opts.resized ?? null;
    const system = this.system;
    return this.ramList.alloc({
      name: region.name,
      owner: region.owner,
      size,
      ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
      resizeable: opts.resizeable ?? false,
      resized: (idstr, newSize, host) => {
        system.setSize(regionId, BigInt(newSize));
        if (user !== null) user(idstr, newSize, host);
      },
      ...(opts.host !== undefined ? { host: opts.host, hostOffset: opts.hostOffset ?? 0 } : {}),
      regionId,
    });
  }

  /** Frees the region's RAM block (qemu_ram_free). @throws NoRamBlockError */
  freeRam(regionId: string): void {
    this.ramList.free(this.ramBlock(regionId));
  }

  /** The region's RAM block (mr->ram_block). @throws NoRamBlockError */
  ramBlock(regionId: string): RamBlock {
    const b = this.ramList.findByRegion(regionId);
    if (b === null) throw new NoRamBlockError(regionId, 'allocate one with allocRam first');
    return b;
  }

  /** The region's host memory and ram_addr, or undefined (the data plane's RegionSource.ram). */
  ram(regionId: string): RegionRam | undefined {
    const b = this.ramList.findByRegion(regionId);
    return b === null ? undefined : { bytes: b.host, ramAddr: b.offset };
  }

  /** `memory_region_set_log` (VGA only, counted): see `MemorySystem.setLog`. */
  setLog(regionId: string, log: boolean, client: number = DIRTY_MEMORY_VGA): void {
    this.system.setLog(regionId, log, client);
  }

  /** `memory_region_get_dirty_log_mask`. */
  getDirtyLogMask(regionId: string): number {
    return this.system.getDirtyLogMask(regionId);
  }

  /** `memory_region_is_logging(mr, client)` (upstream 2d1a35bef0). */
  isLogging(regionId: string, client: number): boolean {
    return this.system.isLogging(regionId, client);
  }

  /**
   * `memory_global_dirty_log_sync` (no region) or
   * `memory_region_sync_dirty_bitmap` (one region): every listener's
   * `logSync` runs for each logging range, synchronously, before this returns.
   */
  logSync(regionId?: string): void {
    this.system.syncDirtyLog(regionId);
  }

  /**
   * `memory_region_get_dirty`: true when a page of [addr, addr+size) of the
   * region is dirty for `client`. Reads the bitmap only; sync first to see
   * listeners' pages.
   * @throws NoRamBlockError, DirtyRangeError, DirtyClientError
   */
  getDirty(regionId: string, addr: number, size: number, client: number): boolean {
    return this.ramList.dirtyMemory.getDirty(this.ramAddr(regionId, addr, size), size, client);
  }

  /**
   * `memory_region_set_dirty`: marks the range dirty for the clients in the
   * region's dirty-log mask; nothing when the region does not log.
   * @throws NoRamBlockError, DirtyRangeError
   */
  setDirty(regionId: string, addr: number, size: number): void {
    const ramAddr = this.ramAddr(regionId, addr, size);
    this.ramList.dirtyMemory.setDirtyRange(ramAddr, size, this.system.getDirtyLogMask(regionId));
  }

  /**
   * `memory_region_test_and_clear_dirty`: clears the range for `client` and
   * says whether a page was dirty; listeners get `logClear` for it.
   * @throws NoRamBlockError, DirtyRangeError, DirtyClientError
   */
  testAndClearDirty(regionId: string, addr: number, size: number, client: number): boolean {
    return this.ramList.dirtyMemory.testAndClearDirty(this.ramAddr(regionId, addr, size), size, client);
  }

  /**
   * `memory_region_reset_dirty`: clears the range for `client`; listeners get
   * `logClear` for it.
   * @throws NoRamBlockError, DirtyRangeError, DirtyClientError
   */
  resetDirty(regionId: string, addr: number, size: number, client: number): void {
    this.testAndClearDirty(regionId, addr, size, client);
  }

  /**
   * `memory_region_snapshot_and_clear_dirty`: syncs the region from the
   * listeners, then takes and clears the client's bits over the range in
   * one step (listeners get `logClear`). For display devices.
   * @throws NoRamBlockError, DirtyRangeError, DirtyClientError
   */
  snapshotAndClearDirty(regionId: string, addr: number, size: number, client: number): DirtyBitmapSnapshot {
    const ramAddr = this.ramAddr(regionId, addr, size);
    this.ramList.dirtyMemory.blocksOf(client); // a bad client throws before listeners run
    this.logSync(regionId);
    return this.ramList.dirtyMemory.snapshotAndClearDirty(ramAddr, size, client);
  }

  /**
   * `memory_region_snapshot_get_dirty`: whether the snapshot has a dirty page
   * in [addr, addr+size) of the region.
   * @throws NoRamBlockError, DirtyRangeError
   */
  snapshotGetDirty(regionId: string, snap: DirtyBitmapSnapshot, addr: number, size: number): boolean {
    return this.ramList.dirtyMemory.snapshotGetDirty(snap, this.ramAddr(regionId, addr, size), size);
  }

  /**
   * The migration sync of one block (ramblock_sync_dirty_bitmap): moves its
   * MIGRATION bits into `dest` and returns the count of newly dirty pages;
   * listeners get `logClear` for the block's region. Call `logSync()` first,
   * as migration_bitmap_sync does once for all blocks.
   * @throws DirtyRangeError, DirtyBitmapSizeError
   */
  syncMigrationBitmap(block: RamBlock, dest: Uint32Array): number {
    return this.ramList.dirtyMemory.syncDirtyBitmap(block, dest);
  }

  /**
   * migration_bitmap_sync over every RAM block: every listener's `logSync`
   * (so what an accelerator or a device logged reaches the bitmaps), then one
   * double-buffered round (`DirtyMemory.syncMigrationRound`) into
   * `ramList.dirtyMemory.migrationBitmap()`; listeners get `logClear` for the
   * ranges the round cleared. Returns the count of newly dirty pages.
   */
  syncMigrationRound(): number {
    this.logSync();
    return this.ramList.dirtyMemory.syncMigrationRound();
  }

  private ramAddr(regionId: string, addr: number, size: number): number {
    const b = this.ramBlock(regionId);
    if (!(addr >= 0 && size >= 0 && addr + size <= b.usedLength)) {
      throw new DirtyRangeError(addr, size, 0, b.usedLength, `region "${regionId}"`);
    }
    return b.offset + addr;
  }

  /**
   * The clear hook: maps the cleared ram_addr range back to the regions whose
   * blocks it covers and calls memory_region_clear_dirty_bitmap on each.
   */
  private readonly onCleared = (start: number, length: number): void => {
    const end = start + length;
    for (const b of this.ramList.blocks) {
      if (b.regionId === null) continue;
      const lo = Math.max(start, b.offset);
      const hi = Math.min(end, b.offset + b.usedLength);
      if (lo >= hi) continue;
      this.system.clearDirtyLog(b.regionId, BigInt(lo - b.offset), BigInt(hi - lo));
    }
  };
}
