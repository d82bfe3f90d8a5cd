/**
 * Hand-built topologies for the data path's tests and benchmarks: FlatViews
 * and a RegionSource without the control plane.
 */
import type { FlatRange, FlatView, RegionKind } from '../../topology/types.js';
import type { RamBacking, RegionInfo, RegionSource } from '../DataPlane.js';

/** Options of {@link flatRange}. */
export interface FlatRangeOptions {
  offsetInRegion?: number;
  dirtyLogMask?: number;
  readonly?: boolean;
  romdMode?: boolean;
}

/** A FlatRange of `region` at [start, start+size) (numbers for brevity). */
export function flatRange(region: string, start: number, size: number, o: FlatRangeOptions = {}): FlatRange {
  return {
    region,
    start: BigInt(start),
    size: BigInt(size),
    offsetInRegion: BigInt(o.offsetInRegion ?? 0),
    dirtyLogMask: o.dirtyLogMask ?? 0,
    readonly: o.readonly ?? false,
    romdMode: o.romdMode ?? false,
    nonvolatile: false,
  };
}

/** A FlatView of the given ranges. */
export function flatView(ranges: FlatRange[]): FlatView {
  return { root: 'root', ranges };
}

/** A RegionSource over maps filled by hand; RAM lives in SharedArrayBuffers at consecutive ram_addrs. */
export class HandRegionSource implements RegionSource {
  private readonly infos = new Map<string, RegionInfo>();
  private readonly rams = new Map<string, RamBacking>();
  private nextRamAddr = 0;

  /** Adds a RAM-backed region (ram, rom or romDevice) of `size` bytes; returns its bytes. */
  addRam(id: string, size: number, kind: RegionKind = 'ram'): Uint8Array {
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    this.infos.set(id, { id, name: id, kind });
    this.rams.set(id, { bytes, ramAddr: this.nextRamAddr });
    this.nextRamAddr += Math.ceil(size / 4096) * 4096 + 4096;
    return bytes;
  }

  /** Adds an io (or reservation) region. */
  addIo(id: string, kind: RegionKind = 'io'): void {
    this.infos.set(id, { id, name: id, kind });
  }

  /** ram_addr of a RAM-backed region. */
  ramAddrOf(id: string): number {
    return this.rams.get(id)!.ramAddr;
  }

  /** {@inheritDoc RegionSource.region} */
  region(id: string): RegionInfo | undefined {
    return this.infos.get(id);
  }

  /** {@inheritDoc RegionSource.ram} */
  ram(id: string): RamBacking | undefined {
    return this.rams.get(id);
  }
}
