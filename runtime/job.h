/* One event on its way through the runtime: handler run (possibly waiting on HTTP), the
 * effects sealed into one commit, then delivery. Synchronous callers use pl_dispatch();
 * the server's workers drive the same steps asynchronously (worker.c).
 *
 * Ownership: a pl_job owns copies of its event's strings and every json_t it holds; the
 * tenant and code it points to must outlive it. */
#ifndef PL_JOB_H
#define PL_JOB_H
#include "event.h"
#include "http_client.h"

struct pl_runtime;
struct pl_tenant;
struct pl_code;

/* What one event writes, in one transaction. */
typedef struct pl_commit {
  struct pl_runtime *rt;
  struct pl_tenant *t;
  const pl_event *ev;
  pl_run *run;
  const char *conv_key;
  json_t *record;     /* conversation record to write */
  json_t *history;    /* array of messages to append */
  int64_t hseq0;      /* history sequence before this event */
  bool failed;        /* handler failed: only record + history */
  uint64_t inbox_seq; /* the accepted event this handles: removed in the same commit */
  bool use_outbox;    /* replies go to the outbox (network channels) */
  json_t *outbox;     /* the entries written, each with "_seq" */
  uint64_t *out_seqs; /* the inbox seqs of run->outgoing, once written (0: a duplicate) */
} pl_commit;

typedef struct pl_job {
  struct pl_runtime *rt;
  struct pl_tenant *t;
  struct pl_code *code;
  pl_event ev;
  char *owned[8];
  json_t *data;
  char conv[600];
  json_t *record;
  pl_run run;
  int src; /* the handler's result: 0 or a script error */
  pl_err serr;
  pl_commit c;
  int64_t now;
  uint64_t inbox_seq;
  bool use_outbox;
  bool stale;              /* the commit found its timer already fired */
  bool running;            /* started by its worker (holds a reference on code) */
  bool skip_handler;       /* an operator owns the conversation, or an operator action */
  const char *owner_after; /* "bot" / "operator" when this event changes the owner */
  struct pl_job *next;     /* queue link for the owner */
  void *owner;             /* the worker's per-conversation queue */
  int64_t accepted_ns;
  bool in_lane; /* run again after a conflict, in its tenant's one-at-a-time lane */
  bool park;    /* a timer or signal while an operator owns the conversation: kept for later */
} pl_job;

pl_job *pl_job_new(struct pl_runtime *rt, struct pl_tenant *t, const pl_event *ev);
void pl_job_free(pl_job *job);
/* A fresh job for the same event (its commit conflicted: PL_ECONFLICT), to run again
 * from the start: same inbox entry, same acceptance time. */
pl_job *pl_job_again(const pl_job *job);
/* Runs the handler: 0 when it finished (or failed: job->src), PL_PENDING when it waits on
 * HTTP — perform pl_job_http_request() and call pl_job_resume_http() with the answer. */
int pl_job_run(pl_job *job);
int pl_job_resume_http(pl_job *job, const pl_http_client_resp *resp);
/* Continues a handler that gave the loop back at the end of its time slice (PL_PENDING
 * with no HTTP request waiting). */
int pl_job_continue(pl_job *job);
/* The request a waiting handler asked for; hdrs receives the header lines. */
void pl_job_http_request(const pl_job *job, pl_http_client_req *req, const char **hdrs,
                         size_t max_hdrs);
/* Builds the conversation record and history from the finished run. */
void pl_job_seal(pl_job *job);
/* The write of a sealed job, for pl_store_write / the committer (ud = job). */
int pl_job_apply(pl_txn *tx, void *ud, pl_err *err);
/* After the commit: direct delivery (console-like channels), logs, timer refresh. */
void pl_job_committed(pl_job *job, int rc, const pl_err *err);

#endif
