/**
 * Worker body for the safe-point test: a vCPU reduced to one store through its
 * shared TLB, descheduled between reading the entry and storing (as an OS may
 * preempt a translated block there), then back at its loop.
 */
import { workerData } from 'node:worker_threads';
import { Run } from '../../src/worker/protocol.js';
import { passSafePoint, setRunState } from '../../src/worker/safePoint.js';
import { Tlb } from '../../src/tlb.js';

interface Data {
  ctl: SharedArrayBuffer;
  tlb: SharedArrayBuffer;
  ram: SharedArrayBuffer;
  gate: SharedArrayBuffer;
  entry: number;
  va: number;
  value: number;
}
const d = workerData as Data;
const ctl = new Int32Array(d.ctl);
const gate = new Int32Array(d.gate);
const tlb = new Tlb(d.tlb);
const ram32 = new Int32Array(d.ram);
let acked = setRunState(ctl, Run.RUNNING, 0);
// Inside a block: the store's TLB check passes...
const hit = tlb.tagW[d.entry] === d.va >>> 12;
const add = tlb.addW[d.entry]!;
Atomics.store(gate, 0, 1);
Atomics.notify(gate, 0);
// ...then the thread is descheduled while the main thread syncs (gate 1 never opens
// before the timeout: the store comes late, whatever the main thread does).
Atomics.wait(gate, 1, 0, 300);
if (hit) ram32[((d.va + add) | 0) >> 2] = d.value;
// Back at the loop: the safe point.
acked = passSafePoint(ctl, acked);
Atomics.store(gate, 2, 1);
Atomics.notify(gate, 2);
Atomics.wait(gate, 3, 0);
setRunState(ctl, Run.PARKED, acked);
