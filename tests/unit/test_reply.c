/* The canonical outbound message (reply.h): every ctx:reply option in its accepted forms
 * builds the documented JSON; every mistake is refused with a message naming the option;
 * choices are numbered buttons, then card buttons, then quick replies (url buttons
 * never); the reply window refuses free-form text unless a template (or a tag, where
 * the channel has tags) is given. Options arrive as the JSON pl_lua_to_json makes of the
 * Lua table, so they are written here as JSON text. */
#include "unit_helpers.h"

#include "reply.h"

static const pl_reply_ctx plain = {.channel = "console", .now_ms = 1000, .last_inbound_ms = 1000};

/* Builds text + opts (JSON text) and returns the message as compact sorted JSON. */
static char *build_ok(const pl_reply_ctx *c, const char *text, const char *opts) {
  json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
  if (opts && !o) fail_msg("bad test JSON: %s", opts);
  json_t *m = NULL;
  pl_err err = {{0}};
  int rc = pl_reply_build(text, text ? strlen(text) : 0, o, c, &m, &err);
  json_decref(o);
  if (rc) fail_msg("refused %s: %s", opts ? opts : "(no opts)", err.msg);
  char *s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(m);
  return s;
}

static void expect_json(const pl_reply_ctx *c, const char *text, const char *opts,
                        const char *want) {
  char *got = build_ok(c, text, opts);
  json_t *w = json_loads(want, 0, NULL);
  char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
  if (strcmp(got, ws)) fail_msg("%s\n  got  %s\n  want %s", opts ? opts : "", got, ws);
  free(got);
  free(ws);
  json_decref(w);
}

static void expect_refused(const pl_reply_ctx *c, const char *text, const char *opts,
                           const char *names) {
  json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
  json_t *m = NULL;
  pl_err err = {{0}};
  int rc = pl_reply_build(text, text ? strlen(text) : 0, o, c, &m, &err);
  json_decref(o);
  if (rc != PL_EINVAL) fail_msg("%s: accepted, want a refusal naming %s", opts, names);
  assert_null(m);
  assert_contains(err.msg, names);
}

static void test_buttons(void **state) {
  expect_json(&plain, "Hi", "{\"buttons\": [[[\"Yes\", \"y\"], \"No\"]]}",
              "{\"text\":\"Hi\",\"buttons\":[[{\"label\":\"Yes\",\"id\":\"y\"},"
              "{\"label\":\"No\",\"id\":\"No\"}]]}");
  /* a button where a row is expected is a row of one; {} is an empty list */
  expect_json(&plain, "Hi", "{\"buttons\": [{\"label\": \"A\", \"id\": \"a\"}, [\"B\"]]}",
              "{\"text\":\"Hi\",\"buttons\":[[{\"label\":\"A\",\"id\":\"a\"}],"
              "[{\"label\":\"B\",\"id\":\"B\"}]]}");
  expect_json(&plain, "Hi", "{\"buttons\": {}}", "{\"text\":\"Hi\",\"buttons\":[]}");
  expect_json(&plain, "Hi", "{\"buttons\": [{\"label\": \"Site\", \"url\": \"https://x.org/a\"}]}",
              "{\"text\":\"Hi\",\"buttons\":[[{\"label\":\"Site\",\"url\":\"https://x.org/a\"}]]}");
  expect_refused(&plain, "Hi", "{\"buttons\": \"Yes\"}", "opts.buttons must be a list of rows");
  expect_refused(&plain, "Hi", "{\"buttons\": [[[\"\", \"x\"]]]}", "opts.buttons[1][1]");
  expect_refused(&plain, "Hi",
                 "{\"buttons\": [[[\"L\", \"0123456789012345678901234567890123456789012345678901"
                 "2345678901234\"]]]}",
                 "its id must be 1-64 bytes");
  expect_refused(&plain, "Hi", "{\"buttons\": [{\"label\": \"S\", \"url\": \"ftp://x.org\"}]}",
                 "http:// or https://");
  expect_refused(&plain, "Hi",
                 "{\"buttons\": [{\"label\": \"S\", \"url\": \"https://x.org/a b\"}]}",
                 "without spaces");
  expect_refused(&plain, "Hi",
                 "{\"buttons\": [{\"label\": \"S\", \"url\": \"https://x.org\", \"id\": \"s\"}]}",
                 "not both");
  expect_refused(&plain, "Hi", "{\"buttons\": [{\"label\": \"S\", \"colour\": \"red\"}]}",
                 "opts.buttons[1].colour: unknown button field");
  expect_refused(&plain, "Hi",
                 "{\"quick_replies\": [{\"label\": \"S\", \"url\": \"https://x.org\"}]}",
                 "only buttons can open links");
}

