// LD_PRELOAD library for bench/count_mallocs.sh: counts malloc calls and writes the count to
// stderr ("MALLOCS <n>") on SIGUSR2, so a script can read it before and after a load.
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void* __libc_malloc(size_t size);
static atomic_long calls;

void* malloc(size_t size) {
  atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
  return __libc_malloc(size);
}

static void Report(int sig) {
  (void)sig;
  char line[48];
  const int length = snprintf(line, sizeof line, "MALLOCS %ld\n", atomic_load(&calls));
  if (write(2, line, (size_t)length) < 0) return;
}

__attribute__((constructor)) static void Install(void) { signal(SIGUSR2, Report); }
