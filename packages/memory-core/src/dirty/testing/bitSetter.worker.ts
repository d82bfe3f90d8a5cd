/**
 * Test worker: sets its half of a shared bitmap's bits (even or odd bit
 * numbers), word by word in step with the other writer, once per round,
 * so that both threads update the same words at the same time.
 */
import { workerData } from 'node:worker_threads';
import { bitmapSetAtomic, setBitAtomic } from '../atomicBitmap.js';
import { SETTER_ARRIVED, SETTER_GO, SETTER_READY, type BitSetterData } from './dirtyWriterProtocol.js';

const d = workerData as BitSetterData;
const map = new Uint32Array(d.map);
const control = new Int32Array(d.control);
for (let round = 0; round < d.rounds; round++) {
  while (Atomics.load(control, SETTER_GO) <= round) Atomics.wait(control, SETTER_GO, round);
  // Start together: spin until the other setter is awake too.
  Atomics.add(control, SETTER_READY, 1);
  while (Atomics.load(control, SETTER_READY) < 2);
  if ((round & 1) === 0) {
    for (let b = d.id; b < d.nbits; b += 2) bitmapSetAtomic(map, b, 1);
  } else {
    for (let b = d.id; b < d.nbits; b += 2) setBitAtomic(map, b);
  }
  Atomics.add(control, SETTER_ARRIVED, 1);
  Atomics.notify(control, SETTER_ARRIVED);
}
