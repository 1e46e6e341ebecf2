/* The canonical outbound message (reply.h): checks every option of ctx:reply once, here,
 * so that plugins render well-formed messages and a script's mistake is reported where
 * it was made, naming the option. */
#include <ctype.h>
#include <string.h>

#include "reply.h"

#define TEXT_MAX 65536 /* bytes; channels split long texts, but not novels */
#define LABEL_MAX 256  /* bytes */
#define URL_MAX 2048   /* bytes */
#define CARDS_MAX 10   /* Messenger's carousel */
#define CARD_BUTTONS_MAX 3
#define TITLE_MAX 80     /* characters */
#define SUBTITLE_MAX 500 /* characters */
#define QUICK_MAX 13     /* Messenger's quick replies */
#define PARAMS_MAX 20

static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static int url_ok(const json_t *v) {
  const char *u = json_string_value(v);
  if (!u) return 0;
  size_t n = strlen(u);
  if (n > URL_MAX || (strncmp(u, "https://", 8) && strncmp(u, "http://", 7))) return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f) return 0;
  return n > 8;
}

#define FAIL(...) return pl_err_set(err, PL_EINVAL, __VA_ARGS__)

/* A button: "Label", {"Label", "id"}, {label=, id=} or {label=, url=}. */
static int button(const json_t *v, const char *path, int allow_url, json_t **out, pl_err *err) {
  const char *label = NULL, *id = NULL;
  const json_t *url = NULL;
  if (json_is_string(v)) {
    label = id = json_string_value(v);
  } else if (json_is_array(v) && json_array_size(v) >= 1 && json_array_size(v) <= 2) {
    label = json_string_value(json_array_get(v, 0));
    id = json_array_size(v) == 2 ? json_string_value(json_array_get(v, 1)) : label;
    if (json_array_size(v) == 2 && !id) label = NULL;
  } else if (json_is_object(v)) {
    const char *k;
    json_t *f;
    json_object_foreach((json_t *)v, k, f) {
      if (strcmp(k, "label") && strcmp(k, "id") && strcmp(k, "url"))
        FAIL("%s.%s: unknown button field (a button has label and id, or label and url)", path, k);
    }
    label = json_string_value(json_object_get(v, "label"));
    url = json_object_get(v, "url");
    id = json_string_value(json_object_get(v, "id"));
    if (url && json_object_get(v, "id"))
      FAIL("%s: a button has an id (it is pressed) or a url (it opens a link), not both", path);
    if (!url && !json_object_get(v, "id")) id = label;
  }
  if (!label || !*label || strlen(label) > LABEL_MAX)
    FAIL("%s: a button needs a label (a non-empty string of at most %d bytes): write "
         "{\"Label\", \"id\"}, {label = \"Label\", id = \"id\"} or {label = \"Label\", url = "
         "\"https://...\"}",
         path, LABEL_MAX);
  if (url) {
    if (!allow_url) FAIL("%s: \"%s\" has a url, but only buttons can open links", path, label);
    if (!url_ok(url))
      FAIL("%s: button \"%s\": url must be an http:// or https:// address of at most %d bytes "
           "without spaces",
           path, label, URL_MAX);
    *out = json_pack("{s:s,s:O}", "label", label, "url", url);
    return 0;
  }
  if (!id || !*id || strlen(id) > PL_REPLY_ID_MAX)
    FAIL("%s: button \"%s\": its id must be 1-%d bytes", path, label, PL_REPLY_ID_MAX);
  *out = json_pack("{s:s,s:s}", "label", label, "id", id);
  return 0;
}

/* A Lua list; an empty Lua table arrives as an empty object. */
static int is_list(const json_t *v) {
  return json_is_array(v) || (json_is_object(v) && !json_object_size(v));
}

/* {"Label", "id"} is a button, {"A", "B", {label=...}} a row: a list of one or two texts
 * is a button. */
static int is_button(const json_t *v) {
  size_t n = json_array_size(v);
  return json_is_string(v) || json_is_object(v) ||
         (json_is_array(v) && n >= 1 && n <= 2 && json_is_string(json_array_get(v, 0)) &&
          json_is_string(json_array_get(v, n - 1)));
}

