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

#include "http_client.h"
#include "inbox.h"
#include "lua_api.h"
#include "lua_json.h"
#include "reply.h"
#include "unicode.h"
#include "runtime.h"

void pl_conv_key(char *buf, size_t n, const char *channel, const char *chat_id) {
  snprintf(buf, n, "%s:%s", channel, chat_id);
}

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

static bool ascii_only(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return false;
  return true;
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
  /* Beyond ASCII: "выставка" presses "Выставка", "cafe" presses "Café" (folded alike).
   * Two ASCII texts were compared above: folding is only for the others. */
  bool text_ascii = ascii_only(text, len);
  char *want = NULL, *got;
  size_t wl = 0, gl;
  pl_err err;
  const char *id = NULL;
  json_array_foreach(buttons, i, b) {
    const char *label = json_string_value(json_object_get(b, "label"));
    if (!label || (text_ascii && ascii_only(label, strlen(label)))) continue;
    if (!want && pl_text_fold(text, len, &want, &wl, &err)) return NULL;
    if (pl_text_fold(label, strlen(label), &got, &gl, &err)) continue;
    bool same = gl == wl && !memcmp(got, want, wl);
    free(got);
    if (same) {
      id = json_string_value(json_object_get(b, "id"));
      break;
    }
  }
  free(want);
  return id;
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

/* Whether the event writes the tenant's store (put or delete; an incr alone is applied
 * against whatever is committed, so it needs no check). */
static bool writes_kv(const json_t *kv) {
  const char *key;
  json_t *op;
  json_object_foreach((json_t *)kv, key, op) {
    const char *o = json_string_value(json_object_get(op, "op"));
    if (o && strcmp(o, "incr")) return true;
  }
  return false;
}

/* An event that writes the store commits only if every key it read with bot.store.get
 * still holds what it read (optimistic concurrency: events of other conversations run
 * meanwhile). PL_ECONFLICT: the worker runs it again with fresh values. */
static int check_reads(pl_txn *tx, uint32_t tenant, const json_t *reads) {
  const char *key;
  json_t *seen;
  json_object_foreach((json_t *)reads, key, seen) {
    pl_key k;
    pl_key_init(&k, tenant);
    pl_key_bytes(&k, key, strlen(key));
    pl_bytes v;
    char now[24];
    pl_store_sig(pl_store_get(tx, PL_T_KV, k.b, k.len, &v) == 0 ? &v : NULL, now);
    if (strcmp(now, json_string_value(seen))) return PL_ECONFLICT;
  }
  return 0;
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

/* Whether the user wrote (or pressed) something: what opens a channel's reply window. */
static bool from_user(const pl_event *ev) {
  return ev->kind == PL_EV_TEXT || ev->kind == PL_EV_BUTTON ||
         (ev->kind == PL_EV_DATA && strcmp(ev->text, "status") && strcmp(ev->text, "blocked") &&
          strcmp(ev->text, "unblocked"));
}

/* The conversation's delivery marker (tenant|conv\0delivery, beside its record): a user
 * who blocked the bot is marked so that a failed send raises "blocked" only once
 * (worker.c); anything the user sends again clears it. */
static int note_reachability(pl_txn *tx, uint32_t tid, const char *conv, const pl_event *ev,
                             int64_t now) {
  bool blocked = ev->kind == PL_EV_DATA && !strcmp(ev->text, "blocked");
  bool back = from_user(ev) || (ev->kind == PL_EV_DATA && !strcmp(ev->text, "unblocked"));
  if (!blocked && !back) return 0;
  pl_key dk;
  pl_key_init(&dk, tid);
  pl_key_str0(&dk, conv);
  pl_key_bytes(&dk, "delivery", 8);
  if (back) {
    int rc = pl_store_del(tx, PL_T_SESSIONS, dk.b, dk.len);
    return rc == PL_ENOTFOUND ? 0 : rc;
  }
  pl_bytes v;
  if (pl_store_get(tx, PL_T_SESSIONS, dk.b, dk.len, &v) == 0) return 0;
  char text[64];
  int n = snprintf(text, sizeof text, "{\"blocked\":true,\"at\":%lld}", (long long)now);
  return pl_store_put(tx, PL_T_SESSIONS, dk.b, dk.len, text, (size_t)n);
}

/* ctx:send and ctx:signal become events in the inbox, in this commit: each target
 * conversation handles its own in its own order, and a crash loses none of them. */
static int apply_outgoing(pl_txn *tx, pl_commit *c) {
  size_t n = json_array_size(c->run->outgoing);
  if (!n) return 0;
  free(c->out_seqs); /* a replayed apply (the map grew) writes them again */
  c->out_seqs = calloc(n, sizeof *c->out_seqs);
  size_t i;
  json_t *ev;
  json_array_foreach(c->run->outgoing, i, ev) {
    uint64_t seq;
    int rc = pl_store_next_seq(tx, "xseq", &seq);
    if (rc) return rc;
    char id[32];
    snprintf(id, sizeof id, "x%llu", (unsigned long long)seq);
    json_object_set_new(ev, "event_id", json_string(id));
    json_object_set_new(ev, "accepted_at", json_integer(c->run->now_ms));
  }
  return pl_inbox_put_events(tx, c->t->id, c->run->outgoing, c->out_seqs, NULL);
}

static int apply_commit(pl_txn *tx, void *ud, pl_err *err) {
  pl_commit *c = ud;
  uint32_t tid = c->t->id;
  int rc;
  if (!c->failed && c->run->reads && writes_kv(c->run->kv) && check_reads(tx, tid, c->run->reads))
    return pl_err_set(err, PL_ECONFLICT,
                      "an event of %s (%s) read bot.store values another event changed "
                      "meanwhile: it runs again",
                      c->t->key, c->conv_key);
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
  if ((rc = note_reachability(tx, tid, c->conv_key, c->ev, c->run->now_ms))) goto fail;
  if (c->run->erase) { /* the history so far; this event's own entries follow */
    pl_key hp;
    pl_key_init(&hp, tid);
    pl_key_str0(&hp, c->conv_key);
    size_t erased;
    if ((rc = pl_store_del_prefix(tx, PL_T_HISTORY, hp.b, hp.len, &erased))) goto fail;
  }
  size_t i;
  json_t *m;
  json_array_foreach(c->history, i, m) {
    pl_key hk;
    pl_key_init(&hk, tid);
    pl_key_str0(&hk, c->conv_key);
    pl_key_u64(&hk, (uint64_t)(c->hseq0 + (int64_t)i + 1));
    if ((rc = put_json(tx, PL_T_HISTORY, &hk, m))) goto fail;
  }
  if (c->inbox_seq) {
    /* Claim the accepted event: if its inbox entry is gone it was handled already (the
     * same event queued twice), and this run must change nothing. */
    pl_key ik;
    pl_key_init(&ik, tid);
    pl_key_u64(&ik, c->inbox_seq);
    rc = pl_store_del(tx, PL_T_INBOX, ik.b, ik.len);
    if (rc == PL_ENOTFOUND) return PL_ESTALE;
    if (rc) goto fail;
  }
  if (c->use_outbox) {
    json_decref(c->outbox); /* a replayed apply (the map grew) builds them again */
    c->outbox = json_array();
    size_t oi;
    json_t *om;
    json_array_foreach(c->run->replies, oi, om) {
      uint64_t seq;
      if ((rc = pl_store_next_seq(tx, "outbox_seq", &seq))) goto fail;
      char idem[96];
      snprintf(idem, sizeof idem, "%s-%u-%llu", c->t->key, (unsigned)tid, (unsigned long long)seq);
      json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:s,s:I,s:i}", "conv", c->conv_key, "channel",
                                c->ev->channel, "chat_id", c->ev->chat_id, "msg", om, "key", idem,
                                "created", (json_int_t)c->run->now_ms, "attempts", 0);
      json_t *last_in = json_object_get(c->record, "last_inbound_at");
      if (last_in) json_object_set(entry, "last_inbound_at", last_in);
      pl_key ok;
      pl_key_init(&ok, tid);
      pl_key_u64(&ok, seq);
      rc = put_json(tx, PL_T_OUTBOX, &ok, entry);
      json_object_set_new(entry, "_seq", json_integer((json_int_t)seq));
      json_array_append_new(c->outbox, entry);
      if (rc) goto fail;
    }
  }
  if (!c->failed) {
    if ((rc = apply_kv(tx, tid, c->run->kv))) goto fail;
    if ((rc = apply_timers(tx, tid, c->conv_key, c->run->timers))) goto fail;
    if ((rc = apply_outgoing(tx, c))) goto fail;
  }
  return 0;
fail:
  if (rc == PL_EFULL) return rc;
  return pl_err_set(err, rc, "cannot write the effects of an event of %s (%s): %s", c->t->key,
                    c->conv_key, pl_strerror(rc));
}

