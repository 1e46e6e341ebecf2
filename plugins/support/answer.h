/* Small helpers every channel plugin needs to answer parley (include/parley/channel.h):
 * JSON to a malloc'd string, header and query lookups, a refusal answer, a formatted
 * error, a JSON POST request, and the HMAC-SHA256 that webhook signatures and visitor
 * tokens use. */
#ifndef PL_PLUGIN_ANSWER_H
#define PL_PLUGIN_ANSWER_H
#include <jansson.h>
#include <stdbool.h>

#include "parley/channel.h"

/* Compact JSON text of out (malloc'd); takes the reference. */
char *pl_plugin_dump(json_t *out);
/* A request header by lower-case name, or NULL. */
const char *pl_plugin_header(const pl_channel_request *r, const char *name);
/* The URL-decoded value of `name` in a query string ("a=1&b=x%20y", may be NULL),
 * malloc'd; NULL if absent. */
char *pl_plugin_query_param(const char *query, const char *name);
/* A webhook answer refusing the request now: {status, content_type, body: {error, detail}}. */
char *pl_plugin_refuse(int status, const char *error, const char *detail);
/* A malloc'd formatted message (open()'s *error). */
char *pl_plugin_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* render's refusal: {"error": <formatted sentence>}, malloc'd. */
char *pl_plugin_render_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One request for render / start / "send": a POST of `body` as JSON to url, with
 * "Authorization: <auth>" when auth is not NULL. Takes the reference to body. */
json_t *pl_plugin_post_json(const char *url, const char *auth, json_t *body);

/* classify's helpers: the Retry-After header's seconds from the answer's headers (the
 * JSON object classify gets; -1 if none), and the verdict {class, reason, retry_after}
 * (retry_after only for "retry_after", at most an hour; a reason that is not valid UTF-8,
 * e.g. a proxy's Latin-1 page cut mid-character, is replaced, never lost as a NULL). */
double pl_plugin_retry_after(const char *headers);
char *pl_plugin_verdict(const char *cls, const char *reason, double retry_after);

/* Whether `key` of a channel's settings is one of `known` (NULL-terminated), directly or
 * as its *_env form (parley resolved "token_env" into "token"; both reach the plugin). */
bool pl_plugin_known_setting(const char *key, const char *const *known);
/* hex = the 64 lower-case hex digits of HMAC-SHA256(key, data) and a NUL; 0, or -1 if
 * OpenSSL failed. */
int pl_plugin_hmac_hex(const char *key, const void *data, size_t len, char hex[65]);

#endif
