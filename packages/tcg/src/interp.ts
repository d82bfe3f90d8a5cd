import type { Cpu } from './cpu.js';
import { Decoded, decode } from './decode.js';
import { div as div_, divu as divu_, mulh as mulh_, mulhsu as mulhsu_, mulhu as mulhu_, rem as rem_, remu as remu_ } from './internal/mulh.js';

const decodeInsn = decode;
const mulh = mulh_;
const mulhsu = mulhsu_;
const mulhu = mulhu_;
const div = div_;
const divu = divu_;
const rem = rem_;
const remu = remu_;

// Case labels are numeric literals (the Op values) on purpose: a switch over imported
// constants compiles to a chain of property loads under some module loaders (Vite's SSR
// transform turns each into a getter call), which made the interpreter ten times slower.

/**
 * Executes one decoded instruction at `pc` on `cpu` and advances the pc. This is the
 * reference semantics: no translation, every memory access through the CPU's helpers.
 * `k` is the instruction's index in a translation block when the translator calls this
 * for an instruction it does not inline, or -1.
 */
export function execute(cpu: Cpu, d: Decoded, pc: number, k: number): void {
  const x = cpu.x;
  const rd = d.rd;
  const a = x[d.rs1]!;
  const b = x[d.rs2]!;
  const imm = d.imm;
  let next = (pc + d.len) | 0;
  let v = 0;
  switch (d.op) {
    case 1 /* LUI */: v = imm; break;
    case 2 /* AUIPC */: v = (pc + imm) | 0; break;
    case 3 /* JAL */: v = next; next = (pc + imm) | 0; break;
    case 4 /* JALR */: v = next; next = ((a + imm) & ~1) | 0; break;
    case 5 /* BEQ */: if (a === b) next = (pc + imm) | 0; return setPc(cpu, next);
    case 6 /* BNE */: if (a !== b) next = (pc + imm) | 0; return setPc(cpu, next);
    case 7 /* BLT */: if (a < b) next = (pc + imm) | 0; return setPc(cpu, next);
    case 8 /* BGE */: if (a >= b) next = (pc + imm) | 0; return setPc(cpu, next);
    case 9 /* BLTU */: if (a >>> 0 < b >>> 0) next = (pc + imm) | 0; return setPc(cpu, next);
    case 10 /* BGEU */: if (a >>> 0 >= b >>> 0) next = (pc + imm) | 0; return setPc(cpu, next);
    case 11 /* LB */: v = cpu.lb((a + imm) | 0, true, k); break;
    case 12 /* LH */: v = cpu.lh((a + imm) | 0, true, k); break;
    case 13 /* LW */: v = cpu.lw((a + imm) | 0, k); break;
    case 14 /* LBU */: v = cpu.lb((a + imm) | 0, false, k); break;
    case 15 /* LHU */: v = cpu.lh((a + imm) | 0, false, k); break;
    case 16 /* SB */: cpu.st((a + imm) | 0, 1, b & 0xff, k); return setPc(cpu, next);
    case 17 /* SH */: cpu.st((a + imm) | 0, 2, b & 0xffff, k); return setPc(cpu, next);
    case 18 /* SW */: cpu.st((a + imm) | 0, 4, b, k); return setPc(cpu, next);
    case 19 /* ADDI */: v = (a + imm) | 0; break;
    case 20 /* SLTI */: v = a < imm ? 1 : 0; break;
    case 21 /* SLTIU */: v = a >>> 0 < imm >>> 0 ? 1 : 0; break;
    case 22 /* XORI */: v = a ^ imm; break;
    case 23 /* ORI */: v = a | imm; break;
    case 24 /* ANDI */: v = a & imm; break;
    case 25 /* SLLI */: v = a << imm; break;
    case 26 /* SRLI */: v = (a >>> imm) | 0; break;
    case 27 /* SRAI */: v = a >> imm; break;
    case 28 /* ADD */: v = (a + b) | 0; break;
    case 29 /* SUB */: v = (a - b) | 0; break;
    case 30 /* SLL */: v = a << (b & 31); break;
    case 31 /* SLT */: v = a < b ? 1 : 0; break;
    case 32 /* SLTU */: v = a >>> 0 < b >>> 0 ? 1 : 0; break;
    case 33 /* XOR */: v = a ^ b; break;
    case 34 /* SRL */: v = (a >>> (b & 31)) | 0; break;
    case 35 /* SRA */: v = a >> (b & 31); break;
    case 36 /* OR */: v = a | b; break;
    case 37 /* AND */: v = a & b; break;
    case 52 /* MUL */: v = Math.imul(a, b); break;
    case 53 /* MULH */: v = mulh(a, b); break;
    case 54 /* MULHSU */: v = mulhsu(a, b); break;
    case 55 /* MULHU */: v = mulhu(a, b); break;
    case 56 /* DIV */: v = div(a, b); break;
    case 57 /* DIVU */: v = divu(a, b); break;
    case 58 /* REM */: v = rem(a, b); break;
    case 59 /* REMU */: v = remu(a, b); break;
    case 38 /* FENCE */:
    case 39 /* FENCE_I */:
      return setPc(cpu, next);
    case 40 /* ECALL */:
      cpu.pc = pc;
      return cpu.raise(8 /* Cause.ECALL_U */ + cpu.priv, 0, -1);
    case 41 /* EBREAK */:
      cpu.pc = pc;
      return cpu.raise(3 /* Cause.BREAKPOINT */, 0, -1);
    case 42 /* MRET */:
      cpu.pc = pc;
      cpu.mret(d.raw, k);
      return;
    case 43 /* SRET */:
      cpu.pc = pc;
      cpu.sret(d.raw, k);
      return;
    case 44 /* WFI */:
      cpu.pc = pc;
      if (!cpu.wfi(d.raw, k)) cpu.stopReason = 'halted';
      return setPc(cpu, next);
    case 45 /* SFENCE_VMA */:
      cpu.pc = pc;
      cpu.sfenceVma(d.raw, k);
      return setPc(cpu, next);
    case 46 /* CSRRW */:
      cpu.pc = pc;
      cpu.csrOp(0, imm, rd, a, true, d.raw, k);
      return setPc(cpu, next);
    case 47 /* CSRRS */:
    case 48 /* CSRRC */:
      cpu.pc = pc;
      cpu.csrOp(d.op === 47 /* CSRRS */ ? 1 : 2, imm, rd, a, d.rs1 !== 0, d.raw, k);
      return setPc(cpu, next);
    case 49 /* CSRRWI */:
      cpu.pc = pc;
      cpu.csrOp(0, imm, rd, d.rs1, true, d.raw, k);
      return setPc(cpu, next);
    case 50 /* CSRRSI */:
    case 51 /* CSRRCI */:
      cpu.pc = pc;
      cpu.csrOp(d.op === 50 /* CSRRSI */ ? 1 : 2, imm, rd, d.rs1, d.rs1 !== 0, d.raw, k);
      return setPc(cpu, next);
    case 60 /* LR */:
      cpu.lr(a, rd, k);
      return setPc(cpu, next);
    case 61 /* SC */:
      cpu.sc(a, rd, b, k);
      return setPc(cpu, next);
    case 62 /* AMOSWAP */: case 63 /* AMOADD */: case 64 /* AMOXOR */: case 65 /* AMOAND */: case 66 /* AMOOR */:
    case 67 /* AMOMIN */: case 68 /* AMOMAX */: case 69 /* AMOMINU */: case 70 /* AMOMAXU */:
      cpu.amo(d.op - 62 /* AMOSWAP */, a, rd, b, k);
      return setPc(cpu, next);
    default:
      cpu.pc = pc;
      return cpu.raise(2 /* Cause.ILLEGAL_INSN */, d.raw, -1);
  }
  if (rd !== 0) x[rd] = v;
  cpu.pc = next;
}

function setPc(cpu: Cpu, next: number): void {
  cpu.pc = next;
}

/**
 * The reference interpreter: fetch, decode, execute one instruction at a time until
 * {@link Cpu.eventAt}. Guest exceptions surface as the GUEST_TRAP signal to the caller.
 */
export class Interpreter {
  private readonly d = new Decoded();

  constructor(private readonly cpu: Cpu) {}

  /** Runs instructions until instret reaches eventAt (hot path). */
  runUntilEvent(): void {
    const cpu = this.cpu;
    const d = this.d;
    const bps = cpu.breakpoints;
    while (cpu.instret < cpu.eventAt) {
      const pc = cpu.pc;
      if (bps.size !== 0 && bps.has(pc)) {
        cpu.stopReason = 'breakpoint';
        cpu.eventAt = 0;
        return;
      }
      decodeInsn(cpu.fetchInsn(pc), d);
      execute(cpu, d, pc, -1);
      cpu.instret++;
    }
  }

  /** Executes exactly one instruction. */
  step(): void {
    const cpu = this.cpu;
    const pc = cpu.pc;
    decode(cpu.fetchInsn(pc), this.d);
    execute(cpu, this.d, pc, -1);
    cpu.instret++;
  }
}
