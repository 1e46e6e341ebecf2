/* Token buckets per key (a client's address) in a bounded table: how parley keeps one
 * address from flooding the public web chat routes while other visitors go on.
 *
 * A bucket holds up to `burst` tokens and refills at `per_second`; each request takes
 * one. The table has a fixed number of slots, so memory does not grow with the number
 * of addresses: a bucket untouched long enough to be full again is as good as absent
 * and its slot is reused; when every slot near a key is busy, the least recently used
 * one is reused (that address starts afresh, which errs on the side of letting
 * visitors through). One thread (the main loop) uses a table; no locks. */
#ifndef PL_RATELIMIT_H
#define PL_RATELIMIT_H
#include <stddef.h>
#include <stdint.h>

typedef struct pl_ratelimit pl_ratelimit;

#define PL_RATELIMIT_KEY_MAX 64 /* bytes of a key; longer keys are cut (an IPv6 text is 45) */

/* per_second > 0 and burst >= 1; slots is rounded up to a power of two (at least 64).
 * Returns NULL when out of memory. */
pl_ratelimit *pl_ratelimit_new(double per_second, double burst, size_t slots);
void pl_ratelimit_free(pl_ratelimit *rl);

/* Takes a token from key's bucket at now_ms (a monotonic clock). Returns 0 when the
 * request may go on, else the milliseconds until the bucket has a token again. */
int64_t pl_ratelimit_take(pl_ratelimit *rl, const char *key, int64_t now_ms);

#endif
