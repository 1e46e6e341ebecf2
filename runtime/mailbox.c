/* Cross-thread task queue into a libuv loop (see mailbox.h). */
#include <stdlib.h>

#include "mailbox.h"

static void drain(uv_async_t *h) {
  pl_mailbox *mb = h->data;
  for (;;) {
    pthread_mutex_lock(&mb->mu);
    pl_task *list = mb->head;
    mb->head = mb->tail = NULL;
    pthread_mutex_unlock(&mb->mu);
    if (!list) return;
    while (list) {
      pl_task *t = list;
      list = t->next;
      t->fn(t->ud);
      free(t);
    }
  }
}

int pl_mailbox_init(pl_mailbox *mb, uv_loop_t *loop) {
  mb->head = mb->tail = NULL;
  mb->closed = 0;
  pthread_mutex_init(&mb->mu, NULL);
  mb->async.data = mb;
  return uv_async_init(loop, &mb->async, drain);
}

int pl_mailbox_post(pl_mailbox *mb, pl_task_fn fn, void *ud) {
  pl_task *t = malloc(sizeof *t);
  if (!t) return -1;
  t->fn = fn;
  t->ud = ud;
  t->next = NULL;
  pthread_mutex_lock(&mb->mu);
  if (mb->closed) {
    pthread_mutex_unlock(&mb->mu);
    free(t);
    return -1;
  }
  if (mb->tail)
    mb->tail->next = t;
  else
    mb->head = t;
  mb->tail = t;
  uv_async_send(&mb->async);
  pthread_mutex_unlock(&mb->mu);
  return 0;
}

static void closed_cb(uv_handle_t *h) {
  pl_mailbox *mb = h->data;
  pthread_mutex_destroy(&mb->mu);
}

void pl_mailbox_close(pl_mailbox *mb) {
  drain(&mb->async);
  pthread_mutex_lock(&mb->mu);
  mb->closed = 1;
  pthread_mutex_unlock(&mb->mu);
  drain(&mb->async);
  uv_close((uv_handle_t *)&mb->async, closed_cb);
}