static void test_media_cards(void **state) {
  expect_json(
      &plain, "Our map", "{\"image\": \"https://x.org/map.png\"}",
      "{\"text\":\"Our map\",\"media\":{\"type\":\"image\",\"url\":\"https://x.org/map.png\"}}");
  expect_json(
      &plain, NULL, "{\"document\": {\"url\": \"https://x.org/p.pdf\", \"filename\": \"p.pdf\"}}",
      "{\"media\":{\"type\":\"document\",\"url\":\"https://x.org/p.pdf\",\"filename\":\"p.pdf\"}}");
  expect_json(&plain, "", "{\"media\": {\"type\": \"video\", \"url\": \"https://x.org/v.mp4\"}}",
              "{\"media\":{\"type\":\"video\",\"url\":\"https://x.org/v.mp4\"}}");
  expect_refused(&plain, "x", "{\"media\": {\"type\": \"gif\", \"url\": \"https://x.org/v\"}}",
                 "opts.media.type");
  expect_refused(&plain, "x", "{\"image\": \"https://a.org/1\", \"video\": \"https://a.org/2\"}",
                 "one media item");
  expect_refused(&plain, "x",
                 "{\"document\": {\"url\": \"https://a.org/1\", \"filename\": \"a/b\"}}",
                 "opts.document.filename");
  expect_json(
      &plain, NULL,
      "{\"card\": {\"title\": \"Hall A\", \"subtitle\": \"Talks\", \"image\": "
      "\"https://x.org/a.png\", \"url\": \"https://x.org/a\", \"buttons\": [[\"Go\", \"go\"]]}}",
      "{\"cards\":[{\"title\":\"Hall A\",\"subtitle\":\"Talks\",\"image\":"
      "\"https://x.org/a.png\",\"url\":\"https://x.org/a\",\"buttons\":[{\"label\":\"Go\","
      "\"id\":\"go\"}]}]}");
  expect_refused(&plain, "x", "{\"cards\": [{\"subtitle\": \"no title\"}]}", "opts.cards[1].title");
  expect_refused(&plain, "x",
                 "{\"cards\": [{\"title\": \"t\", \"buttons\": [\"a\",\"b\",\"c\",\"d\"]}]}",
                 "opts.cards[1].buttons must be a list of at most 3");
  expect_refused(&plain, "x", "{\"card\": {\"title\": \"t\"}, \"cards\": [{\"title\": \"u\"}]}",
                 "not both");
  expect_refused(&plain, "x", "{\"cards\": []}", "1-10 cards");
  expect_refused(&plain, "x", "{\"card\": {\"title\": \"t\", \"price\": 3}}",
                 "opts.card.price: unknown card field");
  expect_refused(&plain, NULL, "{\"buttons\": [\"a\"]}", "the text must be a non-empty string");
  expect_refused(&plain, NULL, NULL, "the text must be a non-empty string");
}

