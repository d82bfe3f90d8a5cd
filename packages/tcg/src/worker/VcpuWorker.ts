import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { loadElf } from '../elf.js';
import { Tlb } from '../tlb.js';
import { CODE_PAGE_SIZE, CodePageProtection } from '../virt/codePages.js';
import type { CodePageCpu } from '../virt/codePages.js';
import { VirtBoard } from '../virt/virtBoard.js';
import type { FramebufferGeometry } from '../virt/virtBoard.js';
import { VIRT_BOARD_MEMMAP } from '../virt/virtMemmap.js';
import { CodeInvalidateQueue, codeInvalidateQueueBytes } from './codeInvalidateQueue.js';
import { VcpuDirtyLog } from './dirtyLog.js';
import { VcpuWorkerError, VcpuWorkerTerminatedError } from './errors.js';
import { CTL_BYTES, Cmd, Ctl, Run } from './protocol.js';
import type { SerializedError, VcpuMessage, VcpuStatus, VcpuWorkerData } from './protocol.js';
import { SafePoint } from './safePoint.js';

/** Options of {@link startVcpuWorker}. */
export interface VcpuWorkerOptions {
  engine?: 'jit' | 'interp';
  /** Guest RAM bytes (default 128 MiB), a positive multiple of 4096. */
  ramSize?: number;
  /** The framebuffer's geometry, or false for none (as for `VirtBoard`). */
  framebuffer?: FramebufferGeometry | false;
  /** Receives UART output as it arrives. */
  onUart?: (bytes: Uint8Array) => void;
  /**
   * Guest instructions the worker runs between two looks at its control words
   * (default 1 000 000, a few milliseconds of JIT): commands, code invalidations,
   * topology updates and safe points are taken there, so this bounds how long they
   * wait. Translated blocks do not poll shared memory; a smaller slice answers
   * sooner but costs throughput (each slice boundary ends the blocks in flight:
   * bench.elf in a worker ran 10-30% slower at 100 000 than at 1 000 000).
   */
  slice?: number;
  /**
   * Start with the vCPU stopped before its first instruction, as QEMU's `-S` does
   * (and as a migration destination waits): `resume()` starts it. Meanwhile the
   * main thread can set up, for instance start dirty logging so that every store
   * of the guest is seen. Default false.
   */
  startStopped?: boolean;
}

/**
 * A vCPU running a guest in a worker thread on a board the main thread owns.
 *
 * The board ({@link VcpuWorker.board}, a `VirtBoard`) is built once, here: the
 * MemorySystem, the RAM list and its dirty bitmaps stay on the main thread (the
 * control plane), which also loads the ELF into RAM. The worker attaches to the
 * RAM blocks and the bitmaps (`AttachedVirtBoard`) and runs the hart and its
 * devices there, so MMIO costs no thread crossing; UART bytes and status changes
 * travel by message, topology updates (after global dirty logging starts, say)
 * on a port the worker reads at its loop.
 *
 * The main thread meanwhile may read and write guest RAM through the board's data
 * path (`board.memory`), run migration's dirty logging ({@link VcpuWorker.dirty}),
 * and wait for the vCPU's safe point. Its clears reach the vCPU's page cache and
 * TLB at once (they live in shared memory, registered with the main thread's
 * `CodePageProtection`), and a write to a page holding translated code queues the
 * page for the vCPU, which drops the blocks before it runs another one.
 */
export class VcpuWorker {
  /** The board, on this thread: topology, RAM blocks, dirty bitmaps, data path. */
  readonly board: VirtBoard;
  /** Guest RAM (the `riscv_virt_board.ram` block's bytes), shared with the worker. */
  readonly ram: Uint8Array;
  /** Global dirty logging and the migration sync, for this vCPU's board. */
  readonly dirty: VcpuDirtyLog;
  /**
   * This thread's code-page tracking over the board's bitmaps: the vCPU's page
   * cache and TLB (a view on its shared buffers) are registered with it, so its
   * clear hook resets them, and its code-invalidation queue takes data-path writes
   * to code pages.
   */
  readonly codePages: CodePageProtection;
  /** The queue that carries those writes to the vCPU. */
  readonly invalidations: CodeInvalidateQueue;
  /** Resolves when the guest exits, halts, or the worker fails. */
  readonly finished: Promise<VcpuStatus>;
  private readonly ctl: Int32Array;
  private readonly worker: Worker;
  private readonly safePoint: SafePoint;
  private readonly topologyPort: MessagePort;
  private readonly stopFollowing: () => void;
  private waiters: ((s: VcpuStatus) => void)[] = [];
  private last: VcpuStatus | null = null;
  private failure: VcpuWorkerError | null = null;
  private terminated = false;

