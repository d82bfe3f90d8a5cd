/* M extension checks, including division by zero and signed overflow. */
#include "rt.h"
#include "vectors.h"

#define RR(op)                                                                     \
  static uint32_t t_##op(void) {                                                  \
    uint32_t h = 0x811c9dc5u;                                                     \
    for (unsigned i = 0; i < NVEC; i++)                                           \
      for (unsigned j = 0; j < NVEC; j++) {                                       \
        uint32_t r;                                                               \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(VEC[i]), "r"(VEC[j])); \
        h = rt_hash(h, r);                                                        \
      }                                                                           \
    rt_puts(#op " ");                                                             \
    rt_hex(h);                                                                    \
    rt_putc('\n');                                                                \
    return h;                                                                     \
  }
RR(mul) RR(mulh) RR(mulhsu) RR(mulhu) RR(div) RR(divu) RR(rem) RR(remu)

int main(void) {
  t_mul(); t_mulh(); t_mulhsu(); t_mulhu(); t_div(); t_divu(); t_rem(); t_remu();
  uint32_t r;
  __asm__ volatile("div %0, %1, %2" : "=r"(r) : "r"(0x80000000u), "r"(-1));
  rt_kv("div_overflow", r);
  __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(0x80000000u), "r"(-1));
  rt_kv("rem_overflow", r);
  __asm__ volatile("divu %0, %1, %2" : "=r"(r) : "r"(1234), "r"(0));
  rt_kv("divu_zero", r);
  __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(-1234), "r"(0));
  rt_kv("rem_zero", r);
  return 0;
}
