/** CSR numbers, masks and reset values of the RV32 hart that QEMU 7.2's virt machine models. */

/** CSR addresses used by the hart. */
export const Csr = {
  FFLAGS: 0x001, FRM: 0x002, FCSR: 0x003,
  SSTATUS: 0x100, SIE: 0x104, STVEC: 0x105, SCOUNTEREN: 0x106,
  SSCRATCH: 0x140, SEPC: 0x141, SCAUSE: 0x142, STVAL: 0x143, SIP: 0x144, SATP: 0x180,
  MSTATUS: 0x300, MISA: 0x301, MEDELEG: 0x302, MIDELEG: 0x303, MIE: 0x304, MTVEC: 0x305,
  MCOUNTEREN: 0x306, MSTATUSH: 0x310, MCOUNTINHIBIT: 0x320,
  MSCRATCH: 0x340, MEPC: 0x341, MCAUSE: 0x342, MTVAL: 0x343, MIP: 0x344,
  PMPCFG0: 0x3a0, PMPADDR0: 0x3b0,
  MCYCLE: 0xb00, MINSTRET: 0xb02, MCYCLEH: 0xb80, MINSTRETH: 0xb82,
  CYCLE: 0xc00, TIME: 0xc01, INSTRET: 0xc02, CYCLEH: 0xc80, TIMEH: 0xc81, INSTRETH: 0xc82,
  MVENDORID: 0xf11, MARCHID: 0xf12, MIMPID: 0xf13, MHARTID: 0xf14, MCONFIGPTR: 0xf15,
} as const;

/** misa of QEMU 7.2's default rv32 virt hart (RV32 ACDFHIMSU), read-only. */
export const MISA_VALUE = 0x401411ad;

/** mstatus bits. */
export const MSTATUS = {
  SIE: 1 << 1, MIE: 1 << 3, SPIE: 1 << 5, MPIE: 1 << 7, SPP: 1 << 8,
  MPP: 3 << 11, FS: 3 << 13, MPRV: 1 << 17, SUM: 1 << 18, MXR: 1 << 19,
  TVM: 1 << 20, TW: 1 << 21, TSR: 1 << 22, SD: 1 << 31,
} as const;

/** mstatus bits software may write (QEMU 7.2, RV32 without V). */
export const MSTATUS_WMASK =
  MSTATUS.SIE | MSTATUS.MIE | MSTATUS.SPIE | MSTATUS.MPIE | MSTATUS.SPP | MSTATUS.MPP |
  MSTATUS.FS | MSTATUS.MPRV | MSTATUS.SUM | MSTATUS.MXR | MSTATUS.TVM | MSTATUS.TW | MSTATUS.TSR;

/** The sstatus view of mstatus. */
export const SSTATUS_MASK =
  MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP | MSTATUS.FS | MSTATUS.SUM | MSTATUS.MXR | MSTATUS.SD;

/** Writable medeleg bits as QEMU 7.2 reads them back. */
export const MEDELEG_MASK = 0x00f0bfff;
/** Writable mideleg bits as QEMU 7.2 (with H) reads them back. */
export const MIDELEG_MASK = 0x00003666;
/** Writable mie bits as QEMU 7.2 (with H) reads them back. */
export const MIE_MASK = 0x00003eee;
/** mip bits software may write (SSIP, STIP, SEIP). */
export const MIP_WMASK = 0x00000222;
/** S-level interrupt bits. */
export const S_INTS = 0x222;
