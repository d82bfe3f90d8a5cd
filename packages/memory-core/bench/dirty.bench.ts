/**
 * Dirty-bitmap benchmarks: the migration sync of a 16 GiB guest with 1% of
 * its pages dirty, and set_dirty_range over 1 GiB. Only the bitmaps are
 * allocated, never the guest RAM. Each is compared with a plain
 * `Uint32Array.set` copy of the same number of bitmap bytes, in the same run.
 */
import { record, timeMs, timePairMs, type BenchCase } from '../../../tools/bench/harness.js';
import { DirtyMemory, DIRTY_CLIENTS_NOCODE } from '../src/dirty/dirtyMemory.js';
import { setBit } from '../src/dirty/bitmap.js';
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
    /** Sets the dirty pages in the MIGRATION half writers target now (plain stores: setup, not measured). */
    const dirtyPages = (dm: DirtyMemory): void => {
      const blocks = dm.blocksOf(DIRTY_MEMORY_MIGRATION);
      const bp = dm.blockPages;
      for (let i = 0; i < dirty.length; i++) {
        const p = dirty[i] as number;
        setBit(blocks[Math.floor(p / bp)] as Uint32Array, p % bp);
      }
    };
    /**
     * Median time of the double-buffered round (the migration's sync) with or
     * without WebAssembly, and of the baseline copy sampled alternately with it.
     */
    const round = (syncKernel: boolean): { ms: number; copyMs: number; newly: number } => {
      const dm = new DirtyMemory({ tcg: false, syncKernel });
      dm.extend(pages);
      let newly = 0;
      const src = new Uint32Array(bitmapBytes / 4);
      for (let i = 0; i < src.length; i += 7) src[i] = i;
      const dst = new Uint32Array(bitmapBytes / 4);
      const t = timePairMs(
        {
          fn: () => {
            newly = dm.syncMigrationRound();
          },
          setup: () => {
            for (const b of dm.migrationBitmap()) b.fill(0);
            dirtyPages(dm);
          },
        },
        { fn: () => dst.set(src), setup: () => dst.fill(0) },
        syncKernel ? 400 : 40,
      );
      return { ms: t.subject, copyMs: t.baseline, newly };
    };
    /** Median time of the per-block sync by atomic exchange (QEMU's way) with or without WebAssembly. */
    const exchange = async (syncKernel: boolean): Promise<{ ms: number; nonZero: number; nonZero64: number }> => {
      const dm = new DirtyMemory({ tcg: false, syncKernel });
      dm.extend(pages);
      const dest = new Uint32Array(pages / 32);
      const ms = await timeMs(`exchange sync 16 GiB${syncKernel ? '' : ' (JS loop)'}`, () => {
        dm.syncDirtyBitmap(block, dest);
      }, {
        setup: () => {
          dest.fill(0);
          dirtyPages(dm);
        },
      });
      dirtyPages(dm);
      let nonZero = 0;
      let nonZero64 = 0;
      for (const b of dm.blocksOf(DIRTY_MEMORY_MIGRATION)) {
        for (let w = 0; w < b.length; w++) if (b[w] !== 0) nonZero++;
        for (let w = 0; w + 1 < b.length; w += 2) if ((b[w] as number) !== 0 || (b[w + 1] as number) !== 0) nonZero64++;
      }
      return { ms, nonZero, nonZero64 };
    };
    const sync = round(true);
    const jsRound = round(false);
    const xchg = await exchange(true);
    const jsXchg = await exchange(false);
    const baseMs = sync.copyMs;
    // What the wasm exchange costs on the non-zero 64-bit words alone, packed:
    // the floor of any sync that takes each dirty word with an atomic exchange.
    const floor = createSyncKernelBlock(2 * xchg.nonZero64);
    const floorMs = floor === null ? NaN : await timeMs('wasm exchange floor', () => {
      floor.sync(0, xchg.nonZero64 * 8, floor.mirrorAddr, floor.listAddr);
    }, { setup: () => floor.bitmaps[0].fill(1) });
    return record({
      id: 'dirty/sync-16g-1pct',
      value: bitmapBytes / (sync.ms / 1000),
      unit: 'B/s',
      baseline: 'Uint32Array.set copy of 512 KiB, sampled alternately',
      baselineValue: bitmapBytes / (baseMs / 1000),
      note:
        `double-buffered round ${fmtMs(sync.ms)}/op (JS loop ${fmtMs(jsRound.ms)}), copy ${fmtMs(baseMs)}; ` +
        `${pages} pages, ${sync.newly} newly dirty in ${xchg.nonZero} words; ` +
        `per-block atomic exchange (QEMU's way) ${fmtMs(xchg.ms)} (JS loop ${fmtMs(jsXchg.ms)}), ` +
        `its floor: wasm exchange of the ${xchg.nonZero64} non-zero 64-bit words alone ${fmtMs(floorMs)}`,
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
