/* CLINT timer and software interrupts in M-mode, with WFI. */
#include "rt.h"

static volatile uint32_t ticks, soft, other;

void __attribute__((interrupt("machine"), aligned(4))) handler(void) {
  uint32_t cause = csr_read(mcause);
  if (cause == 0x80000007u) {
    ticks++;
    if (ticks < 5)
      rt_set_mtimecmp(rt_mtime() + 2000);
    else
      rt_set_mtimecmp(0xffffffffffffffffull);
  } else if (cause == 0x80000003u) {
    soft++;
    mmio_w32(CLINT_MSIP, 0);
  } else {
    other = cause;
  }
}

int main(void) {
  csr_write(mtvec, (uint32_t)handler);
  rt_kv("mip_initial_mtip", csr_read(mip) & 0x80);
  rt_set_mtimecmp(rt_mtime() + 2000);
  csr_set(mie, 0x80);
  csr_set(mstatus, 0x8);
  while (ticks < 5) __asm__ volatile("wfi");
  rt_kv("ticks", ticks);
  /* Pending but masked: mip shows it, no trap until MIE is set. */
  csr_clear(mstatus, 0x8);
  csr_clear(mie, 0x80);
  rt_set_mtimecmp(0);
  while ((csr_read(mip) & 0x80) == 0) {
  }
  rt_kv("mip_mtip", csr_read(mip) & 0x80);
  rt_kv("ticks_masked", ticks);
  rt_set_mtimecmp(0xffffffffffffffffull);
  rt_kv("mip_after_cmp_max", csr_read(mip) & 0x80);
  /* Software interrupt through msip. */
  csr_set(mie, 0x8);
  mmio_w32(CLINT_MSIP, 1);
  rt_kv("mip_msip", csr_read(mip) & 0x8);
  rt_kv("soft_before_enable", soft);
  csr_set(mstatus, 0x8);
  __asm__ volatile("nop");
  rt_kv("soft", soft);
  rt_kv("msip_cleared", mmio_r32(CLINT_MSIP));
  rt_kv("other", other);
  /* Timer interrupt taken in a tight loop with no WFI. */
  csr_set(mie, 0x80);
  ticks = 0;
  rt_set_mtimecmp(rt_mtime() + 5000);
  uint32_t spins = 0;
  while (ticks < 5) spins++;
  rt_kv("ticks_loop", ticks);
  rt_kv("spun", spins > 0);
  return 0;
}
