/**
 * Random topologies and random accesses through the data path against a
 * naive per-byte model of the same FlatView: hand-built FlatViews, and region
 * trees built with the MemorySystem (containers, priorities, overlaps,
 * aliases with offsets, readonly aliases, romd modes, dirty logging),
 * rendered by the control plane.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RamList } from '../ram/ramList.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import type { FlatRange } from '../topology/types.js';
import { DIRTY_MEMORY_VGA } from '../topology/types.js';
import { DataPlane } from './DataPlane.js';
import type { DirtyMemorySink } from './dirty.js';
import type { ModelKind, ModelOp, ModelRegion } from './internal/byteModel.js';
import { runModelOps } from './internal/byteModel.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import type { DeviceSpec } from './internal/memoryLikeDevice.js';
import { memoryLikeOps } from './internal/memoryLikeDevice.js';
import { MemorySystemDataPlane } from './memorySystemDataPlane.js';
import type { DeviceEndianness } from './ops.js';

/** Random accesses at addresses in [0, limit]. */
function modelOpArb(limit: number): fc.Arbitrary<ModelOp> {
  return fc.oneof(
    fc.record({ t: fc.constant('read' as const), addr: fc.integer({ min: 0, max: limit }), len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      t: fc.constant('write' as const),
      addr: fc.integer({ min: 0, max: limit }),
      data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
    }),
    fc.record({
      t: fc.constant('ld' as const),
      addr: fc.integer({ min: 0, max: limit }),
      size: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      be: fc.boolean(),
    }),
    fc.record({
      t: fc.constant('st' as const),
      addr: fc.integer({ min: 0, max: limit }),
      size: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      be: fc.boolean(),
      value: fc.integer({ min: 0, max: 0xffffffff }),
      hi: fc.integer({ min: 0, max: 0xffffffff }),
    }),
  );
}

/** Random device parameters. */
const deviceSpecArb: fc.Arbitrary<DeviceSpec> = fc.record({
  endianness: fc.constantFrom<DeviceEndianness>('little', 'big', 'native'),
  implMax: fc.constantFrom(1, 2, 4),
  validMax: fc.constantFrom(0, 1, 2, 4, 8),
});

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
  /** Address of the layout's offset 0: exercises the uint32 access window near 2^31 and 2^32 and its fallback above. */
  base: number;
  /** Where each access goes (parallel to ops). */
  placements: OpPlacement[];
}

/**
 * Where a hand-built layout starts: 0 (as before), the edges of the uint32
 * window (ranges crossing 2^31 and 2^32, starting just below or at 2^32),
 * above 4 GiB, just below 2^53 (the layout stays below it: at most 6 ranges
 * of at most 16 KiB), and anywhere in between. Always a multiple
 * of 8, so the layout stays on its 8-byte grid: MMIO pieces of a buffer
 * access are not clamped at range ends (QEMU's memory_access_size), which
 * the per-byte model does not model.
 */
const baseArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      2 ** 31 - 0x2000,
      2 ** 32 - 0x4000,
      2 ** 32 - 0x2000,
      2 ** 32 - 0x1008,
      2 ** 32 - 0x10,
      2 ** 32,
      2 ** 32 + 2 ** 31 - 0x2000,
      2 ** 33 - 0x2000,
      2 ** 53 - 0x20000,
    ),
  },
  { weight: 2, arbitrary: fc.maxSafeNat().map((n) => (n - (n % 8)) % (2 ** 53 - 0x20000)) },
);

/**
 * Where an access goes in the laid-out FlatView: at its own offset from the
 * base, or (edge) a few bytes around one range's start or end, where the
 * window limits of each access size are decided.
 */
interface OpPlacement {
  /** Move to a range edge: the range (modulo their number), its end or start, and a delta in [-9, 9]. */
  edge: { range: number; end: boolean; delta: number } | null;
  /** Follow the access with a copy 4 GiB away, where a uint32 window that forgot the high bits would wrongly hit. */
  twin: boolean;
}

const opPlacementArb: fc.Arbitrary<OpPlacement> = fc.record({
  edge: fc.option(
    fc.record({ range: fc.nat(), end: fc.boolean(), delta: fc.integer({ min: -9, max: 9 }) }),
    { freq: 2 },
  ),
  twin: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
});

