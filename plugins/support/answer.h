/* Small helpers every channel plugin needs to answer parley (include/parley/channel.h):
 * JSON to a malloc'd string, header lookup, a refusal answer, a formatted error. */
#ifndef PL_PLUGIN_ANSWER_H
#define PL_PLUGIN_ANSWER_H
#include <jansson.h>

#include "parley/channel.h"

/* Compact JSON text of out (malloc'd); takes the reference. */
char *pl_plugin_dump(json_t *out);
/* A request header by lower-case name, or NULL. */
const char *pl_plugin_header(const pl_channel_request *r, const char *name);
/* A webhook answer refusing the request now: {status, content_type, body: {error, detail}}. */
char *pl_plugin_refuse(int status, const char *error, const char *detail);
/* A malloc'd formatted message (open()'s *error). */
char *pl_plugin_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
