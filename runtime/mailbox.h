/* A mailbox: the way threads hand work to a loop. Any thread posts a task; the loop that
 * owns the mailbox runs it (in posting order) from a uv_async callback. This is the only
 * cross-thread path in the runtime besides the committer's queue: no locks on the
 * message path beyond this short one.
 *
 * Ownership: the mailbox belongs to its loop; a posted task's ud belongs to the task. */
#ifndef PL_MAILBOX_H
#define PL_MAILBOX_H
#include <pthread.h>
#include <uv.h>

typedef void (*pl_task_fn)(void *ud);

typedef struct pl_task {
  pl_task_fn fn;
  void *ud;
  struct pl_task *next;
} pl_task;

typedef struct pl_mailbox {
  uv_async_t async;
  pthread_mutex_t mu;
  pl_task *head, *tail;
  int closed;
} pl_mailbox;

int pl_mailbox_init(pl_mailbox *mb, uv_loop_t *loop);
/* Thread-safe. Returns -1 (and runs nothing) once the mailbox is closed. */
int pl_mailbox_post(pl_mailbox *mb, pl_task_fn fn, void *ud);
/* On the owning loop: runs what is queued, then closes the async handle. */
void pl_mailbox_close(pl_mailbox *mb);

#endif
