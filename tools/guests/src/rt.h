/* Minimal runtime for memvisor guest programs on the QEMU virt machine. */
#ifndef RT_H
#define RT_H
#include <stdint.h>

#define UART_BASE 0x10000000u
#define TEST_BASE 0x00100000u
#define CLINT_BASE 0x02000000u
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

void rt_putc(char c);
void rt_puts(const char *s);
void rt_hex(uint32_t v);
void rt_dec(int32_t v);
void rt_kv(const char *k, uint32_t v); /* prints "k=XXXXXXXX\n" */
void rt_exit(int code) __attribute__((noreturn));
uint32_t rt_hash(uint32_t h, uint32_t v);

#define csr_read(name) ({ uint32_t __v; __asm__ volatile("csrr %0, " #name : "=r"(__v)); __v; })
#define csr_write(name, val) __asm__ volatile("csrw " #name ", %0" ::"r"((uint32_t)(val)))
#define csr_set(name, val) __asm__ volatile("csrs " #name ", %0" ::"r"((uint32_t)(val)))
#define csr_clear(name, val) __asm__ volatile("csrc " #name ", %0" ::"r"((uint32_t)(val)))

static inline void mmio_w32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t mmio_r32(uint32_t a) { return *(volatile uint32_t *)a; }

/* The CLINT's 64-bit mtime, read in two halves until the high half is stable. */
static inline uint64_t rt_mtime(void) {
  uint32_t hi, lo;
  do {
    hi = mmio_r32(CLINT_MTIME + 4);
    lo = mmio_r32(CLINT_MTIME);
  } while (hi != mmio_r32(CLINT_MTIME + 4));
  return ((uint64_t)hi << 32) | lo;
}

/* Sets mtimecmp without a spurious interrupt in between (high half parked at all ones first). */
static inline void rt_set_mtimecmp(uint64_t t) {
  mmio_w32(CLINT_MTIMECMP + 4, 0xffffffff);
  mmio_w32(CLINT_MTIMECMP, (uint32_t)t);
  mmio_w32(CLINT_MTIMECMP + 4, (uint32_t)(t >> 32));
}
#endif
