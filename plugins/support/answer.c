/* Answer helpers shared by the channel plugins (see answer.h). */
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

const char *pl_plugin_header(const pl_channel_request *r, const char *name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (!strcmp(r->headers[i].name, name)) return r->headers[i].value;
  return NULL;
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
