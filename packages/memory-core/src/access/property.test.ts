/**
 * Random topologies and random accesses through the data path against a
 * naive per-byte model of the same FlatView.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlatRange } from '../topology/types.js';
import type { MemTxResult } from './attrs.js';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { DataPlane } from './DataPlane.js';
import type { DirtyMemorySink } from './dirty.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import type { DeviceEndianness } from './ops.js';

const PAGE = 4096;
const RAM_SIZE = 0x4000;
const DEV_SIZE = 0x4000;

type Kind = 'ram' | 'rom' | 'romd' | 'romdOff' | 'dev' | 'reservation';

interface RegionSpec {
  kind: Kind;
  dirtyLogMask: number;
  endianness: DeviceEndianness;
  implMax: number;
  validMax: number;
}

interface RangeSpec {
  region: number;
  gap: number; // 8-byte units before this range
  size: number; // 8-byte units
  offset: number; // 8-byte units into the region
  readonly: boolean;
}

type Op =
  | { t: 'read'; addr: number; len: number }
  | { t: 'write'; addr: number; data: number[] }
  | { t: 'ld'; addr: number; size: 1 | 2 | 4 | 8; be: boolean }
  | { t: 'st'; addr: number; size: 1 | 2 | 4 | 8; be: boolean; value: number; hi: number };

const regionArb: fc.Arbitrary<RegionSpec> = fc.record({
  kind: fc.constantFrom<Kind>('ram', 'ram', 'rom', 'romd', 'romdOff', 'dev', 'dev', 'reservation'),
  dirtyLogMask: fc.integer({ min: 0, max: 7 }),
  endianness: fc.constantFrom<DeviceEndianness>('little', 'big', 'native'),
  implMax: fc.constantFrom(1, 2, 4),
  validMax: fc.constantFrom(0, 1, 2, 4, 8),
});

const rangeArb = (nRegions: number): fc.Arbitrary<RangeSpec> =>
  fc.record({
    region: fc.integer({ min: 0, max: nRegions - 1 }),
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    size: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 256, max: 1024 })),
    offset: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 800 })),
    readonly: fc.boolean(),
  });

const opArb = (limit: number): fc.Arbitrary<Op> =>
  fc.oneof(
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

interface Scenario {
  regions: RegionSpec[];
  ranges: RangeSpec[];
  ops: Op[];
  targetBig: boolean;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .array(regionArb, { minLength: 1, maxLength: 5 })
  .chain((regions) =>
    fc.record({
      regions: fc.constant(regions),
      ranges: fc.array(rangeArb(regions.length), { minLength: 1, maxLength: 6 }),
      ops: fc.array(opArb(0x4000), { minLength: 1, maxLength: 40 }),
      targetBig: fc.boolean(),
    }),
  );

/** Records dirty pages per client as a set of "client:page" strings. */
class RecordingSink implements DirtyMemorySink {
  readonly bits = new Set<string>();
  setDirtyRange(ramAddr: number, length: number, mask: number): void {
    for (let c = 0; c < 3; c++) {
      if ((mask & (1 << c)) === 0) continue;
      for (let p = Math.floor(ramAddr / PAGE); p <= Math.floor((ramAddr + length - 1) / PAGE); p++) this.bits.add(`${c}:${p}`);
    }
  }
}

function composeValue(bytes: number[], be: boolean): bigint {
  let v = 0n;
  const order = be ? bytes : [...bytes].reverse();
  for (const b of order) v = (v << 8n) | BigInt(b);
  return v;
}

function valueBytes(v: bigint, size: number, be: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return be ? out.reverse() : out;
}

