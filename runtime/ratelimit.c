/* Per-key token buckets in a fixed open-addressing table (ratelimit.h says why). A key
 * is looked for in a window of PROBE slots from its hash; a slot in that window whose
 * bucket would be full by now is free for reuse, so no deletion or sweeping is needed. */
#include "ratelimit.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define PROBE 8

typedef struct slot {
  char key[PL_RATELIMIT_KEY_MAX]; /* "" = never used */
  double tokens;
  int64_t at_ms; /* when tokens was computed */
} slot;

struct pl_ratelimit {
  double per_ms, burst;
  int64_t refill_ms; /* from empty to full */
  size_t mask;
  slot *slots;
};

pl_ratelimit *pl_ratelimit_new(double per_second, double burst, size_t nslots) {
  size_t n = 64;
  while (n < nslots && n < ((size_t)1 << 30))
    n <<= 1;
  pl_ratelimit *rl = calloc(1, sizeof *rl);
  if (!rl || !(rl->slots = calloc(n, sizeof *rl->slots))) {
    free(rl);
    return NULL;
  }
  rl->per_ms = per_second / 1000.0;
  rl->burst = burst < 1 ? 1 : burst;
  rl->refill_ms = (int64_t)ceil(rl->burst / rl->per_ms);
  rl->mask = n - 1;
  return rl;
}

void pl_ratelimit_free(pl_ratelimit *rl) {
  if (!rl) return;
  free(rl->slots);
  free(rl);
}

/* The slot holding key, or the one to reuse for it (reset to a full bucket): an idle
 * one if the window has one, else the least recently used. */
static slot *find(pl_ratelimit *rl, const char *key, int64_t now_ms) {
  size_t h = (size_t)pl_fnv1a(PL_FNV_SEED, key, strlen(key));
  slot *reuse = NULL;
  bool reuse_idle = false;
  for (size_t i = 0; i < PROBE; i++) {
    slot *s = &rl->slots[(h + i) & rl->mask];
    if (s->key[0] && !strcmp(s->key, key)) return s;
    bool idle = !s->key[0] || now_ms - s->at_ms >= rl->refill_ms;
    if (!reuse || (idle && !reuse_idle) || (idle == reuse_idle && s->at_ms < reuse->at_ms)) {
      reuse = s;
      reuse_idle = idle;
    }
  }
  snprintf(reuse->key, sizeof reuse->key, "%s", key);
  reuse->tokens = rl->burst;
  reuse->at_ms = now_ms;
  return reuse;
}

int64_t pl_ratelimit_take(pl_ratelimit *rl, const char *key, int64_t now_ms) {
  char cut[PL_RATELIMIT_KEY_MAX]; /* the key as a slot holds it */
  snprintf(cut, sizeof cut, "%s", *key ? key : "?");
  slot *s = find(rl, cut, now_ms);
  if (now_ms > s->at_ms) {
    s->tokens = fmin(rl->burst, s->tokens + (double)(now_ms - s->at_ms) * rl->per_ms);
    s->at_ms = now_ms;
  }
  if (s->tokens >= 1) {
    s->tokens -= 1;
    return 0;
  }
  int64_t wait = (int64_t)ceil((1 - s->tokens) / rl->per_ms);
  return wait > 0 ? wait : 1;
}
