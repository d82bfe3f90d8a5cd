import {
  bitmapNew,
  bitmapSetAtomic,
  type MemoryListener,
  type MemoryRegionSection,
  type RamBlock,
  type RegionDirtyLog,
} from '@memvisor/memory-core';
import { DmaFaultError, TrackerRegistrationError } from '../errors.js';

/** VFIO migration (v1) device state bits: the device runs. */
export const VFIO_DEVICE_STATE_RUNNING = 1;
/** VFIO migration (v1) device state bits: the device's state is being saved. */
export const VFIO_DEVICE_STATE_SAVING = 2;
/** VFIO migration (v1) device state bits: the device's state is being loaded. */
export const VFIO_DEVICE_STATE_RESUMING = 4;

/** Options of {@link DmaDirtyTracker}. */
export interface DmaDirtyTrackerOptions {
  /** The container's name (diagnostics, error messages). Default `"vfio-container"`. */
  readonly name?: string;
  /**
   * The device-side switch of dirty-page tracking (VFIO_IOMMU_DIRTY_PAGES
   * with START / STOP), called only when tracking changes. Must not throw.
   */
  readonly onTrackingChange?: (on: boolean) => void;
}

/** One RAM section the container has mapped for DMA (vfio_listener_region_add's mapping). */
interface DmaMapping {
  /** First iova (offset in the address space). */
  readonly start: number;
  readonly end: number;
  readonly region: string;
  readonly offsetInRegion: number;
  readonly readonly: boolean;
  readonly block: RamBlock;
}

/**
 * A DMA-capable device behind a {@link DmaDirtyTracker}'s container. Its
 * writes reach guest RAM directly, as a real device's do, without setting
 * any bit of memory-core's dirty bitmaps: only the container's log sees them.
 */
export class DmaDevice {
  /**
   * The device's VFIO migration state (VFIO_DEVICE_STATE_* bits), as the
   * device's save handlers would set it. Dirty tracking and sync do not look
   * at it (upstream 758b96b61d).
   */
  state = VFIO_DEVICE_STATE_RUNNING;

  /** @internal Created by `DmaDirtyTracker.addDevice`. */
  constructor(
    readonly name: string,
    private readonly tracker: DmaDirtyTracker,
  ) {}

  /**
   * The device writes `data` at `iova` of the container's address space.
   * @throws DmaFaultError when part of the range is not mapped RAM or is read-only; nothing is written then
   */
  dmaWrite(iova: number, data: Uint8Array): void {
    this.tracker.dmaWrite(iova, data);
  }
}

/**
 * The memory listener of a VFIO container (a reference model): it maps the
 * RAM sections of one address space for its devices' DMA and keeps the
 * container's own dirty log of the pages they write, which memory-core
 * cannot see.
 *
 * Dirty tracking follows upstream 758b96b61d: it is switched on by the
 * listener's `logGlobalStart` and off by `logGlobalStop`, once per container
 * however many devices it holds (not from each device's save handler), so
 * it is already on when RAM save runs its first `logSync` and the bulk
 * stage's bitmap includes device writes. `logSync` reports the logged pages
 * of a section into the RAM dirty bitmaps (`DirtyMemory.setDirtyLebitmap`,
 * the path KVM's dirty log takes: VGA always, MIGRATION while global dirty
 * logging is on) and clears them from the log (VFIO_IOMMU_DIRTY_PAGES
 * GET_BITMAP clears as it reads), whatever state the devices are in. A
 * tracker registered while global logging is on is replayed
 * `logGlobalStart` and starts tracking at once.
 *
 * Sections whose address-space and region offsets are not aligned to the
 * log's page size are not mapped (vfio refuses them too). Log granularity is
 * the real host page size (at least one target page).
 */
export class DmaDirtyTracker implements MemoryListener {
  readonly name: string;
  /** Bytes per bit of the container's log. */
  readonly pageBytes: number;
  private readonly onTrackingChange: ((on: boolean) => void) | null;
  private readonly devices: DmaDevice[] = [];
  private mappings: DmaMapping[] = [];
  /** The container's log, per RAM region id: one bit per `pageBytes` of the block. */
  private readonly logs = new Map<string, Uint32Array>();
  private on = false;
  private addressSpace: string | null = null;

  /**
   * @param dirtyLog - the topology and RAM the container maps (its `system` is where it registers)
   */
  constructor(
    readonly dirtyLog: RegionDirtyLog,
    opts: DmaDirtyTrackerOptions = {},
  ) {
    this.name = opts.name ?? 'vfio-container';
    this.onTrackingChange = opts.onTrackingChange ?? null;
    const sizes = dirtyLog.ramList.dirtyMemory.pageSizes;
    this.pageBytes = sizes.hostToTargetRatio * sizes.targetPageSize;
  }

  /** True while device-side dirty tracking is on. */
  get tracking(): boolean {
    return this.on;
  }

  /** The address space the container is registered on, or null. */
  get registeredOn(): string | null {
    return this.addressSpace;
  }

  /** The devices in the container, in the order they were added. */
  get deviceList(): readonly DmaDevice[] {
    return [...this.devices];
  }

  /** Adds a device to the container (a VFIO group's device). */
  addDevice(name: string): DmaDevice {
    const d = new DmaDevice(name, this);
    this.devices.push(d);
    return d;
  }

