/* Self-modifying code: rewrite a function's instructions, with and without fence.i. */
#include "rt.h"

/* A code page of its own, written at run time. */
static uint32_t code[64] __attribute__((section(".smc"), aligned(4096)));
typedef uint32_t (*fn_t)(void);

static uint32_t addi_a0(int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (10u << 7) | 0x13u; }
#define RET 0x00008067u

int main(void) {
  fn_t f = (fn_t)(uintptr_t)code;
  uint32_t h = 0;
  for (int i = 0; i < 20; i++) {
    code[0] = addi_a0(0) & ~(0x1fu << 15); /* li a0, 0 */
    code[0] = ((uint32_t)(i * 3) << 20) | (10u << 7) | 0x13u;
    code[1] = RET;
    __asm__ volatile("fence.i" ::: "memory");
    h = rt_hash(h, f());
  }
  rt_kv("fencei", h);
  /* Without fence.i: QEMU notices the store to a translated page anyway. */
  h = 0;
  for (int i = 0; i < 20; i++) {
    code[0] = ((uint32_t)(i * 5 + 1) << 20) | (10u << 7) | 0x13u;
    __asm__ volatile("" ::: "memory");
    h = rt_hash(h, f());
  }
  rt_kv("nofence", h);
  return 0;
}
