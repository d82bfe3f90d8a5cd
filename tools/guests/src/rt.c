#include "rt.h"

void rt_putc(char c) {
  volatile uint8_t *u = (volatile uint8_t *)UART_BASE;
  while ((u[5] & 0x20) == 0) {
  }
  u[0] = (uint8_t)c;
}

void rt_puts(const char *s) {
  while (*s) rt_putc(*s++);
}

void rt_hex(uint32_t v) {
  for (int i = 28; i >= 0; i -= 4) rt_putc("0123456789abcdef"[(v >> i) & 15]);
}

void rt_dec(int32_t v) {
  char buf[12];
  int n = 0;
  uint32_t u = v < 0 ? (uint32_t)(-(v + 1)) + 1u : (uint32_t)v;
  if (v < 0) rt_putc('-');
  do {
    buf[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (n) rt_putc(buf[--n]);
}

void rt_kv(const char *k, uint32_t v) {
  rt_puts(k);
  rt_putc('=');
  rt_hex(v);
  rt_putc('\n');
}

uint32_t rt_hash(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x01000193u;
  return h ^ (h >> 15);
}

void rt_exit(int code) {
  volatile uint32_t *t = (volatile uint32_t *)TEST_BASE;
  *t = code == 0 ? 0x5555u : (((uint32_t)code << 16) | 0x3333u);
  for (;;) {
  }
}

void rt_unexpected_trap(void) {
  rt_puts("unexpected trap\n");
  rt_kv("mcause", csr_read(mcause));
  rt_kv("mepc", csr_read(mepc));
  rt_kv("mtval", csr_read(mtval));
  rt_exit(99);
}