/* Rows of buttons; an element that is itself a button is a row of one. */
static int button_rows(const json_t *v, json_t **out, pl_err *err) {
  if (!is_list(v)) FAIL("opts.buttons must be a list of rows (a row is a list of buttons)");
  json_t *rows = json_array();
  size_t i, j;
  json_t *e, *b;
  char path[64];
  json_array_foreach(v, i, e) {
    json_t *row = json_array(), *one;
    int rc = 0;
    if (is_button(e)) {
      snprintf(path, sizeof path, "opts.buttons[%zu]", i + 1);
      if (!(rc = button(e, path, 1, &one, err))) json_array_append_new(row, one);
    } else if (json_is_array(e)) {
      json_array_foreach(e, j, b) {
        snprintf(path, sizeof path, "opts.buttons[%zu][%zu]", i + 1, j + 1);
        if ((rc = button(b, path, 1, &one, err))) break;
        json_array_append_new(row, one);
      }
    } else {
      rc = pl_err_set(err, PL_EINVAL,
                      "opts.buttons[%zu] must be a button or a row (a list of "
                      "buttons)",
                      i + 1);
    }
    if (rc) {
      json_decref(row);
      json_decref(rows);
      return rc;
    }
    if (json_array_size(row))
      json_array_append_new(rows, row);
    else
      json_decref(row);
  }
  *out = rows;
  return 0;
}

static int button_list(const json_t *v, const char *path, int allow_url, size_t max, json_t **out,
                       pl_err *err) {
  if (!is_list(v) || json_array_size(v) > max)
    FAIL("%s must be a list of at most %zu buttons", path, max);
  json_t *list = json_array(), *one, *b;
  size_t i;
  char p[96];
  json_array_foreach(v, i, b) {
    snprintf(p, sizeof p, "%s[%zu]", path, i + 1);
    int rc = button(b, p, allow_url, &one, err);
    if (rc) {
      json_decref(list);
      return rc;
    }
    json_array_append_new(list, one);
  }
  *out = list;
  return 0;
}

static int media(const char *key, const json_t *v, json_t **out, pl_err *err) {
  const char *type = key;
  const json_t *url = v, *filename = NULL;
  if (json_is_object(v)) {
    const char *k;
    json_t *f;
    json_object_foreach((json_t *)v, k, f) {
      if (strcmp(k, "url") && strcmp(k, "filename") && (strcmp(key, "media") || strcmp(k, "type")))
        FAIL("opts.%s.%s: unknown field (media has %surl and filename)", key, k,
             strcmp(key, "media") ? "" : "type, ");
    }
    url = json_object_get(v, "url");
    filename = json_object_get(v, "filename");
    if (!strcmp(key, "media")) type = json_string_value(json_object_get(v, "type"));
  } else if (!strcmp(key, "media")) {
    FAIL("opts.media must be a table {type = \"image\"|\"video\"|\"audio\"|\"document\", url = "
         "\"https://...\", filename = \"...\"}");
  }
  if (!type || (strcmp(type, "image") && strcmp(type, "video") && strcmp(type, "audio") &&
                strcmp(type, "document")))
    FAIL("opts.media.type must be \"image\", \"video\", \"audio\" or \"document\"");
  if (!url_ok(url))
    FAIL("opts.%s: the url must be an http:// or https:// address of at most %d bytes (media "
         "is sent by URL)",
         key, URL_MAX);
  if (filename && (!json_is_string(filename) || !json_string_length(filename) ||
                   json_string_length(filename) > 255 || strchr(json_string_value(filename), '/')))
    FAIL("opts.%s.filename must be a file name of 1-255 bytes without a slash", key);
  *out = json_pack("{s:s,s:O}", "type", type, "url", url);
  if (filename) json_object_set(*out, "filename", (json_t *)filename);
  return 0;
}

