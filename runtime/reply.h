/* The canonical outbound message: what ctx:reply(text, opts) builds, what the outbox
 * stores and what channel plugins render (include/parley/channel.h, render). Built from
 * plain JSON (the opts table already converted) so every check returns an error instead
 * of unwinding through Lua, and so it can be tested without a script. */
#ifndef PL_REPLY_H
#define PL_REPLY_H
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/error.h"

#define PL_REPLY_ID_MAX 64 /* button ids: the portable limit of all channels */

typedef struct pl_reply_ctx {
  const char *channel;    /* "telegram", "console": for error messages */
  const json_t *caps;     /* the channel's describe(), or NULL */
  const char *message_id; /* the bot message whose button was pressed, or NULL */
  int64_t now_ms, last_inbound_ms;
} pl_reply_ctx;

/* Builds the message for text (may be NULL or empty only with media or cards) and opts
 * (a JSON object or NULL). On error returns PL_EINVAL with a message naming the option
 * ("opts.cards[2].title: ..."). New reference in *out. */
int pl_reply_build(const char *text, size_t text_len, const json_t *opts, const pl_reply_ctx *c,
                   json_t **out, pl_err *err);

/* Whether free-form messages may be sent now: false on a channel with a reply window
 * (caps.window_hours) when the user last wrote longer ago than that, or never. */
int pl_reply_window_open(const pl_reply_ctx *c);

/* The choices a user may answer by number or label, in the canonical order: buttons row
 * by row, then each card's buttons, then quick replies; url buttons are not choices.
 * New reference: an array of {label, id}. */
json_t *pl_reply_choices(const json_t *msg);

/* Writes msg for a person reading a terminal or a transcript: the text, then media,
 * cards, url buttons and numbered choices, each line starting with prefix. */
void pl_reply_print(FILE *f, const json_t *msg, const char *prefix);

#endif
