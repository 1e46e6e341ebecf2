/* Log sink: where runtime and tenant log lines go (stderr by default; the spec runner
 * captures them for transcripts). Owned by whoever creates the runtime. */
#ifndef PL_LOG_H
#define PL_LOG_H

typedef struct pl_log {
  void (*write)(void *ud, const char *tenant, const char *line);
  void *ud;
} pl_log;

/* Writes "parley: TENANT: message" (or "parley: message" when tenant is NULL). */
void pl_log_printf(const pl_log *log, const char *tenant, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pl_log_stderr(void *ud, const char *tenant, const char *line);

#endif
