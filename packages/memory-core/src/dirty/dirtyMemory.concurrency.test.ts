import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { RamList } from '../ram/ramList.js';
import { findNextBit, clearBit } from './bitmap.js';
import type { DirtyWriterData } from './testing/dirtyWriter.worker.js';

const WRITERS = 2;
const WRITES_PER_WRITER = 2_000_000;
const PAGES = 2048;
const PS = 4096;

const boot = fileURLToPath(new URL('./testing/boot.mjs', import.meta.url));
const entry = pathToFileURL(fileURLToPath(new URL('./testing/dirtyWriter.worker.ts', import.meta.url))).href;

describe('dirty bits under concurrent writers', () => {
  // upstream d114875b9a (atomic set), 36546e5b80 / 03eebc9e32 (atomic test-and-clear),
  // 9f02cfc84b (atomic OR on shared words): several threads dirty memory while
  // migration syncs and a display tests-and-clears, and no write goes unseen.
  it('every page written after its last clear is seen by the next sync and the next test-and-clear', async () => {
    const list = new RamList({ tcg: false });
    const block = list.alloc({ name: 'pc.ram', size: PAGES * PS });
    const dm = list.dirtyMemory;
    const stamps = new Int32Array(block.buffer);
    const control = new Int32Array(new SharedArrayBuffer(4 * (1 + WRITERS)));

    // Migration's view: the migration bitmap and, per page, the stamp it last sent.
    const bmap = new Uint32Array(PAGES / 32);
    const sent = new Int32Array(PAGES);
    let syncedPages = 0;
    const migrate = (): void => {
      syncedPages += dm.syncDirtyBitmap(block, bmap);
      for (let p = findNextBit(bmap, PAGES, 0); p < PAGES; p = findNextBit(bmap, PAGES, p + 1)) {
        clearBit(bmap, p);
        sent[p] = Atomics.load(stamps, p * (PS / 4));
      }
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
      if (displayChunk % 2 === 0) {
        if (dm.testAndClearDirty(block.offset + first * PS, n * PS, DIRTY_MEMORY_VGA)) redraw(first, n);
      } else {
        const snap = dm.snapshotAndClearDirty(block.offset + first * PS, n * PS, DIRTY_MEMORY_VGA);
        for (let p = first; p < first + n; p++) {
          if (dm.snapshotGetDirty(snap, block.offset + p * PS, PS)) redraw(p, 1);
        }
      }
    };

    migrate();
    redraw(0, PAGES);
    dm.testAndClearDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA);

    const workers: Promise<void>[] = [];
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
        control: control.buffer as SharedArrayBuffer,
      };
      const w = new Worker(boot, { workerData: data });
      workers.push(
        new Promise((resolve, reject) => {
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${id} exited with ${code}`))));
        }),
      );
    }

    // Sync and test-and-clear in a loop for as long as the writers run.
    let rounds = 0;
    let roundsWhileWriting = 0;
    while (Atomics.load(control, 0) < WRITERS) {
      migrate();
      display();
      display();
      rounds++;
      if (Atomics.load(control, 1) > 0 && Atomics.load(control, 0) === 0) roundsWhileWriting++;
      if (rounds % 64 === 0) await new Promise((r) => setImmediate(r)); // let worker errors surface
    }
    await Promise.all(workers);

    // The invariant, checked before any final pass: a page whose current
    // content was not seen by the last sync (or the last redraw) is still dirty.
    let writes = 0;
    for (let id = 0; id < WRITERS; id++) writes += control[1 + id] as number;
    let lostByMigration = 0;
    let lostByDisplay = 0;
    let pendingMigration = 0;
    let pendingDisplay = 0;
    let written = 0;
    for (let p = 0; p < PAGES; p++) {
      const now = stamps[p * (PS / 4)] as number;
      if (now !== 0) written++;
      if (sent[p] !== now) {
        pendingMigration++;
        if (!dm.getDirty(block.offset + p * PS, PS, DIRTY_MEMORY_MIGRATION)) lostByMigration++;
      }
      if (shown[p] !== now) {
        pendingDisplay++;
        if (!dm.getDirty(block.offset + p * PS, PS, DIRTY_MEMORY_VGA)) lostByDisplay++;
      }
    }
    // One last sync and full redraw leave both views equal to the RAM.
    migrate();
    if (dm.testAndClearDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA)) redraw(0, PAGES);
    let staleAfterFinal = 0;
    for (let p = 0; p < PAGES; p++) {
      const now = stamps[p * (PS / 4)] as number;
      if (sent[p] !== now || shown[p] !== now) staleAfterFinal++;
    }
    console.log(
      `concurrency: ${writes} writes by ${WRITERS} workers, ${rounds} sync rounds (${roundsWhileWriting} while writing), ` +
        `${syncedPages} pages counted by syncs, ${written} pages written, ` +
        `${pendingMigration}/${pendingDisplay} pages dirty since the last sync/redraw`,
    );
    expect(writes).toBe(WRITERS * WRITES_PER_WRITER);
    expect(roundsWhileWriting).toBeGreaterThan(10);
    expect(written).toBe(PAGES);
    expect(lostByMigration).toBe(0);
    expect(lostByDisplay).toBe(0);
    expect(staleAfterFinal).toBe(0);
    // Nothing is left dirty once everything was synced and drawn.
    expect(dm.getDirty(block.offset, PAGES * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    expect(dm.getDirty(block.offset, PAGES * PS, DIRTY_MEMORY_VGA)).toBe(false);
  }, 60_000);
});
