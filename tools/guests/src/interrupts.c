/* Interrupt delivery: vectored mtvec, a software interrupt delegated to S-mode, an
 * M-mode timer interrupt taken while in S-mode with mstatus.MIE clear, and WFI under
 * mstatus.TW. */
#include "rt.h"

static volatile uint32_t next_pc, seen_msi, seen_mti, seen_ssi, seen_exc;
static volatile uint32_t saved_sp __attribute__((used));

void __attribute__((interrupt("machine"))) m_exc(void) {
  uint32_t cause = csr_read(mcause), epc = csr_read(mepc);
  seen_exc++;
  rt_kv("m_exc mcause", cause);
  if (next_pc && cause == 9) {
    csr_write(mepc, next_pc);
    csr_set(mstatus, 0x1800);
    next_pc = 0;
    return;
  }
  csr_write(mepc, epc + 4);
}

void __attribute__((interrupt("machine"))) m_msi(void) {
  seen_msi++;
  rt_kv("m_msi mcause", csr_read(mcause));
  mmio_w32(CLINT_MSIP, 0);
}

void __attribute__((interrupt("machine"))) m_mti(void) {
  seen_mti++;
  rt_kv("m_mti mcause", csr_read(mcause));
  rt_kv("m_mti mpp", (csr_read(mstatus) >> 11) & 3);
  rt_set_mtimecmp(0xffffffffffffffffull);
}

void __attribute__((interrupt("supervisor"), aligned(4))) s_handler(void) {
  seen_ssi++;
  rt_kv("s scause", csr_read(scause));
  rt_kv("s spp", (csr_read(sstatus) >> 8) & 1);
  csr_clear(sip, 2);
}

__asm__(".section .text\n"
        ".balign 256\n"
        ".globl vtable\n"
        "vtable:\n"
        ".option push\n"
        ".option norvc\n"
        "j m_exc\n j m_exc\n j m_exc\n j m_msi\n"
        "j m_exc\n j m_exc\n j m_exc\n j m_mti\n"
        "j m_exc\n j m_exc\n j m_exc\n j m_exc\n"
        ".option pop\n");
extern char vtable[];

static void s_code(void) {
  csr_set(sstatus, 2);
  csr_set(sip, 2); /* delegated SSIP: taken in S right after this write */
  rt_kv("s after ssi", seen_ssi);
  rt_set_mtimecmp(rt_mtime() + 200);
  while (seen_mti == 0) {
  }
  rt_kv("s after mti", seen_mti);
  __asm__ volatile("wfi"); /* TW set by M: illegal in S */
  __asm__ volatile("ecall");
}

int main(void) {
  rt_set_mtimecmp(0xffffffffffffffffull);
  csr_write(pmpaddr0, 0xffffffff);
  csr_write(pmpcfg0, 0x1f);
  csr_write(mtvec, (uint32_t)vtable | 1);
  rt_kv("mtvec mode", csr_read(mtvec) & 3);
  csr_set(mie, 0x8);
  csr_set(mstatus, 0x8);
  mmio_w32(CLINT_MSIP, 1);
  /* QEMU looks at interrupts between translation blocks: wait for delivery instead of
   * assuming it happens right after the store. */
  while (seen_msi == 0) {
  }
  csr_clear(mstatus, 0x8);
  rt_kv("msi seen", seen_msi);
  csr_write(mideleg, 2);
  csr_write(stvec, (uint32_t)s_handler);
  csr_set(mie, 0x2 | 0x80);
  csr_set(mstatus, 1u << 21); /* TW */
  uint32_t ms = csr_read(mstatus);
  ms = (ms & ~0x1800u) | (1u << 11);
  csr_write(mstatus, ms);
  csr_write(mepc, (uint32_t)s_code);
  /* s_code never returns (it ends in ecall): keep sp in memory, and tell the compiler
   * that every register may have changed when the ecall handler comes back to 1:. */
  __asm__ volatile("la t0, saved_sp\n\tsw sp, 0(t0)\n\t"
                   "la t0, next_pc\n\tla t1, 1f\n\tsw t1, 0(t0)\n\t"
                   "mret\n"
                   "1:\n\tla t0, saved_sp\n\tlw sp, 0(t0)" ::
                       : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4", "a5",
                         "a6", "a7", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
                         "ra", "memory");
  rt_kv("ssi", seen_ssi);
  rt_kv("mti", seen_mti);
  rt_kv("exc", seen_exc);
  return 0;
}
