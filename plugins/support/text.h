/* Text helpers shared by the channel plugins (linked into each, not a plugin itself):
 * counting Unicode code points in UTF-8 and splitting long texts at paragraph, sentence
 * and word boundaries under a channel's limit (CHANNELS.md §7.4 "Long text"). */
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

#endif
