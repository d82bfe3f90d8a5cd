/* A block that patches an instruction later in the same block, with no fence.i.
 * QEMU's RISC-V target has no precise SMC (no TARGET_HAS_PRECISE_SMC): the running
 * translation block finishes with the code it was translated from, and the store only
 * takes effect the next time the block runs. An interpreter sees the new code at once;
 * both are allowed by the ISA without fence.i. */
#include "rt.h"

static uint32_t code[64] __attribute__((section(".smc"), aligned(4096)));
#define RET 0x00008067u

int main(void) {
  /* Code that patches its own next instruction inside one block. */
  code[0] = 0x00000513u;           /* li a0, 0 */
  code[1] = 0x00000297u;           /* auipc t0, 0 */
  code[2] = 0x0062a623u;           /* sw t1, 12(t0) -> overwrite code[4] */
  code[3] = 0x00000013u;           /* nop */
  code[4] = 0x00150513u;           /* addi a0, a0, 1 (patched to addi a0,a0,42) */
  code[5] = RET;
  __asm__ volatile("fence.i" ::: "memory");
  uint32_t r;
  __asm__ volatile("mv t1, %1\n\tjalr ra, 0(%2)\n\tmv %0, a0"
                   : "=r"(r) : "r"(0x02a50513u), "r"(code) : "t0", "t1", "ra", "a0", "memory");
  rt_kv("self_patch", r);
  __asm__ volatile("mv t1, %1\n\tjalr ra, 0(%2)\n\tmv %0, a0"
                   : "=r"(r) : "r"(0x00350513u), "r"(code) : "t0", "t1", "ra", "a0", "memory");
  rt_kv("self_patch2", r);
  return 0;
}
