/* Traps and CSRs: ecall, ebreak, illegal instruction, misaligned and faulting accesses,
 * U-mode and S-mode entry, delegation to S-mode. */
#include "rt.h"

static volatile uint32_t next_pc;
static volatile uint32_t ntraps;

static void line(const char *who, uint32_t cause, uint32_t epc, uint32_t tval, uint32_t pp) {
  rt_puts(who);
  rt_puts(" cause=");
  rt_hex(cause);
  rt_puts(" epc=");
  rt_hex(epc);
  rt_puts(" tval=");
  rt_hex(tval);
  rt_puts(" pp=");
  rt_hex(pp);
  rt_putc('\n');
}

void __attribute__((interrupt("machine"), aligned(4))) mhandler(void) {
  uint32_t epc = csr_read(mepc), cause = csr_read(mcause);
  line("M", cause, epc, csr_read(mtval), (csr_read(mstatus) >> 11) & 3);
  ntraps++;
  if (next_pc && (cause == 8 || cause == 9)) {
    csr_write(mepc, next_pc);
    csr_set(mstatus, 0x1800);
    next_pc = 0;
    return;
  }
  uint16_t lo = *(volatile uint16_t *)epc;
  csr_write(mepc, epc + ((lo & 3) == 3 ? 4 : 2));
}

void __attribute__((interrupt("supervisor"), aligned(4))) shandler(void) {
  uint32_t epc = csr_read(sepc);
  line("S", csr_read(scause), epc, csr_read(stval), (csr_read(sstatus) >> 8) & 1);
  ntraps++;
  uint16_t lo = *(volatile uint16_t *)epc;
  csr_write(sepc, epc + ((lo & 3) == 3 ? 4 : 2));
}

static void show(const char *what) {
  rt_puts("-- ");
  rt_puts(what);
  rt_putc('\n');
}

/* Drops to the given privilege (0 = U, 1 = S) at fn; fn ends with ecall, which returns here. */
static void run_at(uint32_t priv, void (*fn)(void)) {
  uint32_t ms = csr_read(mstatus);
  ms &= ~0x1800u;
  ms |= priv << 11;
  csr_write(mstatus, ms);
  csr_write(mepc, (uint32_t)fn);
  __asm__ volatile(
      "la t0, 1f\n\t"
      "sw t0, 0(%0)\n\t"
      "mret\n"
      "1:" ::"r"(&next_pc)
      : "t0", "memory");
}

static void user_ecall(void) { __asm__ volatile("ecall"); }
static void user_csr(void) {
  __asm__ volatile("csrr t0, mstatus\n\tecall" ::: "t0");
}
static void super_ecall(void) { __asm__ volatile("ecall"); }
static void super_mret(void) { __asm__ volatile("mret\n\tecall"); }
static void user_deleg(void) { __asm__ volatile("ebreak\n\tecall"); }
static volatile uint32_t user_saw;
static void user_loads(void) {
  user_saw = *(volatile uint32_t *)0x80000000u;
  __asm__ volatile("ecall");
}

int main(void) {
  csr_write(mtvec, (uint32_t)mhandler);
  /* One NAPOT PMP entry over everything, so S and U may touch memory at all. */
  csr_write(pmpaddr0, 0xffffffff);
  csr_write(pmpcfg0, 0x1f);
  show("ecall-m");
  __asm__ volatile("ecall");
  show("ebreak");
  __asm__ volatile("ebreak");
  show("illegal-word");
  __asm__ volatile(".word 0xffffffff");
  show("illegal-zero");
  __asm__ volatile(".word 0x00000000");
  show("write-ro-csr");
  __asm__ volatile("csrw mhartid, x1");
  show("unknown-csr");
  __asm__ volatile("csrr t0, 0x7ff" ::: "t0");
  static uint32_t words[4] = {0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00};
  uint32_t v;
  __asm__ volatile("lw %0, 1(%1)" : "=r"(v) : "r"(words));
  rt_kv("misaligned-lw", v);
  __asm__ volatile("lh %0, 3(%1)" : "=r"(v) : "r"(words));
  rt_kv("misaligned-lh", v);
  __asm__ volatile("sw %0, 5(%1)" ::"r"(0xcafef00d), "r"(words) : "memory");
  rt_kv("misaligned-sw", words[1] ^ words[2]);
  show("misaligned-lr");
  __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"((uint32_t)words + 2));
  show("misaligned-amo");
  __asm__ volatile("amoadd.w %0, %0, (%1)" : "+r"(v) : "r"((uint32_t)words + 1) : "memory");
  show("load-unmapped");
  __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(0x00000010u));
  show("store-unmapped");
  __asm__ volatile("sw %0, 0(%1)" ::"r"(v), "r"(0x00000010u));
  show("ecall-u");
  run_at(0, user_ecall);
  show("u-csr");
  run_at(0, user_csr);
  show("u-ecall-after-load");
  run_at(0, user_loads);
  rt_kv("u-load", user_saw);
  show("ecall-s");
  run_at(1, super_ecall);
  show("s-mret");
  run_at(1, super_mret);
  /* Delegate U-mode ecall to S-mode. */
  csr_write(stvec, (uint32_t)shandler);
  show("ebreak-u-delegated");
  csr_write(medeleg, 1u << 3);
  run_at(0, user_deleg);
  csr_write(medeleg, 0);
  rt_kv("traps", ntraps);
  return 0;
}
