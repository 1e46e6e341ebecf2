/* The canonical outbound message, read for a channel plugin (see message.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "message.h"
#include "text.h"

static const char *const media_types[] = {"image", "video", "audio", "document", NULL};

typedef struct reader {
  pl_message *m;
  const char *channel;
  size_t id_max;
  const char *id_limit;
  size_t number; /* of the last choice */
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...) {
  char what[340];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  snprintf(r->m->error, sizeof r->m->error, "%s: %s", r->channel, what);
  return -1;
}

static bool blank(const char *s) {
  return !s || strspn(s, " \n\r\t") == strlen(s);
}

/* An address a user can open: http(s)://host..., no white space or control characters. */
static bool link_ok(const json_t *v) {
  const char *u = json_string_value(v);
  if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))) return false;
  const char *host = u + (u[4] == 's' ? 8 : 7);
  if (!*host || *host == '/') return false;
  for (; *u; u++)
    if ((unsigned char)*u <= ' ' || *u == 0x7f) return false;
  return true;
}

/* "the button "Label"" for errors: at most 40 characters of the label, whole ones. */
static const char *quoted(const char *label, char buf[200]) {
  const char *l = label ? label : "?";
  snprintf(buf, 200, "\"%.*s\"", (int)pl_text_prefix_bytes(l, strlen(l), 40), l);
  return buf;
}

/* One button object: a choice ({label, id}) appended to `choices` under the next number,
 * or a link ({label, url}) appended to `links` (url buttons are not choices). */
static int read_button(reader *r, const json_t *b, const char *card, bool url_allowed,
                       json_t *choices, json_t *links) {
  char q[200];
  if (!json_is_object(b))
    return fail(r, "each button must be a table: {label = ..., id = ...}%s",
                url_allowed ? " or {label = ..., url = ...}" : "");
  const char *label = json_string_value(json_object_get(b, "label"));
  json_t *id = json_object_get(b, "id"), *url = json_object_get(b, "url");
  if (blank(label)) return fail(r, "a button has no label");
  if (url && !url_allowed)
    return fail(r, "the quick reply %s has a url: quick replies answer with an id",
                quoted(label, q));
  if (url && id)
    return fail(r, "the button %s has both an id and a url (one or the other)", quoted(label, q));
  if (url) {
    if (!link_ok(url))
      return fail(r, "the button %s has a url that is not an http(s) address", quoted(label, q));
    json_array_append_new(links, json_pack("{s:s,s:O}", "label", label, "url", url));
    return 0;
  }
  if (!json_is_string(id) || !json_string_length(id))
    return fail(r, "the button %s has no id", quoted(label, q));
  if (json_string_length(id) > r->id_max)
    return fail(r, "the button %s has an id over %zu bytes (%s)", quoted(label, q), r->id_max,
                r->id_limit);
  json_t *c =
      json_pack("{s:s,s:O,s:I}", "label", label, "id", id, "number", (json_int_t)++r->number);
  if (card) json_object_set_new(c, "card", json_string(card));
  json_array_append_new(choices, c);
  return 0;
}

static int read_buttons(reader *r, pl_message *m) {
  json_t *rows = json_object_get(m->root, "buttons");
  if (rows && !json_is_array(rows))
    return fail(r, "\"buttons\" must be a list of rows (each a list of buttons)");
  m->rows = rows ? json_incref(rows) : json_array();
  size_t i, j;
  json_t *row, *b;
  json_array_foreach(m->rows, i, row) {
    if (!json_is_array(row)) return fail(r, "each row of \"buttons\" must be a list of buttons");
    json_array_foreach(row, j, b) {
      if (read_button(r, b, NULL, true, m->buttons, m->links)) return -1;
    }
  }
  return 0;
}

static bool optional_string(const json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return !v || json_is_string(v);
}

