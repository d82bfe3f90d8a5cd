import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Access, Clint, Cpu, Decoded, Op, SimpleBus, TB_CODE_BUDGET, TB_MAX_INSNS, TB_MAX_RUNS, TLB_SIZE, Tlb, Translator,
  createVirtMachine, decode,
} from '../src/index.js';
import type { EngineKind, TranslationBlock, VirtMachine } from '../src/index.js';
import { asm, exitOk, li, machineWith } from './asm.js';
import { guestElf, guestFixture } from './guestFiles.js';

const ENGINES: EngineKind[] = ['interp', 'jit'];
const BASE = 0x80000000;

/** Program words with the exit sequence placed at word `at` (the trap handler). */
function withHandler(words: number[], at = 64): number[] {
  const out = [...li(31, BASE + at * 4), asm.csrrw(0, 0x305, 31), ...words];
  while (out.length < at) out.push(asm.nop());
  return [...out, ...exitOk()];
}

function traced(m: VirtMachine): TranslationBlock[] {
  const tbs: TranslationBlock[] = [];
  m.translator.trace = (tb) => tbs.push(tb);
  return tbs;
}

describe('a fault in the middle of a block restores the exact guest state', () => {
  // upstream bad729e272, 4e5e121515: pc comes back from the block's insn_start data.
  // upstream 1c3c8af1fb: the helper leaves with cpu_loop_exit_restore.
  // upstream 282dffc8a4, b8611499b9: ld/st helpers get the "return address" (here the
  // instruction index k) so a fault inside the slow path restores state.
  for (const [what, faulting, cause] of [
    ['load', asm.lw(9, 8, 0), 5],
    ['store', asm.sw(5, 8, 0), 7],
  ] as const) {
    it(`${what} access fault: mepc is the faulting instruction, earlier ones retired, later ones not`, () => {
      const body = [asm.addi(5, 0, 1), asm.addi(6, 0, 2), asm.addi(8, 0, 0x10), asm.addi(7, 0, 3), faulting, asm.addi(10, 0, 4)];
      const results = ENGINES.map((engine) => {
        const m = machineWith(withHandler(body), engine);
        const tbs = traced(m);
        const r = m.run(10_000);
        return { m, r, tbs };
      });
      for (const { m, r } of results) {
        const c = m.cpu;
        expect(r.reason).toBe('exit');
        expect(c.mepc >>> 0).toBe(BASE + 12 + 4 * 4);
        expect(c.mcause).toBe(cause);
        expect(c.mtval).toBe(0x10);
        expect([c.x[5], c.x[6], c.x[7], c.x[10]]).toEqual([1, 2, 3, 0]);
      }
      expect(results[1]!.r.instret).toBe(results[0]!.r.instret);
      const tb = results[1]!.tbs.find((t) => t.pc === ((BASE + 12) | 0))!;
      expect(tb.n).toBeGreaterThan(5);
      expect(tb.insnPc[4]! >>> 0).toBe(BASE + 12 + 16);
    });
  }
});

describe('mmu index of fetches and of data accesses', () => {
  // upstream 97ed5ccdee: the mmu index depends on whether the access is a fetch.
  it('M-mode with MPRV=1, MPP=U: data goes through U translation, fetches stay untranslated', () => {
    const root = BASE + 0x10000;
    const words = [
      ...li(1, -1), asm.csrrw(0, 0x3b0, 1), ...li(1, 0x1f), asm.csrrw(0, 0x3a0, 1),
      ...li(1, (0x80000000 | (root >>> 12)) | 0), asm.csrrw(0, 0x180, 1),
      ...li(2, 1 << 17), asm.csrrs(0, 0x300, 2),
      ...li(3, 0x40000200), asm.lw(4, 3, 0),
      asm.i(0x73, 0, 3, 2, 0x300), // csrrc x0, mstatus, x2
      ...exitOk(),
    ];
    for (const engine of ENGINES) {
      const m = machineWith(words, engine);
      const dv = new DataView(m.bus.ram.buffer);
      dv.setUint32(0x200, 0x12345678, true);
      dv.setUint32(0x10000 + (0x40000000 >>> 22) * 4, ((0x80000 << 10) | 0xdf) >>> 0, true);
      const tbs = traced(m);
      const r = m.run(10_000);
      expect(r.reason).toBe('exit');
      expect(m.cpu.x[4]).toBe(0x12345678);
      if (engine === 'jit') {
        // The block holding the lw was translated for fetch index M (3) and data index U (0).
        const tb = tbs.find((t) => t.flags === 3);
        expect(tb).toBeDefined();
      }
    }
  });
});

