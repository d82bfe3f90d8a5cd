/* Access sizes of the virt devices, as QEMU 7.2 treats them: every load and store size
 * the hart has (1, 2, 4 bytes), aligned and not, to the NS16550A UART, the SiFive test
 * finisher and the ACLINT swi/mtimer registers. A refused access (MemoryRegionOps
 * valid.min/max, an unassigned address) is a load or store access fault; misaligned
 * accesses to MMIO are split by the softmmu (loads: two aligned loads of the same size,
 * stores: byte stores), so they succeed or fault piecewise. Each line shows the value
 * read, "ok" for a store, or the fault's cause and tval. */
#include "rt.h"

static volatile uint32_t tcause, ttval;

void __attribute__((interrupt("machine"), aligned(4))) mhandler(void) {
  uint32_t epc = csr_read(mepc);
  tcause = csr_read(mcause);
  ttval = csr_read(mtval);
  uint16_t lo = *(volatile uint16_t *)epc;
  csr_write(mepc, epc + ((lo & 3) == 3 ? 4 : 2));
}

#define LOAD(insn, addr)                                                              \
  ({                                                                                  \
    uint32_t __v = 0xdeadbeefu;                                                       \
    tcause = ~0u;                                                                     \
    __asm__ volatile(insn " %0, 0(%1)" : "+r"(__v) : "r"(addr) : "memory");          \
    __v;                                                                              \
  })
#define STORE(insn, addr, val)                                                        \
  do {                                                                                \
    tcause = ~0u;                                                                     \
    __asm__ volatile(insn " %0, 0(%1)" ::"r"((uint32_t)(val)), "r"(addr) : "memory"); \
  } while (0)

static void head(const char *what, uint32_t base, uint32_t off) {
  rt_puts(what);
  rt_puts(" @");
  rt_hex(base + off);
  rt_puts(": ");
}

static int fault_line(void) {
  if (tcause == ~0u) return 0;
  rt_puts("fault cause=");
  rt_dec((int32_t)tcause);
  rt_puts(" tval=");
  rt_hex(ttval);
  rt_putc('\n');
  return 1;
}

/* Loads whose value is deterministic on both machines. */
#define LD(insn, base, off)                                   \
  do {                                                        \
    uint32_t __r = LOAD(insn, (base) + (off));                \
    head(insn, base, off);                                    \
    if (!fault_line()) {                                      \
      rt_puts("= ");                                          \
      rt_hex(__r);                                            \
      rt_putc('\n');                                          \
    }                                                         \
  } while (0)
/* Loads of a running counter: only whether they fault. */
#define LDT(insn, base, off)                                  \
  do {                                                        \
    (void)LOAD(insn, (base) + (off));                         \
    head(insn, base, off);                                    \
    if (!fault_line()) rt_puts("ok\n");                       \
  } while (0)
#define ST(insn, base, off, val)                              \
  do {                                                        \
    STORE(insn, (base) + (off), val);                         \
    head(insn, base, off);                                    \
    if (!fault_line()) rt_puts("ok\n");                       \
  } while (0)

static void uart(void) {
  const uint32_t U = UART_BASE;
  rt_puts("-- serial\n");
  for (uint32_t o = 0; o < 8; o++) LD("lbu", U, o);
  LD("lbu", U, 8);
  for (uint32_t o = 0; o < 8; o++) LD("lhu", U, o);
  for (uint32_t o = 0; o < 8; o++) LD("lw", U, o);
  ST("sb", U, 7, 0x5a);
  LD("lbu", U, 7);
  ST("sh", U, 6, 0x1234);
  LD("lbu", U, 7);
  ST("sw", U, 4, 0xa5a5a503u);
  LD("lbu", U, 4);
  ST("sb", U, 4, 0x08);
  ST("sh", U, 7, 0xbeef);
  LD("lbu", U, 7);
  ST("sw", U, 5, 0x11223344u);
  LD("lbu", U, 7);
  /* Misaligned word: bytes to IER, FCR (FIFO on), LCR, MCR. */
  ST("sw", U, 1, 0x000b0100u);
  LD("lbu", U, 2);
  LD("lbu", U, 3);
  LD("lbu", U, 4);
  ST("sb", U, 2, 0);
  ST("sb", U, 3, 0);
  ST("sb", U, 4, 0x08);
  LD("lbu", U, 2);
  /* THR-empty interrupt identification: set by IER.THRI, cleared by reading IIR. */
  ST("sb", U, 1, 0x02);
  LD("lbu", U, 2);
  LD("lbu", U, 2);
  ST("sb", U, 1, 0);
  /* THRI edges, without output in between: only IER.THRI turning on re-arms the cause. */
  volatile uint8_t *u8 = (volatile uint8_t *)U;
  uint32_t iir[6];
  u8[1] = 0x02;
  iir[0] = u8[2];
  u8[1] = 0x02;
  iir[1] = u8[2];
  u8[1] = 0x0a;
  iir[2] = u8[2];
  u8[1] = 0;
  u8[1] = 0x02;
  iir[3] = u8[2];
  u8[0] = '*';
  iir[4] = u8[2];
  u8[1] = 0x02;
  u8[1] = 0;
  iir[5] = u8[2];
  rt_putc('\n');
  for (int i = 0; i < 6; i++) rt_kv("iir", iir[i]);
  /* Divisor latch, read with DLAB set (no output while it is). */
  u8[3] = 0x83;
  uint32_t dll = LOAD("lbu", U + 0), dlm = LOAD("lbu", U + 1), dlh = LOAD("lhu", U + 0), dlw = LOAD("lw", U + 0);
  u8[3] = 0;
  rt_kv("dll", dll);
  rt_kv("dlm", dlm);
  rt_kv("dl16", dlh);
  rt_kv("dl32", dlw);
}

