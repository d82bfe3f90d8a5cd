import { describe, expect, it } from 'vitest';
import { asm, exitOk, li, machineWith } from '../test/asm.js';
import { EXIT_TB, GUEST_TRAP } from './index.js';
import type { EngineKind, TranslationBlock, VirtMachine } from './index.js';

// upstream d8a499f17e: a block translated for one execution (cpu_exec_nocache,
// CF_NOCACHE) must be cleaned up even when execution leaves it by a longjmp. Here: a
// one-shot block is linked into its page's block list while it runs and must be gone
// from it, from the hash table and from cpu.curTb however the run ends.

const BASE = 0x80000000;
const HANDLER = BASE + 256;

/** `body` at BASE, the exit sequence at HANDLER, mtvec pointing at it. */
function program(body: number[], engine: EngineKind = 'jit'): VirtMachine {
  const words = [...body];
  while (words.length < 64) words.push(asm.nop());
  const m = machineWith([...words, ...exitOk()], engine);
  m.cpu.mtvec = HANDLER | 0;
  return m;
}

/** addi x5..; lw x9, 0(x8) with x8 = 0x10 (nothing mapped there: load access fault) as insn 4. */
const FAULTING = [asm.addi(5, 0, 1), asm.addi(6, 0, 2), asm.addi(8, 0, 0x10), asm.addi(7, 0, 3), asm.lw(9, 8, 0), asm.addi(10, 0, 4)];

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectNoTrace(m: VirtMachine): void {
  expect(m.cpu.curTb).toBeNull();
  // Every block left on the page is a cached one.
  expect(m.translator.blocksOnPage(0)).toBe(m.translator.size);
}

