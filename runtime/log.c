/* Log formatting and the default stderr sink (see log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void pl_log_stderr(void *ud, const char *tenant, const char *line) {
  (void)ud;
  if (tenant)
    fprintf(stderr, "parley: %s: %s\n", tenant, line);
  else
    fprintf(stderr, "parley: %s\n", line);
  fflush(stderr);
}

void pl_log_printf(const pl_log *log, const char *tenant, const char *fmt, ...) {
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (log && log->write)
    log->write(log->ud, tenant, line);
  else
    pl_log_stderr(NULL, tenant, line);
}
