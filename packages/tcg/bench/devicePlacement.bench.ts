/**
 * Where the virt devices live: beside the vCPU (the worker that runs the
 * guest) or on the main thread. A vCPU's MMIO access to a device on another
 * thread is a round trip through shared memory: post the request, wake the
 * device thread, wait for its answer. This measures that round trip against
 * the same register read dispatched locally through memory-core's data path,
 * which is what the vCPU does with the devices beside it.
 *
 * The crossing side is a lower bound: its device is a bare function with no
 * dispatch at all. QEMU's precedent is the same choice: a vCPU thread runs
 * MMIO callbacks itself (under the BQL, or without it for global_locking=false
 * regions) rather than handing them to another thread.
 */
import { Worker } from 'node:worker_threads';
import { record, timeMs, type BenchCase } from '../../../tools/bench/harness.js';
import { MemorySystem, MemorySystemDataPlane, RamList, type MemoryRegionOps } from '@memvisor/memory-core';

const UART = 0x1000_0000;
/** Accesses per timed call. */
const N = 2000;

/** The device thread: waits for a request, reads its register, answers. */
const deviceThread = `
const { workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData);
let lsr = 0x60;
for (;;) {
  Atomics.wait(ctl, 0, 0);
  if (Atomics.load(ctl, 0) === 2) break;
  ctl[1] = lsr;
  Atomics.store(ctl, 0, 0);
  Atomics.notify(ctl, 0);
}
`;

function localMachine(): { read(): number } {
  const ms = new MemorySystem();
  const root = ms.createContainer({ name: 'system', size: 2n ** 32n });
  const uart = ms.createIo({ name: 'serial', size: 0x100n });
  ms.addSubregion(root, uart, BigInt(UART));
  ms.createAddressSpace('cpu-memory-0', root);
  const plane = new MemorySystemDataPlane(ms, new RamList());
  const ops: MemoryRegionOps = { endianness: 'little', read: () => 0x60, write: () => {} };
  plane.plane.registerOps(uart, ops);
  const as = plane.addressSpace('cpu-memory-0');
  return { read: () => as.ldub(UART + 5) };
}

const placementCase: BenchCase = {
  id: 'tcg/device-placement',
  async run() {
    const local = localMachine();
    if (local.read() !== 0x60) throw new Error('local dispatch did not reach the device');
    let sink = 0;
    const localMs = await timeMs('MMIO read beside the vCPU', () => {
      for (let i = 0; i < N; i++) sink += local.read();
    });
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(deviceThread, { eval: true, workerData: ctl.buffer });
    const crossRead = (): number => {
      Atomics.store(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      while (Atomics.load(ctl, 0) !== 0) Atomics.wait(ctl, 0, 1);
      return ctl[1] as number;
    };
    if (crossRead() !== 0x60) throw new Error('the device thread did not answer');
    const crossMs = await timeMs('MMIO read on another thread', () => {
      for (let i = 0; i < N; i++) sink += crossRead();
    }, { time: 300, iterations: 5 });
    Atomics.store(ctl, 0, 2);
    Atomics.notify(ctl, 0);
    await worker.terminate();
    if (sink === 0) throw new Error('unreachable');
    const ns = (ms: number): number => (ms * 1e6) / N;
    return record({
      id: 'tcg/device-placement',
      value: ns(crossMs),
      unit: 'ns',
      baseline: 'the same read dispatched beside the vCPU',
      baselineValue: ns(localMs),
      note: `an MMIO read across threads costs ${ns(crossMs).toFixed(0)} ns against ${ns(localMs).toFixed(1)} ns beside the vCPU: devices stay in the vCPU's worker`,
    });
  },
};

export default [placementCase];
