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
