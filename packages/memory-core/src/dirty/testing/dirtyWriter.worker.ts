/**
 * Test worker: a vCPU-like writer that dirties random pages of one shared RAM
 * block the way the data path does — write the page, then set its dirty
 * bits with `DirtyMemory.setDirtyRange` on the shared bitmaps.
 */
import { workerData } from 'node:worker_threads';
import { DirtyMemory } from '../dirtyMemory.js';
import { CONTROL_ARRIVED, CONTROL_GO, CONTROL_ROUND, CONTROL_WRITES, type DirtyWriterData } from './dirtyWriterProtocol.js';

const d = workerData as DirtyWriterData;
const dm = DirtyMemory.attach(d.dirty);
const bytes = new Uint8Array(d.ram);
const words = new Int32Array(d.ram);
const control = new Int32Array(d.control);
const wordsPerPage = d.pageSize / 4;
let x = d.seed | 1;
let n = 0;
for (let phase = 0; n < d.writes; phase++) {
  while (Atomics.load(control, CONTROL_GO) <= phase) Atomics.wait(control, CONTROL_GO, phase);
  const stop = Math.min(d.writes, n + d.phaseWrites);
  const mid = n + (d.phaseWrites >>> 1);
  while (n < stop) {
    n++;
    if (n === mid) {
      // Halfway through the phase, wait for one whole sync round of the
      // test to run, so that every phase has syncs between its writes.
      const r0 = Atomics.load(control, CONTROL_ROUND);
      for (let r = r0; r < r0 + 2; r = Atomics.load(control, CONTROL_ROUND)) Atomics.wait(control, CONTROL_ROUND, r, 5);
    }
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = x >>> 0;
    // One write in eight is a DMA-like run of up to 96 pages, so ranges that
    // cover whole bitmap words (plain all-ones stores) race with the clears too.
    const run = (r & 7) === 0 ? 1 + ((r >>> 3) % 96) : 1;
    const page = Math.min((r >>> 10) % d.pages, d.pages - run);
    const stamp = n * d.writers + d.id;
    for (let p = page; p < page + run; p++) {
      // Page bytes first (plain stores), then the stamp that identifies this
      // write, stored with Atomics so that it is ordered before the dirty-bit
      // check inside setDirtyRange.
      bytes[p * d.pageSize + 8 + (n & 63)] = n & 0xff;
      Atomics.store(words, p * wordsPerPage, stamp);
    }
    dm.setDirtyRange(d.blockOffset + page * d.pageSize, run * d.pageSize, d.mask);
  }
  Atomics.store(control, CONTROL_WRITES + d.id, n);
  Atomics.add(control, CONTROL_ARRIVED, 1);
}
