/* libFuzzer target: every channel plugin's entry points that read what the outside sends
 * — webhooks (bodies signed correctly, so the parsers behind the signature checks are
 * reached; query strings; web chat routes), Telegram's getUpdates answers, and the
 * answers of the channels' APIs (classify) — and render, which reads messages built
 * by scripts. Whatever the input: no crash, no leak, no undefined behaviour, and every
 * answer is one JSON object (what parley parses next).
 *
 * Input: a selector byte (which plugin and entry point), a status byte, then the payload.
 * The plugins are the built modules (dlopen), as parley loads them. */
#include <dlfcn.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/channel.h"

typedef struct plugin {
  const char *name, *config;
  const pl_channel_api *api;
  void *inst;
} plugin;

#define META_CONFIG(id)                                                                            \
  "{\"token\":\"t\",\"app_secret\":\"fuzz-secret\",\"verify_token\":\"vt\",\"" id "\":\"1\"}"

static plugin plugins[] = {
    {"telegram", "{\"token\":\"123:ABC\",\"secret_token\":\"fuzz-secret\"}", NULL, NULL},
    {"whatsapp",
     "{\"token\":\"t\",\"app_secret\":\"fuzz-secret\",\"verify_token\":\"vt\","
     "\"phone_number_id\":\"1\"}",
     NULL, NULL},
    {"messenger", META_CONFIG("page_id"), NULL, NULL},
    {"instagram", META_CONFIG("ig_account_id"), NULL, NULL},
    {"webchat", "{\"secret\":\"fuzz-secret-0123456789\"}", NULL, NULL},
    {"http", "{\"secret\":\"fuzz-secret\"}", NULL, NULL},
};
#define NPLUGINS (sizeof plugins / sizeof plugins[0])

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_channels: %s: %s\n", what, detail ? detail : "");
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  for (size_t i = 0; i < NPLUGINS; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/libparley-channel-%s.so", PARLEY_FUZZ_PLUGIN_DIR,
             plugins[i].name);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) die("dlopen", dlerror());
    pl_channel_entry_fn entry = (pl_channel_entry_fn)dlsym(h, PL_CHANNEL_ENTRY);
    if (!entry) die("dlsym", plugins[i].name);
    plugins[i].api = entry();
    char *err = NULL;
    plugins[i].inst = plugins[i].api->open(plugins[i].config, &err);
    if (!plugins[i].inst) die(plugins[i].name, err);
  }
  return 0;
}

/* Every answer is one JSON object, then freed. */
static void check(const char *who, char *out) {
  if (!out) die(who, "returned NULL");
  json_error_t je;
  json_t *j = json_loads(out, 0, &je);
  if (!json_is_object(j)) die(who, out);
  json_decref(j);
  free(out);
}

static void sign(const char *secret, const uint8_t *body, size_t n, char out[80]) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret), body, n, mac, &len);
  strcpy(out, "sha256=");
  for (unsigned i = 0; i < len; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static void webhook(plugin *p, int variant, const uint8_t *data, size_t n) {
  char *body = malloc(n + 1);
  memcpy(body, data, n);
  body[n] = 0;
  char sig[80];
  sign("fuzz-secret", data, n, sig);
  pl_channel_header headers[] = {
      {"last-event-id", variant & 16 ? body : "12"},
      {"x-hub-signature-256", sig},
      {"x-telegram-bot-api-secret-token", "fuzz-secret"},
      {"x-parley-secret", "fuzz-secret"},
      {"content-type", "application/json"},
  };
  static const char *const webchat_paths[] = {"/webchat/t/session",   "/webchat/t/send",
                                              "/webchat/t/feed",      "/webchat/t/events",
                                              "/webchat/t/widget.js", "/webchat/t/"};
  pl_channel_request req = {.method = "POST",
                            .path = "/hook/t/x",
                            .headers = headers,
                            .nheaders = 5,
                            .body = body,
                            .body_len = n};
  if (!strcmp(p->name, "webchat")) {
    req.path = webchat_paths[variant % 6];
    if (variant & 8) { /* the body as the query of a GET (the feed, the page) */
      req.method = "GET";
      req.query = body;
      req.body = "";
      req.body_len = 0;
    }
  } else if (variant & 8) { /* the body as a query: the Meta handshake, stray GETs */
    req.method = "GET";
    req.query = body;
    req.body = "";
    req.body_len = 0;
  }
  check(p->name, p->api->webhook(p->inst, &req));
  free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  plugin *p = &plugins[data[0] % NPLUGINS];
  int entry = (data[0] / NPLUGINS) % 4, status = 100 + data[1] * 2;
  const uint8_t *rest = data + 2;
  size_t n = size - 2;
  char *text = malloc(n + 1);
  memcpy(text, rest, n);
  text[n] = 0;
  switch (entry) {
  case 0: webhook(p, data[1], rest, n); break;
  case 1: /* an API's answer: status, then body (a header block first when it has one) */
  {
    const char *headers = "", *body = text;
    char *split = strstr(text, "\r\n\r\n");
    if (split) {
      *split = 0;
      headers = text;
      body = split + 4;
    }
    if (data[1] == 255) status = 0; /* no answer at all */
    check(p->name, p->api->classify(p->inst, status, headers, body, n - (size_t)(body - text)));
    break;
  }
  case 2: /* a message from a script: only JSON objects reach render */
  {
    json_error_t je;
    json_t *m = json_loadb((const char *)rest, n, 0, &je);
    if (json_is_object(m)) {
      if (!json_object_get(m, "chat_id")) json_object_set_new(m, "chat_id", json_string("42"));
      char *msg = json_dumps(m, JSON_COMPACT);
      check(p->name, p->api->render(p->inst, msg));
      free(msg);
    }
    json_decref(m);
    break;
  }
  case 3: /* a poller's answer (Telegram's getUpdates) */
    if (PL_CHANNEL_HAS(p->api, poll_result))
      check(p->name,
            p->api->poll_result(p->inst, data[1] & 1 ? "{\"offset\":7}" : "{}", status, text, n));
    break;
  }
  free(text);
  return 0;
}
