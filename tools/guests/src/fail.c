#include "rt.h"
/* Exits through the finisher with a failure code, to check exit-status plumbing. */
int main(void) {
  rt_puts("failing on purpose with code 7\n");
  return 7;
}
