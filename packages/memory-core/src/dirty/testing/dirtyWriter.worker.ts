/**
 * Test worker: a vCPU-like writer that dirties random pages of one shared RAM
 * block the way the data path does — write the page, then set its dirty
 * bits with `DirtyMemory.setDirtyRange` on the shared bitmaps.
 */
import { workerData } from 'node:worker_threads';
import { DirtyMemory, type DirtyMemoryHandle } from '../dirtyMemory.js';

/** What the test sends to each writer. */
export interface DirtyWriterData {
  readonly entry: string;
  readonly id: number;
  readonly writers: number;
  readonly writes: number;
  readonly seed: number;
  readonly ram: SharedArrayBuffer;
  readonly blockOffset: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly mask: number;
  readonly dirty: DirtyMemoryHandle;
  /** [0]: writers finished; [1 + id]: writes done by writer `id`. */
  readonly control: SharedArrayBuffer;
}

const d = workerData as DirtyWriterData;
const dm = DirtyMemory.attach(d.dirty);
const bytes = new Uint8Array(d.ram);
const words = new Int32Array(d.ram);
const control = new Int32Array(d.control);
const wordsPerPage = d.pageSize / 4;
let x = d.seed | 1;
for (let n = 1; n <= d.writes; n++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  const page = (x >>> 0) % d.pages;
  const base = page * d.pageSize;
  // Page bytes first (plain stores), then the stamp that identifies this
  // write, stored with Atomics so that it is ordered before the dirty-bit
  // check inside setDirtyRange.
  bytes[base + 8 + (n & 63)] = n & 0xff;
  Atomics.store(words, page * wordsPerPage, n * d.writers + d.id);
  dm.setDirtyRange(d.blockOffset + base, d.pageSize, d.mask);
  if ((n & 0xfff) === 0) Atomics.store(control, 1 + d.id, n);
}
Atomics.store(control, 1 + d.id, d.writes);
Atomics.add(control, 0, 1);
