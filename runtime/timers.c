/* Durable timers (runtime.h). Timers live in LMDB keyed tenant|due|conv\0name, so the
 * earliest timer of a tenant is the first key under its prefix; each tenant caches its
 * earliest due time. Finding the next timer across tenants is O(tenants), fine for
 * thousands; a heap is the upgrade path if that ever shows in a profile. Firing goes
 * through pl_dispatch, which deletes the timer in the same transaction as the handler's
 * effects: a crash before that commit fires it again after restart, never twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef pl_due_timer first_timer;

static int take_first(void *ud, pl_bytes key, pl_bytes val) {
  first_timer *f = ud;
  const unsigned char *k = key.data;
  if (key.len < 4 + 8 + 2) return 1;
  f->due = (int64_t)pl_key_read_u64(k + 4);
  const char *rest = (const char *)k + 12;
  size_t rl = key.len - 12;
  size_t cl = strnlen(rest, rl);
  if (cl >= rl || cl >= sizeof f->conv || rl - cl - 1 >= sizeof f->name) return 1;
  memcpy(f->conv, rest, cl);
  f->conv[cl] = 0;
  memcpy(f->name, rest + cl + 1, rl - cl - 1);
  f->name[rl - cl - 1] = 0;
  json_t *rec = json_loadb(val.data, val.len, 0, NULL);
  f->data = json_incref(json_object_get(rec, "data"));
  json_decref(rec);
  f->found = true;
  return 1;
}

int pl_timers_first(pl_runtime *rt, pl_tenant *t, pl_due_timer *f) {
  memset(f, 0, sizeof *f);
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(rt->store, &tx, &err)) return -1;
  pl_key k;
  pl_key_init(&k, t->id);
  pl_store_scan(tx, PL_T_TIMERS, k.b, k.len, NULL, 0, take_first, f);
  pl_store_read_end(tx);
  return f->found;
}

void pl_timers_refresh(pl_runtime *rt, pl_tenant *t) {
  first_timer f;
  t->next_due_ms = pl_timers_first(rt, t, &f) > 0 ? f.due : INT64_MAX;
  json_decref(f.data);
}

int64_t pl_runtime_next_due(pl_runtime *rt, pl_tenant **which) {
  int64_t best = INT64_MAX;
  if (which) *which = NULL;
  for (size_t i = 0; i < rt->ntenants; i++) {
    if (rt->tenants[i]->next_due_ms < best) {
      best = rt->tenants[i]->next_due_ms;
      if (which) *which = rt->tenants[i];
    }
  }
  return best;
}

int pl_runtime_fire_due(pl_runtime *rt, int64_t until_ms, bool step_clock, pl_err *err) {
  int fired = 0;
  for (;;) {
    pl_tenant *t;
    int64_t due = pl_runtime_next_due(rt, &t);
    if (!t || due > until_ms) break;
    first_timer f;
    if (pl_timers_first(rt, t, &f) <= 0 || f.due > until_ms) {
      json_decref(f.data);
      pl_timers_refresh(rt, t);
      continue;
    }
    if (step_clock) pl_clock_set_ms(&rt->clock, f.due);
    char channel[64];
    const char *colon = strchr(f.conv, ':');
    size_t cl = colon ? (size_t)(colon - f.conv) : 0;
    if (!colon || cl >= sizeof channel) { /* unreadable key: drop it rather than spin */
      t->next_due_ms = INT64_MAX;
      json_decref(f.data);
      continue;
    }
    memcpy(channel, f.conv, cl);
    channel[cl] = 0;
    pl_event ev = {.kind = PL_EV_TIMER,
                   .channel = channel,
                   .chat_id = colon + 1,
                   .text = f.name,
                   .data = f.data,
                   .due_ms = f.due};
    int rc = pl_dispatch(rt, t, &ev, err);
    json_decref(f.data);
    if (rc) return rc;
    fired++;
  }
  if (step_clock) pl_clock_set_ms(&rt->clock, until_ms);
  return fired;
}
