/* A extension: AMOs, LR/SC success and failure paths. */
#include "rt.h"
#include "vectors.h"

static volatile uint32_t cell;
static volatile uint32_t cell2;

#define AMO(name, op)                                                                             \
  static void t_##name(void) {                                                                   \
    uint32_t h = 0x811c9dc5u;                                                                    \
    for (unsigned i = 0; i < NVEC; i++)                                                          \
      for (unsigned j = 0; j < NVEC; j++) {                                                      \
        uint32_t old;                                                                            \
        cell = VEC[i];                                                                           \
        __asm__ volatile(op " %0, %1, (%2)" : "=r"(old) : "r"(VEC[j]), "r"(&cell) : "memory"); \
        h = rt_hash(rt_hash(h, old), cell);                                                      \
      }                                                                                          \
    rt_puts(op " ");                                                                             \
    rt_hex(h);                                                                                   \
    rt_putc('\n');                                                                               \
  }
AMO(swap, "amoswap.w") AMO(add, "amoadd.w") AMO(and, "amoand.w") AMO(or, "amoor.w")
AMO(xor, "amoxor.w") AMO(min, "amomin.w") AMO(max, "amomax.w") AMO(minu, "amominu.w")
AMO(maxu, "amomaxu.w") AMO(swap_aqrl, "amoswap.w.aqrl")

int main(void) {
  t_swap(); t_add(); t_and(); t_or(); t_xor(); t_min(); t_max(); t_minu(); t_maxu(); t_swap_aqrl();
  uint32_t v, rc;
  cell = 41;
  __asm__ volatile("lr.w %0, (%2)\n\taddi %0, %0, 1\n\tsc.w %1, %0, (%2)"
                   : "=&r"(v), "=&r"(rc) : "r"(&cell) : "memory");
  rt_kv("lrsc_ok_rc", rc);
  rt_kv("lrsc_ok_cell", cell);
  /* sc.w without a reservation fails and leaves memory alone. */
  cell2 = 5;
  __asm__ volatile("lr.w %0, (%2)\n\tsc.w %1, %0, (%2)\n\tsc.w %1, %3, (%2)"
                   : "=&r"(v), "=&r"(rc) : "r"(&cell2), "r"(77) : "memory");
  rt_kv("sc_again_rc", rc);
  rt_kv("sc_again_cell", cell2);
  /* atomic increment loop */
  cell = 0;
  for (int i = 0; i < 100; i++) {
    uint32_t tmp, fail;
    do {
      __asm__ volatile("lr.w.aq %0, (%2)\n\taddi %0, %0, 3\n\tsc.w.rl %1, %0, (%2)"
                       : "=&r"(tmp), "=&r"(fail) : "r"(&cell) : "memory");
    } while (fail);
  }
  rt_kv("lrsc_loop", cell);
  return 0;
}