/** The accesses of `s` placed on the layout whose range starts and ends are given. */
function placeOps(s: Scenario, starts: number[], ends: number[]): ModelOp[] {
  const out: ModelOp[] = [];
  s.ops.forEach((op, i) => {
    const p = s.placements[i]!;
    let addr = s.base + op.addr;
    if (p.edge !== null) {
      const k = p.edge.range % starts.length;
      addr = Math.max(0, (p.edge.end ? ends[k]! : starts[k]!) + p.edge.delta);
    }
    out.push({ ...op, addr });
    if (p.twin) out.push({ ...op, addr: addr + (addr >= 2 ** 32 ? -(2 ** 32) : 2 ** 32) });
  });
  return out;
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
      base: baseArb,
      placements: fc.array(opPlacementArb, { minLength: 40, maxLength: 40 }),
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
      flatRange(`r${r.region}`, s.base + cursor, size, {
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
  const ops = placeOps(
    s,
    ranges.map((r) => Number(r.start)),
    ranges.map((r) => Number(r.start + r.size)),
  );
  const bits = runModelOps(as, ranges, regions, ops, PAGE);
  expect([...sink.bits].sort()).toEqual([...bits].sort());
}

describe('data path vs a per-byte model of the FlatView', () => {
  it('random hand-built FlatViews and accesses give the same bytes, results and dirty pages', () => {
    fc.assert(fc.property(scenarioArb, (s) => run(s)), { numRuns: 1000 });
  });
});

const SPACE = 0x3000;

type LeafKind = 'ram' | 'rom' | 'romDevice' | 'io' | 'reservation';

interface LeafSpec {
  kind: LeafKind;
  size: number; // 8-byte units
  device: DeviceSpec;
  romd: boolean;
  vgaLog: boolean;
}

interface AliasSpec {
  target: number;
  offset: number; // 8-byte units
  size: number;
  readonly: boolean;
}

interface Placement {
  parent: number; // index into containers (0 = system)
  addr: number; // 8-byte units
  priority: number;
}

interface TreeScenario {
  tcg: boolean;
  globalLog: boolean;
  containers: { size: number; placement: Placement }[];
  leaves: { leaf: LeafSpec; placement: Placement | null }[];
  aliases: { alias: AliasSpec; placement: Placement }[];
  ops: ModelOp[];
  targetBig: boolean;
}

const placementArb = (nParents: number): fc.Arbitrary<Placement> =>
  fc.record({
    parent: fc.integer({ min: 0, max: nParents - 1 }),
    addr: fc.integer({ min: 0, max: SPACE / 8 - 1 }),
    priority: fc.integer({ min: -1, max: 2 }),
  });

const leafArb: fc.Arbitrary<LeafSpec> = fc.record({
  kind: fc.constantFrom<LeafKind>('ram', 'ram', 'rom', 'romDevice', 'io', 'io', 'reservation'),
  size: fc.oneof(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 64, max: 512 })),
  device: deviceSpecArb,
  romd: fc.boolean(),
  vgaLog: fc.boolean(),
});

const treeScenarioArb: fc.Arbitrary<TreeScenario> = fc
  .record({ nContainers: fc.integer({ min: 0, max: 2 }), nLeaves: fc.integer({ min: 1, max: 6 }) })
  .chain(({ nContainers, nLeaves }) =>
    fc.record({
      tcg: fc.boolean(),
      globalLog: fc.boolean(),
      // container i (1-based among parents) may only go into parents < i: no cycles
      containers: fc.tuple(
        ...Array.from({ length: nContainers }, (_, i) =>
          fc.record({ size: fc.integer({ min: 16, max: 512 }), placement: placementArb(i + 1) }),
        ),
      ),
      leaves: fc.array(fc.record({ leaf: leafArb, placement: fc.option(placementArb(nContainers + 1), { freq: 4 }) }), {
        minLength: nLeaves,
        maxLength: nLeaves,
      }),
      aliases: fc.array(
        fc.record({
          alias: fc.record({
            target: fc.integer({ min: 0, max: nLeaves - 1 }),
            offset: fc.integer({ min: 0, max: 64 }),
            size: fc.integer({ min: 1, max: 256 }),
            readonly: fc.boolean(),
          }),
          placement: placementArb(nContainers + 1),
        }),
        { maxLength: 3 },
      ),
      ops: fc.array(modelOpArb(SPACE), { minLength: 1, maxLength: 40 }),
      targetBig: fc.boolean(),
    }),
  );

