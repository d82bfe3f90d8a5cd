import { describe, expect, it } from 'vitest';
import { CodeInvalidateQueue, codeInvalidateQueueBytes, drainCodeInvalidations, startVcpuWorker } from '../src/index.js';
import { CTL_BYTES, Ctl } from '../src/worker/protocol.js';
import type { VcpuWorker } from '../src/index.js';
import { asm, li } from './asm.js';
import { elfOf } from './elfOf.js';

const BASE = 0x80000000;
const FUNC = BASE + 0x1000; // the patched function, on a page of its own
const COUNTER = BASE + 0x2000;

/** jalr rd, rs1, imm */
const jalr = (rd: number, rs1: number, imm: number): number => asm.i(0x67, rd, 0, rs1, imm);

const CALL = BASE + 8; // the main loop's call to FUNC
const EXIT = FUNC + 0x100; // exit code, on FUNC's page, never run before the patch

/**
 * Main loop at BASE calling FUNC forever; FUNC bumps the counter at COUNTER. At
 * EXIT, code that exits through the SiFive test finisher with `code`, reached once
 * FUNC's first word is patched into a jump there (one 32-bit store, so the vCPU
 * never sees half a patch).
 */
function guest(code: number): Uint8Array {
  const words: number[] = [...li(6, COUNTER), asm.jal(1, FUNC - CALL), asm.jal(0, -4)];
  while (words.length < 0x400) words.push(asm.nop());
  words.push(asm.lw(7, 6, 0), asm.addi(7, 7, 1), asm.sw(7, 6, 0), jalr(0, 1, 0));
  while (words.length < 0x440) words.push(0);
  words.push(...li(5, 0x100000), ...li(7, (code << 16) | 0x3333), asm.sw(7, 5, 0), asm.jal(0, 0));
  while (words.length < 0x800) words.push(0);
  return elfOf(words);
}

// Generous limits: a worker under tsx loads every source module in its own thread,
// which takes seconds on a loaded 2-core machine.
async function until(cond: () => boolean, what: string, ms = 40_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Patches FUNC into a jump to EXIT through the main thread's data path, as a debugger or a DMA device writes. */
function patch(w: VcpuWorker): void {
  w.board.memory.stlLe(FUNC, asm.jal(0, EXIT - FUNC));
}

/**
 * Starts the guest exiting with `code` once patched and waits until the old FUNC
 * has run a while (translated and cached); `counter` reads its call count.
 */
async function startedAndWarm(code: number, engine: 'jit' | 'interp'): Promise<{ w: VcpuWorker; counter: () => number }> {
  const w = startVcpuWorker(guest(code), { ramSize: 1 << 20, slice: 10_000, engine });
  const counter = (): number => w.board.memory.ldlLe(COUNTER);
  await until(() => counter() > 1000, 'the old code to run a while (translated and cached)');
  return { w, counter };
}

/** Stops the vCPU and steps it to the main loop's call (out of FUNC). */
async function stopAtCall(w: VcpuWorker): Promise<void> {
  let s = await w.stop();
  expect(s.state).toBe('stopped');
  for (let i = 0; i < 16 && s.pc !== CALL; i++) s = await w.step();
  expect(s.pc).toBe(CALL);
}

for (const ENGINE of ['jit', 'interp'] as const) describe(`${ENGINE}: main-thread stores to a page holding the vCPU worker's translated code`, { timeout: 90_000 }, () => {
  it('while the vCPU runs: the page is queued, the vCPU drops its blocks at its loop and runs the new code', async () => {
    const { w } = await startedAndWarm(43, ENGINE);
    patch(w);
    if (ENGINE === 'jit') expect(w.invalidations.queued).toBe(1);
    const s = await Promise.race([w.finished, new Promise<null>((r) => setTimeout(() => r(null), 40_000))]);
    expect(s).toMatchObject({ state: 'exit', exitStatus: 43 });
    await w.terminate();
  });

  it('while the vCPU is stopped: not one call of the old code runs after resume', async () => {
    const { w, counter } = await startedAndWarm(44, ENGINE);
    await stopAtCall(w);
    const before = counter();
    patch(w);
    await w.resume();
    expect(await w.finished).toMatchObject({ state: 'exit', exitStatus: 44 });
    expect(counter()).toBe(before);
    await w.terminate();
  });

  it('a stopped vCPU single-steps the new code, not the cached block', async () => {
    const { w, counter } = await startedAndWarm(45, ENGINE);
    await stopAtCall(w);
    const before = counter();
    patch(w);
    // The call, the patched jump, then the exit code: never the old function.
    let s = await w.step();
    for (let i = 0; i < 16 && s.state !== 'exit'; i++) s = await w.step();
    expect(s).toMatchObject({ state: 'exit', exitStatus: 45 });
    expect(counter()).toBe(before);
    await w.terminate();
  });
});

describe('the code-invalidation queue between threads', () => {
  it('queued pages are taken once, in page order, and the exit request is lowered; a page queued again is taken again', () => {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_BYTES));
    const buf = new SharedArrayBuffer(codeInvalidateQueueBytes(1 << 20));
    const q = new CodeInvalidateQueue(buf, ctl);
    expect(q.invalidatePage(40)).toBe(false);
    q.invalidatePage(3);
    q.invalidatePage(40);
    expect(Atomics.load(ctl, Ctl.KICK)).toBe(1);
    const taken: number[] = [];
    expect(drainCodeInvalidations(buf, ctl, (p) => taken.push(p))).toBe(2);
    expect(taken).toEqual([3, 40]);
    expect(Atomics.load(ctl, Ctl.KICK)).toBe(0);
    expect(drainCodeInvalidations(buf, ctl, (p) => taken.push(p))).toBe(0);
    q.invalidatePage(255);
    drainCodeInvalidations(buf, ctl, (p) => taken.push(p));
    expect(taken).toEqual([3, 40, 255]);
  });
});
