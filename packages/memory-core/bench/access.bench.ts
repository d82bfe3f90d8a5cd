/**
 * Data-path benchmarks: guest loads and stores through an address space
 * against a DataView on the same buffer, MMIO dispatch against a direct call
 * of the device callback, cached descriptor reads against uncached ones.
 */
import type { BenchCase } from '../../../tools/bench/harness.js';
import { record, timeMs } from '../../../tools/bench/harness.js';
import { MemoryRegionCache } from '../src/access/cache.js';
import { DirtyMemory } from '../src/dirty/dirtyMemory.js';
import { DIRTY_MEMORY_MIGRATION } from '../src/topology/types.js';
import { DataPlane } from '../src/access/DataPlane.js';
import { flatRange, flatView, HandRegionSource } from '../src/access/internal/handTopology.js';
import type { MemoryRegionOps } from '../src/access/ops.js';

const RAM_BASE = 0x8000_0000;
const RAM_SIZE = 1 << 20;
const OPS = 1 << 16;

/** A virt-like machine: ROM, a few devices, RAM at 0x8000_0000 (9 ranges); RAM logged for `ramMask` into `dirty`. */
function machine(ramMask = 0, dirty: DirtyMemory | null = null) {
  const src = new HandRegionSource();
  const ram = src.addRam('ram', RAM_SIZE);
  src.addRam('mrom', 0x1000, 'rom');
  const ranges = [flatRange('mrom', 0x1000, 0x1000, { readonly: true })];
  const plane = new DataPlane(src, { dirty });
  let reg = 0;
  const uart: MemoryRegionOps = {
    endianness: 'little',
    read: () => reg,
    write: (_o, v) => {
      reg = v;
    },
  };
  for (let i = 0; i < 7; i++) {
    src.addIo(`dev${i}`);
    plane.registerOps(`dev${i}`, uart);
    ranges.push(flatRange(`dev${i}`, 0x1000_0000 + i * 0x1000, 0x100));
  }
  ranges.push(flatRange('ram', RAM_BASE, RAM_SIZE, { dirtyLogMask: ramMask }));
  const as = plane.createAddressSpace('memory');
  plane.publish(as, flatView(ranges));
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  return { as, ram, view, uart };
}

let sink = 0;

/**
 * Times `ours` and `base` alternately, three rounds, and keeps the best mean
 * of each: the machine is shared, and alternating keeps a burst of load from
 * landing on one side only.
 */
async function pair(name: string, ours: () => void, base: () => void): Promise<[number, number]> {
  let a = Infinity;
  let b = Infinity;
  for (let round = 0; round < 3; round++) {
    a = Math.min(a, await timeMs(`${name} (ours)`, ours, { time: 300 }));
    b = Math.min(b, await timeMs(`${name} (baseline)`, base, { time: 300 }));
  }
  return [a, b];
}

function rate(ms: number): number {
  return OPS / (ms / 1000);
}

const randomOffsets = (() => {
  const a = new Uint32Array(OPS);
  let x = 0x12345678;
  for (let i = 0; i < OPS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) % (RAM_SIZE / 4)) * 4;
  }
  return a;
})();