static void test_options(void **state) {
  pl_reply_ctx pressed = plain;
  pressed.message_id = "77";
  expect_json(&pressed, "Page 2", "{\"edit\": true}",
              "{\"text\":\"Page 2\",\"edit_message_id\":\"77\"}");
  expect_json(&plain, "Page 2", "{\"edit\": true}", "{\"text\":\"Page 2\"}"); /* nothing to edit */
  expect_json(&plain, "Page 2", "{\"edit\": \"91\"}",
              "{\"text\":\"Page 2\",\"edit_message_id\":\"91\"}");
  expect_refused(&plain, "x", "{\"edit\": 3}", "opts.edit");
  expect_json(&plain, "Bye", "{\"remove_keyboard\": true}",
              "{\"text\":\"Bye\",\"remove_keyboard\":true}");
  expect_json(&plain, "Bye", "{\"remove_keyboard\": false}", "{\"text\":\"Bye\"}");
  expect_refused(&plain, "x", "{\"colour\": \"red\"}", "opts.colour: unknown option");
  expect_refused(&plain, "x", "{\"template\": {\"name\": \"Hello World\", \"language\": \"en\"}}",
                 "opts.template.name");
  expect_refused(&plain, "x", "{\"template\": {\"name\": \"hello\", \"language\": \"e\"}}",
                 "opts.template.language");
  expect_refused(&plain, "x", "{\"tag\": \"confirmed\"}", "opts.tag");
  json_t *m = NULL;
  pl_err err;
  const char bad[] = {'o', 'k', (char)0xff, 0};
  assert_int_equal(pl_reply_build(bad, 3, NULL, &plain, &m, &err), PL_EINVAL);
  assert_contains(err.msg, "not valid UTF-8");
}

static void test_choices_order(void **state) {
  json_t *o =
      json_loads("{\"buttons\": [[\"A\", {\"label\": \"Site\", \"url\": \"https://x.org\"}],"
                 " [\"B\"]], \"quick_replies\": [\"Q\"], \"cards\": [{\"title\": \"t\","
                 " \"buttons\": [\"C\", {\"label\": \"L\", \"url\": \"https://x.org/l\"}]}]}",
                 0, NULL);
  json_t *m;
  pl_err err;
  assert_int_equal(pl_reply_build("x", 1, o, &plain, &m, &err), 0);
  json_t *ch = pl_reply_choices(m);
  const char *want[] = {"A", "B", "C", "Q"};
  assert_int_equal(json_array_size(ch), 4);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(json_string_value(json_object_get(json_array_get(ch, i), "id")), want[i]);
  char *out = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&out, &n);
  pl_reply_print(f, m, "> ");
  fclose(f);
  assert_contains(out, "> [link] Site: https://x.org\n");
  assert_contains(out, "> [1] A\n> [2] B\n> [3] C\n> [4] Q\n");
  free(out);
  json_decref(ch);
  json_decref(m);
  json_decref(o);
}

static void test_window(void **state) {
  json_t *caps = json_loads("{\"window_hours\": 24, \"tags\": true}", 0, NULL);
  const int64_t H = 3600000;
  pl_reply_ctx c = {
      .channel = "whatsapp", .caps = caps, .now_ms = 100 * H, .last_inbound_ms = 90 * H};
  assert_true(pl_reply_window_open(&c));
  expect_json(&c, "hi", NULL, "{\"text\":\"hi\"}");
  c.last_inbound_ms = 76 * H + 1; /* 23:59:59.999 ago */
  assert_true(pl_reply_window_open(&c));
  c.last_inbound_ms = 76 * H; /* exactly 24 h */
  assert_false(pl_reply_window_open(&c));
  expect_refused(&c, "hi", NULL, "whatsapp delivers free-form messages only within 24 hours");
  expect_refused(&c, "hi", NULL, "opts.template");
  expect_json(
      &c, "hi",
      "{\"template\": {\"name\": \"hello\", \"language\": \"en_US\", \"params\": [\"Ann\", 2]}}",
      "{\"text\":\"hi\",\"template\":{\"name\":\"hello\",\"language\":\"en_US\","
      "\"params\":[\"Ann\",\"2\"]}}");
  expect_json(&c, "hi", "{\"tag\": \"CONFIRMED_EVENT_UPDATE\"}",
              "{\"text\":\"hi\",\"tag\":\"CONFIRMED_EVENT_UPDATE\"}");
  c.last_inbound_ms = 0; /* never wrote */
  expect_refused(&c, "hi", NULL, "has not written yet");
  json_object_set_new(caps, "tags", json_false()); /* a tag does not open a window without tags */
  expect_refused(&c, "hi", "{\"tag\": \"CONFIRMED_EVENT_UPDATE\"}", "opts.template");
  json_decref(caps);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buttons), cmocka_unit_test(test_media_cards),
      cmocka_unit_test(test_options), cmocka_unit_test(test_choices_order),
      cmocka_unit_test(test_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
