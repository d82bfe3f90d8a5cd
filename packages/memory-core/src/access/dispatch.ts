/**
 * The lookup structure of one FlatView (QEMU's AddressSpaceDispatch).
 *
 * Choice: sorted range starts in a Float64Array, binary search, plus a
 * most-recently-used section checked first. A FlatView has tens of ranges,
 * so a miss costs ~5 comparisons and a hit two; a page-table radix (QEMU's
 * phys_map) would need 4K-granular nodes and subpages for ranges that are not
 * page-aligned, and costs memory proportional to the mapped space. The TCG
 * TLB sits in front of this for CPU accesses anyway.
 *
 * A Dispatch is immutable once built (the MRU hint aside, which is not part
 * of its meaning) and is swapped in whole at commit, like QEMU's
 * RCU-published dispatch: an access that started on the old one finishes on
 * it, and no reader ever sees half a topology.
 *
 * Addresses are safe integers: ranges starting at or beyond 2^53 are ignored,
 * ranges reaching past 2^53 are clipped there, so addresses ≥ 2^53 read as
 * unassigned on the data plane (the control plane keeps exact bigints).
 * A range whose offset in its region would pass 2^53 is ignored too.
 */
import type { FlatRange, FlatView } from '../topology/types.js';
import type { MmioOps } from './ops.js';
import { UNASSIGNED_OPS } from './ops.js';
import { RegionHandle } from './region.js';

/**
 * What happens to writes that reach ROM or a readonly range:
 * - `discard` (default): dropped with MEMTX_OK, as a CPU store is in QEMU
 *   (the TLB's TLB_DISCARD_WRITE, for ROM and readonly aliases alike).
 * - `physmem`: as QEMU 7.2's address_space_write does for DMA: a ROM region is
 *   not direct for writes and its (unassigned) ops refuse them, so MEMTX_DECODE_ERROR;
 *   a readonly alias of writable RAM is not checked at all, so the RAM is written.
 */
export type ReadonlyWrites = 'discard' | 'physmem';

/** 2^53: the first address the data plane cannot represent exactly. */
export const DATA_PLANE_ADDRESS_LIMIT = 2 ** 53;
const LIMIT_BIG = 2n ** 53n;
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
/** 2^32: the access window covers addresses below it only (they are uint32). */
const WINDOW_LIMIT = 2 ** 32;
/** Window offsets and lengths stay int32 (Smis). */
const WINDOW_MAX = 2 ** 31 - 1;

/**
 * One FlatRange, ready for accesses (QEMU's MemoryRegionSection). The fields
 * a RAM read or write touches come first and together (upstream a676854f34).
 */
export class Section {
  /** First address covered. */
  readonly start: number;
  /** One past the last address covered. */
  readonly end: number;
  /** addr + delta = offset in the region (xlat) = index in `bytes` for RAM. */
  readonly delta: number;
  /** Host memory of the region (empty when not RAM-backed). */
  readonly bytes: Uint8Array;
  /** DataView over `bytes`. */
  readonly view: DataView;
  /** Reads go straight to `bytes` (RAM, ROM, ROM device in romd mode). */
  readonly readDirect: boolean;
  /** Writes go straight to `bytes` (writable RAM). */
  readonly writeDirect: boolean;
  /** Dirty-log mask of the range; 0 → a write does no dirty work at all. */
  readonly dirtyLogMask: number;
  /** addr + ramAddrDelta = ram_addr of addr. */
  readonly ramAddrDelta: number;
  /** Writes are dropped with MEMTX_OK (ROM, readonly alias of RAM: QEMU's TLB_DISCARD_WRITE). */
  readonly writeDiscard: boolean;
  /** The region. */
  readonly region: RegionHandle;
  /** Offset in the region of `start`. */
  readonly offsetInRegion: number;
  /** The range is readonly (region or an alias on the way). */
  readonly readonly: boolean;
  /** ROM device in romd mode. */
  readonly romdMode: boolean;
  /**
   * Bytes of the range itself (index 0 = `start`), for the address-space
   * access window; empty when the range is not RAM-backed.
   */
  readonly rangeBytes: Uint8Array;
  /** DataView over `rangeBytes`. */
  readonly rangeView: DataView;
  /**
   * How many bytes from `start` the uint32 access window may cover: the range,
   * clipped at 2^32 and at the end of the host memory; 0 when the range starts
   * at or beyond 2^32, is not RAM-backed, or would need 2 GiB or more.
   */
  readonly windowLength: number;

