/* The event path (runtime.h): load the conversation, map a typed number or label to a
 * button press, run the handler, then commit the conversation record, history, store
 * writes and timers in ONE write transaction, and only then hand replies to the
 * channel. A failed handler commits nothing but the inbound message and the tenant's
 * error reply. A timer event commits only if its timer is still pending, so a timer
 * fires once even when two processes share the store or the runtime crashed after the
 * handler ran. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua_api.h"
#include "runtime.h"

void pl_conv_key(char *buf, size_t n, const char *channel, const char *chat_id) {
  snprintf(buf, n, "%s:%s", channel, chat_id);
}

typedef struct commit {
  pl_runtime *rt;
  pl_tenant *t;
  const pl_event *ev;
  pl_run *run;
  const char *conv_key;
  json_t *record;  /* conversation record to write */
  json_t *history; /* array of messages to append */
  int64_t hseq0;   /* history sequence before this event */
  bool failed;     /* handler failed: only record + history */
} commit;

static json_t *load_record(pl_txn *tx, uint32_t tenant, const char *conv);

json_t *pl_conv_record(pl_runtime *rt, pl_tenant *t, const char *channel, const char *chat_id) {
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(rt->store, &tx, &err)) return json_object();
  char conv[600];
  pl_conv_key(conv, sizeof conv, channel, chat_id);
  json_t *rec = load_record(tx, t->id, conv);
  pl_store_read_end(tx);
  return rec;
}

static json_t *load_record(pl_txn *tx, uint32_t tenant, const char *conv) {
  pl_key k;
  pl_key_init(&k, tenant);
  pl_key_bytes(&k, conv, strlen(conv));
  pl_bytes v;
  if (pl_store_get(tx, PL_T_SESSIONS, k.b, k.len, &v) != 0) return json_object();
  json_t *r = json_loadb(v.data, v.len, 0, NULL);
  return r ? r : json_object();
}

/* A typed "2" or "Programme" presses a button of the last reply that had buttons. */
static const char *match_button(const json_t *buttons, const char *text) {
  if (!json_is_array(buttons) || !json_array_size(buttons)) return NULL;
  while (*text == ' ')
    text++;
  size_t len = strlen(text);
  while (len && (text[len - 1] == ' ' || text[len - 1] == '\r'))
    len--;
  if (!len) return NULL;
  char *end;
  long n = strtol(text, &end, 10);
  if (end == text + len && n >= 1 && (size_t)n <= json_array_size(buttons))
    return json_string_value(json_object_get(json_array_get(buttons, (size_t)n - 1), "id"));
  size_t i;
  json_t *b;
  json_array_foreach(buttons, i, b) {
    const char *label = json_string_value(json_object_get(b, "label"));
    if (label && strlen(label) == len && !strncasecmp(label, text, len))
      return json_string_value(json_object_get(b, "id"));
  }
  return NULL;
}

static json_t *flatten_buttons(const json_t *rows) {
  json_t *flat = json_array();
  size_t i, j;
  json_t *row, *b;
  json_array_foreach(rows, i, row) json_array_foreach(row, j, b) json_array_append(flat, b);
  return flat;
}

static int put_json(pl_txn *tx, pl_table tb, const pl_key *k, const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!s) return PL_ENOMEM;
  int rc = pl_store_put(tx, tb, k->b, k->len, s, strlen(s));
  free(s);
  return rc;
}

static void timer_keys(uint32_t tenant, const char *conv, const char *name, int64_t due, pl_key *tk,
                       pl_key *ik) {
  pl_key_init(tk, tenant);
  pl_key_u64(tk, (uint64_t)due);
  pl_key_str0(tk, conv);
  pl_key_bytes(tk, name, strlen(name));
  pl_key_init(ik, tenant);
  pl_key_str0(ik, conv);
  pl_key_bytes(ik, name, strlen(name));
}

/* Removes conv's pending timer `name`, if any. */
static int timer_remove(pl_txn *tx, uint32_t tenant, const char *conv, const char *name) {
  pl_key tk, ik;
  timer_keys(tenant, conv, name, 0, &tk, &ik);
  pl_bytes v;
  if (pl_store_get(tx, PL_T_TIMER_IDX, ik.b, ik.len, &v) != 0 || v.len != 8) return 0;
  timer_keys(tenant, conv, name, (int64_t)pl_key_read_u64(v.data), &tk, &ik);
  int rc = pl_store_del(tx, PL_T_TIMERS, tk.b, tk.len);
  if (rc && rc != PL_ENOTFOUND) return rc;
  rc = pl_store_del(tx, PL_T_TIMER_IDX, ik.b, ik.len);
  return rc == PL_ENOTFOUND ? 0 : rc;
}