const cases: BenchCase[] = [
  {
    id: 'access/ld32-seq',
    async run() {
      const { as, view } = machine();
      const [ours, base] = await pair('ldlLe seq', () => {
        let acc = 0;
        for (let i = 0; i < OPS; i++) acc ^= as.ldlLe(RAM_BASE + i * 4);
        sink ^= acc;
      }, () => {
        let acc = 0;
        for (let i = 0; i < OPS; i++) acc ^= view.getUint32(i * 4, true);
        sink ^= acc;
      });
      return record({
        id: 'access/ld32-seq',
        value: rate(ours),
        unit: 'ops/s',
        baseline: 'DataView.getUint32',
        baselineValue: rate(base),
        note: 'AddressSpaceAccess.ldlLe, 9-range FlatView, 64K sequential loads per sample',
      });
    },
  },
  {
    id: 'access/ld32-rand',
    async run() {
      const { as, view } = machine();
      const offs = randomOffsets;
      const [ours, base] = await pair('ldlLe rand', () => {
        let acc = 0;
        for (let i = 0; i < OPS; i++) acc ^= as.ldlLe(RAM_BASE + offs[i]!);
        sink ^= acc;
      }, () => {
        let acc = 0;
        for (let i = 0; i < OPS; i++) acc ^= view.getUint32(offs[i]!, true);
        sink ^= acc;
      });
      return record({
        id: 'access/ld32-rand',
        value: rate(ours),
        unit: 'ops/s',
        baseline: 'DataView.getUint32',
        baselineValue: rate(base),
        note: 'random aligned addresses in 1 MiB of RAM',
      });
    },
  },
  {
    id: 'access/st32-seq',
    async run() {
      const { as, view } = machine();
      const [ours, base] = await pair('stlLe seq', () => {
        for (let i = 0; i < OPS; i++) as.stlLe(RAM_BASE + i * 4, i);
      }, () => {
        for (let i = 0; i < OPS; i++) view.setUint32(i * 4, i, true);
      });
      return record({
        id: 'access/st32-seq',
        value: rate(ours),
        unit: 'ops/s',
        baseline: 'DataView.setUint32',
        baselineValue: rate(base),
        note: 'no dirty-log client (mask 0)',
      });
    },
  },
  {
    id: 'access/st32-seq-logged',
    async run() {
      const dm = new DirtyMemory();
      dm.extend(0x1000);
      const { as, view } = machine(1 << DIRTY_MEMORY_MIGRATION, dm);
      const [ours, base] = await pair(
        'stlLe seq logged',
        () => {
          for (let i = 0; i < OPS; i++) as.stlLe(RAM_BASE + i * 4, i);
        },
        () => {
          for (let i = 0; i < OPS; i++) view.setUint32(i * 4, i, true);
        },
      );
      return record({
        id: 'access/st32-seq-logged',
        value: rate(ours),
        unit: 'ops/s',
        baseline: 'DataView.setUint32',
        baselineValue: rate(base),
        note: 'MIGRATION logging on: every store goes through DirtyMemory (pages already dirty)',
      });
    },
  },
  {
    id: 'access/mmio',
    async run() {
      const { as, uart } = machine();
      const read = uart.read!;
      const attrs = { secure: false, user: false, requesterId: 0, unspecified: true };
      const [ours, base] = await pair(
        'mmio ldlLe',
        () => {
          let acc = 0;
          for (let i = 0; i < OPS; i++) acc ^= as.ldlLe(0x1000_0000 + ((i & 63) << 2));
          sink ^= acc;
        },
        () => {
          let acc = 0;
          for (let i = 0; i < OPS; i++) acc ^= read((i & 63) << 2, 4, attrs);
          sink ^= acc;
        },
      );
      return record({
        id: 'access/mmio',
        value: rate(ours),
        unit: 'ops/s',
        baseline: 'direct device read()',
        baselineValue: rate(base),
        note: '4-byte reads to a trivial little-endian device, no big lock',
      });
    },
  },
  {
    id: 'access/cached-desc',
    async run() {
      const { as, ram } = machine();
      // 64 virtio descriptors (16 bytes: addr u64, len u32, flags u16, next u16) at RAM offset 0x1000.
      const DESC = RAM_BASE + 0x1000;
      const dv = new DataView(ram.buffer);
      for (let i = 0; i < 64; i++) {
        dv.setUint32(0x1000 + i * 16, 0x2000 + i * 0x100, true);
        dv.setUint32(0x1000 + i * 16 + 8, 0x100, true);
        dv.setUint16(0x1000 + i * 16 + 14, (i + 1) & 63, true);
      }
      const cache = new MemoryRegionCache();
      cache.init(as, DESC, 64 * 16, false);
      const DESCS = OPS / 4;
      const [ours, base] = await pair(
        'descriptors',
        () => {
          let acc = 0;
          let d = 0;
          for (let i = 0; i < DESCS; i++) {
            const o = d * 16;
            acc ^= cache.ldlLe(o) ^ cache.ldlLe(o + 4) ^ cache.ldlLe(o + 8) ^ cache.lduwLe(o + 12);
            d = cache.lduwLe(o + 14);
          }
          sink ^= acc;
        },
        () => {
          let acc = 0;
          let d = 0;
          for (let i = 0; i < DESCS; i++) {
            const a = DESC + d * 16;
            acc ^= as.ldlLe(a) ^ as.ldlLe(a + 4) ^ as.ldlLe(a + 8) ^ as.lduwLe(a + 12);
            d = as.lduwLe(a + 14);
          }
          sink ^= acc;
        },
      );
      return record({
        id: 'access/cached-desc',
        value: (DESCS / ours) * 1000,
        unit: 'desc/s',
        baseline: 'uncached address-space loads',
        baselineValue: (DESCS / base) * 1000,
        note: `16-byte descriptors, 5 loads each (sink ${sink & 1})`,
      });
    },
  },
];

export default cases;
