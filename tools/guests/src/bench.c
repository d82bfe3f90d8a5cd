/* Compute benchmark: CRC32, insertion+shell sort, integer matrix multiply, sieve. */
#include "rt.h"

#define N 4096
static uint8_t data[N];
static uint32_t arr[1024];
static int32_t ma[24][24], mb[24][24], mc[24][24];
static uint8_t sieve[20000];

static uint32_t crc32(const uint8_t *p, uint32_t n) {
  uint32_t c = 0xffffffffu;
  for (uint32_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}

static void shellsort(uint32_t *a, int n) {
  for (int gap = n / 2; gap > 0; gap /= 2)
    for (int i = gap; i < n; i++) {
      uint32_t t = a[i];
      int j = i;
      for (; j >= gap && a[j - gap] > t; j -= gap) a[j] = a[j - gap];
      a[j] = t;
    }
}

int main(void) {
  uint32_t seed = 12345, h = 0;
  for (int i = 0; i < N; i++) {
    seed = seed * 1103515245u + 12345u;
    data[i] = (uint8_t)(seed >> 16);
  }
  for (int r = 0; r < 200; r++) {
    data[r & 63] ^= (uint8_t)r;
    h = rt_hash(h, crc32(data, N));
  }
  rt_kv("crc", h);
  h = 0;
  for (int r = 0; r < 200; r++) {
    for (int i = 0; i < 1024; i++) {
      seed = seed * 1103515245u + 12345u;
      arr[i] = seed;
    }
    shellsort(arr, 1024);
    for (int i = 0; i < 1024; i += 97) h = rt_hash(h, arr[i]);
  }
  rt_kv("sort", h);
  h = 0;
  for (int r = 0; r < 150; r++) {
    for (int i = 0; i < 24; i++)
      for (int j = 0; j < 24; j++) {
        ma[i][j] = (i * 7 + j * 3 + r) % 17 - 8;
        mb[i][j] = (i * 5 - j * 11 + r) % 13;
      }
    for (int i = 0; i < 24; i++)
      for (int j = 0; j < 24; j++) {
        int32_t s = 0;
        for (int k = 0; k < 24; k++) s += ma[i][k] * mb[k][j];
        mc[i][j] = s;
      }
    for (int i = 0; i < 24; i++) h = rt_hash(h, (uint32_t)mc[i][(i * 5) % 24]);
  }
  rt_kv("matrix", h);
  uint32_t primes = 0;
  for (int r = 0; r < 100; r++) {
    for (int i = 0; i < 20000; i++) sieve[i] = 1;
    primes = 0;
    for (int i = 2; i < 20000; i++)
      if (sieve[i]) {
        primes++;
        for (int j = i * 2; j < 20000; j += i) sieve[j] = 0;
      }
  }
  rt_kv("primes", primes);
  rt_kv("instret", csr_read(instret) > 1000000u);
  return 0;
}
