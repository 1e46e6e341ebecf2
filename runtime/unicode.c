/* Folding for matching, through ICU (unicode.h). */
#include <stdlib.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "unicode.h"

static int icu_fail(pl_err *err, UErrorCode st) {
  return pl_err_set(
      err, st == U_INVALID_CHAR_FOUND || st == U_ILLEGAL_CHAR_FOUND ? PL_EINVAL : PL_ENOMEM,
      "text: %s",
      st == U_INVALID_CHAR_FOUND || st == U_ILLEGAL_CHAR_FOUND ? "not valid UTF-8"
                                                               : u_errorName(st));
}

int pl_text_fold(const char *s, size_t n, char **out, size_t *out_len, pl_err *err) {
  *out = NULL;
  UErrorCode st = U_ZERO_ERROR;
  if (n > (1u << 24)) return pl_err_set(err, PL_EINVAL, "text: longer than 16 MB");
  int32_t ulen = 0;
  u_strFromUTF8(NULL, 0, &ulen, s, (int32_t)n, &st);
  if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) return icu_fail(err, st);
  st = U_ZERO_ERROR;
  /* Decomposition can grow text a few times over; ICU says how much when it does. */
  int32_t cap = ulen * 4 + 16;
  UChar *a = malloc(sizeof *a * (size_t)cap), *b = malloc(sizeof *b * (size_t)cap);
  char *utf8 = NULL;
  int rc = 0;
  u_strFromUTF8(a, cap, &ulen, s, (int32_t)n, &st);
  const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&st);
  const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
  int32_t len = U_SUCCESS(st) ? unorm2_normalize(nfkd, a, ulen, b, cap, &st) : 0;
  if (U_FAILURE(st)) {
    rc = icu_fail(err, st);
    goto done;
  }
  int32_t k = 0; /* drop the marks the decomposition split off */
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    int32_t at = i;
    U16_NEXT(b, i, len, c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    while (at < i)
      b[k++] = b[at++];
  }
  len = u_strFoldCase(a, cap, b, k, U_FOLD_CASE_DEFAULT, &st);
  if (U_SUCCESS(st)) len = unorm2_normalize(nfc, a, len, b, cap, &st);
  int32_t blen = 0;
  if (U_SUCCESS(st)) {
    u_strToUTF8(NULL, 0, &blen, b, len, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) st = U_ZERO_ERROR;
  }
  if (U_FAILURE(st)) {
    rc = icu_fail(err, st);
    goto done;
  }
  utf8 = malloc((size_t)blen + 1);
  u_strToUTF8(utf8, blen + 1, &blen, b, len, &st);
  if (U_FAILURE(st)) {
    free(utf8);
    utf8 = NULL;
    rc = icu_fail(err, st);
    goto done;
  }
  *out = utf8;
  *out_len = (size_t)blen;
done:
  free(a);
  free(b);
  return rc;
}
