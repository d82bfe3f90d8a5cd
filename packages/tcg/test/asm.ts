/** A tiny RV32 assembler for tests: each function returns one instruction word. */
import { createVirtMachine } from '../src/index.js';
import type { EngineKind, VirtMachine } from '../src/index.js';

const r = (op: number, rd: number, f3: number, rs1: number, rs2: number, f7: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (op: number, rd: number, f3: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (op: number, f3: number, rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op) >>> 0;

export const asm = {
  r, i, s,
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  addi: (rd: number, rs1: number, imm: number) => i(0x13, rd, 0, rs1, imm),
  add: (rd: number, rs1: number, rs2: number) => r(0x33, rd, 0, rs1, rs2, 0),
  lw: (rd: number, rs1: number, imm: number) => i(0x03, rd, 2, rs1, imm),
  sw: (rs2: number, rs1: number, imm: number) => s(0x23, 2, rs1, rs2, imm),
  csrrw: (rd: number, csr: number, rs1: number) => i(0x73, rd, 1, rs1, csr),
  csrrs: (rd: number, csr: number, rs1: number) => i(0x73, rd, 2, rs1, csr),
  jal: (rd: number, off: number) =>
    ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) |
      (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0,
  /** Conditional branch (B-type) with funct3 `f3`, byte offset `off`. */
  b: (f3: number, rs1: number, rs2: number, off: number) =>
    ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
      (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0,
  mret: () => 0x30200073,
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
  nop: () => 0x00000013,
};

/** li rd, value as lui+addi. */
export function li(rd: number, value: number): number[] {
  const lo = (value << 20) >> 20;
  const hi = ((value - lo) >>> 12) & 0xfffff;
  return [asm.lui(rd, hi), asm.addi(rd, rd, lo)];
}

/** The finisher exit sequence: write 0x5555 to 0x100000 (uses x31, x30) then spin. */
export function exitOk(): number[] {
  return [...li(31, 0x100000), ...li(30, 0x5555), asm.sw(30, 31, 0), asm.jal(0, 0)];
}

/** Options of {@link machineWith}. */
export interface MachineWithOptions {
  /** Guest RAM in bytes (default 1 MiB). */
  ramSize?: number;
  /** Byte offset in RAM of the first word, where the hart starts (default 0). */
  at?: number;
  /** Receives the bytes the guest sends to the UART. */
  onUart?: (byte: number) => void;
}

/** A virt machine with `words` at 0x80000000 + `at` and the hart starting there in M-mode. */
export function machineWith(words: number[], engine: EngineKind, opts: MachineWithOptions = {}): VirtMachine {
  const at = opts.at ?? 0;
  const m = createVirtMachine({ engine, ramSize: opts.ramSize ?? 1 << 20, ...(opts.onUart ? { onUart: opts.onUart } : {}) });
  const dv = new DataView(m.bus.ram.buffer, m.bus.ram.byteOffset);
  words.forEach((w, k) => dv.setUint32(at + k * 4, w >>> 0, true));
  m.cpu.pc = (0x80000000 + at) | 0;
  return m;
}
