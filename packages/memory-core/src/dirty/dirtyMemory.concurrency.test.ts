import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { RamList } from '../ram/ramList.js';
import { bitmapFull, bitmapNew, findNextBit, clearBit, testBit } from './bitmap.js';
import {
  CONTROL_ARRIVED,
  CONTROL_GO,
  CONTROL_ROUND,
  CONTROL_WRITES,
  SETTER_ARRIVED,
  SETTER_GO,
  SETTER_READY,
  type BitSetterData,
  type DirtyWriterData,
} from './testing/dirtyWriterProtocol.js';

const WRITERS = 2;
const WRITES_PER_WRITER = 2_000_000;
/** Short phases: most writes are the last one to their page before a check. */
const PHASE_WRITES = 1000;
const PAGES = 2048;
const PS = 4096;

/** Atomics.waitAsync (Node 16+; not in the ES2022 lib the package compiles against). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

const boot = fileURLToPath(new URL('./testing/boot.mjs', import.meta.url));
const entry = pathToFileURL(fileURLToPath(new URL('./testing/dirtyWriter.worker.ts', import.meta.url))).href;
const setterEntry = pathToFileURL(fileURLToPath(new URL('./testing/bitSetter.worker.ts', import.meta.url))).href;

describe('dirty bits under concurrent writers', () => {
  // upstream d114875b9a (atomic set), 9f02cfc84b (atomic OR on shared words),
  // 36546e5b80 / 03eebc9e32 (atomic test-and-clear): several threads dirty
  // memory while migration syncs and a display tests-and-clears, and no
  // write goes unseen.
  // The migration sync runs in WebAssembly by default and as a JS loop where
  // shared wasm memories are missing, either per block by atomic exchange
  // (syncDirtyBitmap, QEMU's way) or as a double-buffered round
  // (syncMigrationRound): all four must lose nothing.
  const modes = [
    { syncKernel: true, round: false },
    { syncKernel: false, round: false },
    { syncKernel: true, round: true },
    { syncKernel: false, round: true },
  ];
  for (const { syncKernel, round } of modes) {
    const label = `${syncKernel ? 'wasm' : 'JS'} ${round ? 'double-buffered round' : 'per-block exchange'}`;
    it(`every page written after its last clear is dirty or was seen by a sync, over millions of writes (${label})`, async () => {
      const list = new RamList({ tcg: false, syncKernel });
      const block = list.alloc({ name: 'pc.ram', size: PAGES * PS });
      const dm = list.dirtyMemory;
      const stamps = new Int32Array(block.buffer);
      const control = new Int32Array(new SharedArrayBuffer(4 * (CONTROL_WRITES + WRITERS)));
      const vgaBits = dm.blocksOf(DIRTY_MEMORY_VGA)[0] as Uint32Array;
      const firstPage = block.offset / PS;

      // Migration's view: the migration bitmap and, per page, the stamp it last sent.
      // In round mode the bitmap is DirtyMemory's own, indexed by ram_addr page.
      const bmap = round ? (dm.migrationBitmap()[0] as Uint32Array) : new Uint32Array(PAGES / 32);
      const base = round ? firstPage : 0;
      const sent = new Int32Array(PAGES);
      let syncedPages = 0;
      const migrate = (): number => {
        const n = round ? dm.syncMigrationRound() : dm.syncDirtyBitmap(block, bmap);
        syncedPages += n;
        for (let p = findNextBit(bmap, base + PAGES, base); p < base + PAGES; p = findNextBit(bmap, base + PAGES, p + 1)) {
          clearBit(bmap, p);
          sent[p - base] = Atomics.load(stamps, (p - base) * (PS / 4));
        }
        return n;
      };
      // The display's view: per page, the stamp it last drew.
      const shown = new Int32Array(PAGES);
      const redraw = (first: number, n: number): void => {
        for (let p = first; p < first + n; p++) shown[p] = Atomics.load(stamps, p * (PS / 4));
      };
      let displayChunk = 0;
      const display = (): void => {
        const first = (displayChunk * 96) % PAGES; // chunks straddle bitmap words
        const n = Math.min(96, PAGES - first);
        displayChunk++;
        if (displayChunk % 3 === 0) {
          if (dm.testAndClearDirty(block.offset + first * PS, n * PS, DIRTY_MEMORY_VGA)) redraw(first, n);
        } else if (displayChunk % 3 === 1) {
          // Page by page: neighbours in the same word are being set meanwhile.
          for (let p = first; p < first + n; p++) {
            if (dm.testAndClearDirty(block.offset + p * PS, PS, DIRTY_MEMORY_VGA)) redraw(p, 1);
          }
        } else {
          const snap = dm.snapshotAndClearDirty(block.offset + first * PS, n * PS, DIRTY_MEMORY_VGA);
          for (let p = first; p < first + n; p++) {
            if (dm.snapshotGetDirty(snap, block.offset + p * PS, PS)) redraw(p, 1);
          }
        }
      };
      /** The invariant, while the writers are parked: a page not seen with its current content is still dirty. */
      let lost = 0;
      let pending = 0;
      const check = (): void => {
        for (let p = 0; p < PAGES; p++) {
          const now = stamps[p * (PS / 4)] as number;
          if (sent[p] !== now) {
            pending++;
            if (!dm.getDirty(block.offset + p * PS, PS, DIRTY_MEMORY_MIGRATION)) lost++;
          }
          if (shown[p] !== now) {
            pending++;
            if (!testBit(vgaBits, firstPage + p)) lost++;
          }
        }
      };

      migrate();
      redraw(0, PAGES);
      dm.testAndClearDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA);

      const exits: Promise<void>[] = [];
      const failures: unknown[] = [];
      for (let id = 0; id < WRITERS; id++) {
        const data: DirtyWriterData = {
          entry,
          id,
          writers: WRITERS,
          writes: WRITES_PER_WRITER,
          seed: 0x9e3779b9 * (id + 1),
          ram: block.buffer,
          blockOffset: block.offset,
          pages: PAGES,
          pageSize: PS,
          mask: (1 << DIRTY_MEMORY_VGA) | (1 << DIRTY_MEMORY_MIGRATION),
          dirty: dm.handle(),
          phaseWrites: PHASE_WRITES,
          control: control.buffer as SharedArrayBuffer,
        };
        const w = new Worker(boot, { workerData: data });
        w.on('error', (e) => failures.push(e));
        exits.push(new Promise((resolve) => w.on('exit', () => resolve())));
      }

      // Each phase: let the writers go, sync and test-and-clear in a loop while
      // they write, then check the invariant once they are parked again.
      const phases = Math.ceil(WRITES_PER_WRITER / PHASE_WRITES);
      let rounds = 0;
      // Syncs that found pages written after the phase's first sync: proof
      // that syncing and writing overlapped.
      let concurrentSyncs = 0;
      for (let phase = 1; phase <= phases; phase++) {
        Atomics.store(control, CONTROL_ARRIVED, 0);
        Atomics.store(control, CONTROL_GO, phase);
        Atomics.notify(control, CONTROL_GO);
        const deadline = Date.now() + 20_000;
        let inPhase = 0;
        while (Atomics.load(control, CONTROL_ARRIVED) < WRITERS) {
          Atomics.add(control, CONTROL_ROUND, 1);
          Atomics.notify(control, CONTROL_ROUND);
          if (migrate() > 0 && inPhase > 0) concurrentSyncs++;
          display();
          inPhase++;
          if (Date.now() > deadline || failures.length > 0) {
            await new Promise((r) => setImmediate(r)); // let a worker error surface
            throw new Error(`writers stuck in phase ${phase}: ${String(failures[0] ?? 'timeout')}`);
          }
        }
        rounds += inPhase;
        check();
      }
      await Promise.all(exits);
      migrate();
      if (dm.testAndClearDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA)) redraw(0, PAGES);

      let writes = 0;
      for (let id = 0; id < WRITERS; id++) writes += control[CONTROL_WRITES + id] as number;
      let stale = 0;
      for (let p = 0; p < PAGES; p++) {
        const now = stamps[p * (PS / 4)] as number;
        if (sent[p] !== now || shown[p] !== now) stale++;
      }
      console.log(
        `concurrency: ${writes} writes by ${WRITERS} workers in ${phases} phases, ` +
          `${rounds} sync rounds (${concurrentSyncs} found pages written during the round), ${syncedPages} pages counted by syncs, ${pending} not-yet-seen pages checked dirty at phase ends`,
      );
      expect(failures).toEqual([]);
      expect(writes).toBe(WRITERS * WRITES_PER_WRITER);
      expect(concurrentSyncs).toBeGreaterThan(phases / 10);
      expect(lost).toBe(0);
      expect(stale).toBe(0);
      expect(dm.getDirty(block.offset, PAGES * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
      expect(dm.getDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA)).toBe(false);
    }, 60_000);
  }

  // upstream d114875b9a, 9f02cfc84b: two threads setting bits of the same
  // words at the same time never lose each other's bits
  it('concurrent setters of the same words keep every bit', async () => {
    const NBITS = 64 * 32;
    const ROUNDS = 500;
    const map = bitmapNew(NBITS);
    const control = new Int32Array(new SharedArrayBuffer(12));
    const exits: Promise<number>[] = [];
    for (let id = 0; id < 2; id++) {
      const data: BitSetterData = { entry: setterEntry, id, nbits: NBITS, rounds: ROUNDS, map: map.buffer as SharedArrayBuffer, control: control.buffer as SharedArrayBuffer };
      const w = new Worker(boot, { workerData: data });
      exits.push(new Promise((resolve, reject) => {
        w.on('error', reject);
        w.on('exit', resolve);
      }));
    }
    let incomplete = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      map.fill(0);
      Atomics.store(control, SETTER_ARRIVED, 0);
      Atomics.store(control, SETTER_READY, 0);
      Atomics.store(control, SETTER_GO, round);
      Atomics.notify(control, SETTER_GO);
      // Wait without spinning, so that both setters have the CPUs.
      for (let a = Atomics.load(control, SETTER_ARRIVED); a < 2; a = Atomics.load(control, SETTER_ARRIVED)) {
        const r = waitAsync(control, SETTER_ARRIVED, a, 5000);
        if (r.async) await r.value;
      }
      if (!bitmapFull(map, NBITS)) incomplete++;
    }
    expect(await Promise.all(exits)).toEqual([0, 0]);
    console.log(`concurrent setters: ${ROUNDS} rounds x ${NBITS} bits, ${incomplete} rounds lost a bit`);
    expect(incomplete).toBe(0);
  }, 60_000);
});
