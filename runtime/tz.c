/* Time zones through ICU's calendar (tz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "tz.h"

struct pl_tz {
  UCalendar *cal;
};

int pl_tz_open(pl_tz **out, const char *zone, pl_err *err) {
  *out = NULL;
  UChar id[128], canon[128];
  if (!zone || strlen(zone) >= sizeof id / sizeof *id)
    return pl_err_set(err, PL_EINVAL,
                      "timezone: expected an IANA zone name like \"Europe/Berlin\"");
  u_uastrcpy(id, zone);
  UErrorCode st = U_ZERO_ERROR;
  UBool system = 0;
  ucal_getCanonicalTimeZoneID(id, -1, canon, 128, &system, &st);
  if (U_FAILURE(st) || !system)
    return pl_err_set(err, PL_EINVAL,
                      "timezone: unknown zone \"%s\" (use an IANA name like \"Europe/Berlin\" or "
                      "\"America/New_York\")",
                      zone);
  UCalendar *cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
  if (U_FAILURE(st))
    return pl_err_set(err, PL_EINVAL, "timezone: cannot use zone \"%s\": %s", zone,
                      u_errorName(st));
  ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
  pl_tz *tz = malloc(sizeof *tz);
  tz->cal = cal;
  *out = tz;
  return 0;
}

void pl_tz_close(pl_tz *tz) {
  if (!tz) return;
  ucal_close(tz->cal);
  free(tz);
}

int pl_tz_offset(pl_tz *tz, int64_t ms, int *offset_s, int *dst, char *abbrev, size_t n) {
  UErrorCode st = U_ZERO_ERROR;
  ucal_setMillis(tz->cal, (UDate)ms, &st);
  int32_t zone = ucal_get(tz->cal, UCAL_ZONE_OFFSET, &st);
  int32_t d = ucal_get(tz->cal, UCAL_DST_OFFSET, &st);
  if (U_FAILURE(st)) return PL_EINVAL;
  *offset_s = (zone + d) / 1000;
  *dst = d != 0;
  if (abbrev && n) {
    /* CLDR's English has abbreviations only for the zones its locale uses (EST, PDT):
     * "CEST", "BST", "IST", "AEST"… come from the English of the places that use them.
     * The first that is not "GMT+2" wins; else ICU's "GMT+3". */
    static const char *const english[] = {"en", "en_GB", "en_AU", "en_IN", "en_ZA", "en_SG"};
    abbrev[0] = 0;
    for (size_t i = 0; i < sizeof english / sizeof *english; i++) {
      UChar name[64];
      UErrorCode est = U_ZERO_ERROR;
      int32_t len = ucal_getTimeZoneDisplayName(tz->cal, d ? UCAL_SHORT_DST : UCAL_SHORT_STANDARD,
                                                english[i], name, 64, &est);
      if (U_FAILURE(est) || len <= 0 || len >= 64) continue;
      name[len] = 0;
      bool offset_only = len >= 3 && name[0] == 'G' && name[1] == 'M' && name[2] == 'T';
      if (abbrev[0] && offset_only) continue;
      u_austrncpy(abbrev, name, (int32_t)n - 1);
      abbrev[n - 1] = 0;
      if (!offset_only) break;
    }
    if (!abbrev[0]) snprintf(abbrev, n, "UTC%+d", *offset_s / 3600);
  }
  return 0;
}

int pl_tz_from_local(pl_tz *tz, int year, int month, int day, int hour, int min, int sec,
                     int64_t *ms) {
  UErrorCode st = U_ZERO_ERROR;
  ucal_clear(tz->cal);
  ucal_setAttribute(tz->cal, UCAL_LENIENT, 1);
  ucal_setDateTime(tz->cal, year, month - 1, day, hour, min, sec, &st);
  UDate t = ucal_getMillis(tz->cal, &st);
  if (U_FAILURE(st)) return PL_EINVAL;
  *ms = (int64_t)t;
  return 0;
}
