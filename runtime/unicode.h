/* Text for matching (bot.text in Lua): what makes "Café", "CAFE" and "cafe" — or "Ёлка"
 * and "елка" — compare equal, done by ICU rather than by hand-written tables. */
#ifndef PL_UNICODE_H
#define PL_UNICODE_H
#include <stddef.h>

#include "parley/error.h"

/* Folds UTF-8 text for comparison: compatibility decomposition, marks (accents,
 * diaeresis) removed, case folded, recomposed. *out is malloc'd, NUL-terminated.
 * PL_EINVAL when s is not valid UTF-8. */
int pl_text_fold(const char *s, size_t n, char **out, size_t *out_len, pl_err *err);

#endif