static int card(const json_t *v, const char *path, json_t **out, pl_err *err) {
  if (!json_is_object(v))
    FAIL("%s must be a table {title = ..., subtitle = ..., image = ..., url = ..., buttons = "
         "{...}}",
         path);
  const char *k;
  json_t *f;
  json_object_foreach((json_t *)v, k, f) {
    if (strcmp(k, "title") && strcmp(k, "subtitle") && strcmp(k, "image") && strcmp(k, "url") &&
        strcmp(k, "buttons"))
      FAIL("%s.%s: unknown card field (a card has title, subtitle, image, url, buttons)", path, k);
  }
  const char *title = json_string_value(json_object_get(v, "title"));
  if (!title || !*title || utf8_chars(title) > TITLE_MAX)
    FAIL("%s.title must be a string of 1-%d characters", path, TITLE_MAX);
  json_t *sub = json_object_get(v, "subtitle");
  if (sub && (!json_is_string(sub) || utf8_chars(json_string_value(sub)) > SUBTITLE_MAX))
    FAIL("%s.subtitle must be a string of at most %d characters", path, SUBTITLE_MAX);
  json_t *c = json_pack("{s:s}", "title", title);
  if (sub && json_string_length(sub)) json_object_set(c, "subtitle", sub);
  const char *links[] = {"image", "url"};
  for (int i = 0; i < 2; i++) {
    json_t *u = json_object_get(v, links[i]);
    if (!u) continue;
    if (!url_ok(u)) {
      json_decref(c);
      FAIL("%s.%s must be an http:// or https:// address of at most %d bytes", path, links[i],
           URL_MAX);
    }
    json_object_set(c, links[i], u);
  }
  json_t *bv = json_object_get(v, "buttons");
  if (bv) {
    char p[96];
    snprintf(p, sizeof p, "%s.buttons", path);
    json_t *list;
    int rc = button_list(bv, p, 1, CARD_BUTTONS_MAX, &list, err);
    if (rc) {
      json_decref(c);
      return rc;
    }
    json_object_set_new(c, "buttons", list);
  }
  *out = c;
  return 0;
}

static int name_ok(const char *s, size_t max, int (*cls)(int)) {
  size_t n = s ? strlen(s) : 0;
  if (!n || n > max) return 0;
  for (size_t i = 0; i < n; i++)
    if (!cls((unsigned char)s[i]) && s[i] != '_') return 0;
  return 1;
}

static int lower_or_digit(int c) {
  return islower(c) || isdigit(c);
}

static int template(const json_t *v, json_t **out, pl_err *err) {
  const char *k;
  json_t *f;
  if (!json_is_object(v))
    FAIL("opts.template must be a table {name = \"...\", language = \"en\", params = {...}}");
  json_object_foreach((json_t *)v, k, f) {
    if (strcmp(k, "name") && strcmp(k, "language") && strcmp(k, "params"))
      FAIL("opts.template.%s: unknown field (a template has name, language, params)", k);
  }
  const char *name = json_string_value(json_object_get(v, "name"));
  const char *lang = json_string_value(json_object_get(v, "language"));
  if (!name_ok(name, 512, lower_or_digit))
    FAIL("opts.template.name must be the approved template's name: 1-512 of a-z 0-9 _");
  if (!name_ok(lang, 15, isalpha) || strlen(lang) < 2)
    FAIL("opts.template.language must be a language code such as \"en\" or \"en_US\"");
  json_t *params = json_array(), *p;
  json_t *pv = json_object_get(v, "params");
  size_t i;
  if (pv && (!json_is_array(pv) || json_array_size(pv) > PARAMS_MAX)) {
    json_decref(params);
    FAIL("opts.template.params must be a list of at most %d texts", PARAMS_MAX);
  }
  json_array_foreach(pv, i, p) {
    char num[64];
    const char *s = json_string_value(p);
    if (json_is_integer(p)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(p));
      s = num;
    } else if (json_is_real(p)) {
      snprintf(num, sizeof num, "%.14g", json_real_value(p));
      s = num;
    }
    if (!s || !*s) {
      json_decref(params);
      FAIL("opts.template.params[%zu] must be a non-empty text or a number", i + 1);
    }
    json_array_append_new(params, json_string(s));
  }
  *out = json_pack("{s:s,s:s,s:o}", "name", name, "language", lang, "params", params);
  return 0;
}

static int upper(int c) {
  return isupper(c);
}

int pl_reply_window_open(const pl_reply_ctx *c) {
  double hours = json_number_value(json_object_get(c->caps, "window_hours"));
  if (hours <= 0) return 1;
  return c->last_inbound_ms > 0 && c->now_ms - c->last_inbound_ms < (int64_t)(hours * 3600000.0);
}

