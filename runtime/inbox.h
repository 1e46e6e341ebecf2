/* The inbox: canonical events (from channels, operators, and one conversation to
 * another) stored durably before they are handled, each once. */
#ifndef PL_INBOX_H
#define PL_INBOX_H
#include <jansson.h>
#include <stdint.h>

#include "event.h"
#include "store.h"

/* Writes canonical events (each with "channel" and "accepted_at") to the inbox, skipping
 * ids seen before; seqs[i] is the inbox sequence, 0 for a duplicate. */
int pl_inbox_put_events(pl_txn *tx, uint32_t tenant, const json_t *events, uint64_t *seqs,
                        pl_err *err);

/* Canonical event record (inbox JSON) -> pl_event pointing into it. */
void pl_event_from_record(const json_t *rec, pl_event *ev);

#endif
