import type { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

// The thread itself is replaced by a stand-in that can die the ways a real one does
// (an 'error' event, or an 'exit' with no report), which a guest cannot cause.
const threads = vi.hoisted(() => ({ last: null as null | (EventEmitter & { execArgv: string[] }) }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  const { EventEmitter } = await import('node:events');
  class StandInWorker extends EventEmitter {
    readonly execArgv: string[];
    constructor(_url: unknown, opts: { execArgv?: string[] }) {
      super();
      this.execArgv = opts.execArgv ?? [];
      threads.last = this;
    }
    postMessage(): void {}
    async terminate(): Promise<number> {
      return 0;
    }
  }
  return { ...real, Worker: StandInWorker };
});

const { VcpuWorkerError, startVcpuWorker } = await import('../src/index.js');
const { workerExecArgv } = await import('../src/worker/VcpuWorker.js');
const { asm } = await import('./asm.js');
const { elfOf } = await import('./elfOf.js');

function started() {
  const w = startVcpuWorker(elfOf([asm.addi(5, 5, 1), asm.jal(0, -4)]), { ramSize: 1 << 20, startStopped: true, framebuffer: false });
  return { w, thread: threads.last! };
}

describe('a vCPU worker thread that is lost answers every waiter instead of leaving it hanging', () => {
  it("an 'error' event: the pending command resolves with the error status, later ones at once, and finished resolves", async () => {
    const { w, thread } = started();
    const pending = w.resume();
    thread.emit('error', new Error('thread could not start'));
    const s = await pending;
    expect(s.state).toBe('error');
    expect(s.error).toBe('thread could not start');
    expect((await w.step()).state).toBe('error');
    expect((await w.finished).state).toBe('error');
    expect(w.error).toBeInstanceOf(VcpuWorkerError);
    expect(w.running).toBe(false);
    await w.waitSafePoint(1000); // a dead thread counts as parked
    await w.terminate();
  });

  it("an 'exit' without a report: the failure names the exit code", async () => {
    const { w, thread } = started();
    const pending = w.stop();
    thread.emit('exit', 7);
    const s = await pending;
    expect(s.state).toBe('error');
    expect(s.error).toContain('exit code 7');
    expect(w.error!.facts).toEqual({ exitCode: 7 });
    expect((await w.finished).state).toBe('error');
    await w.terminate();
  });

  it("an 'exit' after the guest's end was reported is not a failure", async () => {
    const { w, thread } = started();
    thread.emit('message', { type: 'status', status: { state: 'exit', pc: 0, instret: 3, exitStatus: 0 } });
    thread.emit('exit', 0);
    expect((await w.finished).state).toBe('exit');
    expect(w.error).toBeNull();
    await w.terminate();
  });
});

describe('the worker thread gets the Node options of its parent that a worker accepts', () => {
  it('drops --input-type (a parent run as `node --input-type=module -e` would make the thread fail at start)', () => {
    expect(workerExecArgv(['--input-type=module', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv(['--input-type', 'module', '--conditions=x'])).toEqual(['--conditions=x']);
    expect(workerExecArgv([])).toEqual([]);
  });

  it('the thread is started with them', () => {
    const before = [...process.execArgv];
    process.execArgv.push('--input-type=module');
    try {
      const { w, thread } = started();
      expect(thread.execArgv).not.toContain('--input-type=module');
      void w.terminate();
    } finally {
      process.execArgv.length = 0;
      process.execArgv.push(...before);
    }
  });
});
