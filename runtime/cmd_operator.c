/* `parley operator`: an operator's actions on a running server, through its admin API
 * (the web inbox will use the same routes): send a message as the operator, take a
 * conversation over, hand it back to the bot. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char operator_usage[] =
    "usage: parley operator --url http://HOST:PORT --tenant T --chat CHANNEL:CHAT ACTION [TEXT]\n"
    "\n"
    "ACTION: send TEXT      send TEXT to the user as the operator (takes the conversation over)\n"
    "        handoff [WHY]  take the conversation over: the bot stops answering it\n"
    "        handback       give it back to the bot (runs bot.on(\"handback\"))\n"
    "\n"
    "  --operator NAME   who is acting (default: $USER)\n"
    "The token comes from PARLEY_ADMIN_TOKEN (the same as the server's).\n"
    "Exit codes: 0 accepted (durably queued), 1 refused or unreachable, 2 usage error.\n";

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  fwrite(p, size, n, ud);
  return size * n;
}

int pl_cmd_operator(int argc, char **argv) {
  const char *url = NULL, *tenant = NULL, *chat = NULL, *op = getenv("USER"), *pos[2];
  int npos;
  pl_opt opts[] = {{"--url", &url, NULL},
                   {"--tenant", &tenant, NULL},
                   {"--chat", &chat, NULL},
                   {"--operator", &op, NULL},
                   {NULL, NULL, NULL}};
  int prc = pl_cli_parse("operator", argc, argv, opts, pos, 2, &npos, operator_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  const char *colon = chat ? strchr(chat, ':') : NULL;
  if (!url || !tenant || !colon || npos < 1 ||
      (strcmp(pos[0], "send") && strcmp(pos[0], "handoff") && strcmp(pos[0], "handback")) ||
      (!strcmp(pos[0], "send") && npos < 2)) {
    fprintf(stderr, "parley operator: give --url, --tenant, --chat CHANNEL:CHAT and an action "
                    "(see parley operator --help)\n");
    return PL_EXIT_USAGE;
  }
  const char *token = getenv("PARLEY_ADMIN_TOKEN");
  if (!token || !*token) {
    fprintf(stderr, "parley operator: set PARLEY_ADMIN_TOKEN to the server's admin token\n");
    return PL_EXIT_USAGE;
  }
  char target[2048];
  snprintf(target, sizeof target, "%s/admin/%s/conversations/%.*s/%s/%s", url, tenant,
           (int)(colon - chat), chat, colon + 1, pos[0]);
  json_t *body = json_pack("{s:s}", "operator", op ? op : "operator");
  if (npos > 1)
    json_object_set_new(body, !strcmp(pos[0], "send") ? "text" : "reason", json_string(pos[1]));
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  char auth[600];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  CURL *c = curl_easy_init();
  char *resp = NULL;
  size_t rlen = 0;
  FILE *m = open_memstream(&resp, &rlen);
  curl_easy_setopt(c, CURLOPT_URL, target);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  fclose(m);
  int exit_code = PL_EXIT_OK;
  if (rc != CURLE_OK) {
    fprintf(stderr, "parley operator: %s: %s\n", target, curl_easy_strerror(rc));
    exit_code = PL_EXIT_FAIL;
  } else if (status != 200) {
    fprintf(stderr, "parley operator: %s: HTTP %ld %s\n", target, status, resp);
    exit_code = PL_EXIT_FAIL;
  } else {
    printf("ok %s %s\n", pos[0], chat);
  }
  free(resp);
  free(text);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return exit_code;
}