static const char *const OPTIONS[] = {"buttons",         "quick_replies", "media", "image", "video",
                                      "audio",           "document",      "cards", "card",  "edit",
                                      "remove_keyboard", "template",      "tag",   NULL};

static int build(json_t *m, const json_t *opts, const pl_reply_ctx *c, pl_err *err) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)opts, k, v) {
    const char *const *o = OPTIONS;
    while (*o && strcmp(*o, k))
      o++;
    if (!*o)
      FAIL("opts.%s: unknown option; ctx:reply takes buttons, quick_replies, image, video, "
           "audio, document, media, card, cards, edit, remove_keyboard, template, tag",
           k);
  }
  json_t *out = NULL;
  int rc;
  if ((v = json_object_get(opts, "buttons"))) {
    if ((rc = button_rows(v, &out, err))) return rc;
    json_object_set_new(m, "buttons", out);
  }
  if ((v = json_object_get(opts, "quick_replies"))) {
    if ((rc = button_list(v, "opts.quick_replies", 0, QUICK_MAX, &out, err))) return rc;
    json_object_set_new(m, "quick_replies", out);
  }
  const char *mkeys[] = {"media", "image", "video", "audio", "document"};
  for (size_t i = 0; i < sizeof mkeys / sizeof *mkeys; i++) {
    if (!(v = json_object_get(opts, mkeys[i]))) continue;
    if (json_object_get(m, "media")) FAIL("one message carries one media item");
    if ((rc = media(mkeys[i], v, &out, err))) return rc;
    json_object_set_new(m, "media", out);
  }
  json_t *cv = json_object_get(opts, "cards"), *one = json_object_get(opts, "card");
  if (cv && one) FAIL("give opts.card (one) or opts.cards (a list), not both");
  if (one || cv) {
    if (cv && (!json_is_array(cv) || !json_array_size(cv) || json_array_size(cv) > CARDS_MAX))
      FAIL("opts.cards must be a list of 1-%d cards", CARDS_MAX);
    json_t *cards = json_array(), *e;
    json_t *list = cv ? json_incref(cv) : json_pack("[O]", one);
    size_t i;
    char path[32];
    rc = 0;
    json_array_foreach(list, i, e) {
      if (cv)
        snprintf(path, sizeof path, "opts.cards[%zu]", i + 1);
      else
        snprintf(path, sizeof path, "opts.card");
      if ((rc = card(e, path, &out, err))) break;
      json_array_append_new(cards, out);
    }
    json_decref(list);
    if (rc) {
      json_decref(cards);
      return rc;
    }
    json_object_set_new(m, "cards", cards);
  }
  if ((v = json_object_get(opts, "edit"))) {
    if (json_is_string(v) && json_string_length(v) && json_string_length(v) <= 128)
      json_object_set(m, "edit_message_id", v);
    else if (json_is_true(v) && c->message_id)
      json_object_set_new(m, "edit_message_id", json_string(c->message_id));
    else if (!json_is_boolean(v))
      FAIL("opts.edit must be true (change the message whose button was pressed) or a message "
           "id");
  }
  if ((v = json_object_get(opts, "remove_keyboard"))) {
    if (!json_is_boolean(v)) FAIL("opts.remove_keyboard must be true or false");
    if (json_is_true(v)) json_object_set_new(m, "remove_keyboard", json_true());
  }
  if ((v = json_object_get(opts, "template"))) {
    if ((rc = template(v, &out, err))) return rc;
    json_object_set_new(m, "template", out);
  }
  if ((v = json_object_get(opts, "tag"))) {
    if (!name_ok(json_string_value(v), 64, upper))
      FAIL("opts.tag must be a message tag such as \"CONFIRMED_EVENT_UPDATE\" (A-Z and _)");
    json_object_set(m, "tag", v);
  }
  return 0;
}