  /** Builds a section; `fr === null` makes the unassigned section. */
  constructor(
    start: number,
    end: number,
    offsetInRegion: number,
    region: RegionHandle,
    fr: FlatRange | null,
    readonlyWrites: ReadonlyWrites = 'discard',
  ) {
    this.start = start;
    this.end = end;
    this.delta = offsetInRegion - start;
    const ram = fr !== null && region.ramBacked;
    this.bytes = ram ? region.bytes : EMPTY;
    this.view = ram ? region.view : new DataView(EMPTY.buffer);
    const romd = fr !== null && region.kind === 'romDevice' && fr.romdMode;
    this.readDirect = ram && (region.kind !== 'romDevice' || romd);
    const readonly = fr !== null && (fr.readonly || region.kind === 'rom');
    if (readonlyWrites === 'discard') {
      this.writeDirect = ram && region.kind !== 'romDevice' && !readonly;
      this.writeDiscard = ram && region.kind !== 'romDevice' && readonly;
    } else {
      // physmem: only the region's own readonly flag (ROM) counts, and it makes writes go to its ops.
      this.writeDirect = ram && region.kind === 'ram' && !region.readonly;
      this.writeDiscard = false;
    }
    this.dirtyLogMask = fr !== null ? fr.dirtyLogMask : 0;
    this.ramAddrDelta = ram ? region.ramAddr + this.delta : 0;
    this.region = region;
    this.offsetInRegion = offsetInRegion;
    this.readonly = readonly;
    this.romdMode = romd;
    let win = 0;
    if (ram && start < WINDOW_LIMIT) {
      const first = start + this.delta;
      win = Math.min(end, WINDOW_LIMIT) - start;
      win = Math.max(0, Math.min(win, this.bytes.length - first));
      if (win > WINDOW_MAX) win = 0;
    }
    this.windowLength = win;
    this.rangeBytes = win > 0 ? this.bytes.subarray(start + this.delta, start + this.delta + win) : EMPTY;
    this.rangeView = win > 0 ? new DataView(this.rangeBytes.buffer, this.rangeBytes.byteOffset, win) : EMPTY_VIEW;
  }

  /** The device ops for the MMIO path (UNASSIGNED_OPS for RAM reached through it, holes and reservations). */
  get mmio(): MmioOps {
    return this.region.mmio;
  }
}

/** The region handle behind every hole. */
export const UNASSIGNED_REGION: RegionHandle = new RegionHandle('(unassigned)');
UNASSIGNED_REGION.kind = 'reservation';
UNASSIGNED_REGION.mmio = UNASSIGNED_OPS;

/**
 * The section returned for addresses no range covers (QEMU's
 * PHYS_SECTION_UNASSIGNED): xlat = addr, and it never matches the MRU check.
 */
export const UNASSIGNED_SECTION: Section = new Section(0, 0, 0, UNASSIGNED_REGION, null);

/** The immutable lookup table of one FlatView. */
export class Dispatch {
  /** Range starts, ascending. */
  readonly starts: Float64Array;
  /** Range ends (exclusive), parallel to `starts`. */
  readonly ends: Float64Array;
  /** Sections, parallel to `starts`. */
  readonly sections: readonly Section[];
  /** Most recently used section (a hint; starts as the unassigned section). */
  mru: Section = UNASSIGNED_SECTION;

  /** Builds from sections sorted by start and disjoint. */
  constructor(sections: Section[]) {
    this.sections = sections;
    this.starts = new Float64Array(sections.length);
    this.ends = new Float64Array(sections.length);
    for (let i = 0; i < sections.length; i++) {
      this.starts[i] = sections[i]!.start;
      this.ends[i] = sections[i]!.end;
    }
  }

  /** The section covering `addr`, or UNASSIGNED_SECTION (QEMU's address_space_lookup_region). Hot path. */
  lookup(addr: number): Section {
    const mru = this.mru;
    if (addr >= mru.start && addr < mru.end) return mru;
    return this.find(addr);
  }

  /** Binary search, updating the MRU hint on a hit. */
  find(addr: number): Section {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi >= 0 && addr < this.ends[hi]!) {
      const s = this.sections[hi]!;
      this.mru = s;
      return s;
    }
    return UNASSIGNED_SECTION;
  }
}

/**
 * Builds the dispatch of `view`: one section per range, with `handle(id)`
 * giving each range's region. Ranges are clipped to 2^53 (see the module doc).
 */
export function buildDispatch(
  view: FlatView,
  handle: (regionId: string) => RegionHandle,
  readonlyWrites: ReadonlyWrites = 'discard',
): Dispatch {
  const sorted = [...view.ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const sections: Section[] = [];
  for (const fr of sorted) {
    if (fr.start >= LIMIT_BIG || fr.size === 0n) continue;
    let endBig = fr.start + fr.size;
    if (endBig > LIMIT_BIG) endBig = LIMIT_BIG;
    if (fr.offsetInRegion + (endBig - fr.start) > LIMIT_BIG) continue;
    sections.push(new Section(Number(fr.start), Number(endBig), Number(fr.offsetInRegion), handle(fr.region), fr, readonlyWrites));
  }
  return new Dispatch(sections);
}
