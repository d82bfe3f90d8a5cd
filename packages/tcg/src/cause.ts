/** RISC-V exception and interrupt cause numbers (privileged spec, table 3.6). */
export const Cause = {
  INSN_MISALIGNED: 0,
  INSN_ACCESS: 1,
  ILLEGAL_INSN: 2,
  BREAKPOINT: 3,
  LOAD_MISALIGNED: 4,
  LOAD_ACCESS: 5,
  STORE_MISALIGNED: 6,
  STORE_ACCESS: 7,
  ECALL_U: 8,
  ECALL_S: 9,
  ECALL_M: 11,
  INSN_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
} as const;

/** Interrupt numbers (bit positions in mip/mie). */
export const Irq = {
  SSI: 1,
  MSI: 3,
  STI: 5,
  MTI: 7,
  SEI: 9,
  MEI: 11,
} as const;

/** Privilege levels; also the softmmu mmu index of an access at that level. */
export const Priv = { U: 0, S: 1, M: 3 } as const;
