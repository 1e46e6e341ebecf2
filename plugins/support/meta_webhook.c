/* The Meta webhook engine shared by WhatsApp, Messenger and Instagram (see meta_webhook.h):
 * the GET verification handshake and the X-Hub-Signature-256 check. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "meta_webhook.h"

static bool same_secret(const char *want, const char *got) {
  size_t n = strlen(want);
  return got && strlen(got) == n && !CRYPTO_memcmp(want, got, n);
}

/* X-Hub-Signature-256: "sha256=" + 64 hex digits of HMAC-SHA256(app secret, raw body). */
bool pl_meta_signature_ok(const char *app_secret, const pl_channel_request *req) {
  const char *sig = pl_plugin_header(req, "x-hub-signature-256");
  if (!sig || strncmp(sig, "sha256=", 7) || strlen(sig + 7) != 64) return false;
  char hex[65], got[65];
  if (pl_plugin_hmac_hex(app_secret, req->body ? req->body : "", req->body_len, hex)) return false;
  for (int i = 0; i < 64; i++)
    got[i] = (char)tolower((unsigned char)sig[7 + i]);
  got[64] = 0;
  return !CRYPTO_memcmp(hex, got, 64);
}

/* GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=... (CHANNELS.md §2.2) */
char *pl_meta_handshake(const char *verify_token, const char *channel,
                        const pl_channel_request *req) {
  char *mode = pl_plugin_query_param(req->query, "hub.mode");
  char *token = pl_plugin_query_param(req->query, "hub.verify_token");
  char *challenge = pl_plugin_query_param(req->query, "hub.challenge");
  char *out;
  if (!mode || strcmp(mode, "subscribe") || !same_secret(verify_token, token)) {
    char detail[200];
    snprintf(detail, sizeof detail,
             "the webhook handshake needs hub.mode=subscribe and hub.verify_token equal to "
             "channels.%s.verify_token",
             channel);
    out = pl_plugin_refuse(403, "verification failed", detail);
  } else {
    json_t *body = json_string(challenge ? challenge : "");
    if (!body) {
      out = pl_plugin_refuse(400, "bad challenge", "hub.challenge is not valid UTF-8");
    } else {
      json_t *o =
          json_pack("{s:i,s:s,s:o}", "status", 200, "content_type", "text/plain", "body", body);
      out = pl_plugin_dump(o);
    }
  }
  if (token) OPENSSL_cleanse(token, strlen(token));
  free(mode);
  free(token);
  free(challenge);
  return out;
}
