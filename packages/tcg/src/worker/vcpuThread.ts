import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { VirtMachine } from '../machine.js';
import { AttachedVirtBoard } from '../virt/attachedBoard.js';
import type { VirtBoardTopology } from '../virt/virtBoard.js';
import { drainCodeInvalidations } from './codeInvalidateQueue.js';
import { serializeError } from './errors.js';
import { Cmd, Ctl, Run } from './protocol.js';
import type { VcpuMessage, VcpuStatus, VcpuWorkerData } from './protocol.js';
import { passSafePoint, setRunState } from './safePoint.js';

// Worker entry: one vCPU and its devices run here over the main thread's board
// (its RAM blocks and dirty bitmaps); the main thread steers it through the control
// words and receives UART bytes and status by message.
const data = workerData as VcpuWorkerData;
const port = parentPort!;
const ctl = new Int32Array(data.ctl);
let out: number[] = [];
let m: VirtMachine<AttachedVirtBoard> | null = null;
let acked = 0;
let topologies = 0;

function post(msg: VcpuMessage): void {
  port.postMessage(msg);
}

function flush(): void {
  if (out.length > 0) {
    post({ type: 'uart', bytes: Uint8Array.from(out) });
    out = [];
  }
}

function status(state: VcpuStatus['state'], error?: unknown): void {
  flush();
  const c = m?.cpu;
  const info = error === undefined ? undefined : serializeError(error);
  post({
    type: 'status',
    status: {
      state,
      pc: c ? c.pc >>> 0 : 0,
      instret: c ? c.instret : 0,
      exitStatus: c ? c.exitStatus : -1,
      ...(info ? { error: info.message, errorInfo: info } : {}),
    },
  });
}

/**
 * The vCPU's loop-side work, outside any block: the topology the main thread
 * committed meanwhile (tcg_commit), then the code pages it wrote
 * (tb_invalidate_phys_page), so no block of a written page runs again.
 */
function service(machine: VirtMachine<AttachedVirtBoard>): void {
  while (topologies !== Atomics.load(ctl, Ctl.TOPO_SENT)) {
    const msg = receiveMessageOnPort(data.topology);
    if (msg === undefined) break;
    machine.board.applyTopology(msg.message as VirtBoardTopology);
    topologies++;
  }
  const tr = machine.translator;
  drainCodeInvalidations(data.inval, ctl, (page) => tr.invalidatePage(page));
}

let paused = data.startStopped;
// Where the vCPU stands while paused; every command gets exactly one status reply.
let state: VcpuStatus['state'] = paused ? 'stopped' : 'running';
if (paused) acked = setRunState(ctl, Run.PARKED, acked);

/** Leaves the run loop as `next` (stopped, exit, halted): parks (safe points pass) and reports it. */
function park(next: VcpuStatus['state']): void {
  state = next;
  paused = true;
  acked = setRunState(ctl, Run.PARKED, acked);
  status(state);
}
try {
  const machine = new VirtMachine<AttachedVirtBoard>({
    engine: data.engine,
    onUart: (b) => out.push(b),
    board: (devices) => new AttachedVirtBoard(data.board, devices),
    cpuBuffers: data.cpu,
  });
  m = machine;
  machine.loadElf(data.elf);
  for (;;) {
    const cmd = Atomics.exchange(ctl, Ctl.CMD, Cmd.NONE);
    if (cmd === Cmd.QUIT) break;
    service(machine);
    if (cmd === Cmd.STOP) {
      park(paused ? state : 'stopped');
    } else if (cmd === Cmd.RESUME) {
      if (state === 'stopped') {
        paused = false;
        state = 'running';
      }
      status(state);
    } else if (cmd === Cmd.STEP) {
      if (paused && state === 'stopped') {
        acked = setRunState(ctl, Run.RUNNING, acked);
        machine.step();
        if (machine.cpu.stopReason === 'exit') state = 'exit';
        acked = setRunState(ctl, Run.PARKED, acked);
      }
      status(state);
    }
    if (paused) {
      const seen = Atomics.load(ctl, Ctl.WAKE);
      if (Atomics.load(ctl, Ctl.CMD) === Cmd.NONE) Atomics.wait(ctl, Ctl.WAKE, seen);
      continue;
    }
    if (Atomics.load(ctl, Ctl.RUN) !== Run.RUNNING) acked = setRunState(ctl, Run.RUNNING, acked);
    else acked = passSafePoint(ctl, acked);
    const r = machine.run(data.slice);
    flush();
    if (r.reason === 'exit' || r.reason === 'halted') park(r.reason);
    else if (r.reason === 'breakpoint') park('stopped');
  }
} catch (e) {
  acked = setRunState(ctl, Run.PARKED, acked);
  status('error', e);
}
