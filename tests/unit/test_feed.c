/* The conversation feed's reading side (runtime/feed.c): which history entries a web chat
 * client sees and how. A bot's message passes every canonical field a client shows
 * (buttons with ids or urls, quick replies, media, cards, edit_message_id,
 * remove_keyboard) and nothing else; an operator's names the operator; a button press
 * shows the label the button had, found even in entries before `after`; timers and a
 * handoff's reason stay inside; reading after N gives what follows N in order, one
 * conversation only, in batches, and `next` moves past entries the client never sees. */
#include "feed.h"
#include "unit_helpers.h"

static json_t *parse(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j) fail_msg("bad JSON in the test: %s: %s", e.text, text);
  return j;
}

static void assert_json(const json_t *got, const char *want_text) {
  json_t *want = parse(want_text);
  if (!json_equal(got, want)) {
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
    fail_msg("got  %s\nwant %s", g ? g : "NULL", w);
  }
  json_decref(want);
}

static void test_bot_message_passes_every_canonical_field(void **state) {
  (void)state;
  json_t *entry = parse(
      "{\"dir\":\"out\",\"at\":5,\"text\":\"Our talks\","
      "\"buttons\":[[{\"label\":\"Book\",\"id\":\"book\"},{\"label\":\"Site\",\"url\":\"https://"
      "x.example\"}]],"
      "\"quick_replies\":[{\"label\":\"Later\",\"id\":\"later\"}],"
      "\"media\":{\"type\":\"image\",\"url\":\"https://x.example/a.png\",\"filename\":\"a.png\"},"
      "\"cards\":[{\"title\":\"Keynote\",\"subtitle\":\"10:00\",\"image\":\"https://x.example/"
      "k.png\","
      "\"url\":\"https://x.example/k\",\"buttons\":[{\"label\":\"Remind me\",\"id\":\"rk\"}]}],"
      "\"edit_message_id\":\"7\",\"remove_keyboard\":true,"
      "\"template\":{\"name\":\"t\"},\"tag\":\"HUMAN_AGENT\",\"key\":\"k1\"}");
  json_t *m = pl_feed_message(entry, 9, NULL);
  assert_json(m, "{\"seq\":9,\"at\":5,\"from\":\"bot\",\"text\":\"Our talks\","
                 "\"buttons\":[[{\"label\":\"Book\",\"id\":\"book\"},{\"label\":\"Site\","
                 "\"url\":\"https://x.example\"}]],"
                 "\"quick_replies\":[{\"label\":\"Later\",\"id\":\"later\"}],"
                 "\"media\":{\"type\":\"image\",\"url\":\"https://x.example/a.png\","
                 "\"filename\":\"a.png\"},"
                 "\"cards\":[{\"title\":\"Keynote\",\"subtitle\":\"10:00\","
                 "\"image\":\"https://x.example/k.png\",\"url\":\"https://x.example/k\","
                 "\"buttons\":[{\"label\":\"Remind me\",\"id\":\"rk\"}]}],"
                 "\"edit_message_id\":\"7\",\"remove_keyboard\":true}");
  json_decref(m);
  json_decref(entry);
}

static void test_operator_message_names_the_operator(void **state) {
  (void)state;
  json_t *entry =
      parse("{\"dir\":\"out\",\"at\":1,\"text\":\"Hi, Carla here\",\"operator\":\"Carla\"}");
  json_t *m = pl_feed_message(entry, 3, NULL);
  assert_json(m, "{\"seq\":3,\"at\":1,\"from\":\"operator\",\"name\":\"Carla\","
                 "\"text\":\"Hi, Carla here\"}");
  json_decref(m);
  json_decref(entry);
}

static void test_inbound_entries(void **state) {
  (void)state;
  json_t *labels = parse("{\"book\":\"Book a seat\"}");
  json_t *text = parse("{\"dir\":\"in\",\"kind\":\"message\",\"at\":1,\"text\":\"hi\","
                       "\"event_id\":\"w:v:c1\"}");
  json_t *press = parse("{\"dir\":\"in\",\"kind\":\"button\",\"at\":2,\"text\":\"book\"}");
  json_t *stale = parse("{\"dir\":\"in\",\"kind\":\"button\",\"at\":3,\"text\":\"gone\"}");
  json_t *timer = parse("{\"dir\":\"in\",\"kind\":\"timer\",\"at\":4,\"name\":\"nudge\"}");
  json_t *data = parse("{\"dir\":\"in\",\"kind\":\"contact\",\"at\":5,\"data\":{\"phone\":\"1\"}}");
  json_t *handoff = parse("{\"dir\":\"sys\",\"kind\":\"handoff\",\"at\":6,\"text\":\"angry\"}");
  json_t *m = pl_feed_message(text, 1, labels);
  assert_json(m,
              "{\"seq\":1,\"at\":1,\"from\":\"visitor\",\"text\":\"hi\",\"event_id\":\"w:v:c1\"}");
  json_decref(m);
  m = pl_feed_message(press, 2, labels);
  assert_json(m, "{\"seq\":2,\"at\":2,\"from\":\"visitor\",\"text\":\"Book a seat\","
                 "\"button\":\"book\"}");
  json_decref(m);
  m = pl_feed_message(stale, 3, labels);
  assert_json(m, "{\"seq\":3,\"at\":3,\"from\":\"visitor\",\"text\":\"gone\",\"button\":\"gone\"}");
  json_decref(m);
  assert_null(pl_feed_message(timer, 4, labels));
  assert_null(pl_feed_message(data, 5, labels));
  m = pl_feed_message(handoff, 6, labels);
  assert_json(m, "{\"seq\":6,\"at\":6,\"from\":\"system\",\"kind\":\"handoff\"}");
  json_decref(m);
  json_t *all[] = {labels, text, press, stale, timer, data, handoff};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    json_decref(all[i]);
}

