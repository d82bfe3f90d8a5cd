/**
 * Random hand-built FlatViews and random accesses through the data path
 * against a naive per-byte model of the same FlatView.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlatRange } from '../topology/types.js';
import { DataPlane } from './DataPlane.js';
import type { DirtyMemorySink } from './dirty.js';
import type { ModelKind, ModelOp, ModelRegion } from './internal/byteModel.js';
import { runModelOps } from './internal/byteModel.js';
import type { DeviceSpec } from './internal/byteModelArb.js';
import { deviceSpecArb, memoryLikeOps, modelOpArb } from './internal/byteModelArb.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';

const PAGE = 4096;
const RAM_SIZE = 0x4000;
const DEV_SIZE = 0x4000;

type Kind = 'ram' | 'rom' | 'romd' | 'romdOff' | 'dev' | 'reservation';

interface RegionSpec {
  kind: Kind;
  dirtyLogMask: number;
  device: DeviceSpec;
}

interface RangeSpec {
  region: number;
  gap: number; // 8-byte units before this range
  size: number; // 8-byte units
  offset: number; // 8-byte units into the region
  readonly: boolean;
}

interface Scenario {
  regions: RegionSpec[];
  ranges: RangeSpec[];
  ops: ModelOp[];
  targetBig: boolean;
}

const regionArb: fc.Arbitrary<RegionSpec> = fc.record({
  kind: fc.constantFrom<Kind>('ram', 'ram', 'rom', 'romd', 'romdOff', 'dev', 'dev', 'reservation'),
  dirtyLogMask: fc.integer({ min: 0, max: 7 }),
  device: deviceSpecArb,
});

const rangeArb = (nRegions: number): fc.Arbitrary<RangeSpec> =>
  fc.record({
    region: fc.integer({ min: 0, max: nRegions - 1 }),
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    size: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 256, max: 1024 })),
    offset: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 800 })),
    readonly: fc.boolean(),
  });

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .array(regionArb, { minLength: 1, maxLength: 5 })
  .chain((regions) =>
    fc.record({
      regions: fc.constant(regions),
      ranges: fc.array(rangeArb(regions.length), { minLength: 1, maxLength: 6 }),
      ops: fc.array(modelOpArb(0x4000), { minLength: 1, maxLength: 40 }),
      targetBig: fc.boolean(),
    }),
  );

/** Records dirty pages per client as "client:page". */
class PageSink implements DirtyMemorySink {
  readonly bits = new Set<string>();
  setDirtyRange(ramAddr: number, length: number, mask: number): void {
    for (let c = 0; c < 3; c++) {
      if ((mask & (1 << c)) === 0) continue;
      for (let p = Math.floor(ramAddr / PAGE); p <= Math.floor((ramAddr + length - 1) / PAGE); p++) this.bits.add(`${c}:${p}`);
    }
  }
}

function run(s: Scenario): void {
  const src = new HandRegionSource();
  const sink = new PageSink();
  const plane = new DataPlane(src, { dirty: sink, targetEndianness: s.targetBig ? 'big' : 'little' });
  const regions = new Map<string, ModelRegion>();
  s.regions.forEach((r, i) => {
    const id = `r${i}`;
    let real: Uint8Array;
    let kind: ModelKind;
    if (r.kind === 'dev' || r.kind === 'reservation') {
      src.addIo(id, r.kind === 'dev' ? 'io' : 'reservation');
      real = new Uint8Array(DEV_SIZE + 16);
      kind = r.kind;
    } else {
      kind = r.kind === 'romd' || r.kind === 'romdOff' ? 'romDevice' : r.kind;
      real = src.addRam(id, RAM_SIZE, kind);
    }
    if (kind === 'dev' || kind === 'romDevice') plane.registerOps(id, memoryLikeOps(real, r.device, s.targetBig));
    regions.set(id, {
      kind,
      validMax: r.device.validMax,
      real,
      model: new Uint8Array(real.length),
      ramAddr: kind === 'ram' || kind === 'rom' || kind === 'romDevice' ? src.ramAddrOf(id) : 0,
    });
  });
  // Lay the ranges out on an 8-byte grid, clipped to their regions.
  const ranges: FlatRange[] = [];
  let cursor = 0;
  for (const r of s.ranges) {
    const reg = s.regions[r.region]!;
    const regionSize = reg.kind === 'dev' || reg.kind === 'reservation' ? DEV_SIZE : RAM_SIZE;
    const offset = Math.min(r.offset * 8, regionSize - 8);
    const size = Math.min(r.size * 8, regionSize - offset);
    cursor += r.gap * 8;
    ranges.push(
      flatRange(`r${r.region}`, cursor, size, {
        offsetInRegion: offset,
        dirtyLogMask: reg.kind === 'ram' || reg.kind === 'rom' ? reg.dirtyLogMask : 0,
        readonly: reg.kind === 'ram' ? r.readonly : reg.kind === 'rom',
        romdMode: reg.kind === 'romd',
      }),
    );
    cursor += size;
  }
  const as = plane.createAddressSpace('memory');
  plane.publish(as, flatView(ranges));
  const bits = runModelOps(as, ranges, regions, s.ops, PAGE);
  expect([...sink.bits].sort()).toEqual([...bits].sort());
}

describe('data path vs a per-byte model of the FlatView', () => {
  it('random hand-built FlatViews and accesses give the same bytes, results and dirty pages', () => {
    fc.assert(fc.property(scenarioArb, (s) => run(s)), { numRuns: 300 });
  });
});
