/* Text helpers shared by the channel plugins (linked into each, not a plugin itself):
 * counting Unicode code points in UTF-8, splitting long texts at paragraph, sentence and
 * word boundaries under a channel's limit (CHANNELS.md §7.4 "Long text"), and cutting
 * labels to a channel's limit. */
#ifndef PL_PLUGIN_TEXT_H
#define PL_PLUGIN_TEXT_H
#include <jansson.h>
#include <stddef.h>

/* Code points in s (n bytes of UTF-8). */
size_t pl_text_code_points(const char *s, size_t n);
/* Bytes taken by the first `cps` code points of s (n bytes): n if it has fewer. */
size_t pl_text_prefix_bytes(const char *s, size_t n, size_t cps);
/* The text as parts of at most `limit` code points, in order (a JSON array of strings):
 * cut at the last paragraph break in the window's second half, else the last sentence
 * end there, else the last white space, else exactly at the limit. */
json_t *pl_text_split(const char *s, size_t limit);
/* The same with the limit in UTF-8 bytes (never cutting inside a character): Instagram. */
json_t *pl_text_split_bytes(const char *s, size_t limit);
/* Parts of at most `limit` code points, the first at most `first_limit` (a caption, with
 * the rest of the text in messages after it). */
json_t *pl_text_split_first(const char *s, size_t first_limit, size_t limit);
/* Parts of at most `limit` code points, the last at most `last_limit` (the body of a
 * message with buttons, after the head of the text as plain messages). */
json_t *pl_text_split_last(const char *s, size_t limit, size_t last_limit);
/* UTF-16 code units in s (n bytes of UTF-8): Telegram's entity offsets and lengths. */
size_t pl_text_utf16_units(const char *s, size_t n);
/* s cut to at most `max` code points (max >= 1), ending in "…" when cut (a label or a
 * title over the channel's limit). */
json_t *pl_text_truncated(const char *s, size_t max);

#endif