static int read_cards(reader *r, pl_message *m) {
  json_t *cards = json_object_get(m->root, "cards");
  if (cards && !json_is_array(cards))
    return fail(r, "\"cards\" must be a list of cards {title = ..., subtitle = ..., image = "
                   "..., url = ..., buttons = {...}}");
  m->cards = cards ? json_incref(cards) : json_array();
  size_t i, j;
  json_t *card, *b;
  json_array_foreach(m->cards, i, card) {
    const char *title = json_string_value(json_object_get(card, "title"));
    if (!json_is_object(card) || blank(title)) return fail(r, "card %zu has no title", i + 1);
    if (!optional_string(card, "subtitle"))
      return fail(r, "card %zu: \"subtitle\" must be a string", i + 1);
    static const char *const links[] = {"image", "url"};
    for (int k = 0; k < 2; k++) {
      json_t *v = json_object_get(card, links[k]);
      if (v && !link_ok(v))
        return fail(r, "card %zu: \"%s\" must be an http(s) address", i + 1, links[k]);
    }
    json_t *buttons = json_object_get(card, "buttons");
    if (buttons && !json_is_array(buttons))
      return fail(r, "card %zu: \"buttons\" must be a list of buttons", i + 1);
    json_t *choices = json_array(), *ls = json_array();
    json_array_append_new(m->card_choices, choices);
    json_array_append_new(m->card_links, ls);
    json_array_foreach(buttons, j, b) {
      if (read_button(r, b, title, true, choices, ls)) return -1;
    }
  }
  return 0;
}

static int read_quick(reader *r, pl_message *m) {
  json_t *quick = json_object_get(m->root, "quick_replies");
  if (quick && !json_is_array(quick))
    return fail(r, "\"quick_replies\" must be a list of {label = ..., id = ...}");
  size_t i;
  json_t *b;
  json_array_foreach(quick, i, b) {
    if (read_button(r, b, NULL, false, m->quick, NULL)) return -1;
  }
  return 0;
}

static int read_media(reader *r, pl_message *m) {
  json_t *media = json_object_get(m->root, "media");
  if (!media || json_is_null(media)) return 0;
  const char *type = json_string_value(json_object_get(media, "type"));
  bool known = false;
  for (const char *const *t = media_types; type && *t; t++)
    known = known || !strcmp(type, *t);
  if (!json_is_object(media) || !known)
    return fail(r, "\"media\" needs a type: \"image\", \"video\", \"audio\" or \"document\"");
  if (!link_ok(json_object_get(media, "url")))
    return fail(r, "\"media\" needs a url: the http(s) address of the file");
  if (!optional_string(media, "filename")) return fail(r, "media \"filename\" must be a string");
  m->media.type = type;
  m->media.url = json_string_value(json_object_get(media, "url"));
  m->media.filename = json_string_value(json_object_get(media, "filename"));
  if (blank(m->media.filename)) m->media.filename = NULL;
  return 0;
}

static int read_template(reader *r, pl_message *m) {
  json_t *t = json_object_get(m->root, "template");
  if (!t || json_is_null(t)) return 0;
  json_t *params = json_object_get(t, "params");
  if (!json_is_object(t) || blank(json_string_value(json_object_get(t, "name"))) ||
      blank(json_string_value(json_object_get(t, "language"))))
    return fail(r, "\"template\" needs a name and a language, e.g. {name = \"booking_reminder\", "
                   "language = \"en_US\", params = {\"Tuesday\"}}");
  if (params && !json_is_array(params)) return fail(r, "template \"params\" must be a list");
  size_t i;
  json_t *p;
  json_array_foreach(params, i, p) {
    if (!json_is_string(p) && !json_is_number(p))
      return fail(r, "template parameter %zu must be a string or a number", i + 1);
  }
  m->tmpl = t;
  return 0;
}

int pl_message_read(pl_message *m, const char *json, const char *channel, size_t id_max,
                    const char *id_limit) {
  memset(m, 0, sizeof *m);
  m->buttons = json_array();
  m->links = json_array();
  m->quick = json_array();
  m->choices = json_array();
  m->card_choices = json_array();
  m->card_links = json_array();
  m->since_user = -1;
  reader r = {m, channel, id_max, id_limit, 0};
  m->root = json_loads(json, 0, NULL);
  if (!json_is_object(m->root)) return fail(&r, "the message is not a JSON object");
  m->chat_id = json_string_value(json_object_get(m->root, "chat_id"));
  if (blank(m->chat_id)) return fail(&r, "the message has no chat_id");
  json_t *text = json_object_get(m->root, "text");
  if (text && !json_is_null(text) && !json_is_string(text))
    return fail(&r, "\"text\" must be a string");
  m->text = blank(json_string_value(text)) ? NULL : json_string_value(text);
  if (read_buttons(&r, m) || read_cards(&r, m) || read_quick(&r, m) || read_media(&r, m) ||
      read_template(&r, m))
    return -1;
  json_array_extend(m->choices, m->buttons);
  size_t i;
  json_t *cc;
  json_array_foreach(m->card_choices, i, cc) json_array_extend(m->choices, cc);
  json_array_extend(m->choices, m->quick);
  json_t *edit = json_object_get(m->root, "edit_message_id");
  if (edit && !json_is_null(edit) && (!json_is_string(edit) || !json_string_length(edit)))
    return fail(&r, "\"edit_message_id\" must be the id of an earlier message (a string)");
  m->edit_id = json_string_value(edit);
  m->remove_keyboard = json_is_true(json_object_get(m->root, "remove_keyboard"));
  json_t *tag = json_object_get(m->root, "tag");
  if (tag && !json_is_null(tag) && (!json_is_string(tag) || !json_string_length(tag)))
    return fail(&r, "\"tag\" must be a message tag such as \"HUMAN_AGENT\"");
  m->tag = json_string_value(tag);
  json_t *op = json_object_get(m->root, "operator");
  m->by_operator = op && !json_is_null(op) && !json_is_false(op);
  json_t *now = json_object_get(m->root, "now"),
         *last = json_object_get(m->root, "last_inbound_at");
  if (json_is_integer(last))
    m->since_user = json_is_integer(now) ? json_integer_value(now) - json_integer_value(last) : 0;
  return 0;
}

