/* Durations as integrators write them: "90s", "15m", "2h", "24h", "3d", "1w", "1h30m". */
#ifndef PL_DURATION_H
#define PL_DURATION_H
#include <stdint.h>

#include "parley/error.h"

/* Parses s into milliseconds (> 0). Returns PL_EINVAL with a message naming s. */
int pl_duration_parse(const char *s, int64_t *ms, pl_err *err);

#endif