function runTree(s: TreeScenario): void {
  const ms = new MemorySystem({ tcg: s.tcg });
  const system = ms.createContainer({ name: 'system', size: BigInt(SPACE) });
  const parents = [system];
  const add = (child: string, p: Placement) =>
    ms.addSubregion(parents[p.parent]!, child, BigInt(p.addr * 8), p.priority);
  ms.begin();
  for (const c of s.containers) {
    const id = ms.createContainer({ name: 'c', size: BigInt(c.size * 8) });
    add(id, c.placement);
    parents.push(id);
  }
  const leafIds: string[] = [];
  const leafSpecs = new Map<string, LeafSpec>();
  for (const [i, { leaf, placement }] of s.leaves.entries()) {
    const o = { name: `${leaf.kind}${i}`, size: BigInt(leaf.size * 8) };
    const id =
      leaf.kind === 'ram'
        ? ms.createRam(o)
        : leaf.kind === 'rom'
          ? ms.createRom(o)
          : leaf.kind === 'romDevice'
            ? ms.createRomDevice(o)
            : leaf.kind === 'io'
              ? ms.createIo(o)
              : ms.createReservation(o);
    if (leaf.kind === 'romDevice' && !leaf.romd) ms.setRomdMode(id, false);
    if (leaf.kind === 'ram' && leaf.vgaLog) ms.setLog(id, true, DIRTY_MEMORY_VGA);
    if (placement !== null) add(id, placement);
    leafIds.push(id);
    leafSpecs.set(id, leaf);
  }
  for (const { alias, placement } of s.aliases) {
    const target = leafIds[alias.target]!;
    const tsize = leafSpecs.get(target)!.size;
    const offset = Math.min(alias.offset, tsize - 1);
    const size = Math.min(alias.size, tsize - offset);
    const id = ms.createAlias({ name: 'alias', size: BigInt(size * 8), target, offset: BigInt(offset * 8) });
    if (alias.readonly) ms.setReadonly(id, true);
    add(id, placement);
  }
  if (s.globalLog) ms.globalDirtyLogStart();
  ms.commit();
  ms.createAddressSpace('memory', system);

  const ramList = new RamList({ tcg: s.tcg });
  const sink = new PageSink();
  const dp = new MemorySystemDataPlane(ms, ramList, { dirty: sink, targetEndianness: s.targetBig ? 'big' : 'little' });
  const stores = new Map<string, Uint8Array>();
  for (const id of leafIds) {
    const leaf = leafSpecs.get(id)!;
    if (leaf.kind === 'io') {
      const store = new Uint8Array(leaf.size * 8 + 16);
      stores.set(id, store);
      dp.plane.registerOps(id, memoryLikeOps(store, leaf.device, s.targetBig));
    }
  }
  const as = dp.addressSpace('memory');
  const view = ms.flatView('memory');
  const regions = new Map<string, ModelRegion>();
  for (const fr of view.ranges) {
    if (regions.has(fr.region)) continue;
    const leaf = leafSpecs.get(fr.region)!;
    const kind: ModelKind = leaf.kind === 'io' ? 'dev' : leaf.kind;
    let real: Uint8Array;
    let ramAddr = 0;
    if (kind === 'dev' || kind === 'reservation') {
      real = stores.get(fr.region) ?? new Uint8Array(0);
    } else {
      const block = ramList.findByRegion(fr.region)!;
      real = block.host;
      ramAddr = block.offset;
      if (kind === 'romDevice') dp.plane.registerOps(fr.region, memoryLikeOps(real, leaf.device, s.targetBig));
    }
    regions.set(fr.region, { kind, validMax: leaf.device.validMax, real, model: new Uint8Array(real), ramAddr });
  }
  const bits = runModelOps(as, view.ranges, regions, s.ops, PAGE);
  expect([...sink.bits].sort()).toEqual([...bits].sort());
}

describe('data path over MemorySystem-rendered FlatViews vs the per-byte model', () => {
  it('random region trees (priorities, overlaps, aliases, readonly, romd, logging) and random accesses agree', () => {
    fc.assert(fc.property(treeScenarioArb, (s) => runTree(s)), { numRuns: 200 });
  });
});
