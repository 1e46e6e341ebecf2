/* Time zones: the tenant's wall clock (tenant.lua `timezone`), for os.date and os.time in
 * the sandbox. ICU's calendar does the conversions (per zone, thread-safe, with the
 * IANA rules including future DST changes) — the process itself stays on UTC.
 *
 * Ownership: pl_tz_open creates a converter for one zone; use it from one thread at a
 * time (a tenant's sandbox); pl_tz_close frees it. */
#ifndef PL_TZ_H
#define PL_TZ_H
#include <stdint.h>

#include "parley/error.h"

typedef struct pl_tz pl_tz;

/* A zone by IANA name ("Europe/Berlin", "UTC"); PL_EINVAL naming it when unknown. */
int pl_tz_open(pl_tz **out, const char *zone, pl_err *err);
void pl_tz_close(pl_tz *tz);

/* The zone's offset from UTC at instant ms (seconds east), whether daylight saving is in
 * effect, and its short name then ("CEST", or "GMT+2" where the zone has none). */
int pl_tz_offset(pl_tz *tz, int64_t ms, int *offset_s, int *dst, char *abbrev, size_t n);

/* The instant of a wall-clock time in the zone. Fields out of range roll over (month 13
 * is January of the next year); a time skipped by a DST change is taken as after the
 * change, a repeated one as its first occurrence. */
int pl_tz_from_local(pl_tz *tz, int year, int month, int day, int hour, int min, int sec,
                     int64_t *ms);

#endif
