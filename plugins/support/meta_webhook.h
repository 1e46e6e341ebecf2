/* Meta's webhook engine (WhatsApp Cloud API, Messenger, Instagram): CHANNELS.md §2.1. */
#ifndef PL_PLUGIN_META_WEBHOOK_H
#define PL_PLUGIN_META_WEBHOOK_H
#include <stdbool.h>

#include "parley/channel.h"

/* X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app_secret, raw body), compared in
 * constant time. */
bool pl_meta_signature_ok(const char *app_secret, const pl_channel_request *req);
/* The GET handshake: 200 text/plain with hub.challenge when hub.mode=subscribe and
 * hub.verify_token matches, else 403 naming channels.<channel>.verify_token. */
char *pl_meta_handshake(const char *verify_token, const char *channel,
                        const pl_channel_request *req);

#endif