static int apply_kv(pl_txn *tx, uint32_t tenant, json_t *kv) {
  const char *key;
  json_t *op;
  json_object_foreach(kv, key, op) {
    pl_key k;
    pl_key_init(&k, tenant);
    pl_key_bytes(&k, key, strlen(key));
    const char *o = json_string_value(json_object_get(op, "op"));
    int rc = 0;
    if (!strcmp(o, "put")) {
      rc = put_json(tx, PL_T_KV, &k, json_object_get(op, "v"));
    } else if (!strcmp(o, "del")) {
      rc = pl_store_del(tx, PL_T_KV, k.b, k.len);
      if (rc == PL_ENOTFOUND) rc = 0;
    } else { /* incr: against the committed value, so no increment is lost */
      pl_bytes v;
      json_t *base = NULL;
      if (pl_store_get(tx, PL_T_KV, k.b, k.len, &v) == 0)
        base = json_loadb(v.data, v.len, JSON_DECODE_ANY, NULL);
      json_t *d = json_object_get(op, "d");
      json_t *sum;
      if (json_is_number(base) && !(json_is_integer(base) && json_is_integer(d)))
        sum = json_real(json_number_value(base) + json_number_value(d));
      else if (json_is_integer(base))
        sum = json_integer(json_integer_value(base) + json_integer_value(d));
      else
        sum = json_copy(d);
      json_decref(base);
      rc = put_json(tx, PL_T_KV, &k, sum);
      json_decref(sum);
    }
    if (rc) return rc;
  }
  return 0;
}

static int apply_timers(pl_txn *tx, uint32_t tenant, const char *conv, json_t *timers) {
  const char *name;
  json_t *op;
  json_object_foreach(timers, name, op) {
    int rc = timer_remove(tx, tenant, conv, name);
    if (rc) return rc;
    if (json_is_null(op)) continue;
    int64_t due = json_integer_value(json_object_get(op, "due"));
    pl_key tk, ik;
    timer_keys(tenant, conv, name, due, &tk, &ik);
    json_t *rec = json_pack("{s:O}", "data", json_object_get(op, "data"));
    rc = put_json(tx, PL_T_TIMERS, &tk, rec);
    json_decref(rec);
    unsigned char d[8];
    for (int i = 7; i >= 0; i--)
      d[i] = (unsigned char)((uint64_t)due >> (8 * (7 - i)));
    if (!rc) rc = pl_store_put(tx, PL_T_TIMER_IDX, ik.b, ik.len, d, 8);
    if (rc) return rc;
  }
  return 0;
}

static int apply_commit(pl_txn *tx, void *ud, pl_err *err) {
  commit *c = ud;
  uint32_t tid = c->t->id;
  int rc;
  if (c->ev->kind == PL_EV_TIMER) {
    /* Claim the timer: if it is gone, it already fired (or was cancelled). */
    pl_key tk, ik;
    timer_keys(tid, c->conv_key, c->ev->text, c->ev->due_ms, &tk, &ik);
    pl_bytes v;
    if (pl_store_get(tx, PL_T_TIMERS, tk.b, tk.len, &v) != 0) return PL_ESTALE;
    if ((rc = pl_store_del(tx, PL_T_TIMERS, tk.b, tk.len))) goto fail;
    if ((rc = pl_store_del(tx, PL_T_TIMER_IDX, ik.b, ik.len)) && rc != PL_ENOTFOUND) goto fail;
  }
  pl_key k;
  pl_key_init(&k, tid);
  pl_key_bytes(&k, c->conv_key, strlen(c->conv_key));
  if ((rc = put_json(tx, PL_T_SESSIONS, &k, c->record))) goto fail;
  size_t i;
  json_t *m;
  json_array_foreach(c->history, i, m) {
    pl_key hk;
    pl_key_init(&hk, tid);
    pl_key_str0(&hk, c->conv_key);
    pl_key_u64(&hk, (uint64_t)(c->hseq0 + (int64_t)i + 1));
    if ((rc = put_json(tx, PL_T_HISTORY, &hk, m))) goto fail;
  }
  if (!c->failed) {
    if ((rc = apply_kv(tx, tid, c->run->kv))) goto fail;
    if ((rc = apply_timers(tx, tid, c->conv_key, c->run->timers))) goto fail;
  }
  return 0;
fail:
  if (rc == PL_EFULL) return rc;
  return pl_err_set(err, rc, "cannot write the effects of an event of %s (%s): %s", c->t->key,
                    c->conv_key, pl_strerror(rc));
}

static json_t *inbound_message(const pl_event *ev, pl_event_kind kind, const char *text,
                               int64_t now) {
  const char *k = kind == PL_EV_TEXT ? "message" : kind == PL_EV_BUTTON ? "button" : "timer";
  return json_pack("{s:s,s:s,s:I,s:s}", "dir", "in", "kind", k, "at", (json_int_t)now,
                   kind == PL_EV_TIMER ? "name" : "text", text);
}

