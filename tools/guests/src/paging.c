/* Sv32 paging in S-mode: megapages, 4 KiB pages, A/D bits, page faults. */
#include "rt.h"

#define PTE_V 1u
#define PTE_R 2u
#define PTE_W 4u
#define PTE_X 8u
#define PTE_U 16u
#define PTE_A 64u
#define PTE_D 128u

static uint32_t root[1024] __attribute__((aligned(4096)));
static uint32_t l2[1024] __attribute__((aligned(4096)));
static uint32_t pages[3][1024] __attribute__((aligned(4096)));
static volatile uint32_t next_pc;

static uint32_t pte(uint32_t pa, uint32_t flags) { return ((pa >> 12) << 10) | flags; }

void __attribute__((interrupt("machine"), aligned(4))) mhandler(void) {
  uint32_t cause = csr_read(mcause), epc = csr_read(mepc);
  rt_puts("M cause=");
  rt_hex(cause);
  rt_puts(" tval=");
  rt_hex(csr_read(mtval));
  rt_putc('\n');
  if (next_pc && cause == 9) {
    csr_write(mepc, next_pc);
    csr_set(mstatus, 0x1800);
    next_pc = 0;
    return;
  }
  uint16_t lo = *(volatile uint16_t *)epc;
  csr_write(mepc, epc + ((lo & 3) == 3 ? 4 : 2));
}

static void s_main(void) {
  volatile uint32_t *v0 = (volatile uint32_t *)0x40000000u;
  volatile uint32_t *v1 = (volatile uint32_t *)0x40001000u;
  volatile uint32_t *alias = (volatile uint32_t *)0x40002000u;
  v0[0] = 0x1111;
  v0[1] = v1[3];
  alias[5] = 0x7777; /* alias maps pages[0] */
  (void)v1[7];
  (void)*(volatile uint32_t *)0x40003000u;  /* unmapped: load page fault */
  *(volatile uint32_t *)0x40004000u = 1;     /* read-only: store page fault */
  __asm__ volatile("ecall");
}

int main(void) {
  csr_write(mtvec, (uint32_t)mhandler);
  csr_write(pmpaddr0, 0xffffffff);
  csr_write(pmpcfg0, 0x1f);
  /* Identity megapages for RAM (first 16 MiB) and the devices, kernel-only. */
  for (uint32_t i = 0; i < 4; i++)
    root[(0x80000000u >> 22) + i] = pte(0x80000000u + (i << 22), PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
  root[0x10000000u >> 22] = pte(0x10000000u, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  root[0] = pte(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  root[0x40000000u >> 22] = pte((uint32_t)l2, PTE_V);
  l2[0] = pte((uint32_t)pages[0], PTE_V | PTE_R | PTE_W);
  l2[1] = pte((uint32_t)pages[1], PTE_V | PTE_R | PTE_W);
  l2[2] = pte((uint32_t)pages[0], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  l2[4] = pte((uint32_t)pages[2], PTE_V | PTE_R | PTE_A);
  pages[1][3] = 0xabcd;
  csr_write(satp, 0x80000000u | ((uint32_t)root >> 12));
  rt_kv("satp", csr_read(satp) >> 31);
  uint32_t ms = csr_read(mstatus);
  ms = (ms & ~0x1800u) | (1u << 11);
  csr_write(mstatus, ms);
  csr_write(mepc, (uint32_t)s_main);
  __asm__ volatile("la t0, 1f\n\tsw t0, 0(%0)\n\tmret\n1:" ::"r"(&next_pc) : "t0", "memory");
  rt_kv("p0w0", pages[0][0]);
  rt_kv("p0w1", pages[0][1]);
  rt_kv("p0w5", pages[0][5]);
  rt_kv("pte0_ad", l2[0] & (PTE_A | PTE_D));
  rt_kv("pte1_ad", l2[1] & (PTE_A | PTE_D));
  rt_kv("pte2_ad", l2[2] & (PTE_A | PTE_D));
  rt_kv("pte3", l2[3]);
  rt_kv("root_ad", root[0x40000000u >> 22]);
  /* M-mode ignores satp unless MPRV says otherwise. */
  csr_write(satp, 0);
  return 0;
}
