import { describe, expect, it } from 'vitest';
import { VcpuWorkerError, startVcpuWorker } from '../src/index.js';
import { asm } from './asm.js';
import { elfOf } from './elfOf.js';

describe('an error inside the vCPU worker reaches the main thread with where it was made', () => {
  // upstream 1e9b65bb1b: an error records where it was created, so one that was
  // passed on (here, across threads) still names its origin.
  it('RAM added after the worker attached: the worker-side UnresolvedRegionError arrives typed, with its class, stack and fields', async () => {
    const w = startVcpuWorker(elfOf([asm.addi(5, 5, 1), asm.jal(0, -4)]), { ramSize: 1 << 20, slice: 10_000, framebuffer: false });
    while (!w.running) await new Promise((r) => setTimeout(r, 10));
    expect(w.error).toBeNull();
    const sys = w.board.system;
    const extra = sys.createRam({ name: 'hotplug.ram', size: 0x10000n });
    w.board.dirtyLog.allocRam(extra);
    sys.addSubregion(w.board.regions.system, extra, 0x4000_0000n);
    const s = await w.finished;
    expect(s.state).toBe('error');
    expect(s.errorInfo?.name).toBe('UnresolvedRegionError');
    const err = w.error;
    expect(err).toBeInstanceOf(VcpuWorkerError);
    expect(err!.workerName).toBe('UnresolvedRegionError');
    expect(err!.facts).toMatchObject({ regionId: extra });
    expect(err!.message).toContain(extra);
    // The creation stack is the worker's: the data plane's publish under the vCPU's topology update.
    expect(err!.workerStack).toMatch(/DataPlane\.ts/);
    expect(err!.workerStack).toMatch(/applyTopology/);
    expect(err!.workerStack).toMatch(/vcpuThread\.ts/);
    await w.terminate();
  });
});
