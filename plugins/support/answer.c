/* Answer helpers shared by the channel plugins (see answer.h). */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

char *pl_plugin_dump(json_t *out) {
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

double pl_plugin_retry_after(const char *headers) {
  json_t *h = headers ? json_loads(headers, 0, NULL) : NULL;
  const char *v = json_string_value(json_object_get(h, "retry-after"));
  double s = v ? atof(v) : -1;
  json_decref(h);
  return s;
}

char *pl_plugin_verdict(const char *cls, const char *reason, double retry_after) {
  json_t *out = json_pack("{s:s,s:s}", "class", cls, "reason", reason);
  if (!out) out = json_pack("{s:s,s:s}", "class", cls, "reason", "(reason not UTF-8)");
  if (!strcmp(cls, "retry_after") && retry_after >= 0)
    json_object_set_new(out, "retry_after", json_real(retry_after > 3600 ? 3600 : retry_after));
  return pl_plugin_dump(out);
}

const char *pl_plugin_header(const pl_channel_request *r, const char *name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (!strcmp(r->headers[i].name, name)) return r->headers[i].value;
  return NULL;
}

static int hexval(int ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                  : -1;
}

char *pl_plugin_query_param(const char *q, const char *name) {
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

bool pl_plugin_known_setting(const char *key, const char *const *known) {
  size_t n = strlen(key);
  if (n > 4 && !strcmp(key + n - 4, "_env")) n -= 4;
  for (const char *const *k = known; *k; k++)
    if (strlen(*k) == n && !strncmp(*k, key, n)) return true;
  return false;
}

int pl_plugin_hmac_hex(const char *key, const void *data, size_t len, char hex[65]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  if (!HMAC(EVP_sha256(), key, (int)strlen(key), data, len, mac, &maclen) || maclen != 32)
    return -1;
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return 0;
}

char *pl_plugin_refuse(int status, const char *error, const char *detail) {
  json_t *b = json_pack("{s:s,s:s}", "error", error, "detail", detail);
  if (!b) /* a detail quoting the request's bytes that is not valid UTF-8 */
    b = json_pack("{s:s,s:s}", "error", error, "detail", "the request is not valid UTF-8 JSON");
  char *text = pl_plugin_dump(b);
  json_t *out = json_pack("{s:i,s:s,s:s}", "status", status, "content_type", "application/json",
                          "body", text);
  free(text);
  return pl_plugin_dump(out);
}

char *pl_plugin_error(const char *fmt, ...) {
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return strdup(buf);
}

char *pl_plugin_render_error(const char *fmt, ...) {
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  json_t *out = json_pack("{s:s}", "error", buf);
  for (size_t n = strlen(buf), k = 0; !out && n && k < 4; k++) { /* cut inside a character */
    buf[--n] = 0;
    out = json_pack("{s:s}", "error", buf);
  }
  return pl_plugin_dump(out ? out : json_pack("{s:s}", "error", "the message is not UTF-8"));
}

json_t *pl_plugin_post_json(const char *url, const char *auth, json_t *body) {
  char *text = pl_plugin_dump(body);
  json_t *rq = json_pack("{s:s,s:s,s:{s:s},s:s}", "method", "POST", "url", url, "headers",
                         "Content-Type", "application/json", "body", text);
  if (auth) json_object_set_new(json_object_get(rq, "headers"), "Authorization", json_string(auth));
  free(text);
  return rq;
}