/* ---- reading from a store ---- */

typedef struct history_write {
  uint32_t tenant;
  const char *conv;
  const char *const *entries; /* seq 1, 2, ... */
} history_write;

static int write_history(pl_txn *tx, void *ud, pl_err *err) {
  (void)err;
  history_write *hw = ud;
  for (size_t i = 0; hw->entries[i]; i++) {
    pl_key k;
    pl_key_init(&k, hw->tenant);
    pl_key_str0(&k, hw->conv);
    pl_key_u64(&k, i + 1);
    int rc = pl_store_put(tx, PL_T_HISTORY, k.b, k.len, hw->entries[i], strlen(hw->entries[i]));
    if (rc) return rc;
  }
  return 0;
}

static const char *const CONV[] = {
    "{\"dir\":\"in\",\"kind\":\"message\",\"at\":1,\"text\":\"/start\"}",
    "{\"dir\":\"out\",\"at\":1,\"text\":\"Pick\",\"buttons\":[[{\"label\":\"Yes\",\"id\":\"y\"}]]}",
    "{\"dir\":\"in\",\"kind\":\"button\",\"at\":2,\"text\":\"y\"}",
    "{\"dir\":\"out\",\"at\":2,\"text\":\"Good\"}",
    "{\"dir\":\"in\",\"kind\":\"timer\",\"at\":3,\"name\":\"nudge\"}",
    NULL};
static const char *const OTHER[] = {"{\"dir\":\"out\",\"at\":1,\"text\":\"not yours\"}", NULL};

static void assert_seqs(const json_t *messages, const char *want) {
  char got[200] = "";
  size_t i;
  json_t *m;
  json_array_foreach(messages, i, m) {
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld:%s", i ? " " : "",
             (long long)json_integer_value(json_object_get(m, "seq")),
             json_string_value(json_object_get(m, "text")));
  }
  assert_string_equal(got, want);
}

static void test_read_after_n(void **state) {
  (void)state;
  char *dir = make_temp_dir("feed");
  pl_store *store;
  pl_err err;
  pl_store_opts o = {.no_sync = true};
  assert_int_equal(pl_store_open(&store, dir, &o, &err), 0);
  history_write a = {7, "webchat:v1", CONV}, b = {7, "webchat:v10", OTHER},
                c = {8, "webchat:v1", OTHER};
  assert_int_equal(pl_store_write(store, write_history, &a, &err), 0);
  assert_int_equal(pl_store_write(store, write_history, &b, &err), 0);
  assert_int_equal(pl_store_write(store, write_history, &c, &err), 0);

  uint64_t next = 99;
  json_t *m = pl_feed_read(store, 7, "webchat:v1", 0, 0, &next);
  assert_seqs(m, "1:/start 2:Pick 3:Yes 4:Good"); /* the timer is not shown... */
  assert_int_equal(next, 5);                      /* ...but read past */
  json_decref(m);

  m = pl_feed_read(store, 7, "webchat:v1", 2, 0, &next);
  assert_seqs(m, "3:Yes 4:Good"); /* the label of a button sent before `after` */
  assert_int_equal(next, 5);
  json_decref(m);

  m = pl_feed_read(store, 7, "webchat:v1", 5, 0, &next);
  assert_int_equal(json_array_size(m), 0);
  assert_int_equal(next, 5);
  json_decref(m);

  m = pl_feed_read(store, 7, "webchat:v1", 0, 2, &next); /* in batches */
  assert_seqs(m, "1:/start 2:Pick");
  assert_int_equal(next, 2);
  json_decref(m);

  m = pl_feed_read(store, 7, "webchat:v2", 0, 0, &next); /* nothing yet */
  assert_int_equal(json_array_size(m), 0);
  assert_int_equal(next, 0);
  json_decref(m);

  pl_store_close(store);
  rm_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bot_message_passes_every_canonical_field),
      cmocka_unit_test(test_operator_message_names_the_operator),
      cmocka_unit_test(test_inbound_entries),
      cmocka_unit_test(test_read_after_n),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
