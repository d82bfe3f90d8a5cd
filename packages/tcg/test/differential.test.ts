import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVirtMachine } from '../src/index.js';
import type { EngineKind } from '../src/index.js';
import { asm, li } from './asm.js';

const DATA = 0x80080000;
const RAM = 1 << 20;

/**
 * One random instruction as 16-bit parcels. x2 is the data base and never written, x29
 * counts loops, x30/x31 are kept for the exit.
 */
const reg = fc.integer({ min: 1, max: 28 }).filter((r) => r !== 2);
const src = fc.integer({ min: 0, max: 29 });
/** Destination: mostly a real register, sometimes x0 (the write must vanish, side effects stay). */
const dst = fc.oneof({ weight: 9, arbitrary: reg }, { weight: 1, arbitrary: fc.constant(0) });
const imm12 = fc.integer({ min: -2048, max: 2047 });
const creg = fc.integer({ min: 8, max: 15 });

const R_OPS: [number, number][] = [
  [0, 0], [0, 0x20], [1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [5, 0x20], [6, 0], [7, 0],
  [0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1],
];
const I_OPS = [0, 2, 3, 4, 6, 7];
const LOADS = [0, 1, 2, 4, 5];
const STORES = [0, 1, 2];
const AMOS = [0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c];

const w32 = (w: number): number[] => [w & 0xffff, w >>> 16];
const w16 = (h: number): number[] => [h & 0xffff];

const insn: fc.Arbitrary<number[]> = fc.oneof(
  fc.tuple(fc.constantFrom(...R_OPS), dst, src, src).map(([[f3, f7], rd, a, b]) => w32(asm.r(0x33, rd, f3, a, b, f7))),
  fc.tuple(fc.constantFrom(...I_OPS), dst, src, imm12).map(([f3, rd, a, imm]) => w32(asm.i(0x13, rd, f3, a, imm))),
  fc.tuple(fc.constantFrom([1, 0], [5, 0], [5, 0x400]), dst, src, fc.integer({ min: 0, max: 31 })).map(
    ([[f3, hi], rd, a, sh]) => w32(asm.i(0x13, rd, f3, a, hi | sh)),
  ),
  fc.tuple(dst, fc.integer({ min: 0, max: 0xfffff })).map(([rd, u]) => w32(asm.lui(rd, u))),
  fc.tuple(reg, fc.integer({ min: 0, max: 0xfffff })).map(([rd, u]) => w32(((u << 12) | (rd << 7) | 0x17) >>> 0)),
  fc.tuple(fc.constantFrom(...LOADS), dst, imm12).map(([f3, rd, imm]) => w32(asm.i(0x03, rd, f3, 2, imm))),
  fc.tuple(fc.constantFrom(...STORES), src, imm12).map(([f3, b, imm]) => w32(asm.s(0x23, f3, 2, b, imm))),
  fc.tuple(fc.constantFrom(...AMOS), dst, src).map(([f5, rd, b]) => w32(asm.r(0x2f, rd, 2, 2, b, f5 << 2))),
  fc.tuple(dst, src).map(([rd, a]) => w32(asm.csrrw(rd, 0x340, a))),
  // compressed: c.addi, c.li, c.mv, c.add, c.slli, c.lwsp, c.swsp, and the CA/CB ALU group
  fc.tuple(reg, fc.integer({ min: -32, max: 31 })).map(([rd, v]) => w16(0x0001 | ((v & 0x20) << 7) | (rd << 7) | ((v & 31) << 2))),
  fc.tuple(reg, fc.integer({ min: -32, max: 31 })).map(([rd, v]) => w16(0x4001 | ((v & 0x20) << 7) | (rd << 7) | ((v & 31) << 2))),
  fc.tuple(reg, fc.integer({ min: 1, max: 28 })).map(([rd, b]) => w16(0x8002 | (rd << 7) | (b << 2))),
  fc.tuple(reg, fc.integer({ min: 1, max: 28 })).map(([rd, b]) => w16(0x9002 | (rd << 7) | (b << 2))),
  fc.tuple(reg, fc.integer({ min: 1, max: 31 })).map(([rd, sh]) => w16(0x0002 | (rd << 7) | (sh << 2))),
  fc.tuple(reg, fc.integer({ min: 0, max: 63 })).map(([rd, o]) => w16(0x4002 | ((o & 0x8) << 9) | (rd << 7) | ((o & 0x7) << 4) | ((o & 0x30) >> 2))),
  fc.tuple(src, fc.integer({ min: 0, max: 63 })).map(([b, o]) => w16(0xc002 | ((o & 0xf) << 9) | ((o & 0x30) << 3) | (b << 2))),
  fc.tuple(fc.integer({ min: 0, max: 7 }), creg, creg, fc.integer({ min: 0, max: 31 })).map(([kind, rd, b, v]) => {
    const r3 = rd - 8;
    if (kind < 2) return w16(0x8001 | (kind << 10) | (r3 << 7) | (v << 2));
    if (kind === 2) return w16(0x8801 | (r3 << 7) | (v << 2));
    return w16(0x8c01 | (r3 << 7) | (((kind - 4) & 3) << 5) | ((b - 8) << 2));
  }),
  // rarely: an illegal instruction, which must become a guest trap
  fc.constantFrom(w32(0), w32(0xffffffff), w16(0)),
);

const BRANCH_F3 = [0, 1, 4, 5, 6, 7];

/** Straight-line code plus control flow: forward branches over one instruction, and counted loops. */
const item: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 8, arbitrary: insn },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...BRANCH_F3), src, src, insn).map(([f3, a, b, next]) => [
      ...w32(asm.b(f3, a, b, 4 + 2 * next.length)),
      ...next,
    ]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 20 }), fc.array(insn, { minLength: 1, maxLength: 6 })).map(([n, body]) => {
      const inner = body.flat();
      const back = -(2 * inner.length + 4);
      return [...w32(asm.addi(29, 0, n)), ...inner, ...w32(asm.addi(29, 29, -1)), ...w32(asm.b(1, 29, 0, back))];
    }),
  },
);

