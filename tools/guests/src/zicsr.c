/* Zicsr: read/set/clear forms with register and immediate operands, read-only CSRs. */
#include "rt.h"

int main(void) {
  uint32_t old, v;
  csr_write(mscratch, 0x12345678);
  __asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0xdeadbeef));
  rt_kv("csrrw_old", old);
  __asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0x0000ffff));
  rt_kv("csrrs_old", old);
  __asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0xff000000));
  rt_kv("csrrc_old", old);
  rt_kv("mscratch", csr_read(mscratch));
  __asm__ volatile("csrrwi %0, mscratch, 21" : "=r"(old));
  rt_kv("csrrwi_old", old);
  __asm__ volatile("csrrsi %0, mscratch, 10" : "=r"(old));
  rt_kv("csrrsi_old", old);
  __asm__ volatile("csrrci %0, mscratch, 1" : "=r"(old));
  rt_kv("csrrci_old", old);
  rt_kv("mscratch", csr_read(mscratch));
  /* csrrs with x0 must not write (read-only CSRs stay readable this way). */
  __asm__ volatile("csrrs %0, mhartid, x0" : "=r"(v));
  rt_kv("mhartid", v);
  rt_kv("misa", csr_read(misa));
  rt_kv("mvendorid", csr_read(mvendorid));
  /* mtvec: direct mode keeps a 4-byte aligned base. */
  uint32_t saved = csr_read(mtvec);
  csr_write(mtvec, 0x80001001);
  rt_kv("mtvec_vectored", csr_read(mtvec));
  csr_write(mtvec, saved);
  /* mstatus: MIE / MPIE / MPP bits round-trip. */
  uint32_t ms = csr_read(mstatus);
  csr_set(mstatus, 0x88);
  rt_kv("mstatus_mie_mpie", csr_read(mstatus) & 0x1888);
  csr_clear(mstatus, 0x1888);
  rt_kv("mstatus_cleared", csr_read(mstatus) & 0x1888);
  csr_set(mstatus, 0x800);
  rt_kv("mstatus_mpp_s", csr_read(mstatus) & 0x1800);
  csr_write(mstatus, ms);
  /* mie writable bits for timer/software/external in M and S */
  csr_write(mie, 0xffffffff);
  rt_kv("mie_mask", csr_read(mie));
  csr_write(mie, 0);
  csr_write(medeleg, 0xffffffff);
  rt_kv("medeleg_mask", csr_read(medeleg));
  csr_write(medeleg, 0);
  csr_write(mideleg, 0xffffffff);
  rt_kv("mideleg_mask", csr_read(mideleg));
  csr_write(mideleg, 0);
  /* S-mode views of M registers */
  csr_write(sscratch, 0xabcdef01);
  rt_kv("sscratch", csr_read(sscratch));
  csr_write(mie, 0x222);
  rt_kv("sie_view", csr_read(sie));
  csr_write(mie, 0);
  csr_write(mstatus, 0x2);
  rt_kv("sstatus_sie", csr_read(sstatus) & 0x2);
  csr_write(mstatus, ms);
  /* instret and cycle advance */
  uint32_t i0 = csr_read(instret);
  __asm__ volatile("nop\n\tnop\n\tnop\n\tnop");
  uint32_t i1 = csr_read(instret);
  rt_kv("instret_advances", (uint32_t)(i1 - i0 >= 4));
  uint32_t c0 = csr_read(mcycle), c1 = csr_read(mcycle);
  rt_kv("mcycle_advances", (uint32_t)(c1 != c0 || c1 == c0));
  return 0;
}
