/* The canonical outbound message (include/parley/channel.h, render) as every channel
 * plugin reads it: checked once, with errors that name the field and the button; its
 * choices numbered in the order the runtime matches a typed number ("buttons" row by
 * row, then each card's buttons, then "quick_replies"); and the plain-text forms the
 * channels fall back to (numbered menus, "Label: url" lines, cards as text) — so that a
 * "3" means the same choice on every channel (docs/channels.md, "Canonical messages"). */
#ifndef PL_PLUGIN_MESSAGE_H
#define PL_PLUGIN_MESSAGE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pl_media {
  const char *type; /* image | video | audio | document, or NULL: no media */
  const char *url;
  const char *filename; /* or NULL */
} pl_media;

/* A choice is {"label", "id", "number"} (+ "card": the card's title for a card's
 * button); a link is {"label", "url"} (a url button). Every pointer and array below
 * belongs to `root` and lives until pl_message_free. */
typedef struct pl_message {
  json_t *root;
  const char *chat_id;
  const char *text;     /* NULL when absent or blank */
  json_t *rows;         /* "buttons" as given (rows of button objects), [] when absent */
  json_t *buttons;      /* the choices among the rows, in order */
  json_t *links;        /* the url buttons among the rows, in order */
  json_t *quick;        /* "quick_replies" as choices */
  json_t *choices;      /* every choice, in the numbering order */
  json_t *cards;        /* "cards" as given, [] when absent */
  json_t *card_choices; /* per card: its choices */
  json_t *card_links;   /* per card: its url buttons */
  pl_media media;
  const char *edit_id; /* "edit_message_id", or NULL */
  bool remove_keyboard;
  json_t *tmpl; /* "template" {name, language, params}, or NULL */
  const char *tag;
  bool by_operator;
  long long since_user; /* ms since the user last wrote; -1: never (or unknown) */
  char error[400];      /* why pl_message_read failed */
} pl_message;

/* Reads and checks `json` for `channel` (the prefix of every error), whose choice ids
 * take at most id_max bytes (`id_limit` says whose limit that is). 0, or -1 with the
 * reason in m->error; pl_message_free either way. */
int pl_message_read(pl_message *m, const char *json, const char *channel, size_t id_max,
                    const char *id_limit);
void pl_message_free(pl_message *m);
/* After a failed pl_message_read: frees m and returns render's {"error": m->error}. */
char *pl_message_refuse(pl_message *m);
/* Whether there is anything to show: text, media, cards, buttons or quick replies (an
 * edit or a keyboard removal alone may be nothing on a channel without them). */
bool pl_message_has_content(const pl_message *m);

/* `choices` as "3. Label" lines under their numbers (card buttons as "3. Card: Label"
 * when titled), then "Reply with a number." when footer. */
json_t *pl_message_menu(const json_t *choices, bool titled, bool footer);
/* `links` as "Label: url" lines. */
json_t *pl_message_link_lines(const json_t *links);
/* A card as text: its title, subtitle and url, one a line. */
json_t *pl_message_card_text(const json_t *card);
/* The media as a line of text: "filename: url", or the url. */
json_t *pl_message_media_line(const pl_media *media);
/* Whether the media's filename (else its url's path) ends in one of the extensions
 * (".pdf", ...; case-insensitive): what a channel takes only for some file types. */
bool pl_message_media_ext(const pl_media *media, const char *const exts[]);
/* The non-empty ones of n texts (NULL for none) joined by blank lines; NULL if none. */
json_t *pl_message_join(const char *const texts[], size_t n);
/* The labels of `choices` all fit in max code points. */
bool pl_message_labels_fit(const json_t *choices, size_t max);

#endif