int pl_dispatch(pl_runtime *rt, pl_tenant *t, const pl_event *ev, pl_err *err) {
  char conv[600];
  pl_conv_key(conv, sizeof conv, ev->channel, ev->chat_id);
  pl_code *code = t->code;
  int64_t now = pl_clock_now_ms(&rt->clock);

  pl_txn *rtx;
  int rc = pl_store_read_begin(rt->store, &rtx, err);
  if (rc) return rc;
  json_t *record = load_record(rtx, t->id, conv);

  pl_run run = {.ev = ev,
                .kind = ev->kind,
                .text = ev->text,
                .now_ms = now,
                .store = rt->store,
                .rtxn = rtx,
                .tenant_id = t->id,
                .conv_key = conv};
  if (ev->kind == PL_EV_TEXT) {
    const char *id = match_button(json_object_get(record, "buttons"), ev->text);
    if (id) {
      run.kind = PL_EV_BUTTON;
      run.text = id;
    }
  }
  if (ev->user_id) {
    run.user = json_pack("{s:s,s:s?,s:s?}", "id", ev->user_id, "name", ev->user_name, "language",
                         ev->user_lang);
  } else {
    run.user = json_incref(json_object_get(record, "user"));
    if (!run.user) run.user = json_pack("{s:s}", "id", ev->chat_id);
  }
  run.session_in = json_object_get(record, "session");
  run.session_version = json_string_value(json_object_get(record, "version"));
  run.replies = json_array();
  run.kv = json_object();
  run.timers = json_object();

  pl_err serr;
  int src = pl_api_run(code->sb, code->version, &run, &serr);
  /* The read snapshot must end before writing: a full map can only grow with no
   * transaction open in this process. */
  pl_store_read_end(rtx);
  run.rtxn = NULL;
  rt->events++;

  commit c = {.rt = rt,
              .t = t,
              .ev = ev,
              .run = &run,
              .conv_key = conv,
              .history = json_array(),
              .failed = src != 0};
  c.hseq0 = json_integer_value(json_object_get(record, "hseq"));
  json_array_append_new(c.history, inbound_message(ev, run.kind, run.text, now));
  if (src) {
    rt->failures++;
    const char *what = run.kind == PL_EV_TIMER    ? "timer"
                       : run.kind == PL_EV_BUTTON ? "button"
                                                  : "message";
    pl_log_printf(&rt->log, t->key, "%s (%s, %s \"%s\")", serr.msg, conv, what, run.text);
    json_decref(run.replies);
    run.replies = json_pack("[{s:s}]", "text", code->cfg.error_reply);
  }

  /* The new conversation record. */
  json_t *rec = json_deep_copy(record);
  if (!src) {
    json_object_set(rec, "session", run.session_out);
    json_object_set_new(rec, "version", json_string(code->version));
    json_t *last_buttons = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(run.replies, i, r) if (json_object_get(r, "buttons")) last_buttons = r;
    if (last_buttons)
      json_object_set_new(rec, "buttons",
                          flatten_buttons(json_object_get(last_buttons, "buttons")));
    else if (json_array_size(run.replies))
      json_object_del(rec, "buttons");
  }
  json_object_set(rec, "user", run.user);
  json_object_set_new(rec, "updated", json_integer(now));
  size_t i;
  json_t *r;
  json_array_foreach(run.replies, i, r) {
    json_t *out = json_deep_copy(r);
    json_object_set_new(out, "dir", json_string("out"));
    json_object_set_new(out, "at", json_integer(now));
    json_array_append_new(c.history, out);
  }
  json_object_set_new(rec, "hseq", json_integer(c.hseq0 + (json_int_t)json_array_size(c.history)));
  c.record = rec;

  rc = pl_store_write(rt->store, apply_commit, &c, err);
  if (rc == PL_ESTALE)
    rc = 0; /* the timer had already fired: nothing to do */
  else if (rc == 0) {
    json_array_foreach(run.replies, i, r) {
      if (rt->deliver) rt->deliver(rt->deliver_ud, t, ev->channel, ev->chat_id, run.user, r);
    }
  } else {
    pl_log_printf(&rt->log, t->key, "%s", err->msg);
  }
  if (ev->kind == PL_EV_TIMER || json_object_size(run.timers)) pl_timers_refresh(rt, t);

  json_decref(rec);
  json_decref(c.history);
  json_decref(record);
  json_decref(run.user);
  json_decref(run.replies);
  json_decref(run.session_out);
  json_decref(run.kv);
  json_decref(run.timers);
  return rc;
}