function program(body: number[][], init: number[]): number[] {
  const pre: number[] = [];
  const push32 = (w: number) => pre.push(...w32(w));
  li(2, DATA).forEach(push32);
  init.forEach((v, k) => {
    const r = k + 1;
    if (r !== 2 && r < 30) li(r, v).forEach(push32);
  });
  const bodyHalves = body.flat();
  // mtvec keeps its low two bits as the mode: the handler must be 4-byte aligned.
  if ((pre.length + bodyHalves.length) % 2 !== 0) bodyHalves.push(0x0001);
  // mtvec = the exit sequence right after the body
  const handler = 0x80000000 + (pre.length + 6 + bodyHalves.length) * 2;
  const tail: number[] = [];
  li(31, handler).forEach((w) => tail.push(...w32(w)));
  tail.push(...w32(asm.csrrw(0, 0x305, 31)));
  const exit: number[] = [];
  [...li(31, 0x100000), ...li(30, 0x5555), asm.sw(30, 31, 0), asm.jal(0, 0)].forEach((w) => exit.push(...w32(w)));
  return [...pre, ...tail, ...bodyHalves, ...exit];
}

/** A machine on `engine` with the program `halves` at the start of RAM, `data` around DATA, and pc on the program. */
function machineWithHalves(engine: EngineKind, halves: number[], data: Uint8Array) {
  const m = createVirtMachine({ engine, ramSize: RAM });
  const dv = new DataView(m.bus.ram.buffer, m.bus.ram.byteOffset);
  halves.forEach((h, k) => dv.setUint16(k * 2, h, true));
  m.bus.ram.set(data, DATA - 0x80000000 - 2048);
  m.cpu.pc = 0x80000000 | 0;
  return { m, dv };
}

/** The 4 KiB of RAM around DATA, where the programs load and store. */
function dataWindow(m: ReturnType<typeof createVirtMachine>): number[] {
  return Array.from(m.bus.ram.subarray(DATA - 0x80000000 - 2048, DATA - 0x80000000 + 2048));
}

function runOn(engine: EngineKind, halves: number[], data: Uint8Array) {
  const { m } = machineWithHalves(engine, halves, data);
  const r = m.run(100_000);
  const c = m.cpu;
  return {
    reason: r.reason,
    x: Array.from(c.x),
    instret: c.instret,
    mepc: c.mepc,
    mcause: c.mcause,
    mtval: c.mtval,
    mscratch: c.mscratch,
    data: dataWindow(m),
  };
}

