/* Parser for human durations (see duration.h). Units: s, m, h, d, w; parts may be
 * combined largest first ("1h30m"); the total must be positive and under 10 years. */
#include <ctype.h>
#include <string.h>

#include "duration.h"

#define PL_DURATION_MAX_MS (10LL * 366 * 24 * 3600 * 1000)

static int64_t unit_ms(char u) {
  switch (u) {
  case 's': return 1000;
  case 'm': return 60 * 1000;
  case 'h': return 3600 * 1000;
  case 'd': return 24LL * 3600 * 1000;
  case 'w': return 7LL * 24 * 3600 * 1000;
  default: return 0;
  }
}

int pl_duration_parse(const char *s, int64_t *ms, pl_err *err) {
  const char *p = s;
  int64_t total = 0, last_unit = INT64_MAX;
  if (!s || !*s) goto bad;
  while (*p) {
    if (!isdigit((unsigned char)*p)) goto bad;
    int64_t n = 0;
    while (isdigit((unsigned char)*p)) {
      n = n * 10 + (*p - '0');
      if (n > PL_DURATION_MAX_MS) goto bad;
      p++;
    }
    int64_t u = unit_ms(*p);
    if (!u || u >= last_unit) goto bad;
    last_unit = u;
    p++;
    if (n > PL_DURATION_MAX_MS / u) goto bad; /* n * u would overflow */
    total += n * u;
    if (total > PL_DURATION_MAX_MS) goto bad;
  }
  if (total <= 0) goto bad;
  *ms = total;
  return 0;
bad:
  return pl_err_set(err, PL_EINVAL,
                    "invalid duration \"%s\": write a positive number with a unit, "
                    "like \"90s\", \"15m\", \"2h\", \"3d\", \"1w\" or \"1h30m\"",
                    s ? s : "");
}