  /**
   * Registers the container's listener on `addressSpace` (the container's
   * `memory_listener_register`): it is replayed the current view, and
   * `logGlobalStart` when global dirty logging is already on. Returns the
   * unregister function; unregistering unmaps everything and, as closing a
   * container does, stops tracking.
   * @throws TrackerRegistrationError when already registered; UnknownAddressSpaceError from memory-core
   */
  register(addressSpace: string, priority = 0): () => void {
    if (this.addressSpace !== null) throw new TrackerRegistrationError(this.name, this.addressSpace, addressSpace);
    const off = this.dirtyLog.system.registerListener(addressSpace, this, priority);
    this.addressSpace = addressSpace;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      this.addressSpace = null;
      this.mappings = [];
      this.setTracking(false);
    };
  }

  /** @see DmaDevice.dmaWrite. Hot path: a linear walk of the (few) mappings. */
  dmaWrite(iova: number, data: Uint8Array): void {
    const len = data.length;
    if (!(Number.isSafeInteger(iova) && iova >= 0)) {
      throw new DmaFaultError(this.name, BigInt(Number.isFinite(iova) ? Math.trunc(iova) : 0), len, 'the iova must be a non-negative safe integer');
    }
    const end = iova + len;
    // Check the whole range before writing anything.
    let at = iova;
    while (at < end) {
      const m = this.mappingAt(at);
      if (m === null) throw new DmaFaultError(this.name, BigInt(iova), len, `0x${at.toString(16)} is not mapped RAM`);
      if (m.readonly) throw new DmaFaultError(this.name, BigInt(iova), len, `0x${at.toString(16)} is mapped read-only (region "${m.region}")`);
      at = m.end;
    }
    at = iova;
    let src = 0;
    while (at < end) {
      const m = this.mappingAt(at) as DmaMapping;
      const n = Math.min(end, m.end) - at;
      const off = m.offsetInRegion + (at - m.start);
      m.block.host.set(data.subarray(src, src + n), off);
      if (this.on) this.logWrite(m, off, n);
      at += n;
      src += n;
    }
  }

  // The container's MemoryListener.

  regionAdd(section: MemoryRegionSection): void {
    const block = this.dirtyLog.ramList.findByRegion(section.region);
    if (block === null) return; // not RAM: vfio maps only RAM (and RAM devices)
    const start = Number(section.offsetWithinAddressSpace);
    const off = Number(section.offsetWithinRegion);
    const size = Number(section.size);
    if (start % this.pageBytes !== 0 || off % this.pageBytes !== 0 || !Number.isSafeInteger(start + size)) return;
    const m: DmaMapping = { start, end: start + size, region: section.region, offsetInRegion: off, readonly: section.readonly, block };
    const next = this.mappings.filter((x) => x.end <= start || x.start >= m.end);
    next.push(m);
    next.sort((a, b) => a.start - b.start);
    this.mappings = next;
  }

  regionDel(section: MemoryRegionSection): void {
    const start = Number(section.offsetWithinAddressSpace);
    const m = this.mappings.find((x) => x.start === start && x.region === section.region);
    if (m === undefined) return;
    // Unmapping while tracking: report the section's pages first, or they are lost with the mapping.
    if (this.on) this.report(section);
    this.mappings = this.mappings.filter((x) => x !== m);
  }

  logGlobalStart(): void {
    this.setTracking(true);
  }

  logGlobalStop(): void {
    this.setTracking(false);
  }

  logSync(section: MemoryRegionSection): void {
    this.report(section);
  }

  private setTracking(on: boolean): void {
    if (this.on === on) return;
    this.on = on;
    // Stopping drops the log, as the kernel frees its dirty bitmap.
    if (!on) this.logs.clear();
    this.onTrackingChange?.(on);
  }

  private mappingAt(iova: number): DmaMapping | null {
    const ms = this.mappings;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i] as DmaMapping;
      if (iova >= m.start && iova < m.end) return m;
    }
    return null;
  }

  private logWrite(m: DmaMapping, off: number, n: number): void {
    let log = this.logs.get(m.region);
    if (log === undefined) {
      log = bitmapNew(Math.ceil(m.block.maxLength / this.pageBytes));
      this.logs.set(m.region, log);
    }
    const first = Math.floor(off / this.pageBytes);
    bitmapSetAtomic(log, first, Math.floor((off + n - 1) / this.pageBytes) - first + 1);
  }

  /** Moves the logged pages of `section` into the RAM dirty bitmaps (vfio_get_dirty_bitmap). */
  private report(section: MemoryRegionSection): void {
    const log = this.logs.get(section.region);
    if (log === undefined) return;
    const block = this.dirtyLog.ramList.findByRegion(section.region);
    if (block === null) return;
    const pb = this.pageBytes;
    const first = Math.floor(Number(section.offsetWithinRegion) / pb);
    const end = Math.min(Math.ceil((Number(section.offsetWithinRegion) + Number(section.size)) / pb), Math.ceil(block.usedLength / pb));
    if (end <= first) return;
    // Whole words of the log, from the one holding `first`: the report starts
    // at that word's first page, with the bits outside [first, end) masked
    // off (left in the log, and not reported), so no bit needs shifting.
    const w0 = first >>> 5;
    const wLast = (end - 1) >>> 5;
    const out = new Uint32Array(wLast - w0 + 1);
    let any = false;
    for (let w = w0; w <= wLast; w++) {
      if (log[w] === 0) continue;
      const lo = w === w0 ? first & 31 : 0;
      const hi = w === wLast ? ((end - 1) & 31) + 1 : 32;
      const mask = ((0xffffffff >>> (32 - (hi - lo))) << lo) >>> 0;
      const v = (Atomics.and(log, w, ~mask) & mask) >>> 0;
      if (v !== 0) {
        out[w - w0] = v;
        any = true;
      }
    }
    if (!any) return;
    const global = this.dirtyLog.system.state.globalDirtyLog;
    this.dirtyLog.ramList.dirtyMemory.setDirtyLebitmap(out, block.offset + w0 * 32 * pb, end - w0 * 32, global);
  }
}
