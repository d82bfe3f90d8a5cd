/**
 * RV32IMAC + Zicsr + Zifencei decoder, shared by the interpreter and the translator.
 * Compressed instructions decode straight into the same {@link Decoded} form as their
 * 32-bit equivalents.
 */

/** Operation codes of decoded instructions. */
export const Op = {
  ILLEGAL: 0,
  LUI: 1, AUIPC: 2, JAL: 3, JALR: 4,
  BEQ: 5, BNE: 6, BLT: 7, BGE: 8, BLTU: 9, BGEU: 10,
  LB: 11, LH: 12, LW: 13, LBU: 14, LHU: 15,
  SB: 16, SH: 17, SW: 18,
  ADDI: 19, SLTI: 20, SLTIU: 21, XORI: 22, ORI: 23, ANDI: 24, SLLI: 25, SRLI: 26, SRAI: 27,
  ADD: 28, SUB: 29, SLL: 30, SLT: 31, SLTU: 32, XOR: 33, SRL: 34, SRA: 35, OR: 36, AND: 37,
  FENCE: 38, FENCE_I: 39, ECALL: 40, EBREAK: 41, MRET: 42, SRET: 43, WFI: 44, SFENCE_VMA: 45,
  CSRRW: 46, CSRRS: 47, CSRRC: 48, CSRRWI: 49, CSRRSI: 50, CSRRCI: 51,
  MUL: 52, MULH: 53, MULHSU: 54, MULHU: 55, DIV: 56, DIVU: 57, REM: 58, REMU: 59,
  LR: 60, SC: 61, AMOSWAP: 62, AMOADD: 63, AMOXOR: 64, AMOAND: 65, AMOOR: 66,
  AMOMIN: 67, AMOMAX: 68, AMOMINU: 69, AMOMAXU: 70,
} as const;

/** One of the {@link Op} values. */
export type OpCode = (typeof Op)[keyof typeof Op];

/** Mnemonics indexed by {@link Op} value (for traces and tests). */
export const OP_NAMES: readonly string[] = Object.keys(Op).map((k) => k.toLowerCase());

/**
 * A decoded instruction. One shape for every instruction so the interpreter's reused
 * instance stays monomorphic; `imm` holds the CSR number for CSR instructions and the
 * zero-extended uimm sits in `rs1` for the immediate CSR forms.
 */
export class Decoded {
  op: number = Op.ILLEGAL;
  rd = 0;
  rs1 = 0;
  rs2 = 0;
  imm = 0;
  /** Instruction length in bytes (2 or 4). */
  len = 4;
  /** The raw instruction bits (16 or 32 of them), used for mtval on illegal instructions. */
  raw = 0;
}

function illegal(d: Decoded): void {
  d.op = Op.ILLEGAL;
  d.rd = 0;
  d.rs1 = 0;
  d.rs2 = 0;
  d.imm = 0;
}

function set(d: Decoded, op: number, rd: number, rs1: number, rs2: number, imm: number): void {
  d.op = op;
  d.rd = rd;
  d.rs1 = rs1;
  d.rs2 = rs2;
  d.imm = imm;
}

const LOADS = [Op.LB, Op.LH, Op.LW, Op.ILLEGAL, Op.LBU, Op.LHU, Op.ILLEGAL, Op.ILLEGAL];
const STORES = [Op.SB, Op.SH, Op.SW, Op.ILLEGAL, Op.ILLEGAL, Op.ILLEGAL, Op.ILLEGAL, Op.ILLEGAL];
const BRANCHES = [Op.BEQ, Op.BNE, Op.ILLEGAL, Op.ILLEGAL, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];
const OPIMM = [Op.ADDI, Op.SLLI, Op.SLTI, Op.SLTIU, Op.XORI, Op.SRLI, Op.ORI, Op.ANDI];
const OPREG = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND];
const OPMUL = [Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU];
const CSROPS = [Op.ILLEGAL, Op.CSRRW, Op.CSRRS, Op.CSRRC, Op.ILLEGAL, Op.CSRRWI, Op.CSRRSI, Op.CSRRCI];

/**
 * Decodes one 32-bit instruction (low two bits 0b11) into `d`.
 * Unknown or reserved encodings give {@link Op.ILLEGAL}; this never throws.
 */