static void finisher(void) {
  const uint32_t T = TEST_BASE;
  rt_puts("-- riscv.sifive.test\n");
  LD("lbu", T, 0);
  LD("lbu", T, 3);
  LD("lhu", T, 0);
  LD("lhu", T, 1);
  LD("lhu", T, 2);
  LD("lw", T, 0);
  LD("lw", T, 2);
  LD("lw", T, 3);
  LD("lw", T, 0xffc);
  ST("sb", T, 0, 0x55);
  ST("sb", T, 4, 0x55);
  ST("sh", T, 2, 0x5555);
  ST("sh", T, 0, 0x1234);
  ST("sw", T, 4, 0x5555);
  ST("sw", T, 0, 0x00001234u);
  ST("sh", T, 1, 0x5555);
  ST("sw", T, 2, 0x5555);
}

static void swi(void) {
  const uint32_t S = CLINT_BASE;
  rt_puts("-- riscv.aclint.swi\n");
  LD("lbu", S, 0);
  LD("lhu", S, 0);
  LD("lhu", S, 1);
  LD("lhu", S, 2);
  LD("lw", S, 0);
  LD("lw", S, 2);
  LD("lw", S, 4);
  LD("lw", S, 0x3ffc);
  ST("sb", S, 0, 1);
  ST("sh", S, 0, 1);
  ST("sh", S, 2, 1);
  ST("sw", S, 1, 1);
  LD("lw", S, 0);
  ST("sw", S, 0, 3);
  LD("lw", S, 0);
  rt_kv("mip.msip", (csr_read(mip) >> 3) & 1);
  ST("sw", S, 0, 0);
  LD("lw", S, 0);
  rt_kv("mip.msip", (csr_read(mip) >> 3) & 1);
}

static void mtimer(void) {
  const uint32_t C = CLINT_MTIMECMP, M = CLINT_MTIME;
  rt_puts("-- riscv.aclint.mtimer\n");
  ST("sw", C, 0, 0x11223344u);
  ST("sw", C, 4, 0x55667788u);
  for (uint32_t o = 0; o < 4; o++) LD("lw", C, o);
  LD("lw", C, 4);
  LD("lw", C, 5);
  LD("lw", C, 8);
  LD("lbu", C, 0);
  LD("lbu", C, 5);
  LD("lhu", C, 0);
  LD("lhu", C, 1);
  LD("lhu", C, 2);
  LD("lhu", C, 6);
  ST("sb", C, 0, 0);
  ST("sh", C, 4, 0);
  ST("sh", C, 3, 0);
  ST("sw", C, 1, 0);
  ST("sw", C, 8, 0);
  LD("lw", C, 0);
  LD("lw", C, 4);
  ST("sw", C, 4, 0xffffffffu);
  ST("sw", C, 0, 0xffffffffu);
  LD("lw", C, 0);
  LD("lw", C, 4);
  LDT("lw", M, 0);
  LDT("lw", M, 4);
  LDT("lw", M, 2);
  LDT("lw", M, 1);
  LD("lbu", M, 0);
  LD("lhu", M, 0);
  LD("lhu", M, 4);
  LD("lhu", M, 5);
  LD("lw", M, 6);
  LD("lw", M, 8);
  LD("lw", M, -8);
  ST("sb", M, 0, 0);
  ST("sh", M, 4, 0);
  ST("sw", M, 3, 0);
}

int main(void) {
  csr_write(mtvec, (uint32_t)mhandler);
  uart();
  finisher();
  swi();
  mtimer();
  rt_puts("-- done\n");
  /* Leave through a 2-byte store of the pass code: the finisher takes sizes 2 to 4. */
  STORE("sh", TEST_BASE, 0x5555);
  rt_puts("still running\n");
  return 1;
}
