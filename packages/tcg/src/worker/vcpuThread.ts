import { parentPort, workerData } from 'node:worker_threads';
import { createVirtMachine } from '../machine.js';
import { Cmd, Ctl } from './protocol.js';
import type { VcpuMessage, VcpuStatus, VcpuWorkerData } from './protocol.js';

// Worker entry: one vCPU and its devices run here over the shared RAM; the main thread
// steers it through the control words and receives UART bytes and status by message.
const data = workerData as VcpuWorkerData;
const port = parentPort!;
const ctl = new Int32Array(data.ctl);
let out: number[] = [];
const m = createVirtMachine({ engine: data.engine, ramBuffer: data.ram, ramSize: data.ram.byteLength, onUart: (b) => out.push(b) });
m.loadElf(data.elf);

function post(msg: VcpuMessage): void {
  port.postMessage(msg);
}

function flush(): void {
  if (out.length > 0) {
    post({ type: 'uart', bytes: Uint8Array.from(out) });
    out = [];
  }
}

function status(state: VcpuStatus['state'], error?: string): void {
  flush();
  const c = m.cpu;
  post({
    type: 'status',
    status: { state, pc: c.pc >>> 0, instret: c.instret, exitStatus: c.exitStatus, ...(error ? { error } : {}) },
  });
}

let paused = false;
// Where the vCPU stands while paused; every command gets exactly one status reply.
let state: VcpuStatus['state'] = 'running';
try {
  for (;;) {
    const cmd = Atomics.exchange(ctl, Ctl.CMD, Cmd.NONE);
    if (cmd === Cmd.QUIT) break;
    if (cmd === Cmd.STOP) {
      if (!paused) state = 'stopped';
      paused = true;
      status(state);
    } else if (cmd === Cmd.RESUME) {
      if (state === 'stopped') {
        paused = false;
        state = 'running';
      }
      status(state);
    } else if (cmd === Cmd.STEP) {
      if (paused && state === 'stopped') {
        m.step();
        if (m.cpu.stopReason === 'exit') state = 'exit';
      }
      status(state);
    }
    if (paused) {
      const seen = Atomics.load(ctl, Ctl.WAKE);
      if (Atomics.load(ctl, Ctl.CMD) === Cmd.NONE) Atomics.wait(ctl, Ctl.WAKE, seen);
      continue;
    }
    const r = m.run(data.slice);
    flush();
    if (r.reason === 'exit' || r.reason === 'halted') {
      state = r.reason;
      paused = true;
      status(state);
    } else if (r.reason === 'breakpoint') {
      state = 'stopped';
      paused = true;
      status(state);
    }
  }
} catch (e) {
  status('error', e instanceof Error ? e.message : String(e));
}