export function decode32(insn: number, d: Decoded): void {
  d.len = 4;
  d.raw = insn >>> 0;
  const opcode = insn & 0x7f;
  const rd = (insn >>> 7) & 31;
  const f3 = (insn >>> 12) & 7;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const f7 = insn >>> 25;
  const immI = insn >> 20;
  switch (opcode) {
    case 0x37:
      set(d, Op.LUI, rd, 0, 0, insn & 0xfffff000);
      return;
    case 0x17:
      set(d, Op.AUIPC, rd, 0, 0, insn & 0xfffff000);
      return;
    case 0x6f: {
      const imm =
        ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >>> 9) & 0x800) | ((insn >>> 20) & 0x7fe);
      set(d, Op.JAL, rd, 0, 0, imm);
      return;
    }
    case 0x67:
      if (f3 !== 0) return illegal(d);
      set(d, Op.JALR, rd, rs1, 0, immI);
      return;
    case 0x63: {
      const op = BRANCHES[f3]!;
      if (op === Op.ILLEGAL) return illegal(d);
      const imm =
        ((insn >> 31) << 12) | ((insn << 4) & 0x800) | ((insn >>> 20) & 0x7e0) | ((insn >>> 7) & 0x1e);
      set(d, op, 0, rs1, rs2, imm);
      return;
    }
    case 0x03: {
      const op = LOADS[f3]!;
      if (op === Op.ILLEGAL) return illegal(d);
      set(d, op, rd, rs1, 0, immI);
      return;
    }
    case 0x23: {
      const op = STORES[f3]!;
      if (op === Op.ILLEGAL) return illegal(d);
      set(d, op, 0, rs1, rs2, ((insn >> 25) << 5) | ((insn >>> 7) & 31));
      return;
    }
    case 0x13: {
      let op: number = OPIMM[f3]!;
      if (f3 === 1) {
        if (f7 !== 0) return illegal(d);
        set(d, op, rd, rs1, 0, rs2);
        return;
      }
      if (f3 === 5) {
        if (f7 === 0x20) op = Op.SRAI;
        else if (f7 !== 0) return illegal(d);
        set(d, op, rd, rs1, 0, rs2);
        return;
      }
      set(d, op, rd, rs1, 0, immI);
      return;
    }
    case 0x33: {
      let op: number;
      if (f7 === 0) op = OPREG[f3]!;
      else if (f7 === 1) op = OPMUL[f3]!;
      else if (f7 === 0x20 && f3 === 0) op = Op.SUB;
      else if (f7 === 0x20 && f3 === 5) op = Op.SRA;
      else return illegal(d);
      set(d, op, rd, rs1, rs2, 0);
      return;
    }
    case 0x0f:
      if (f3 === 0) set(d, Op.FENCE, 0, 0, 0, 0);
      else if (f3 === 1) set(d, Op.FENCE_I, 0, 0, 0, 0);
      else illegal(d);
      return;
    case 0x73: {
      if (f3 === 0) {
        const u = insn >>> 0;
        if (u === 0x00000073) set(d, Op.ECALL, 0, 0, 0, 0);
        else if (u === 0x00100073) set(d, Op.EBREAK, 0, 0, 0, 0);
        else if (u === 0x30200073) set(d, Op.MRET, 0, 0, 0, 0);
        else if (u === 0x10200073) set(d, Op.SRET, 0, 0, 0, 0);
        else if (u === 0x10500073) set(d, Op.WFI, 0, 0, 0, 0);
        else if (f7 === 0x09 && rd === 0) set(d, Op.SFENCE_VMA, 0, rs1, rs2, 0);
        else illegal(d);
        return;
      }
      const op = CSROPS[f3]!;
      if (op === Op.ILLEGAL) return illegal(d);
      set(d, op, rd, rs1, 0, (insn >>> 20) & 0xfff);
      return;
    }
    case 0x2f: {
      if (f3 !== 2) return illegal(d);
      const f5 = insn >>> 27;
      let op: number;
      switch (f5) {
        case 0x02: op = rs2 === 0 ? Op.LR : Op.ILLEGAL; break;
        case 0x03: op = Op.SC; break;
        case 0x01: op = Op.AMOSWAP; break;
        case 0x00: op = Op.AMOADD; break;
        case 0x04: op = Op.AMOXOR; break;
        case 0x0c: op = Op.AMOAND; break;
        case 0x08: op = Op.AMOOR; break;
        case 0x10: op = Op.AMOMIN; break;
        case 0x14: op = Op.AMOMAX; break;
        case 0x18: op = Op.AMOMINU; break;
        case 0x1c: op = Op.AMOMAXU; break;
        default: op = Op.ILLEGAL;
      }
      if (op === Op.ILLEGAL) return illegal(d);
      set(d, op, rd, rs1, rs2, 0);
      return;
    }
    default:
      illegal(d);
  }
}

/**
 * Decodes one 16-bit compressed instruction (low two bits not 0b11) into `d`, as its
 * 32-bit equivalent. Floating-point forms are illegal (mstatus.FS is off, as on QEMU's
 * virt at reset), and so are the reserved encodings, including the all-zero halfword.
 */