describe('softmmu TLB', () => {
  it('flush by mmu index drops only the selected indexes', () => {
    // upstream d7a74a9d4a: tlb_flush_by_mmuidx.
    const t = new Tlb();
    for (const idx of [0, 1, 3]) {
      t.tagR[idx * TLB_SIZE + 5] = 0x80005;
      t.tagW[idx * TLB_SIZE + 5] = 0x80005;
      t.tagX[idx * TLB_SIZE + 5] = 0x80005;
    }
    t.flushByMmuIdx(1 << 1);
    expect(t.tagR[1 * TLB_SIZE + 5]).toBe(-1);
    expect(t.tagW[1 * TLB_SIZE + 5]).toBe(-1);
    expect(t.tagX[1 * TLB_SIZE + 5]).toBe(-1);
    for (const idx of [0, 3]) expect(t.tagR[idx * TLB_SIZE + 5]).toBe(0x80005);
    t.flushByMmuIdx((1 << 0) | (1 << 3));
    expect(t.tagR.every((v) => v === -1)).toBe(true);
  });

  it('vaddrToHost gives the RAM offset for RAM, -1 for MMIO, unmapped space and code pages being written', () => {
    // upstream 2e83c49626: tlb_vaddr_to_host.
    const m = machineWith([asm.jal(0, 0)], 'jit');
    expect(m.cpu.vaddrToHost(BASE + 0x1234, Access.LOAD, 3)).toBe(0x1234);
    expect(m.cpu.vaddrToHost(0x10000000, Access.LOAD, 3)).toBe(-1);
    expect(m.cpu.vaddrToHost(0x10, Access.STORE, 3)).toBe(-1);
    m.run(100);
    expect(m.cpu.codePages[0]).toBe(1);
    expect(m.cpu.vaddrToHost(BASE + 8, Access.STORE, 3)).toBe(-1);
    expect(m.cpu.vaddrToHost(BASE + 0x2000, Access.STORE, 3)).toBe(0x2000);
  });

  it('a store to a page holding translated code invalidates its blocks and unprotects the page', () => {
    // upstream 9564f52da7: tlb_unprotect_code by RAM address.
    const words = [...li(8, BASE + 0x800), ...li(9, 5), asm.sw(9, 8, 0), asm.sw(9, 8, 4), ...exitOk()];
    const m = machineWith(words, 'jit');
    let protectedAtTranslation = false;
    m.translator.trace = () => {
      const e = 3 * TLB_SIZE + (0x80000 & (TLB_SIZE - 1));
      protectedAtTranslation = m.cpu.codePages[0] === 1 && m.cpu.tlb.tagW[e] !== 0x80000;
    };
    const r = m.run(1000);
    expect(r.reason).toBe('exit');
    expect(protectedAtTranslation).toBe(true);
    expect(m.translator.invalidated).toBeGreaterThanOrEqual(1);
    expect(m.cpu.codePages[0]).toBe(0);
    expect(m.cpu.tlb.tagW[3 * TLB_SIZE + (0x80000 & (TLB_SIZE - 1))]).toBe(0x80000);
    const dv = new DataView(m.bus.ram.buffer);
    expect([dv.getUint32(0x800, true), dv.getUint32(0x804, true)]).toEqual([5, 5]);
  });

  it('without memory-core (SimpleBus), the translator keeps codePages itself: protect at translation, unprotect on a store', () => {
    const bus = new SimpleBus(BASE, 1 << 16);
    const cpu = new Cpu(bus, new Clint());
    const dv = new DataView(bus.ram.buffer);
    dv.setUint32(0, asm.addi(1, 0, 5), true);
    dv.setUint32(4, asm.jal(0, 0), true);
    const tr = new Translator(cpu);
    const e = 3 * TLB_SIZE + (0x80000 & (TLB_SIZE - 1));
    expect(cpu.vaddrToHost(BASE + 0x10, Access.STORE, 3)).toBe(0x10);
    expect(cpu.tlb.tagW[e]).toBe(0x80000);
    cpu.pc = BASE | 0;
    expect(tr.lookup(cpu.pc)).not.toBeNull();
    expect(cpu.codePages[0]).toBe(1);
    expect([cpu.tlb.tagW[e], cpu.tlb.physW[e]]).toEqual([-1, -1]);
    expect(cpu.vaddrToHost(BASE + 0x10, Access.STORE, 3)).toBe(-1);
    cpu.st(BASE | 0, 4, asm.addi(1, 0, 7), -1);
    expect(cpu.codePages[0]).toBe(0);
    expect(tr.blocksOnPage(0)).toBe(0);
    expect(tr.invalidated).toBe(1);
  });
});

