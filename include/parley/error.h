/* Error codes shared by the runtime and (later) channel plugins.
 * Every fallible call returns 0 or one of these negative codes and, where it can,
 * fills a pl_err with a message that says what failed, where, and what to do. */
#ifndef PARLEY_ERROR_H
#define PARLEY_ERROR_H

enum {
  PL_PENDING = 1, /* not an error: the work waits for the loop and finishes later */
  PL_OK = 0,
  PL_EINVAL = -1,     /* bad argument, config or input */
  PL_ENOMEM = -2,     /* allocation failed */
  PL_EIO = -3,        /* file or system call failed */
  PL_ESCRIPT = -4,    /* a Lua script raised an error */
  PL_ENOTFOUND = -5,  /* no such tenant, file, key */
  PL_EFULL = -6,      /* storage map full and could not grow */
  PL_EBUDGET = -7,    /* instruction or memory budget exceeded */
  PL_ESTORE = -8,     /* LMDB failure */
  PL_EUSAGE = -9,     /* command-line usage error */
  PL_ESTALE = -10,    /* the work was already done elsewhere (e.g. timer fired) */
  PL_EBUSY = -11,     /* the peer is not keeping up: nothing done, try again later */
  PL_ECONFLICT = -12, /* what an event read was changed by another event: run it again */
};

#define PL_ERR_MAX 1024

/* A message buffer filled by failing calls; owned by the caller, often on the stack. */
typedef struct pl_err {
  char msg[PL_ERR_MAX];
} pl_err;

const char *pl_strerror(int code);

/* Formats into e (if not NULL) and returns code, so callers can `return pl_err_set(...)`. */
int pl_err_set(pl_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
