import { Worker } from 'node:worker_threads';
import { parseElf } from '../elf.js';
import { CTL_BYTES, Cmd, Ctl } from './protocol.js';
import type { VcpuMessage, VcpuStatus, VcpuWorkerData } from './protocol.js';

/** Options of {@link startVcpuWorker}. */
export interface VcpuWorkerOptions {
  engine?: 'jit' | 'interp';
  /** Guest RAM bytes (default 128 MiB). */
  ramSize?: number;
  /** Receives UART output as it arrives. */
  onUart?: (bytes: Uint8Array) => void;
  /** Guest instructions the worker runs between two looks at the control words (default 1e6). */
  slice?: number;
}

/**
 * A vCPU running a guest in a worker thread over SharedArrayBuffer RAM; the main thread
 * stays free and can read guest RAM at any time (for dirty tracking and migration later).
 * The devices live beside the vCPU in the worker, so MMIO costs no thread crossing; only
 * UART bytes and status changes travel by message.
 */
export class VcpuWorker {
  /** Guest RAM, shared with the worker. */
  readonly ram: Uint8Array;
  /** Resolves when the guest exits, halts, or the worker fails. */
  readonly finished: Promise<VcpuStatus>;
  private readonly ctl: Int32Array;
  private readonly worker: Worker;
  private waiters: ((s: VcpuStatus) => void)[] = [];
  private last: VcpuStatus | null = null;

  /** @internal use {@link startVcpuWorker} */
  constructor(elf: Uint8Array, opts: VcpuWorkerOptions) {
    const ramSize = opts.ramSize ?? 128 * 1024 * 1024;
    parseElf(elf, { base: 0x80000000, size: ramSize });
    const ramBuf = new SharedArrayBuffer(ramSize);
    const ctlBuf = new SharedArrayBuffer(CTL_BYTES);
    this.ram = new Uint8Array(ramBuf);
    this.ctl = new Int32Array(ctlBuf);
    const data: VcpuWorkerData = { elf, ram: ramBuf, ctl: ctlBuf, engine: opts.engine ?? 'jit', slice: opts.slice ?? 1_000_000 };
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './vcpuThread.ts' : './vcpuThread.js', import.meta.url);
    // Under a TypeScript source tree (tests, tsx) the worker registers the tsx loader
    // before importing its entry; built code starts the .js entry directly.
    this.worker = ts
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, workerData: data },
        )
      : new Worker(url, { workerData: data });
    let finish: (s: VcpuStatus) => void = () => {};
    this.finished = new Promise((res) => (finish = res));
    this.worker.on('message', (msg: VcpuMessage) => {
      if (msg.type === 'uart') {
        opts.onUart?.(msg.bytes);
        return;
      }
      this.last = msg.status;
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f(msg.status);
      if (msg.status.state === 'exit' || msg.status.state === 'halted' || msg.status.state === 'error') finish(msg.status);
    });
    this.worker.on('error', (e) => finish({ state: 'error', pc: 0, instret: 0, exitStatus: -1, error: e.message }));
  }

  private command(cmd: number): Promise<VcpuStatus> {
    const p = new Promise<VcpuStatus>((res) => this.waiters.push(res));
    Atomics.store(this.ctl, Ctl.CMD, cmd);
    Atomics.add(this.ctl, Ctl.WAKE, 1);
    Atomics.notify(this.ctl, Ctl.WAKE);
    return p;
  }

  /** Pauses the vCPU at its next slice boundary; resolves with where it stopped. */
  stop(): Promise<VcpuStatus> {
    return this.command(Cmd.STOP);
  }

  /** Resumes a stopped vCPU. */
  resume(): Promise<VcpuStatus> {
    return this.command(Cmd.RESUME);
  }

  /** Executes one instruction of a stopped vCPU. */
  step(): Promise<VcpuStatus> {
    return this.command(Cmd.STEP);
  }

  /** The last status the worker reported (null before the first). */
  status(): VcpuStatus | null {
    return this.last;
  }

  /** Ends the worker. */
  async terminate(): Promise<void> {
    Atomics.store(this.ctl, Ctl.CMD, Cmd.QUIT);
    Atomics.add(this.ctl, Ctl.WAKE, 1);
    Atomics.notify(this.ctl, Ctl.WAKE);
    await this.worker.terminate();
  }
}

/**
 * Starts `elf` on a fresh virt machine in a worker thread. The ELF is validated here
 * first, so bad input throws in the caller. The vCPU starts running at once.
 */
export function startVcpuWorker(elf: Uint8Array, opts: VcpuWorkerOptions = {}): VcpuWorker {
  return new VcpuWorker(elf, opts);
}