describe('one-shot (uncached) translation blocks (upstream d8a499f17e)', () => {
  it('a one-shot block that faults mid-block leaves no trace; state comes back from insn_start data', () => {
    const m = program(FAULTING);
    const e = caught(() => m.translator.runOneShot(6));
    expect(e).toBe(GUEST_TRAP);
    expect(m.translator.oneShots).toBe(1);
    expect(m.translator.translated).toBe(0);
    expect(m.translator.size).toBe(0);
    expect(m.translator.blocksOnPage(0)).toBe(0);
    expect(m.cpu.curTb).toBeNull();
    // pc is the faulting load's, restored from the block's insn_start data; the four
    // instructions before it retired, the one after it did not run.
    expect(m.cpu.pc >>> 0).toBe(BASE + 16);
    expect(m.cpu.instret).toBe(4);
    expect([m.cpu.x[5], m.cpu.x[6], m.cpu.x[7], m.cpu.x[8], m.cpu.x[9], m.cpu.x[10]]).toEqual([1, 2, 3, 0x10, 0, 0]);
    expect(m.cpu.excCause).toBe(5);

    // The next normal execution of that pc translates a cached block.
    const tbs: TranslationBlock[] = [];
    m.translator.trace = (tb) => tbs.push(tb);
    m.cpu.pc = BASE | 0;
    m.cpu.instret = 0;
    expect(m.run(10_000).reason).toBe('exit');
    const first = tbs.find((t) => t.pc === (BASE | 0))!;
    expect(first.oneShot).toBe(false);
    expect(first.valid).toBe(true);
    expect(m.translator.translated).toBeGreaterThanOrEqual(1);
    expect(m.cpu.mepc >>> 0).toBe(BASE + 16);
    expectNoTrace(m);
  });

  it('a budget ending inside a block runs the rest uncached and stops exactly, fault included', () => {
    // run(n) retires exactly n instructions on the JIT, as on the interpreter: the tail
    // of the budget is a one-shot block (QEMU's original use of cpu_exec_nocache).
    for (const budget of [3, 5, 6, 7]) {
      const states = (['interp', 'jit'] as const).map((engine) => {
        const m = program(FAULTING, engine);
        const r = m.run(budget);
        if (engine === 'jit') {
          expect(m.translator.oneShots).toBeGreaterThanOrEqual(1);
          expectNoTrace(m);
        }
        return { reason: r.reason, instret: r.instret, pc: m.cpu.pc, x: Array.from(m.cpu.x), mepc: m.cpu.mepc, mcause: m.cpu.mcause };
      });
      expect(states[1]).toEqual(states[0]);
      expect(states[1]!.instret).toBe(budget);
    }
  });

  it('an exit request inside a one-shot block (the finisher, EXIT_TB) leaves no trace', () => {
    const m = program([...li(31, 0x100000), ...li(30, 0x5555), asm.sw(30, 31, 0), asm.addi(10, 0, 7)]);
    for (let i = 0; i < 4; i++) m.step();
    expect(m.cpu.stopReason).toBe('none');
    const pcBefore = m.cpu.pc;
    // The store ends the run: stSlow leaves the block with EXIT_TB after restoring state.
    const e = caught(() => m.translator.runOneShot(2));
    expect(e).toBe(EXIT_TB);
    expect(m.cpu.stopReason).toBe('exit');
    expect(m.cpu.pc).toBe((pcBefore + 4) | 0);
    expect(m.cpu.x[10]).toBe(0);
    expect(m.translator.blocksOnPage(0)).toBe(0);
    expect(m.translator.size).toBe(0);
    expect(m.cpu.curTb).toBeNull();
  });

  it('a host exception from a device inside a one-shot block leaves no trace', () => {
    const words = [asm.lui(8, 0x10000), asm.addi(9, 0, 65), asm.s(0x23, 0, 8, 9, 0), ...exitOk()];
    const m = machineWith(words, 'jit', {
      onUart: () => {
        throw new Error('host device failed');
      },
    });
    m.step();
    m.step();
    expect(() => m.step()).toThrow('host device failed');
    expect(m.translator.oneShots).toBe(3);
    expect(m.translator.blocksOnPage(0)).toBe(0);
    expect(m.translator.size).toBe(0);
    expect(m.cpu.curTb).toBeNull();
    // Registers the block wrote before the store are in the register file.
    expect(m.cpu.x[9]).toBe(65);
  });

  it('step() on the JIT runs one-instruction one-shot blocks, caches nothing, and equals the interpreter', () => {
    const body = [...li(5, 0x1234), asm.add(6, 5, 5), asm.sw(6, 0, 0x400), asm.lw(7, 0, 0x400), asm.jal(1, 8), asm.nop(), asm.addi(10, 7, 1)];
    const runs = (['interp', 'jit'] as const).map((engine) => {
      const m = program(body, engine);
      const trail: number[] = [];
      for (let i = 0; i < 8; i++) trail.push(m.step().instret, m.cpu.pc);
      if (engine === 'jit') {
        expect(m.translator.oneShots).toBe(8);
        expect(m.translator.translated).toBe(0);
        expect(m.translator.size).toBe(0);
        expectNoTrace(m);
      }
      return { trail, x: Array.from(m.cpu.x) };
    });
    expect(runs[1]).toEqual(runs[0]);
  });

  it('a one-shot block is on its page list while it runs: a store to its own code finds it', () => {
    // The store rewrites the instruction after it; with precise SMC the running block is
    // left right after the store, which needs the one-shot block to be found on the page.
    const m = program([asm.lui(8, 0x80000), asm.addi(9, 0, 0), asm.sw(9, 8, 12), asm.addi(10, 0, 9)]);
    m.cpu.preciseSmc = true;
    m.step();
    m.step();
    expect(m.translator.invalidated).toBe(0);
    const e = caught(() => m.translator.runOneShot(2));
    expect(e).toBe(EXIT_TB);
    expect(m.translator.invalidated).toBe(1);
    expect(m.cpu.pc >>> 0).toBe(BASE + 12);
    expect(m.cpu.x[10]).toBe(0);
    expect(m.translator.blocksOnPage(0)).toBe(0);
    expect(m.cpu.curTb).toBeNull();
  });
});