export function decode16(c: number, d: Decoded): void {
  c &= 0xffff;
  d.len = 2;
  d.raw = c;
  const q = c & 3;
  const f3 = c >>> 13;
  const rdp = ((c >>> 2) & 7) + 8;
  const rs1p = ((c >>> 7) & 7) + 8;
  const rd = (c >>> 7) & 31;
  const rs2 = (c >>> 2) & 31;
  const imm6 = (((c >>> 12) & 1) << 31 >> 26) | ((c >>> 2) & 31);
  if (q === 0) {
    switch (f3) {
      case 0: {
        const nz =
          ((c >>> 7) & 0x30) | ((c >>> 1) & 0x3c0) | ((c >>> 4) & 0x4) | ((c >>> 2) & 0x8);
        if (nz === 0) return illegal(d);
        set(d, Op.ADDI, rdp, 2, 0, nz);
        return;
      }
      case 2:
      case 6: {
        const uimm = ((c >>> 7) & 0x38) | ((c >>> 4) & 0x4) | ((c << 1) & 0x40);
        if (f3 === 2) set(d, Op.LW, rdp, rs1p, 0, uimm);
        else set(d, Op.SW, 0, rs1p, rdp, uimm);
        return;
      }
      default:
        return illegal(d);
    }
  }
  if (q === 1) {
    switch (f3) {
      case 0:
        set(d, Op.ADDI, rd, rd, 0, imm6);
        return;
      case 1:
      case 5: {
        const imm =
          (((c >>> 12) & 1) << 31 >> 20) |
          ((c >>> 7) & 0x10) |
          ((c >>> 1) & 0x300) |
          ((c << 2) & 0x400) |
          ((c >>> 1) & 0x40) |
          ((c << 1) & 0x80) |
          ((c >>> 2) & 0xe) |
          ((c << 3) & 0x20);
        set(d, Op.JAL, f3 === 1 ? 1 : 0, 0, 0, imm);
        return;
      }
      case 2:
        set(d, Op.ADDI, rd, 0, 0, imm6);
        return;
      case 3: {
        if (rd === 2) {
          const nz =
            (((c >>> 12) & 1) << 31 >> 22) |
            ((c >>> 2) & 0x10) |
            ((c << 1) & 0x40) |
            ((c << 4) & 0x180) |
            ((c << 3) & 0x20);
          if (nz === 0) return illegal(d);
          set(d, Op.ADDI, 2, 2, 0, nz);
          return;
        }
        const nz = imm6 << 12;
        if (nz === 0) return illegal(d);
        set(d, Op.LUI, rd, 0, 0, nz);
        return;
      }
      case 4: {
        const f2 = (c >>> 10) & 3;
        if (f2 === 0 || f2 === 1) {
          if ((c >>> 12) & 1) return illegal(d);
          set(d, f2 === 0 ? Op.SRLI : Op.SRAI, rs1p, rs1p, 0, (c >>> 2) & 31);
          return;
        }
        if (f2 === 2) {
          set(d, Op.ANDI, rs1p, rs1p, 0, imm6);
          return;
        }
        if ((c >>> 12) & 1) return illegal(d);
        const ops = [Op.SUB, Op.XOR, Op.OR, Op.AND];
        set(d, ops[(c >>> 5) & 3]!, rs1p, rs1p, rdp, 0);
        return;
      }
      default: {
        const off =
          (((c >>> 12) & 1) << 31 >> 23) |
          ((c >>> 7) & 0x18) |
          ((c << 1) & 0xc0) |
          ((c >>> 2) & 0x6) |
          ((c << 3) & 0x20);
        set(d, f3 === 6 ? Op.BEQ : Op.BNE, 0, rs1p, 0, off);
        return;
      }
    }
  }
  switch (f3) {
    case 0:
      if ((c >>> 12) & 1) return illegal(d);
      set(d, Op.SLLI, rd, rd, 0, (c >>> 2) & 31);
      return;
    case 2: {
      if (rd === 0) return illegal(d);
      const uimm = ((c >>> 7) & 0x20) | ((c >>> 2) & 0x1c) | ((c << 4) & 0xc0);
      set(d, Op.LW, rd, 2, 0, uimm);
      return;
    }
    case 4:
      if (((c >>> 12) & 1) === 0) {
        if (rs2 === 0) {
          if (rd === 0) return illegal(d);
          set(d, Op.JALR, 0, rd, 0, 0);
        } else set(d, Op.ADD, rd, 0, rs2, 0);
      } else if (rs2 === 0) {
        if (rd === 0) set(d, Op.EBREAK, 0, 0, 0, 0);
        else set(d, Op.JALR, 1, rd, 0, 0);
      } else set(d, Op.ADD, rd, rd, rs2, 0);
      return;
    case 6: {
      const uimm = ((c >>> 7) & 0x3c) | ((c >>> 1) & 0xc0);
      set(d, Op.SW, 0, 2, rs2, uimm);
      return;
    }
    default:
      return illegal(d);
  }
}

/**
 * Decodes `insn` into `d`: a 32-bit instruction when its low two bits are 0b11, else the
 * compressed instruction in its low 16 bits (the high half is then ignored).
 */
export function decode(insn: number, d: Decoded): void {
  if ((insn & 3) === 3) decode32(insn, d);
  else decode16(insn, d);
}
