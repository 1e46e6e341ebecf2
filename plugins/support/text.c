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

/* Where to cut s (n bytes, more than `limit` code points) so that the first part holds at
 * most `limit` code points: the last paragraph break ("\n\n") in the window, if it lies in
 * the window's second half; else the last sentence end there (".", "!", "?" or "…" before
 * white space; "。", "！", "？"); else the last white space anywhere in the window; else
 * exactly at the limit. Returns the length of the first part (before trimming). */
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

static json_t *split(const char *s, size_t limit, bool bytes) {
  json_t *parts = json_array();
  size_t n = strlen(s);
  while ((bytes ? n : pl_text_code_points(s, n)) > limit) {
    size_t cut = cut_point(s, n, limit, bytes), len = cut;
    while (len && is_space(s[len - 1]))
      len--;
    if (!len) /* white space only up to the cut: cut at the limit instead */
      len = cut = window(s, n, limit, bytes);
    json_array_append_new(parts, json_stringn(s, len));
    s += cut;
    n -= cut;
    while (n && is_space(*s))
      s++, n--;
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