void pl_message_free(pl_message *m) {
  json_decref(m->card_links);
  json_decref(m->card_choices);
  json_decref(m->choices);
  json_decref(m->quick);
  json_decref(m->links);
  json_decref(m->buttons);
  json_decref(m->cards);
  json_decref(m->rows);
  json_decref(m->root);
}

char *pl_message_refuse(pl_message *m) {
  pl_message_free(m);
  return pl_plugin_render_error("%s", m->error);
}

bool pl_message_has_content(const pl_message *m) {
  return m->text || m->media.type || json_array_size(m->cards) || json_array_size(m->choices) ||
         json_array_size(m->links);
}

/* Appends "\n" and line to *acc (or starts it with line); takes line. */
static void add_line(json_t **acc, json_t *line) {
  json_t *next = *acc ? json_sprintf("%s\n%s", json_string_value(*acc), json_string_value(line))
                      : json_incref(line);
  json_decref(line);
  json_decref(*acc);
  *acc = next;
}

json_t *pl_message_menu(const json_t *choices, bool titled, bool footer) {
  json_t *menu = NULL, *c;
  size_t i;
  json_array_foreach(choices, i, c) {
    const char *card = json_string_value(json_object_get(c, "card"));
    add_line(&menu, json_sprintf("%lld. %s%s%s",
                                 (long long)json_integer_value(json_object_get(c, "number")),
                                 titled && card ? card : "", titled && card ? ": " : "",
                                 json_string_value(json_object_get(c, "label"))));
  }
  if (menu && footer) add_line(&menu, json_string("Reply with a number."));
  return menu;
}

json_t *pl_message_link_lines(const json_t *links) {
  json_t *lines = NULL, *l;
  size_t i;
  json_array_foreach(links, i, l) {
    add_line(&lines, json_sprintf("%s: %s", json_string_value(json_object_get(l, "label")),
                                  json_string_value(json_object_get(l, "url"))));
  }
  return lines;
}

json_t *pl_message_card_text(const json_t *card) {
  json_t *text = NULL;
  static const char *const keys[] = {"title", "subtitle", "url"};
  for (int k = 0; k < 3; k++) {
    const char *v = json_string_value(json_object_get(card, keys[k]));
    if (!blank(v)) add_line(&text, json_string(v));
  }
  return text;
}

json_t *pl_message_media_line(const pl_media *media) {
  return media->filename ? json_sprintf("%s: %s", media->filename, media->url)
                         : json_string(media->url);
}

bool pl_message_media_ext(const pl_media *media, const char *const exts[]) {
  const char *name = media->filename ? media->filename : media->url;
  size_t n = media->filename ? strlen(name) : strcspn(name, "?#");
  for (const char *const *e = exts; *e; e++) {
    size_t k = strlen(*e);
    if (n >= k && !strncasecmp(name + n - k, *e, k)) return true;
  }
  return false;
}

json_t *pl_message_join(const char *const texts[], size_t n) {
  json_t *out = NULL;
  for (size_t i = 0; i < n; i++) {
    if (blank(texts[i])) continue;
    json_t *next =
        out ? json_sprintf("%s\n\n%s", json_string_value(out), texts[i]) : json_string(texts[i]);
    json_decref(out);
    out = next;
  }
  return out;
}

bool pl_message_labels_fit(const json_t *choices, size_t max) {
  size_t i;
  json_t *c;
  json_array_foreach(choices, i, c) {
    const char *l = json_string_value(json_object_get(c, "label"));
    if (pl_text_code_points(l, strlen(l)) > max) return false;
  }
  return true;
}
