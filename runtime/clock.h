/* The runtime clock: real time plus an offset (console `:advance`), or a fully
 * simulated time (scenario specs). Every timestamp the runtime and scripts see comes
 * from here, so tests can move time without sleeping. */
#ifndef PL_CLOCK_H
#define PL_CLOCK_H
#include <stdbool.h>
#include <stdint.h>

typedef struct pl_clock {
  bool simulated; /* true: now == sim_ms; false: real time + offset_ms */
  int64_t sim_ms;
  int64_t offset_ms;
} pl_clock;

int64_t pl_clock_now_ms(const pl_clock *c);
/* Moves the clock so that now == ms (never backwards). */
void pl_clock_set_ms(pl_clock *c, int64_t ms);
int64_t pl_clock_real_ms(void);
int64_t pl_clock_mono_ns(void);

#endif