int pl_reply_build(const char *text, size_t text_len, const json_t *opts, const pl_reply_ctx *c,
                   json_t **out, pl_err *err) {
  *out = NULL;
  if (opts && !json_is_object(opts)) FAIL("the second argument must be an options table");
  if (text_len > TEXT_MAX)
    FAIL("the text is %zu bytes; at most %d (channels split long texts, but send "
         "documents as opts.document)",
         text_len, TEXT_MAX);
  json_t *m = json_object();
  if (text && text_len) {
    json_t *t = json_stringn(text, text_len);
    if (!t) {
      json_decref(m);
      FAIL("the text is not valid UTF-8");
    }
    json_object_set_new(m, "text", t);
  }
  int rc = opts ? build(m, opts, c, err) : 0;
  if (!rc && !json_object_get(m, "text") && !json_object_get(m, "media") &&
      !json_object_get(m, "cards"))
    rc = pl_err_set(err, PL_EINVAL,
                    "the text must be a non-empty string (it may be empty only "
                    "with opts.image and the like, or opts.cards)");
  if (!rc && !pl_reply_window_open(c) && !json_object_get(m, "template") &&
      !(json_object_get(m, "tag") && json_is_true(json_object_get(c->caps, "tags")))) {
    double hours = json_number_value(json_object_get(c->caps, "window_hours"));
    rc = pl_err_set(err, PL_EINVAL,
                    "%s delivers free-form messages only within %g hours of the "
                    "user's last message, and %s; give opts.template (a pre-approved template)%s, "
                    "or check ctx.channel.window_open first",
                    c->channel ? c->channel : "this channel", hours,
                    c->last_inbound_ms ? "that window has closed" : "this user has not written yet",
                    json_is_true(json_object_get(c->caps, "tags")) ? " or opts.tag" : "");
  }
  if (rc) {
    json_decref(m);
    return rc;
  }
  *out = m;
  return 0;
}

json_t *pl_reply_choices(const json_t *msg) {
  json_t *flat = json_array(), *row, *b, *cd;
  size_t i, j;
  json_array_foreach(json_object_get(msg, "buttons"), i, row) json_array_foreach(row, j, b) {
    if (json_object_get(b, "id")) json_array_append(flat, b);
  }
  json_array_foreach(json_object_get(msg, "cards"), i, cd) {
    json_array_foreach(json_object_get(cd, "buttons"), j, b) {
      if (json_object_get(b, "id")) json_array_append(flat, b);
    }
  }
  json_array_foreach(json_object_get(msg, "quick_replies"), i, b) json_array_append(flat, b);
  return flat;
}

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void print_lines(FILE *f, const char *prefix, const char *text) {
  const char *p = text;
  while (p && *p) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    fprintf(f, "%s%.*s\n", prefix, n, p);
    p = nl ? nl + 1 : NULL;
  }
}

static void print_links(FILE *f, const char *prefix, const json_t *buttons) {
  size_t i;
  json_t *b;
  json_array_foreach(buttons, i, b) {
    if (json_object_get(b, "url"))
      fprintf(f, "%s[link] %s: %s\n", prefix, str(b, "label"), str(b, "url"));
  }
}

void pl_reply_print(FILE *f, const json_t *msg, const char *prefix) {
  if (json_object_get(msg, "edit_message_id"))
    fprintf(f, "%s(replaces the earlier message)\n", prefix);
  json_t *m = json_object_get(msg, "media");
  if (m)
    fprintf(f, "%s[%s] %s%s%s\n", prefix, str(m, "type"), str(m, "url"),
            json_object_get(m, "filename") ? " " : "", str(m, "filename"));
  print_lines(f, prefix, str(msg, "text"));
  size_t i;
  json_t *c, *row;
  json_array_foreach(json_object_get(msg, "cards"), i, c) {
    fprintf(f, "%s+ %s%s%s\n", prefix, str(c, "title"), json_object_get(c, "subtitle") ? " - " : "",
            str(c, "subtitle"));
    if (json_object_get(c, "image")) fprintf(f, "%s  [image] %s\n", prefix, str(c, "image"));
    if (json_object_get(c, "url")) fprintf(f, "%s  %s\n", prefix, str(c, "url"));
    print_links(f, prefix, json_object_get(c, "buttons"));
  }
  json_array_foreach(json_object_get(msg, "buttons"), i, row) print_links(f, prefix, row);
  json_t *choices = pl_reply_choices(msg), *b;
  json_array_foreach(choices, i, b) fprintf(f, "%s[%zu] %s\n", prefix, i + 1, str(b, "label"));
  json_decref(choices);
}