  /** @internal use {@link startVcpuWorker} */
  constructor(elf: Uint8Array, opts: VcpuWorkerOptions) {
    const slice = opts.slice ?? 1_000_000;
    if (!Number.isSafeInteger(slice) || slice <= 0) throw new RangeError(`slice must be a positive integer, got ${slice}`);
    this.board = new VirtBoard({
      ...(opts.ramSize !== undefined ? { ramSize: opts.ramSize } : {}),
      ...(opts.framebuffer !== undefined ? { framebuffer: opts.framebuffer } : {}),
    });
    const block = this.board.ramBlock;
    this.ram = block.host.subarray(0, block.usedLength);
    // Validates and loads before anything runs: bad input throws here, with nothing started.
    loadElf(elf, this.ram, VIRT_BOARD_MEMMAP.dram.base);

    this.ctl = new Int32Array(new SharedArrayBuffer(CTL_BYTES));
    const tlb = new Tlb();
    const cache = new Uint8Array(new SharedArrayBuffer(block.usedLength / CODE_PAGE_SIZE));
    const view: CodePageCpu = { codePages: cache, tlb };
    this.codePages = new CodePageProtection(this.board.dirtyMemory, block);
    this.codePages.addCpu(view);
    const invalBuf = new SharedArrayBuffer(codeInvalidateQueueBytes(block.usedLength));
    this.invalidations = new CodeInvalidateQueue(invalBuf, this.ctl);
    this.codePages.setTbs(this.invalidations);
    this.codePages.attachDataPlane(this.board.plane);
    this.safePoint = new SafePoint([this.ctl]);
    this.dirty = new VcpuDirtyLog(this.board, this.safePoint);

    const channel = new MessageChannel();
    this.topologyPort = channel.port1;
    this.stopFollowing = this.board.followTopology((t) => {
      this.topologyPort.postMessage(t);
      Atomics.add(this.ctl, Ctl.TOPO_SENT, 1);
    });

    const data: VcpuWorkerData = {
      elf,
      ctl: this.ctl.buffer as SharedArrayBuffer,
      board: this.board.handle(),
      cpu: { tlb: tlb.buffer, codePages: cache.buffer as SharedArrayBuffer },
      inval: invalBuf,
      topology: channel.port2,
      engine: opts.engine ?? 'jit',
      slice,
      startStopped: opts.startStopped ?? false,
    };
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './vcpuThread.ts' : './vcpuThread.js', import.meta.url);
    // Under a TypeScript source tree (tests, tsx) the worker registers the tsx loader
    // before importing its entry, and resolves workspace packages to their sources as
    // the main thread does (both threads must run the same DirtyMemory); built code
    // starts the .js entry directly.
    const transferList = [channel.port2];
    const execArgv = workerExecArgv(process.execArgv);
    this.worker = ts
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, workerData: data, transferList, execArgv: [...execArgv, '--conditions=@memvisor/source'] },
        )
      : new Worker(url, { workerData: data, transferList, execArgv });
    let finish: (s: VcpuStatus) => void = () => {};
    this.finished = new Promise((res) => (finish = res));
    this.worker.on('message', (msg: VcpuMessage) => {
      if (msg.type === 'uart') {
        opts.onUart?.(msg.bytes);
        return;
      }
      this.last = msg.status;
      if (msg.status.errorInfo !== undefined) this.failure = new VcpuWorkerError(msg.status.errorInfo);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f(msg.status);
      if (msg.status.state === 'exit' || msg.status.state === 'halted' || msg.status.state === 'error') finish(msg.status);
    });
    const fail = (info: SerializedError): void => {
      if (this.failure !== null) return;
      this.parkDead();
      this.failure = new VcpuWorkerError(info);
      const status: VcpuStatus = { state: 'error', pc: 0, instret: 0, exitStatus: -1, error: info.message, errorInfo: info };
      this.last = status;
      // Commands waiting for an answer get this status: the thread that would answer is gone.
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f(status);
      finish(status);
    };
    this.worker.on('error', (e) => fail({ name: e.name, message: e.message, stack: e.stack ?? '', facts: {} }));
    // A thread that ends without an error event and without having reported its end
    // (process.exit in a device callback, an exit code from a startup failure).
    this.worker.on('exit', (code) => {
      const state = this.last?.state;
      if (this.terminated || state === 'exit' || state === 'halted' || state === 'error') return;
      const message = `the vCPU worker thread ended with exit code ${code} before reporting the guest's end`;
      fail({ name: 'Error', message, stack: '', facts: { exitCode: code } });
    });
  }

  private command(cmd: number): Promise<VcpuStatus> {
    if (this.terminated) return Promise.reject(new VcpuWorkerTerminatedError(`send command ${cmd}`));
    if (this.failure !== null) return Promise.resolve(this.last!);
    const p = new Promise<VcpuStatus>((res) => this.waiters.push(res));
    this.send(cmd);
    return p;
  }

  /** Writes `cmd` into the control words and wakes a paused worker. */
  private send(cmd: number): void {
    Atomics.store(this.ctl, Ctl.CMD, cmd);
    Atomics.add(this.ctl, Ctl.WAKE, 1);
    Atomics.notify(this.ctl, Ctl.WAKE);
  }

  /** Pauses the vCPU at its next slice boundary; resolves with where it stopped. */
  stop(): Promise<VcpuStatus> {
    return this.command(Cmd.STOP);
  }

  /** Resumes a stopped vCPU. */
  resume(): Promise<VcpuStatus> {
    return this.command(Cmd.RESUME);
  }

  /** Executes one instruction of a stopped vCPU (after dropping blocks of pages written meanwhile). */
  step(): Promise<VcpuStatus> {
    return this.command(Cmd.STEP);
  }

  /**
   * True while the vCPU is in its run loop (started, not parked by a stop, an exit, a
   * halt or a failure): the state safe points wait on, read from shared memory.
   */
  get running(): boolean {
    return Atomics.load(this.ctl, Ctl.RUN) === Run.RUNNING;
  }

  /** The last status the worker reported (null before the first). */
  status(): VcpuStatus | null {
    return this.last;
  }

  /**
   * What made the worker fail, with the worker-side class name, creation stack and
   * fields (null while it has not failed).
   */
  get error(): VcpuWorkerError | null {
    return this.failure;
  }

  /**
   * Resolves once the vCPU has passed a safe point that began after this call
   * (QEMU's log_global_after_sync; see `SafePoint`); a parked vCPU counts as passed.
   * @throws SafePointTimeoutError (as a rejection) after `timeoutMs` (default 10 s)
   */
  waitSafePoint(timeoutMs?: number): Promise<void> {
    return this.safePoint.wait(timeoutMs);
  }

  /** A thread that is gone runs no block: it counts as parked for every later safe point. */
  private parkDead(): void {
    Atomics.store(this.ctl, Ctl.RUN, Run.PARKED);
    Atomics.notify(this.ctl, Ctl.SP_ACK);
  }

  /** Ends the worker and stops forwarding topology to it; later safe points pass at once. */
  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    this.stopFollowing();
    this.send(Cmd.QUIT);
    await this.worker.terminate();
    this.topologyPort.close();
    this.parkDead();
  }
}

/**
 * Starts `elf` in a worker thread on a fresh virt board built here. The ELF is
 * validated and loaded here first, so bad input throws in the caller. The vCPU
 * starts running at once.
 */
export function startVcpuWorker(elf: Uint8Array, opts: VcpuWorkerOptions = {}): VcpuWorker {
  return new VcpuWorker(elf, opts);
}

/**
 * The parent's Node options for the worker thread, less those a worker rejects:
 * `--input-type` is for code given on the command line (`node --input-type=module
 * -e ...`), and a worker started from a file with it inherited fails at once.
 */
export function workerExecArgv(parent: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const a = parent[i]!;
    if (a === '--input-type') i++;
    else if (!a.startsWith('--input-type=')) out.push(a);
  }
  return out;
}