describe('translation blocks', () => {
  it('block size is bounded by TB_MAX_INSNS and by the code budget checked while generating', () => {
    // upstream b125f9dc7b: the budget is checked during generation, not reserved up front.
    const adds = Array.from({ length: 600 }, () => asm.addi(5, 5, 1));
    const m1 = machineWith([...adds, ...exitOk()], 'jit');
    const tbs1 = traced(m1);
    expect(m1.run(10_000).reason).toBe('exit');
    expect(m1.cpu.x[5]).toBe(600);
    expect(tbs1[0]!.n).toBe(TB_MAX_INSNS);

    const loads = Array.from({ length: 300 }, (_, k) => asm.lw(1 + (k % 29 === 1 ? 0 : k % 29), 2, 0));
    const m2 = machineWith([...li(2, BASE + 0x4000), ...loads, ...exitOk()], 'jit');
    const tbs2 = traced(m2);
    expect(m2.run(10_000).reason).toBe('exit');
    const big = tbs2[0]!;
    expect(big.n).toBeLessThan(TB_MAX_INSNS);
    for (const tb of tbs2) {
      expect(tb.n).toBeLessThanOrEqual(TB_MAX_INSNS);
      expect(tb.source.length).toBeLessThan(TB_CODE_BUDGET + 4096);
    }
  });

  it('exits with a known same-page target are chained; CSR blocks exit with REQUESTED and have no slots', () => {
    // upstream 9e0dc48c9f: generic exit indices.
    // TB_MAX_RUNS jumps over a nop each: the block at BASE holds that many runs, so the
    // last jump leaves it for the loop's block, on the same page: a chainable exit.
    const jumps = Array.from({ length: TB_MAX_RUNS }, () => [asm.jal(0, 8), asm.nop()]).flat();
    const words = [
      ...jumps,
      ...li(5, 100),
      asm.addi(5, 5, -1), // loop:
      asm.b(1, 5, 0, -4), // bne x5, x0, loop
      asm.csrrw(0, 0x340, 5),
      ...exitOk(),
    ];
    const m = machineWith(words, 'jit');
    const tbs = traced(m);
    expect(m.run(10_000).reason).toBe('exit');
    expect(m.cpu.x[5]).toBe(0);
    const first = tbs.find((t) => t.pc === (BASE | 0))!;
    const loop = tbs.find((t) => t.pc === ((BASE + jumps.length * 4) | 0))!;
    expect(first.n).toBe(TB_MAX_RUNS);
    expect(first.jmp).toContain(loop);
    // The loop block runs its back-edge inside its own function and ends at the CSR write.
    expect(loop.jmp.length).toBe(1);
    expect(loop.source).toMatch(/continue (L|W\d+);/);
  });
});

