/* The Meta webhook engine shared by WhatsApp, Messenger and Instagram (see meta_webhook.h):
 * the GET verification handshake and the X-Hub-Signature-256 check. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "meta_webhook.h"

static int hexval(int ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                  : -1;
}

/* The URL-decoded value of `name` in a query string (malloc'd), or NULL. */
static char *query_param(const char *q, const char *name) {
  size_t nl = strlen(name);
  while (q && *q) {
    const char *end = strchr(q, '&');
    size_t len = end ? (size_t)(end - q) : strlen(q);
    if (len > nl && q[nl] == '=' && !strncmp(q, name, nl)) {
      const char *v = q + nl + 1;
      size_t vl = len - nl - 1;
      char *out = malloc(vl + 1);
      size_t o = 0;
      for (size_t i = 0; i < vl; i++) {
        if (v[i] == '+')
          out[o++] = ' ';
        else if (v[i] == '%' && i + 2 < vl && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
          out[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
          i += 2;
        } else
          out[o++] = v[i];
      }
      out[o] = 0;
      return out;
    }
    q = end ? end + 1 : NULL;
  }
  return NULL;
}

static bool same_secret(const char *want, const char *got) {
  size_t n = strlen(want);
  return got && strlen(got) == n && !CRYPTO_memcmp(want, got, n);
}

/* X-Hub-Signature-256: "sha256=" + 64 hex digits of HMAC-SHA256(app secret, raw body). */
bool pl_meta_signature_ok(const char *app_secret, const pl_channel_request *req) {
  const char *sig = pl_plugin_header(req, "x-hub-signature-256");
  if (!sig || strncmp(sig, "sha256=", 7) || strlen(sig + 7) != 64) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  if (!HMAC(EVP_sha256(), app_secret, (int)strlen(app_secret),
            (const unsigned char *)(req->body ? req->body : ""), req->body_len, mac, &maclen) ||
      maclen != 32)
    return false;
  char hex[65], got[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  for (int i = 0; i < 64; i++)
    got[i] = (char)tolower((unsigned char)sig[7 + i]);
  got[64] = 0;
  return !CRYPTO_memcmp(hex, got, 64);
}

/* GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=... (CHANNELS.md §2.2) */
char *pl_meta_handshake(const char *verify_token, const char *channel,
                        const pl_channel_request *req) {
  char *mode = query_param(req->query, "hub.mode");
  char *token = query_param(req->query, "hub.verify_token");
  char *challenge = query_param(req->query, "hub.challenge");
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
