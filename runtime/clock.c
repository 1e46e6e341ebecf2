/* Real and simulated time for the runtime (see clock.h). */
#include <time.h>

#include "clock.h"

int64_t pl_clock_real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pl_clock_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t pl_clock_now_ms(const pl_clock *c) {
  if (c->simulated) return c->sim_ms;
  return pl_clock_real_ms() + c->offset_ms;
}

void pl_clock_set_ms(pl_clock *c, int64_t ms) {
  int64_t now = pl_clock_now_ms(c);
  if (ms <= now) return;
  if (c->simulated)
    c->sim_ms = ms;
  else
    c->offset_ms += ms - now;
}