describe('illegal instructions are guest traps, never host exceptions', () => {
  const d = new Decoded();
  const illegal = fc.integer({ min: 0, max: 0xffffffff }).filter((w) => {
    decode(w, d);
    return d.op === Op.ILLEGAL && (w & 3) === 3;
  });
  it('any illegal 32-bit word traps with mcause 2, mtval = the word, mepc = its address', () => {
    fc.assert(
      fc.property(illegal, (w) => {
        for (const engine of ENGINES) {
          const m = machineWith(withHandler([w]), engine);
          const r = m.run(1000);
          expect(r.reason).toBe('exit');
          expect(m.cpu.mcause).toBe(2);
          expect(m.cpu.mtval >>> 0).toBe(w >>> 0);
          expect(m.cpu.mepc >>> 0).toBe(BASE + 12);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random words run without a host exception on both engines', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 32 }), (ws) => {
        for (const engine of ENGINES) {
          const m = machineWith(withHandler(ws), engine);
          expect(() => m.run(2000)).not.toThrow();
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('run loop: budget, resume, step, stop', () => {
  const elf = guestElf('hello');
  const want = guestFixture('hello');

  for (const engine of ENGINES) {
    it(`${engine}: running in slices, stepping and stopping give the same output as one run`, () => {
      let out = '';
      const m = createVirtMachine({ engine, ramSize: 1 << 20, onUart: (b) => (out += String.fromCharCode(b)) });
      m.loadElf(elf);
      expect(m.run(50).reason).toBe('budget');
      const before = m.cpu.instret;
      for (let i = 0; i < 20; i++) m.step();
      expect(m.cpu.instret).toBe(before + 20);
      let r = m.run(37);
      while (r.reason === 'budget') r = m.run(37);
      expect(r.reason).toBe('exit');
      expect(out).toBe(want);

      out = '';
      let stopped = false;
      const m2 = createVirtMachine({
        engine,
        ramSize: 1 << 20,
        onUart: (b) => {
          out += String.fromCharCode(b);
          if (b === 10 && !stopped) {
            stopped = true;
            m2.stop();
          }
        },
      });
      m2.loadElf(elf);
      expect(m2.run().reason).toBe('stopped');
      expect(out.endsWith('\n')).toBe(true);
      expect(m2.run().reason).toBe('exit');
      expect(out).toBe(want);
    });
  }
});

describe('PMP', () => {
  it('U-mode accesses follow the first matching entry; M-mode ignores unlocked entries', () => {
    // entry 0: TOR [0, 0x80010000) R+X; entry 1: NAPOT everything R+W+X.
    const user = 0x80000400; // U-mode code: load ok, store above the TOR top ok, store into it faults
    const words = withHandler([
      ...li(1, (0x80010000 / 4) | 0), asm.csrrw(0, 0x3b0, 1),
      ...li(1, -1), asm.csrrw(0, 0x3b1, 1),
      ...li(1, 0x1f0d), asm.csrrw(0, 0x3a0, 1), // cfg0 = TOR|R|X, cfg1 = NAPOT|R|W|X
      ...li(20, 0x80008000), ...li(21, 0x80020000),
      asm.sw(20, 20, 0), // M-mode store into the R+X region: allowed
      ...li(1, user), asm.csrrw(0, 0x341, 1), // mepc
      asm.mret(), // MPP is U after reset
    ]);
    // U code at word 0x100 (0x80000400); the trap handler ends the run at the first trap.
    const code = [asm.lw(5, 20, 0), asm.sw(20, 21, 0), asm.sw(20, 20, 4), asm.ecall()];
    for (const engine of ENGINES) {
      const all = [...words];
      while (all.length < 0x100) all.push(asm.nop());
      all.push(...code);
      const m = machineWith(all, engine);
      const causes: number[] = [];
      m.cpu.logMask = 2;
      m.cpu.logSink = (_c, msg) => causes.push(Number(/cause=(\d+)/.exec(msg)![1]));
      const r = m.run(10_000);
      expect(r.reason).toBe('exit');
      const dv = new DataView(m.bus.ram.buffer);
      expect(m.cpu.x[5]).toBe(0x80008000 | 0);
      expect(dv.getUint32(0x8004, true)).toBe(0);
      expect(dv.getUint32(0x20000, true)).toBe(0x80008000);
      expect(causes).toEqual([7]);
      expect(m.cpu.mepc >>> 0).toBe(user + 8);
      expect(m.cpu.mtval >>> 0).toBe(0x80008004);
    }
  });
});