function run(s: Scenario): void {
  const src = new HandRegionSource();
  const sink = new RecordingSink();
  const plane = new DataPlane(src, { dirty: sink, targetEndianness: s.targetBig ? 'big' : 'little' });
  // Each region's memory: the data path's (RAM bytes or device store) and the model's copy.
  const real: Uint8Array[] = [];
  const model: Uint8Array[] = [];
  s.regions.forEach((r, i) => {
    const id = `r${i}`;
    if (r.kind === 'dev' || r.kind === 'reservation') {
      src.addIo(id, r.kind === 'dev' ? 'io' : 'reservation');
      real.push(new Uint8Array(DEV_SIZE + 16));
    } else {
      real.push(src.addRam(id, RAM_SIZE, r.kind === 'rom' ? 'rom' : r.kind === 'ram' ? 'ram' : 'romDevice'));
    }
    model.push(new Uint8Array(real[i]!.length));
    const store = real[i]!;
    if (r.kind === 'dev' || r.kind === 'romd' || r.kind === 'romdOff') {
      const big = r.endianness === 'big' || (r.endianness === 'native' && s.targetBig);
      // A memory-like device: registers are bytes, composed in its own byte order.
      plane.registerOps(id, {
        endianness: r.endianness,
        valid: { maxAccessSize: r.validMax, unaligned: true },
        impl: { maxAccessSize: r.implMax },
        read: (o, size) => {
          let v = 0;
          for (let k = 0; k < size; k++) v += store[o + k]! * 2 ** (8 * (big ? size - 1 - k : k));
          return v;
        },
        write: (o, v, size) => {
          for (let k = 0; k < size; k++) store[o + k] = Math.floor(v / 2 ** (8 * (big ? size - 1 - k : k))) & 0xff;
        },
      });
    }
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

  // ---- the naive model ----
  const find = (a: number) => ranges.findIndex((fr) => a >= Number(fr.start) && a < Number(fr.start + fr.size));
  const modelBits = new Set<string>();
  const byteRead = (a: number): [number, MemTxResult] => {
    const i = find(a);
    if (i < 0) return [0, MEMTX_DECODE_ERROR];
    const fr = ranges[i]!;
    const ri = Number(fr.region.slice(1));
    if (s.regions[ri]!.kind === 'reservation') return [0, MEMTX_DECODE_ERROR];
    return [model[ri]![a - Number(fr.start) + Number(fr.offsetInRegion)]!, MEMTX_OK];
  };
  const byteWrite = (a: number, b: number): MemTxResult => {
    const i = find(a);
    if (i < 0) return MEMTX_DECODE_ERROR;
    const fr = ranges[i]!;
    const ri = Number(fr.region.slice(1));
    const kind = s.regions[ri]!.kind;
    if (kind === 'reservation') return MEMTX_DECODE_ERROR;
    if (fr.readonly) return MEMTX_OK;
    const off = a - Number(fr.start) + Number(fr.offsetInRegion);
    model[ri]![off] = b;
    if (kind === 'ram' && fr.dirtyLogMask !== 0) {
      const page = Math.floor((src.ramAddrOf(fr.region) + off) / PAGE);
      for (let c = 0; c < 3; c++) if (fr.dirtyLogMask & (1 << c)) modelBits.add(`${c}:${page}`);
    }
    return MEMTX_OK;
  };
  // ld/st: QEMU's memory_ldst rule — direct when the access fits in a RAM-like range,
  // otherwise the whole access goes to the range's region ops.
  const ldst = (op: Extract<Op, { t: 'ld' | 'st' }>): { value: bigint; result: MemTxResult } => {
    const i = find(op.addr);
    const fr = i < 0 ? null : ranges[i]!;
    const ri = fr === null ? -1 : Number(fr.region.slice(1));
    const reg = ri < 0 ? null : s.regions[ri]!;
    const fits = fr !== null && op.addr + op.size <= Number(fr.start + fr.size);
    const isWrite = op.t === 'st';
    const stBytes = isWrite ? valueBytes((BigInt(op.hi) << 32n) | BigInt(op.value), op.size, op.be) : [];
    if (reg !== null && fits) {
      const direct = isWrite
        ? reg.kind === 'ram' || reg.kind === 'rom'
        : reg.kind === 'ram' || reg.kind === 'rom' || reg.kind === 'romd';
      const viaOps = reg.kind === 'dev' || reg.kind === 'romd' || reg.kind === 'romdOff';
      if (direct || (viaOps && (reg.validMax === 0 || op.size <= reg.validMax))) {
        if (isWrite) {
          stBytes.forEach((b, k) => byteWrite(op.addr + k, b));
          return { value: 0n, result: MEMTX_OK };
        }
        const bytes: number[] = [];
        for (let k = 0; k < op.size; k++) bytes.push(byteRead(op.addr + k)[0]);
        return { value: composeValue(bytes, op.be), result: MEMTX_OK };
      }
      return { value: 0n, result: MEMTX_DECODE_ERROR };
    }
    // Crossing the end of a range: the region's ops get the whole access (RAM → unassigned ops).
    if (reg !== null && (reg.kind === 'dev' || reg.kind === 'romd' || reg.kind === 'romdOff')) {
      if (reg.validMax !== 0 && op.size > reg.validMax) return { value: 0n, result: MEMTX_DECODE_ERROR };
      const off = op.addr - Number(fr!.start) + Number(fr!.offsetInRegion);
      if (isWrite) {
        stBytes.forEach((b, k) => (model[ri]![off + k] = b));
        return { value: 0n, result: MEMTX_OK };
      }
      const bytes: number[] = [];
      for (let k = 0; k < op.size; k++) bytes.push(model[ri]![off + k]!);
      return { value: composeValue(bytes, op.be), result: MEMTX_OK };
    }
    return { value: 0n, result: MEMTX_DECODE_ERROR };
  };

  for (const op of s.ops) {
    if (op.t === 'read') {
      const buf = new Uint8Array(op.len).fill(0xa5);
      const r = as.read(op.addr, buf);
      let mr: MemTxResult = MEMTX_OK;
      const exp: number[] = [];
      for (let k = 0; k < op.len; k++) {
        const [b, rr] = byteRead(op.addr + k);
        exp.push(b);
        mr |= rr;
      }
      expect([...buf], `read ${op.addr} +${op.len}`).toEqual(exp);
      expect(r).toBe(mr);
    } else if (op.t === 'write') {
      const r = as.write(op.addr, Uint8Array.from(op.data));
      let mr: MemTxResult = MEMTX_OK;
      op.data.forEach((b, k) => (mr |= byteWrite(op.addr + k, b)));
      expect(r, `write ${op.addr} +${op.data.length}`).toBe(mr);
    } else {
      const exp = ldst(op);
      let got: bigint;
      if (op.t === 'ld') {
        if (op.size === 1) got = BigInt(as.ldub(op.addr));
        else if (op.size === 2) got = BigInt(op.be ? as.lduwBe(op.addr) : as.lduwLe(op.addr));
        else if (op.size === 4) got = BigInt(op.be ? as.ldlBe(op.addr) : as.ldlLe(op.addr));
        else got = op.be ? as.ldqBe(op.addr) : as.ldqLe(op.addr);
        expect(got, `ld${op.size} ${op.be ? 'be' : 'le'} @${op.addr}`).toBe(exp.value);
      } else {
        if (op.size === 1) as.stb(op.addr, op.value);
        else if (op.size === 2) {
          if (op.be) as.stwBe(op.addr, op.value);
          else as.stwLe(op.addr, op.value);
        } else if (op.size === 4) {
          if (op.be) as.stlBe(op.addr, op.value);
          else as.stlLe(op.addr, op.value);
        }
        else {
          const v = (BigInt(op.hi) << 32n) | BigInt(op.value);
          if (op.be) as.stqBe(op.addr, v);
          else as.stqLe(op.addr, v);
        }
      }
      expect(as.result, `${op.t}${op.size} @${op.addr}`).toBe(exp.result);
    }
  }
  for (let i = 0; i < real.length; i++) {
    if (Buffer.compare(real[i]!, model[i]!) !== 0) expect([...real[i]!], `region r${i}`).toEqual([...model[i]!]);
  }
  expect([...sink.bits].sort()).toEqual([...modelBits].sort());
}

describe('data path vs a per-byte model of the FlatView', () => {
  it('random topologies and accesses give the same bytes, results and dirty pages', () => {
    fc.assert(fc.property(scenarioArb, (s) => run(s)), { numRuns: 300 });
  });
});
