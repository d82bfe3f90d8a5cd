/**
 * Worker-thread body for the data plane's thread test: a "vCPU" that builds
 * its own DataPlane over RAM and dirty bitmaps shared with the main thread,
 * publishes the FlatView it was sent, and stores through it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DirtyMemory } from '../../dirty/dirtyMemory.js';
import type { DirtyMemoryHandle } from '../../dirty/dirtyMemory.js';
import type { FlatView } from '../../topology/types.js';
import { BigLock } from '../bigLock.js';
import { DataPlane } from '../DataPlane.js';
import type { RamBacking, RegionInfo } from '../DataPlane.js';

/** What the main thread sends. */
interface VcpuWorkerData {
  view: FlatView;
  regions: RegionInfo[];
  ram: { id: string; buffer: SharedArrayBuffer; byteOffset: number; length: number; ramAddr: number }[];
  dirty: DirtyMemoryHandle;
  lock: SharedArrayBuffer;
  base: number;
  count: number;
  device: string;
}

const data = workerData as VcpuWorkerData;
const infos = new Map(data.regions.map((r) => [r.id, r]));
const rams = new Map<string, RamBacking>(
  data.ram.map((r) => [r.id, { bytes: new Uint8Array(r.buffer, r.byteOffset, r.length), ramAddr: r.ramAddr }]),
);
const plane = new DataPlane(
  { region: (id) => infos.get(id), ram: (id) => rams.get(id) },
  { dirty: DirtyMemory.attach(data.dirty), bigLock: new BigLock(data.lock) },
);
let deviceCalls = 0;
plane.registerOps(data.device, {
  endianness: 'little',
  read: () => deviceCalls++,
  write: () => undefined,
});
const as = plane.createAddressSpace('cpu-memory-1');
plane.publish(as, data.view);
for (let i = 0; i < data.count; i++) as.stlLe(data.base + i * 4, i);
const mmio = as.ldlLe(0x1000_0000);
parentPort!.postMessage({ result: as.result, mmio, lockTaken: plane.bigLock!.acquisitions });
