/**
 * Dirty-bitmap benchmarks: the migration sync of a 16 GiB guest with 1% of
 * its pages dirty, and set_dirty_range over 1 GiB. Only the bitmaps are
 * allocated, never the guest RAM. Each is compared with a plain
 * `Uint32Array.set` copy of the same number of bitmap bytes, in the same run.
 */
import { record, timeMs, type BenchCase } from '../../../tools/bench/harness.js';
import { DirtyMemory, DIRTY_CLIENTS_NOCODE } from '../src/dirty/dirtyMemory.js';
import { createSyncKernelBlock } from '../src/dirty/syncKernel.js';
import { DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../src/topology/types.js';

const GiB = 1024 ** 3;
const PAGE = 4096;

/** Mean time of a Uint32Array copy of `bytes` bytes. */
async function copyMs(bytes: number): Promise<number> {
  const src = new Uint32Array(bytes / 4);
  for (let i = 0; i < src.length; i += 7) src[i] = i;
  const dst = new Uint32Array(bytes / 4);
  return timeMs(`copy ${bytes} B`, () => dst.set(src));
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} us` : `${ms.toFixed(3)} ms`;
}

const syncCase: BenchCase = {
  id: 'dirty/sync-16g-1pct',
  async run() {
    const pages = (16 * GiB) / PAGE; // 4M pages
    const block = { idstr: 'pc.ram', offset: 0, usedLength: 16 * GiB };
    const dest = new Uint32Array(pages / 32);
    const bitmapBytes = pages / 8; // the MIGRATION bitmap: 512 KiB
    // 1% of the pages, at random (a fixed seed), dirtied before every sync.
    const dirty = new Float64Array(Math.round(pages / 100));
    let x = 0x2545f491;
    for (let i = 0; i < dirty.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      dirty[i] = (x >>> 0) % pages;
    }
    /** Mean sync time with or without the WebAssembly kernel. */
    const measure = async (syncKernel: boolean): Promise<{ ms: number; newly: number; nonZero: number; nonZero64: number }> => {
      const dm = new DirtyMemory({ tcg: false, syncKernel });
      dm.extend(pages);
      const blocks = dm.blocksOf(DIRTY_MEMORY_MIGRATION);
      const bp = dm.blockPages;
      const setup = (): void => {
        dest.fill(0);
        for (let i = 0; i < dirty.length; i++) {
          const p = dirty[i] as number;
          const b = blocks[Math.floor(p / bp)] as Uint32Array;
          const off = p % bp;
          b[off >>> 5] = (b[off >>> 5] as number) | (1 << (off & 31));
        }
      };
      let newly = 0;
      const ms = await timeMs(`sync 16 GiB${syncKernel ? '' : ' (JS loop)'}`, () => {
        newly = dm.syncDirtyBitmap(block, dest);
      }, { setup });
      setup();
      let nonZero = 0;
      let nonZero64 = 0;
      for (const b of blocks) {
        for (let w = 0; w < b.length; w++) if (b[w] !== 0) nonZero++;
        for (let w = 0; w + 1 < b.length; w += 2) if ((b[w] as number) !== 0 || (b[w + 1] as number) !== 0) nonZero64++;
      }
      return { ms, newly, nonZero, nonZero64 };
    };
    const sync = await measure(true);
    const jsLoop = await measure(false);
    const syncMs = sync.ms;
    const { newly, nonZero } = sync;
    const baseMs = await copyMs(bitmapBytes);
    // What JS atomics alone cost: one Atomics.exchange per non-zero word,
    // with no scan and no merge (context for the ratio, not a baseline).
    const xchg = new Uint32Array(new SharedArrayBuffer(nonZero * 4));
    const xchgMs = await timeMs('exchange floor', () => {
      for (let w = 0; w < xchg.length; w++) Atomics.exchange(xchg, w, 0);
    }, { setup: () => xchg.fill(1) });
    // What the wasm kernel costs on the non-zero 64-bit words alone, packed
    // (one i64 exchange and merge each, almost no scan): the floor of any
    // sync that takes each dirty word with an atomic exchange.
    const floor = createSyncKernelBlock(2 * sync.nonZero64);
    const floorMs = floor === null ? NaN : await timeMs('wasm exchange floor', () => {
      floor.sync(0, sync.nonZero64 * 8, floor.mirrorDelta, floor.listAddr);
    }, { setup: () => floor.bitmap.fill(1) });
    return record({
      id: 'dirty/sync-16g-1pct',
      value: bitmapBytes / (syncMs / 1000),
      unit: 'B/s',
      baseline: 'Uint32Array.set copy of 512 KiB',
      baselineValue: bitmapBytes / (baseMs / 1000),
      note: `sync ${fmtMs(syncMs)}/op (JS loop ${fmtMs(jsLoop.ms)}), copy ${fmtMs(baseMs)}; ${pages} pages, ${newly} newly dirty in ${nonZero} words; ${nonZero} JS Atomics.exchange alone ${fmtMs(xchgMs)}; wasm kernel on the ${sync.nonZero64} non-zero 64-bit words alone ${fmtMs(floorMs)}`,
    });
  },
};

const setRangeCase: BenchCase = {
  id: 'dirty/set-range-1g',
  async run() {
    const pages = GiB / PAGE; // 256K pages
    const dm = new DirtyMemory({ tcg: false });
    dm.extend(pages);
    const maps = [...dm.blocksOf(DIRTY_MEMORY_VGA), ...dm.blocksOf(DIRTY_MEMORY_MIGRATION)];
    const setup = (): void => {
      for (const m of maps) m.fill(0);
    };
    const setMs = await timeMs('set_dirty_range 1 GiB', () => {
      dm.setDirtyRange(0, GiB, DIRTY_CLIENTS_NOCODE);
    }, { setup });
    const bitmapBytes = 2 * (pages / 8); // VGA and MIGRATION: 2 x 32 KiB
    const baseMs = await copyMs(bitmapBytes);
    return record({
      id: 'dirty/set-range-1g',
      value: bitmapBytes / (setMs / 1000),
      unit: 'B/s',
      baseline: 'Uint32Array.set copy of 64 KiB',
      baselineValue: bitmapBytes / (baseMs / 1000),
      note: `set_dirty_range ${fmtMs(setMs)}/op (VGA+MIGRATION, clean bitmaps), copy ${fmtMs(baseMs)}`,
    });
  },
};

const cases: BenchCase[] = [syncCase, setRangeCase];
export default cases;
