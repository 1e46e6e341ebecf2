/* Error codes to text, and the pl_err formatter used on every failure path. */
#include <stdarg.h>
#include <stdio.h>

#include "parley/error.h"

const char *pl_strerror(int code) {
  switch (code) {
  case PL_OK: return "ok";
  case PL_EINVAL: return "invalid input";
  case PL_ENOMEM: return "out of memory";
  case PL_EIO: return "I/O error";
  case PL_ESCRIPT: return "script error";
  case PL_ENOTFOUND: return "not found";
  case PL_EFULL: return "storage full";
  case PL_EBUDGET: return "budget exceeded";
  case PL_ESTORE: return "storage error";
  case PL_EUSAGE: return "usage error";
  case PL_ESTALE: return "already done";
  case PL_EBUSY: return "peer not keeping up";
  case PL_ECONFLICT: return "conflicting change";
  default: return "unknown error";
  }
}

int pl_err_set(pl_err *e, int code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}