static json_t *inbound_message(const pl_event *ev, pl_event_kind kind, const char *text,
                               int64_t now) {
  const char *k = kind == PL_EV_TEXT     ? "message"
                  : kind == PL_EV_BUTTON ? "button"
                  : kind == PL_EV_DATA   ? text
                                         : "timer";
  json_t *m = json_pack("{s:s,s:s,s:I}", "dir", "in", "kind", k, "at", (json_int_t)now);
  if (kind == PL_EV_DATA)
    json_object_set(m, "data", ev->data ? (json_t *)ev->data : json_null());
  else
    json_object_set_new(m, kind == PL_EV_TIMER ? "name" : "text", json_string(text));
  /* the channel's id of the event: a client that sent it recognises it in the history */
  if (ev->event_id) json_object_set_new(m, "event_id", json_string(ev->event_id));
  return m;
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

pl_job *pl_job_new(pl_runtime *rt, pl_tenant *t, const pl_event *ev) {
  pl_job *job = calloc(1, sizeof *job);
  job->rt = rt;
  job->t = t;
  job->code = t->code;
  job->ev = *ev;
  job->ev.channel = job->owned[0] = dup_or_null(ev->channel);
  job->ev.chat_id = job->owned[1] = dup_or_null(ev->chat_id);
  job->ev.user_id = job->owned[2] = dup_or_null(ev->user_id);
  job->ev.user_name = job->owned[3] = dup_or_null(ev->user_name);
  job->ev.user_lang = job->owned[4] = dup_or_null(ev->user_lang);
  job->ev.text = job->owned[5] = dup_or_null(ev->text);
  job->ev.event_id = job->owned[6] = dup_or_null(ev->event_id);
  job->ev.message_id = job->owned[7] = dup_or_null(ev->message_id);
  job->data = ev->data ? json_deep_copy(ev->data) : NULL;
  job->ev.data = job->data;
  pl_conv_key(job->conv, sizeof job->conv, job->ev.channel, job->ev.chat_id);
  return job;
}

pl_job *pl_job_again(const pl_job *job) {
  pl_job *again = pl_job_new(job->rt, job->t, &job->ev);
  again->inbox_seq = job->inbox_seq;
  again->use_outbox = job->use_outbox;
  again->accepted_ns = job->accepted_ns;
  return again;
}

void pl_job_free(pl_job *job) {
  if (!job) return;
  if (job->run.alive) pl_api_abandon(job->code->sb, &job->run);
  for (size_t i = 0; i < sizeof job->owned / sizeof *job->owned; i++)
    free(job->owned[i]);
  json_decref(job->data);
  json_decref(job->record);
  json_decref(job->c.record);
  json_decref(job->c.history);
  json_decref(job->c.outbox);
  json_decref(job->run.user);
  json_decref(job->run.replies);
  json_decref(job->run.session_out);
  json_decref(job->run.kv);
  json_decref(job->run.reads);
  json_decref(job->run.timers);
  json_decref(job->run.outgoing);
  free(job->c.out_seqs);
  json_decref(job->run.http_req);
  free(job->run.handoff);
  free(job);
}

static void job_ran(pl_job *job, int rc) {
  if (rc == PL_PENDING) return;
  job->src = rc;
  job->rt->events++;
}

int pl_job_run(pl_job *job) {
  pl_runtime *rt = job->rt;
  const pl_event *ev = &job->ev;
  job->now = pl_clock_now_ms(&rt->clock);
  job->record = pl_conv_record(rt, job->t, ev->channel, ev->chat_id);
  pl_run *run = &job->run;
  *run = (pl_run){.ev = ev,
                  .kind = ev->kind,
                  .text = ev->text,
                  .now_ms = job->now,
                  .store = rt->store,
                  .tenant_id = job->t->id,
                  .conv_key = job->conv};
  pl_channel_inst *ci = pl_channel_set_find(&job->code->channels, ev->channel);
  run->caps = ci ? ci->caps : NULL;
  run->channels = &job->code->channels;
  run->sign_key = job->t->sign_key;
  run->last_inbound_ms = from_user(ev)
                             ? job->now
                             : json_integer_value(json_object_get(job->record, "last_inbound_at"));
  if (ev->kind == PL_EV_TEXT) {
    const char *id = match_button(json_object_get(job->record, "buttons"), ev->text);
    if (id) {
      run->kind = PL_EV_BUTTON;
      run->text = id;
    }
  }
  if (ev->user_id) {
    run->user = json_pack("{s:s,s:s?,s:s?}", "id", ev->user_id, "name", ev->user_name, "language",
                          ev->user_lang);
  } else {
    run->user = json_incref(json_object_get(job->record, "user"));
    if (!run->user) run->user = json_pack("{s:s}", "id", ev->chat_id);
  }
  run->session_in = json_object_get(job->record, "session");
  run->session_version = json_string_value(json_object_get(job->record, "version"));
  run->replies = json_array();
  run->kv = json_object();
  run->reads = json_object();
  run->timers = json_object();
  /* Who owns the conversation decides whether the bot's handlers run at all. */
  const char *owner = json_string_value(json_object_get(job->record, "owner"));
  bool operator_owns = owner && !strcmp(owner, "operator");
  if (ev->kind == PL_EV_OPERATOR) {
    json_array_append_new(run->replies, json_pack("{s:s,s:s}", "text", ev->text, "operator",
                                                  ev->user_name ? ev->user_name : "operator"));
    job->owner_after = "operator";
  } else if (ev->kind == PL_EV_HANDOFF) {
    job->owner_after = "operator";
  } else if (ev->kind == PL_EV_HANDBACK) {
    job->owner_after = "bot";
  } else if (ev->kind == PL_EV_SEND) {
    job->skip_handler = true; /* the message another conversation sent: it goes out as is */
    json_t *msg = json_object_get(ev->data, "msg");
    pl_reply_ctx rc = {
        .caps = run->caps, .now_ms = job->now, .last_inbound_ms = run->last_inbound_ms};
    if (!json_is_object(msg)) {
      pl_log_printf(&rt->log, job->t->key, "%s: a sent message without content, dropped",
                    job->conv);
    } else if (!pl_reply_window_open(&rc) && !json_object_get(msg, "template") &&
               !(json_object_get(msg, "tag") && json_is_true(json_object_get(run->caps, "tags")))) {
      pl_log_printf(&rt->log, job->t->key,
                    "ctx:send from %s to %s: not sent: %s takes free-form messages only within "
                    "%g hours of the user's last message; give opts.template",
                    json_string_value(json_object_get(ev->data, "from")), job->conv, ev->channel,
                    json_number_value(json_object_get(run->caps, "window_hours")));
    } else {
      json_array_append(run->replies, msg);
    }
  } else if (operator_owns) {
    job->skip_handler = true; /* kept in the history for the operator */
    /* A timer or a signal is not the user talking: kept for after the handback, not lost
     * (a booking reminder, a broadcast) */
    job->park = ev->kind == PL_EV_TIMER || ev->kind == PL_EV_SIGNAL;
  }
  if (job->skip_handler || ev->kind == PL_EV_OPERATOR || ev->kind == PL_EV_HANDOFF) {
    job->skip_handler = true;
    run->session_out = json_incref(run->session_in);
    job_ran(job, 0);
    return 0;
  }
  int rc = pl_api_start(job->code->sb, job->code->version, run, &job->serr);
  job_ran(job, rc);
  return rc == PL_PENDING ? PL_PENDING : 0;
}

int pl_job_resume_http(pl_job *job, const pl_http_client_resp *resp) {
  lua_State *co = job->run.task.co;
  int nargs;
  json_decref(job->run.http_req);
  job->run.http_req = NULL;
  if (resp->status == 0) {
    lua_pushnil(co);
    lua_pushstring(co, resp->error ? resp->error : "request failed");
    nargs = 2;
  } else {
    lua_createtable(co, 0, 4);
    lua_pushinteger(co, resp->status);
    lua_setfield(co, -2, "status");
    lua_pushlstring(co, resp->body, resp->body_len);
    lua_setfield(co, -2, "body");
    pl_json_push(co, resp->headers);
    lua_setfield(co, -2, "headers");
    const char *ct = json_string_value(json_object_get(resp->headers, "content-type"));
    if (ct && strstr(ct, "json")) {
      json_t *j = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
      if (j) {
        pl_json_push(co, j);
        lua_setfield(co, -2, "json");
        json_decref(j);
      }
    }
    nargs = 1;
  }
  int rc = pl_api_resume(job->code->sb, &job->run, nargs, &job->serr);
  job_ran(job, rc);
  return rc == PL_PENDING ? PL_PENDING : 0;
}

int pl_job_continue(pl_job *job) {
  int rc = pl_api_resume(job->code->sb, &job->run, 0, &job->serr);
  job_ran(job, rc);
  return rc == PL_PENDING ? PL_PENDING : 0;
}

void pl_job_http_request(const pl_job *job, pl_http_client_req *req, const char **hdrs,
                         size_t max_hdrs) {
  json_t *r = job->run.http_req;
  req->method = json_string_value(json_object_get(r, "method"));
  req->url = json_string_value(json_object_get(r, "url"));
  json_t *body = json_object_get(r, "body");
  req->body = body ? json_string_value(body) : NULL;
  req->body_len = body ? json_string_length(body) : 0;
  req->timeout_ms = (long)json_integer_value(json_object_get(r, "timeout_ms"));
  size_t n = 0;
  const char *name;
  json_t *v;
  json_object_foreach(json_object_get(r, "header_lines"), name, v) {
    if (n + 1 < max_hdrs) hdrs[n++] = json_string_value(v);
  }
  hdrs[n] = NULL;
  req->headers = hdrs;
}

#define PARKED_MAX 100 /* timers and signals kept for one conversation an operator owns */

/* While an operator owns the conversation, a due timer or a signal is parked in its
 * record; the handback (once its handler ran without error) re-arms the timers — due
 * now if their time passed, unless the handback handler set or cancelled one of the
 * same name — and signals the conversation again, so each runs after the bot is back. */
static void park_or_resume(pl_job *job, json_t *rec) {
  pl_run *run = &job->run;
  json_t *parked = json_object_get(rec, "parked");
  if (job->park) {
    if (!json_is_array(parked)) {
      parked = json_array();
      json_object_set_new(rec, "parked", parked);
    }
    if (json_array_size(parked) >= PARKED_MAX) {
      pl_log_printf(&job->rt->log, job->t->key,
                    "%s: more than %d timers and signals while an operator owns it; the oldest "
                    "is dropped",
                    job->conv, PARKED_MAX);
      json_array_remove(parked, 0);
    }
    bool timer = job->ev.kind == PL_EV_TIMER;
    json_array_append_new(parked,
                          json_pack("{s:s,s:s,s:O?,s:I}", "kind", timer ? "timer" : "signal",
                                    "name", job->ev.text, "data", job->ev.data, "due",
                                    (json_int_t)(timer ? job->ev.due_ms : job->now)));
    return;
  }
  if (job->ev.kind != PL_EV_HANDBACK || job->src || !json_array_size(parked)) return;
  size_t i;
  json_t *p;
  json_array_foreach(parked, i, p) {
    const char *name = json_string_value(json_object_get(p, "name"));
    if (!name) continue;
    if (!strcmp(json_string_value(json_object_get(p, "kind")), "timer")) {
      if (json_object_get(run->timers, name)) continue; /* the handback handler decided */
      int64_t due = json_integer_value(json_object_get(p, "due"));
      json_object_set_new(
          run->timers, name,
          json_pack("{s:I,s:O}", "due", (json_int_t)(due > job->now ? due : job->now), "data",
                    json_object_get(p, "data") ? json_object_get(p, "data") : json_null()));
    } else {
      if (!run->outgoing) run->outgoing = json_array();
      json_t *data = json_object_get(p, "data");
      json_array_append_new(run->outgoing,
                            json_pack("{s:s,s:s,s:s,s:s,s:O}", "kind", "signal", "channel",
                                      job->ev.channel, "chat_id", job->ev.chat_id, "text", name,
                                      "data", data ? data : json_object()));
    }
  }
  json_object_del(rec, "parked");
}

void pl_job_seal(pl_job *job) {
  pl_runtime *rt = job->rt;
  pl_run *run = &job->run;
  pl_tenant *t = job->t;
  pl_commit *c = &job->c;
  *c = (pl_commit){.rt = rt,
                   .t = t,
                   .ev = &job->ev,
                   .run = run,
                   .conv_key = job->conv,
                   .history = json_array(),
                   .failed = job->src != 0,
                   .inbox_seq = job->inbox_seq,
                   .use_outbox = job->use_outbox};
  c->hseq0 = json_integer_value(json_object_get(job->record, "hseq"));
  if (job->ev.kind == PL_EV_TEXT || job->ev.kind == PL_EV_BUTTON || job->ev.kind == PL_EV_TIMER ||
      job->ev.kind == PL_EV_DATA) {
    json_t *in = inbound_message(&job->ev, run->kind, run->text, job->now);
    if (run->redact) { /* a secret ballot, a password: that it happened, not what */
      json_object_del(in, "text");
      json_object_del(in, "data");
      json_object_set_new(in, "redacted", json_true());
    }
    json_array_append_new(c->history, in);
  }
  if (job->src) {
    rt->failures++;
    const char *what = run->kind == PL_EV_TIMER    ? "timer"
                       : run->kind == PL_EV_BUTTON ? "button"
                                                   : "message";
    pl_log_printf(&rt->log, t->key, "%s (%s, %s \"%s\")", job->serr.msg, job->conv, what,
                  run->redact ? "(redacted)" : run->text);
    json_decref(run->replies);
    run->replies = json_pack("[{s:s}]", "text", job->code->cfg.error_reply);
  }
  json_t *rec = json_incref(job->record); /* the job's own copy: updated in place */
  if (run->handoff) job->owner_after = "operator";
  const char *owner_before = json_string_value(json_object_get(job->record, "owner"));
  if (job->owner_after && !strcmp(job->owner_after, owner_before ? owner_before : "bot") &&
      !run->handoff && job->ev.kind != PL_EV_HANDOFF && job->ev.kind != PL_EV_HANDBACK)
    job->owner_after = NULL; /* an operator message in a conversation it already owns */
  json_t *sys = NULL;        /* the change of owner, in the history */
  if (job->owner_after) {
    json_object_set_new(rec, "owner", json_string(job->owner_after));
    sys = json_pack("{s:s,s:s,s:I,s:s}", "dir", "sys", "kind",
                    !strcmp(job->owner_after, "bot") ? "handback" : "handoff", "at",
                    (json_int_t)job->now, "text",
                    run->handoff   ? run->handoff
                    : job->ev.text ? job->ev.text
                                   : "");
    /* An operator's action comes before what it sends; the bot's handoff after its reply. */
    if (!run->handoff) {
      json_array_append_new(c->history, sys);
      sys = NULL;
    }
    pl_log_printf(&rt->log, t->key, "%s: conversation now owned by the %s%s%s", job->conv,
                  job->owner_after, run->handoff ? ": " : "", run->handoff ? run->handoff : "");
  }
  if (!job->src && !job->skip_handler) {
    json_object_set(rec, "session", run->session_out);
    json_object_set_new(rec, "version", json_string(job->code->version));
  }
  if ((!job->src && !job->skip_handler) || job->ev.kind == PL_EV_SEND) {
    json_t *last_choices = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(run->replies, i, r) {
      json_t *ch = pl_reply_choices(r);
      if (json_array_size(ch)) {
        json_decref(last_choices);
        last_choices = ch;
      } else {
        json_decref(ch);
      }
    }
    if (last_choices)
      json_object_set_new(rec, "buttons", last_choices);
    else if (json_array_size(run->replies))
      json_object_del(rec, "buttons");
  }
  park_or_resume(job, rec);
  json_object_set(rec, "user", run->user);
  json_object_set_new(rec, "updated", json_integer(job->now));
  /* When the user last wrote: channels with a reply window (WhatsApp, Meta: 24 h) need it. */
  if (from_user(&job->ev)) json_object_set_new(rec, "last_inbound_at", json_integer(job->now));
  size_t i;
  json_t *r;
  json_array_foreach(run->replies, i, r) {
    json_t *out = json_deep_copy(r);
    json_object_set_new(out, "dir", json_string("out"));
    json_object_set_new(out, "at", json_integer(job->now));
    json_array_append_new(c->history, out);
  }
  if (sys) json_array_append_new(c->history, sys);
  json_object_set_new(rec, "hseq",
                      json_integer(c->hseq0 + (json_int_t)json_array_size(c->history)));
  c->record = rec;
}

int pl_job_apply(pl_txn *tx, void *ud, pl_err *err) {
  pl_job *job = ud;
  return apply_commit(tx, &job->c, err);
}

void pl_job_committed(pl_job *job, int rc, const pl_err *err) {
  pl_runtime *rt = job->rt;
  job->stale = rc == PL_ESTALE;
  if (rc == 0 && !job->use_outbox && rt->deliver) {
    size_t i;
    json_t *r;
    json_array_foreach(job->run.replies, i, r)
        rt->deliver(rt->deliver_ud, job->t, job->ev.channel, job->ev.chat_id, job->run.user, r);
  } else if (rc && rc != PL_ESTALE) {
    pl_log_printf(&rt->log, job->t->key, "%s", err->msg);
  }
  if (job->ev.kind == PL_EV_TIMER || json_object_size(job->run.timers))
    pl_timers_refresh(rt, job->t);
}

/* ---- synchronous dispatch (console, specs, tests): waits on a private loop ---- */

typedef struct sync_wait {
  pl_job *job;
  int rc;
  bool done;
} sync_wait;

static void sync_http_done(void *ud, const pl_http_client_resp *resp) {
  sync_wait *w = ud;
  w->rc = pl_job_resume_http(w->job, resp);
  w->done = true;
}

static int sync_http(pl_runtime *rt, pl_job *job, pl_err *err) {
  if (!rt->sync_loop) {
    rt->sync_loop = malloc(sizeof *rt->sync_loop);
    uv_loop_init(rt->sync_loop);
    int rc = pl_http_client_new(&rt->sync_http, rt->sync_loop, err);
    if (rc) return rc;
  }
  sync_wait w = {job, 0, false};
  pl_http_client_req req = {0};
  const char *hdrs[65];
  pl_job_http_request(job, &req, hdrs, 65);
  pl_err herr;
  if (pl_http_client_request(rt->sync_http, &req, sync_http_done, &w, &herr)) {
    pl_http_client_resp resp = {
        .error = herr.msg, .headers = NULL, .body = "", .retry_after_s = -1};
    sync_http_done(&w, &resp);
  }
  while (!w.done)
    uv_run(rt->sync_loop, UV_RUN_ONCE);
  return w.rc;
}

#define SYNC_CHAIN_MAX 100000 /* events one dispatch may set off through ctx:send/signal */

/* Runs one job to its commit; appends what it sent other conversations to `pending`
 * (each with its inbox seq in "_seq"). */
static int dispatch_job(pl_runtime *rt, pl_job *job, json_t *pending, pl_err *err) {
  int rc = pl_job_run(job);
  while (rc == PL_PENDING) {
    rc = job->run.http_req ? sync_http(rt, job, err) : pl_job_continue(job);
    if (rc < 0) {
      pl_job_free(job);
      return rc;
    }
  }
  pl_job_seal(job);
  rc = pl_store_write(rt->store, pl_job_apply, job, err);
  if (rc == PL_ECONFLICT) { /* another process wrote what it read (serve beside chat) */
    pl_job *again = pl_job_again(job);
    pl_job_free(job);
    return dispatch_job(rt, again, pending, err);
  }
  pl_job_committed(job, rc, err);
  size_t i;
  json_t *oe;
  if (rc == 0 && job->c.out_seqs) {
    json_array_foreach(job->run.outgoing, i, oe) {
      if (!job->c.out_seqs[i]) continue;
      json_object_set_new(oe, "_seq", json_integer((json_int_t)job->c.out_seqs[i]));
      json_array_append(pending, oe);
    }
  }
  pl_job_free(job);
  return rc == PL_ESTALE ? 0 : rc;
}

int pl_dispatch(pl_runtime *rt, pl_tenant *t, const pl_event *ev, pl_err *err) {
  json_t *pending = json_array();
  int rc = dispatch_job(rt, pl_job_new(rt, t, ev), pending, err);
  /* What it sent other conversations is handled now, breadth first, each in order. */
  for (size_t i = 0; rc == 0 && i < json_array_size(pending); i++) {
    if (i == SYNC_CHAIN_MAX) {
      rc = pl_err_set(err, PL_EINVAL,
                      "more than %d events set off by ctx:send / ctx:signal from one event: do "
                      "two conversations signal each other forever?",
                      SYNC_CHAIN_MAX);
      break;
    }
    json_t *oe = json_array_get(pending, i);
    pl_event next;
    pl_event_from_record(oe, &next);
    pl_job *nj = pl_job_new(rt, t, &next);
    nj->inbox_seq = (uint64_t)json_integer_value(json_object_get(oe, "_seq"));
    rc = dispatch_job(rt, nj, pending, err);
    json_array_set_new(pending, i, json_null()); /* done: free it as we go */
  }
  json_decref(pending);
  return rc;
}
