/* Text splitting for channel plugins (see text.h). */
#include <stdbool.h>
#include <string.h>

#include "text.h"

static bool is_cont(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

size_t pl_text_code_points(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += !is_cont((unsigned char)s[i]);
  return k;
}

/* Bytes taken by the first `cps` code points of s (n bytes): n if it has fewer. */
size_t pl_text_prefix_bytes(const char *s, size_t n, size_t cps) {
  size_t i = 0, k = 0;
  while (i < n) {
    if (!is_cont((unsigned char)s[i])) {
      if (k == cps) return i;
      k++;
    }
    i++;
  }
  return n;
}

static bool is_space(char ch) {
  return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

/* The longest prefix of s within `limit` units: code points, or bytes (never inside a
 * character). */
static size_t window(const char *s, size_t n, size_t limit, bool bytes) {
  if (!bytes) return pl_text_prefix_bytes(s, n, limit);
  if (limit >= n) return n;
  size_t p = limit;
  while (p > 0 && is_cont((unsigned char)s[p]))
    p--;
  return p;
}

/* Where to cut s (n bytes, more than `limit` units) so that the first part holds at most
 * `limit` units: the last paragraph break ("\n\n") in the window, if it lies in the
 * window's second half; else the last sentence end there (".", "!", "?" or "…" before
 * white space; "。", "！", "？"); else the last white space anywhere in the window; else
 * exactly at the limit. Returns the length of the first part (before trimming). */
static size_t cut_point(const char *s, size_t n, size_t limit, bool bytes) {
  size_t win = window(s, n, limit, bytes), half = window(s, n, limit / 2, bytes);
  for (size_t p = win; p >= half && p > 0; p--) /* part = s[0, p) */
    if (p + 1 < n && s[p] == '\n' && s[p + 1] == '\n') return p;
  for (size_t p = win; p >= half && p > 0; p--) {
    if (p < n && is_space(s[p]) && strchr(".!?", s[p - 1])) return p;
    if (p >= 3 && p < n && is_space(s[p]) && !memcmp(s + p - 3, "\xE2\x80\xA6", 3)) return p;
    if (p >= 3 && (!memcmp(s + p - 3, "\xE3\x80\x82", 3) || !memcmp(s + p - 3, "\xEF\xBC\x81", 3) ||
                   !memcmp(s + p - 3, "\xEF\xBC\x9F", 3)))
      return p;
  }
  for (size_t p = win; p > 0; p--)
    if (p < n && is_space(s[p])) return p;
  return win;
}

/* The first part of s (n bytes, over the limit): its length, and in *next where the rest
 * starts (white space at the cut belongs to neither). */
static size_t first_part(const char *s, size_t n, size_t limit, bool bytes, size_t *next) {
  size_t cut = cut_point(s, n, limit, bytes), len = cut;
  while (len && is_space(s[len - 1]))
    len--;
  if (!len) /* white space only up to the cut: cut at the limit instead */
    len = cut = window(s, n, limit, bytes);
  while (cut < n && is_space(s[cut]))
    cut++;
  *next = cut;
  return len;
}

static bool over(const char *s, size_t n, size_t limit, bool bytes) {
  return (bytes ? n : pl_text_code_points(s, n)) > limit;
}

static json_t *split(const char *s, size_t limit, bool bytes) {
  json_t *parts = json_array();
  size_t n = strlen(s);
  while (over(s, n, limit, bytes)) {
    size_t next, len = first_part(s, n, limit, bytes, &next);
    json_array_append_new(parts, json_stringn(s, len));
    s += next;
    n -= next;
  }
  if (n) json_array_append_new(parts, json_stringn(s, n));
  return parts;
}

json_t *pl_text_split(const char *s, size_t limit) {
  return split(s, limit, false);
}

json_t *pl_text_split_bytes(const char *s, size_t limit) {
  return split(s, limit, true);
}

json_t *pl_text_split_first(const char *s, size_t first_limit, size_t limit) {
  size_t n = strlen(s), next;
  if (!over(s, n, first_limit, false)) return split(s, limit, false);
  size_t len = first_part(s, n, first_limit, false, &next);
  json_t *parts = json_pack("[s%]", s, len), *rest = split(s + next, limit, false);
  json_array_extend(parts, rest);
  json_decref(rest);
  return parts;
}

json_t *pl_text_split_last(const char *s, size_t limit, size_t last_limit) {
  json_t *parts = split(s, limit, false);
  size_t k = json_array_size(parts);
  if (!k) return parts;
  json_t *tail = split(json_string_value(json_array_get(parts, k - 1)), last_limit, false);
  json_array_remove(parts, k - 1);
  json_array_extend(parts, tail);
  json_decref(tail);
  return parts;
}

size_t pl_text_utf16_units(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = (unsigned char)s[i];
    k += !is_cont(b) + (b >= 0xF0); /* a 4-byte sequence is a surrogate pair */
  }
  return k;
}

json_t *pl_text_truncated(const char *s, size_t max) {
  size_t n = strlen(s);
  if (pl_text_code_points(s, n) <= max) return json_string(s);
  return json_sprintf("%.*s…", (int)pl_text_prefix_bytes(s, n, max - 1), s);
}
