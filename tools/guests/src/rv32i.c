/* RV32I instruction-by-instruction checks: each instruction over a vector of operands, hashed. */
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
    return h;                                                                     \
  }
#define RI(op, tag, imm)                                                       \
  static uint32_t t_##op##_##tag(void) {                                      \
    uint32_t h = 0x811c9dc5u;                                                 \
    for (unsigned i = 0; i < NVEC; i++) {                                     \
      uint32_t r;                                                             \
      __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(VEC[i]), "i"(imm)); \
      h = rt_hash(h, r);                                                      \
    }                                                                         \
    return h;                                                                 \
  }
#define BR(op)                                                                         \
  static uint32_t t_##op(void) {                                                      \
    uint32_t h = 0x811c9dc5u;                                                         \
    for (unsigned i = 0; i < NVEC; i++)                                               \
      for (unsigned j = 0; j < NVEC; j++) {                                           \
        uint32_t r;                                                                   \
        __asm__ volatile("li %0, 1\n\t" #op " %1, %2, 1f\n\tli %0, 0\n1:"             \
                         : "=&r"(r) : "r"(VEC[i]), "r"(VEC[j]));                       \
        h = rt_hash(h, r);                                                            \
      }                                                                               \
    return h;                                                                         \
  }

RR(add) RR(sub) RR(and) RR(or) RR(xor) RR(sll) RR(srl) RR(sra) RR(slt) RR(sltu)
RI(addi, a, 0) RI(addi, b, 1) RI(addi, c, -1) RI(addi, d, 2047) RI(addi, e, -2048)
RI(andi, a, 0x7ff) RI(andi, b, -16) RI(ori, a, 0x555) RI(ori, b, -2048) RI(xori, a, -1) RI(xori, b, 0x0f0)
RI(slti, a, 0) RI(slti, b, -1) RI(slti, c, 100) RI(sltiu, a, 0) RI(sltiu, b, -1) RI(sltiu, c, 100)
RI(slli, a, 0) RI(slli, b, 1) RI(slli, c, 31) RI(srli, a, 0) RI(srli, b, 1) RI(srli, c, 31)
RI(srai, a, 0) RI(srai, b, 1) RI(srai, c, 31)
BR(beq) BR(bne) BR(blt) BR(bge) BR(bltu) BR(bgeu)

static uint8_t buf[64] __attribute__((aligned(16)));

static uint32_t t_loadstore(void) {
  uint32_t h = 0x811c9dc5u;
  for (unsigned i = 0; i < 64; i++) buf[i] = (uint8_t)(i * 37 + 0x80);
  for (int off = 0; off < 60; off++) {
    int32_t b, bu, hh, hu, w;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(b) : "r"(buf + off));
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(bu) : "r"(buf + off));
    h = rt_hash(rt_hash(h, (uint32_t)b), (uint32_t)bu);
    if ((off & 1) == 0) {
      __asm__ volatile("lh %0, 0(%1)" : "=r"(hh) : "r"(buf + off));
      __asm__ volatile("lhu %0, 0(%1)" : "=r"(hu) : "r"(buf + off));
      h = rt_hash(rt_hash(h, (uint32_t)hh), (uint32_t)hu);
    }
    if ((off & 3) == 0) {
      __asm__ volatile("lw %0, 0(%1)" : "=r"(w) : "r"(buf + off));
      h = rt_hash(h, (uint32_t)w);
    }
  }
  for (unsigned i = 0; i < NVEC; i++) {
    __asm__ volatile("sb %0, 3(%1)" ::"r"(VEC[i]), "r"(buf) : "memory");
    __asm__ volatile("sh %0, 6(%1)" ::"r"(VEC[i]), "r"(buf) : "memory");
    __asm__ volatile("sw %0, 12(%1)" ::"r"(VEC[i]), "r"(buf) : "memory");
    for (unsigned k = 0; k < 16; k += 4) h = rt_hash(h, *(volatile uint32_t *)(buf + k));
  }
  return h;
}

static uint32_t t_upper(void) {
  uint32_t a, b, pc1, pc2;
  __asm__ volatile("lui %0, 0xfffff" : "=r"(a));
  __asm__ volatile("lui %0, 0x12345" : "=r"(b));
  __asm__ volatile("1: auipc %0, 0\n\tauipc %1, 1\n\tsub %1, %1, %0" : "=&r"(pc1), "=&r"(pc2));
  uint32_t h = rt_hash(rt_hash(0, a), b);
  h = rt_hash(h, pc2);
  h = rt_hash(h, pc1 >> 28);
  return h;
}

static uint32_t t_jumps(void) {
  uint32_t link, target, r = 0;
  __asm__ volatile(
      "la %1, 2f\n\t"
      "jalr %0, 0(%1)\n\t"
      "1: li %2, 99\n\t"
      "2: sub %0, %1, %0\n\t"
      : "=&r"(link), "=&r"(target), "+r"(r));
  uint32_t j;
  __asm__ volatile("jal %0, 3f\n\t 3: " : "=r"(j));
  return rt_hash(rt_hash(link, r), (uint32_t)(j != 0));
}

static void report(const char *name, uint32_t v) {
  rt_puts(name);
  rt_putc(' ');
  rt_hex(v);
  rt_putc('\n');
}
#define REP(f) report(#f, t_##f())

int main(void) {
  REP(add); REP(sub); REP(and); REP(or); REP(xor); REP(sll); REP(srl); REP(sra); REP(slt); REP(sltu);
  report("addi", t_addi_a() ^ rt_hash(t_addi_b(), 1) ^ rt_hash(t_addi_c(), 2) ^ rt_hash(t_addi_d(), 3) ^ rt_hash(t_addi_e(), 4));
  report("andi", t_andi_a() ^ rt_hash(t_andi_b(), 1));
  report("ori", t_ori_a() ^ rt_hash(t_ori_b(), 1));
  report("xori", t_xori_a() ^ rt_hash(t_xori_b(), 1));
  report("slti", t_slti_a() ^ rt_hash(t_slti_b(), 1) ^ rt_hash(t_slti_c(), 2));
  report("sltiu", t_sltiu_a() ^ rt_hash(t_sltiu_b(), 1) ^ rt_hash(t_sltiu_c(), 2));
  report("slli", t_slli_a() ^ rt_hash(t_slli_b(), 1) ^ rt_hash(t_slli_c(), 2));
  report("srli", t_srli_a() ^ rt_hash(t_srli_b(), 1) ^ rt_hash(t_srli_c(), 2));
  report("srai", t_srai_a() ^ rt_hash(t_srai_b(), 1) ^ rt_hash(t_srai_c(), 2));
  REP(beq); REP(bne); REP(blt); REP(bge); REP(bltu); REP(bgeu);
  REP(loadstore); REP(upper); REP(jumps);
  return 0;
}
