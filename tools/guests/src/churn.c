/* Memory churn: rewrites several MiB of RAM in changing patterns (dirty-tracking workload). */
#include "rt.h"

extern uint8_t __heap_start[];
#define SIZE (4u << 20)

int main(void) {
  volatile uint32_t *m = (volatile uint32_t *)__heap_start;
  uint32_t words = SIZE / 4, h = 0, x = 1;
  for (uint32_t round = 0; round < 6; round++) {
    uint32_t stride = 1u + round * 7u;
    for (uint32_t i = 0; i < words; i += stride) m[i] = i * 2654435761u + round;
    for (uint32_t k = 0; k < 20000; k++) {
      x ^= x << 13; x ^= x >> 17; x ^= x << 5;
      m[x % words] += k;
    }
    for (uint32_t i = 0; i < words; i += 1024) h = rt_hash(h, m[i]);
    rt_puts("round ");
    rt_dec((int32_t)round);
    rt_putc(' ');
    rt_hex(h);
    rt_putc('\n');
  }
  return 0;
}
