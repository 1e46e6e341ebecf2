/* `parley outbox`: what is waiting to be delivered, what was refused for good (the dead
 * letters), and putting dead letters back in line once the cause is fixed. Works on the
 * store directly (LMDB allows it beside a running server); a running server picks
 * re-queued messages up within a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime.h"

static const char outbox_usage[] =
    "usage: parley outbox --data PATH [--dead] [--requeue]\n"
    "\n"
    "List the messages committed but not yet delivered, or with --dead the ones a channel\n"
    "refused for good (with the reason). --requeue puts every dead letter back into the\n"
    "outbox to be sent again.\n"
    "Exit codes: 0 ok, 1 storage error, 2 usage error.\n";

typedef struct listing {
  int count;
  json_t *names; /* tenant id (decimal) -> folder name */
} listing;

static int collect_name(void *ud, pl_bytes key, pl_bytes val) {
  if (val.len != 4) return 0;
  uint32_t id;
  memcpy(&id, val.data, 4);
  char k[16];
  snprintf(k, sizeof k, "%u", (unsigned)id);
  json_object_set_new(ud, k, json_stringn((const char *)key.data + 7, key.len - 7));
  return 0;
}

static int print_item(void *ud, pl_bytes key, pl_bytes val) {
  listing *l = ud;
  const unsigned char *k = key.data;
  uint32_t tenant = ((uint32_t)k[0] << 24) | ((uint32_t)k[1] << 16) | ((uint32_t)k[2] << 8) | k[3];
  json_t *e = json_loadb(val.data, val.len, 0, NULL);
  const char *text = json_string_value(json_object_get(json_object_get(e, "msg"), "text"));
  const char *err = json_string_value(json_object_get(e, "error"));
  char idk[16];
  snprintf(idk, sizeof idk, "%u", (unsigned)tenant);
  const char *name = json_string_value(json_object_get(l->names, idk));
  printf("%s #%llu %s attempts=%lld%s%s: %.80s\n", name ? name : idk,
         (unsigned long long)pl_key_read_u64(k + 4), json_string_value(json_object_get(e, "conv")),
         (long long)json_integer_value(json_object_get(e, "attempts")), err ? " error=" : "",
         err ? err : "", text ? text : "");
  json_decref(e);
  l->count++;
  return 0;
}

typedef struct dead_item {
  unsigned char key[12]; /* tenant(4) | seq(8) */
  json_t *entry;
} dead_item;

typedef struct requeue {
  dead_item *items;
  size_t n, cap;
  int moved;
} requeue;

static int collect_dead(void *ud, pl_bytes key, pl_bytes val) {
  requeue *r = ud;
  json_t *e = json_loadb(val.data, val.len, 0, NULL);
  if (!e || key.len != 12) {
    json_decref(e);
    return 0;
  }
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 64;
    r->items = realloc(r->items, r->cap * sizeof *r->items);
  }
  memcpy(r->items[r->n].key, key.data, 12);
  r->items[r->n++].entry = e;
  return 0;
}

static int apply_requeue(pl_txn *tx, void *ud, pl_err *err) {
  requeue *r = ud;
  r->moved = 0;
  for (size_t i = 0; i < r->n; i++) {
    json_t *entry = json_deep_copy(r->items[i].entry);
    const unsigned char *k = r->items[i].key;
    size_t kl = 12;
    json_object_del(entry, "error");
    json_object_set_new(entry, "attempts", json_integer(0));
    uint64_t seq;
    int rc = pl_store_next_seq(tx, "outbox_seq", &seq);
    pl_key ok;
    pl_key_init(&ok, 0);
    ok.len = 0;
    pl_key_bytes(&ok, k, 4); /* the tenant prefix */
    pl_key_u64(&ok, seq);
    char *text = json_dumps(entry, JSON_COMPACT);
    if (!rc) rc = pl_store_put(tx, PL_T_OUTBOX, ok.b, ok.len, text, strlen(text));
    if (!rc) rc = pl_store_del(tx, PL_T_DEAD, k, kl);
    free(text);
    json_decref(entry);
    if (rc) return rc == PL_EFULL ? rc : pl_err_set(err, rc, "cannot requeue a dead letter");
    r->moved++;
  }
  uint64_t epoch;
  return pl_store_next_seq(tx, "outbox_requeue", &epoch);
}

int pl_cmd_outbox(int argc, char **argv) {
  const char *data = NULL, *pos[1];
  int dead = 0, requeue_flag = 0, npos;
  pl_opt opts[] = {{"--data", &data, NULL},
                   {"--dead", NULL, &dead},
                   {"--requeue", NULL, &requeue_flag},
                   {NULL, NULL, NULL}};
  int prc = pl_cli_parse("outbox", argc, argv, opts, pos, 0, &npos, outbox_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (!data) {
    fprintf(stderr, "parley outbox: give --data PATH (see parley outbox --help)\n");
    return PL_EXIT_USAGE;
  }
  pl_store *store;
  pl_err err;
  if (pl_store_open(&store, data, NULL, &err)) {
    fprintf(stderr, "parley outbox: %s\n", err.msg);
    return PL_EXIT_FAIL;
  }
  pl_txn *tx;
  int rc = pl_store_read_begin(store, &tx, &err);
  if (!rc && requeue_flag) {
    requeue r = {0};
    pl_store_scan(tx, PL_T_DEAD, "", 0, NULL, 0, collect_dead, &r);
    pl_store_read_end(tx);
    rc = pl_store_write(store, apply_requeue, &r, &err);
    if (!rc) printf("requeued %d dead letter(s)\n", r.moved);
    for (size_t i = 0; i < r.n; i++)
      json_decref(r.items[i].entry);
    free(r.items);
  } else if (!rc) {
    listing l = {0, json_object()};
    pl_store_scan(tx, PL_T_META, "tenant:", 7, NULL, 0, collect_name, l.names);
    pl_store_scan(tx, dead ? PL_T_DEAD : PL_T_OUTBOX, "", 0, NULL, 0, print_item, &l);
    json_decref(l.names);
    pl_store_read_end(tx);
    printf("%d %s\n", l.count, dead ? "dead letter(s)" : "message(s) waiting");
  }
  if (rc) fprintf(stderr, "parley outbox: %s\n", err.msg);
  pl_store_close(store);
  return rc ? PL_EXIT_FAIL : PL_EXIT_OK;
}
