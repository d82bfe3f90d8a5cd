/* Compressed instructions written out explicitly (the whole suite is also built with C). */
#include "rt.h"
#include "vectors.h"

static uint32_t mem[8];

int main(void) {
  uint32_t h = 0x811c9dc5u;
  for (unsigned i = 0; i < NVEC; i++) {
    uint32_t a = VEC[i], b = VEC[(i + 3) % NVEC];
    uint32_t r;
    __asm__ volatile("mv a0, %1\n\tc.addi a0, -7\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.slli a0, 5\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.srli a0, 3\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.srai a0, 3\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.andi a0, -3\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.sub a0, a1\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(b) : "a0", "a1");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.xor a0, a1\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(b) : "a0", "a1");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.or a0, a1\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(b) : "a0", "a1");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.and a0, a1\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(b) : "a0", "a1");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.add a0, a1\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(b) : "a0", "a1");
    h = rt_hash(h, r);
    __asm__ volatile("c.li a0, -5\n\tmv %0, a0" : "=r"(r) : : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("c.lui a0, 0xfffe1\n\tmv %0, a0" : "=r"(r) : : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tmv a1, %2\n\tc.sw a0, 4(a1)\n\tc.lw a0, 4(a1)\n\tmv %0, a0" : "=r"(r) : "r"(a), "r"(mem) : "a0", "a1", "memory");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.beqz a0, 1f\n\tli a0, 7\n1:\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("mv a0, %1\n\tc.bnez a0, 1f\n\tli a0, 9\n1:\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0");
    h = rt_hash(h, r);
    __asm__ volatile("addi sp, sp, -16\n\tmv a0, %1\n\tc.swsp a0, 8(sp)\n\tli a0, 0\n\tc.lwsp a0, 8(sp)\n\tc.addi16sp sp, 16\n\tmv %0, a0" : "=r"(r) : "r"(a) : "a0", "memory");
    h = rt_hash(h, r);
    __asm__ volatile("c.addi4spn a0, sp, 20\n\tsub %0, a0, sp" : "=r"(r) : : "a0");
    h = rt_hash(h, r);
  }
  uint32_t link;
  __asm__ volatile("la a0, 1f\n\tc.jalr a0\n1:\n\tmv %0, ra" : "=r"(link) : : "a0", "ra");
  uint32_t r2;
  __asm__ volatile("la a0, 2f\n\tli %0, 1\n\tc.jr a0\n\tli %0, 2\n2:" : "=&r"(r2) : : "a0");
  h = rt_hash(h, r2);
  __asm__ volatile("li %0, 3\n\tc.j 3f\n\tli %0, 4\n3:" : "=&r"(r2));
  h = rt_hash(h, r2);
  rt_kv("rvc", h);
  return 0;
}
