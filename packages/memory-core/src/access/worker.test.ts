import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RamList } from '../ram/ramList.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_MIGRATION } from '../topology/types.js';
import { MEMTX_OK } from './attrs.js';
import { BigLock } from './bigLock.js';
import { MemorySystemDataPlane } from './memorySystemDataPlane.js';

describe('vCPUs in worker threads', () => {
  it('a worker with its own DataPlane stores into the shared RAM and sets the shared dirty bits', async () => {
    const ms = new MemorySystem();
    const sys = ms.createContainer({ name: 'system', size: 2n ** 64n });
    const ram = ms.createRam({ name: 'ram', size: 0x10000n });
    const dev = ms.createIo({ name: 'dev', size: 0x100n });
    ms.addSubregion(sys, ram, 0x8000_0000n);
    ms.addSubregion(sys, dev, 0x1000_0000n);
    ms.createAddressSpace('memory', sys);
    const ramList = new RamList();
    const lock = new BigLock();
    const dp = new MemorySystemDataPlane(ms, ramList, { bigLock: lock });
    const as = dp.addressSpace('memory');
    const dm = ramList.dirtyMemory;
    dm.clearDirtyRange(0, dm.numPages * dm.targetPageSize, DIRTY_MEMORY_MIGRATION);
    ms.globalDirtyLogStart();
    const block = ramList.findByRegion(ram)!;
    // The worker body is TypeScript: load it through tsx's API.
    const body = new URL('./internal/vcpuStoreWorker.ts', import.meta.url).href;
    const worker = new Worker(`require('tsx/esm/api').tsImport(${JSON.stringify(body)}, ${JSON.stringify(body)})`, {
      eval: true,
      workerData: {
        view: ms.flatView('memory'),
        regions: [ms.region(ram), ms.region(dev)].map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
        ram: [{ id: ram, buffer: block.host.buffer, byteOffset: block.host.byteOffset, length: block.host.length, ramAddr: block.offset }],
        dirty: dm.handle(),
        lock: lock.buffer,
        base: 0x8000_2000,
        count: 1024, // 4 KiB: exactly page 2 of the block
        device: dev,
      },
    });
    const msg = await new Promise<{ result: number; mmio: number; lockTaken: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(msg).toEqual({ result: MEMTX_OK, mmio: 0, lockTaken: 1 });
    expect(as.ldlLe(0x8000_2000 + 4 * 1023)).toBe(1023);
    const pages: number[] = [];
    for (let p = 0; p < 0x10; p++) if (dm.getDirty(block.offset + p * 0x1000, 1, DIRTY_MEMORY_MIGRATION)) pages.push(p);
    expect(pages).toEqual([2]);
  }, 30_000);
});