describe('differential: translated code against the reference interpreter', () => {
  it('random RV32IMAC code (straight-line, forward branches, counted loops) leaves the same registers, CSRs and memory', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 29, maxLength: 29 }),
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        (body, init, data) => {
          const halves = program(body, init);
          const a = runOn('interp', halves, data);
          const b = runOn('jit', halves, data);
          expect(a.reason).toBe('exit');
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('differential under Sv32 in U-mode', () => {
  const ROOT = 0x800f0000;
  const L2 = 0x800f1000;
  const PTE = { V: 1, R: 2, W: 4, X: 8, U: 16, A: 64, D: 128 };
  const perms = fc.constantFrom(
    0,
    PTE.V | PTE.U,
    PTE.V | PTE.R | PTE.U,
    PTE.V | PTE.R | PTE.W | PTE.U,
    PTE.V | PTE.R | PTE.W | PTE.U | PTE.A | PTE.D,
    PTE.V | PTE.R | PTE.W, // supervisor page: U may not touch it
  );

  function pagedProgram(body: number[][], init: number[]): number[] {
    const pre: number[] = [];
    const push32 = (w: number) => pre.push(...w32(w));
    init.forEach((v, k) => {
      const r = k + 1;
      if (r !== 2 && r < 30) li(r, v).forEach(push32);
    });
    [
      ...li(1, -1), asm.csrrw(0, 0x3b0, 1), ...li(1, 0x1f), asm.csrrw(0, 0x3a0, 1),
      ...li(1, (0x80000000 | (ROOT >>> 12)) | 0), asm.csrrw(0, 0x180, 1),
    ].forEach(push32);
    if (init[0] !== undefined) li(1, init[0]).forEach(push32);
    li(2, 0x40001000).forEach(push32);
    const bodyHalves = body.flat();
    // mepc = body start (after li x31 (2 words), csrrw mtvec, li x31 (2), csrrw mepc, mret)
    const bodyAt = 0x80000000 + (pre.length + 2 * 7) * 2;
    if ((pre.length + bodyHalves.length) % 2 !== 0) bodyHalves.push(0x0001);
    const handler = bodyAt + bodyHalves.length * 2;
    const tail: number[] = [];
    [...li(31, handler), asm.csrrw(0, 0x305, 31), ...li(31, bodyAt), asm.csrrw(0, 0x341, 31), asm.mret()].forEach((w) =>
      tail.push(...w32(w)),
    );
    const exit: number[] = [];
    [...li(31, 0x100000), ...li(30, 0x5555), asm.sw(30, 31, 0), asm.jal(0, 0)].forEach((w) => exit.push(...w32(w)));
    return [...pre, ...tail, ...bodyHalves, ...exit];
  }

  function runPaged(engine: EngineKind, halves: number[], data: Uint8Array, p0: number, p1: number) {
    const { m, dv } = machineWithHalves(engine, halves, data);
    const pte = (pa: number, f: number) => (((pa >>> 12) << 10) | f) >>> 0;
    dv.setUint32(ROOT - 0x80000000 + (0x80000000 >>> 22) * 4, pte(0x80000000, PTE.V | PTE.R | PTE.X | PTE.U | PTE.A), true);
    dv.setUint32(ROOT - 0x80000000 + (0x40000000 >>> 22) * 4, pte(L2, PTE.V), true);
    dv.setUint32(L2 - 0x80000000, pte(0x8007f000, p0), true);
    dv.setUint32(L2 - 0x80000000 + 4, pte(0x80080000, p1), true);
    const r = m.run(100_000);
    const c = m.cpu;
    return {
      reason: r.reason,
      x: Array.from(c.x),
      instret: c.instret,
      priv: c.priv,
      mepc: c.mepc,
      mcause: c.mcause,
      mtval: c.mtval,
      data: dataWindow(m),
      ptes: [dv.getUint32(L2 - 0x80000000, true), dv.getUint32(L2 - 0x80000000 + 4, true)],
    };
  }

  it('page faults, A/D updates and data through the TLB agree between JIT and interpreter', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 120 }),
        fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 29, maxLength: 29 }),
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        perms,
        perms,
        (body, init, data, p0, p1) => {
          const halves = pagedProgram(body, init);
          const a = runPaged('interp', halves, data, p0, p1);
          const b = runPaged('jit', halves, data, p0, p1);
          expect(a.reason).toBe('exit');
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 200 },
    );
  });
});
