#include "rt.h"

int main(void) {
  rt_puts("Hello from memvisor guest!\n");
  rt_kv("mhartid", csr_read(mhartid));
  return 0;
}
