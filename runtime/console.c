/* `parley chat`: the console channel. Input lines come from a reader thread (so pipes,
 * files and terminals all work the same) into the libuv loop, which also fires timers
 * in real time and reloads the tenant when its folder changes — always between two
 * events. One input line is one message; replies print as text plus numbered buttons. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "cli.h"
#include "duration.h"
#include "reply.h"
#include "runtime.h"
#include "watch.h"

typedef struct line_node {
  struct line_node *next;
  char *text; /* NULL marks end of input */
} line_node;

typedef struct console {
  pl_runtime *rt;
  pl_tenant *t;
  uv_loop_t *loop;
  uv_async_t wake;
  uv_timer_t timer, reload_debounce, poll;
  uv_fs_event_t fsev;
  pthread_t reader;
  pthread_mutex_t mu;
  line_node *head, *tail;
  bool interactive, done;
  int exit_code;
  char user[128];
} console;

static const char chat_usage[] =
    "usage: parley chat DIR [--data PATH] [--user NAME] [--at TIME]\n"
    "\n"
    "Talk to the tenant in folder DIR. One input line = one message; buttons print as\n"
    "[1] Label, type the number or the label to press one. /start PAYLOAD simulates a\n"
    "deep link. Console commands: :advance DURATION, :user NAME, :session, :help, :quit.\n"
    "\n"
    "  --data PATH   the store (default .parley-data); a new run continues conversations\n"
    "  --user NAME   the first simulated user (default: user)\n"
    "  --at TIME     start the clock at TIME (UTC, \"2026-06-01 09:00\"): try the bot as\n"
    "                on that day; time then runs on from there\n"
    "\n"
    "Exit codes: 0 ok, 1 the tenant failed to load or storage failed, 2 usage error\n"
    "(including a bad console command when stdin is not a terminal).\n";

static void print_reply(console *c, const char *chat_id, const json_t *reply) {
  bool other = strcmp(chat_id, c->user) != 0;
  char prefix[160] = "";
  if (other) snprintf(prefix, sizeof prefix, "(to %s) ", chat_id);
  pl_reply_print(stdout, reply, prefix);
}

static void on_deliver(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                       const json_t *user, const json_t *reply) {
  (void)t;
  (void)channel;
  (void)user;
  print_reply(ud, chat_id, reply);
}

static void schedule_timer(console *c);

static void check_reload(console *c, bool force) {
  uint64_t sig = pl_watch_signature(c->t->dir);
  if (!force && sig == c->t->signature) return;
  pl_err err;
  if (pl_runtime_reload_tenant(c->rt, c->t, &err) == 0)
    pl_log_printf(&c->rt->log, c->t->key, "reloaded (version %.12s)", c->t->code->version);
  else
    pl_log_printf(&c->rt->log, c->t->key, "reload failed, old code keeps serving: %s", err.msg);
}

static void fire_due(console *c) {
  pl_err err;
  if (pl_runtime_fire_due(c->rt, pl_clock_now_ms(&c->rt->clock), false, &err) < 0)
    c->exit_code = PL_EXIT_FAIL;
  fflush(stdout);
}

static void on_timer(uv_timer_t *h) {
  console *c = h->data;
  fire_due(c);
  schedule_timer(c);
}

static void schedule_timer(console *c) {
  int64_t due = pl_runtime_next_due(c->rt, NULL);
  if (due == INT64_MAX) {
    uv_timer_stop(&c->timer);
    return;
  }
  int64_t wait = due - pl_clock_now_ms(&c->rt->clock);
  uv_timer_start(&c->timer, on_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

static void finish(console *c) {
  pthread_mutex_lock(&c->mu);
  c->done = true;
  pthread_mutex_unlock(&c->mu);
  uv_close((uv_handle_t *)&c->wake, NULL);
  uv_close((uv_handle_t *)&c->timer, NULL);
  uv_close((uv_handle_t *)&c->reload_debounce, NULL);
  uv_close((uv_handle_t *)&c->poll, NULL);
  if (uv_is_active((uv_handle_t *)&c->fsev)) uv_fs_event_stop(&c->fsev);
  uv_close((uv_handle_t *)&c->fsev, NULL);
}

static void console_error(console *c, const char *fmt, const char *arg) {
  fprintf(stderr, "parley chat: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  if (!c->interactive) {
    c->exit_code = PL_EXIT_USAGE;
    finish(c);
  }
}

static void print_session(console *c) {
  json_t *rec = pl_conv_record(c->rt, c->t, "console", c->user);
  json_t *s = json_object_get(rec, "session");
  char *out = s ? json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS) : strdup("{}");
  printf("%s\n", out);
  free(out);
  json_decref(rec);
}

static void handle_command(console *c, const char *line) {
  char cmd[32] = "", arg[256] = "";
  sscanf(line, ":%31s %255[^\n]", cmd, arg);
  if (!strcmp(cmd, "advance")) {
    int64_t ms;
    pl_err err;
    if (pl_duration_parse(arg, &ms, &err)) {
      console_error(c, ":advance: %s", err.msg);
      return;
    }
    if (pl_runtime_fire_due(c->rt, pl_clock_now_ms(&c->rt->clock) + ms, true, &err) < 0)
      c->exit_code = PL_EXIT_FAIL;
    schedule_timer(c);
  } else if (!strcmp(cmd, "user")) {
    if (!*arg || strlen(arg) > 64 || strchr(arg, ' ')) {
      console_error(c, ":user needs a name (1-64 characters, no spaces), got \"%s\"", arg);
      return;
    }
    snprintf(c->user, sizeof c->user, "%s", arg);
    if (c->interactive) printf("(now talking as %s)\n", c->user);
  } else if (!strcmp(cmd, "session")) {
    print_session(c);
  } else if (!strcmp(cmd, "quit")) {
    finish(c);
  } else if (!strcmp(cmd, "help")) {
    fputs(chat_usage, stdout);
  } else {
    console_error(c, "unknown console command \"%s\" (try :help)", line);
  }
}

static void handle_line(console *c, const char *line) {
  if (line[0] == ':') {
    handle_command(c, line);
    return;
  }
  if (!line[0]) return;
  pl_event ev = {.kind = PL_EV_TEXT,
                 .channel = "console",
                 .chat_id = c->user,
                 .user_id = c->user,
                 .user_name = c->user,
                 .user_lang = c->t->code->cfg.locale,
                 .text = line};
  pl_err err;
  if (pl_dispatch(c->rt, c->t, &ev, &err)) c->exit_code = PL_EXIT_FAIL;
  schedule_timer(c);
}

static void on_wake(uv_async_t *h) {
  console *c = h->data;
  for (;;) {
    if (c->done) return;
    pthread_mutex_lock(&c->mu);
    line_node *n = c->head;
    if (n) {
      c->head = n->next;
      if (!c->head) c->tail = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (!n) break;
    if (!n->text) {
      free(n);
      finish(c);
      break;
    }
    /* A pending reload takes over before the next event, never during one. */
    if (uv_is_active((uv_handle_t *)&c->reload_debounce)) {
      uv_timer_stop(&c->reload_debounce);
      check_reload(c, false);
    }
    handle_line(c, n->text);
    fflush(stdout);
    free(n->text);
    free(n);
    if (c->interactive && !c->done) {
      printf("%s> ", c->user);
      fflush(stdout);
    }
  }
}

static void *reader_main(void *arg) {
  console *c = arg;
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n;
  for (;;) {
    n = getline(&buf, &cap, stdin);
    line_node *node = calloc(1, sizeof *node);
    if (n >= 0) {
      while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
      node->text = strdup(buf);
    }
    pthread_mutex_lock(&c->mu);
    bool done = c->done;
    if (!done) {
      if (c->tail)
        c->tail->next = node;
      else
        c->head = node;
      c->tail = node;
      uv_async_send(&c->wake);
    }
    pthread_mutex_unlock(&c->mu);
    if (done) {
      free(node->text);
      free(node);
    }
    if (n < 0 || done) break;
  }
  free(buf);
  return NULL;
}

static void on_debounce(uv_timer_t *h) {
  check_reload(h->data, false);
}

static void on_fs_event(uv_fs_event_t *h, const char *file, int events, int status) {
  console *c = h->data;
  uv_timer_start(&c->reload_debounce, on_debounce, 30, 0);
}

static void on_poll(uv_timer_t *h) {
  console *c = h->data;
  check_reload(c, false);
  pl_timers_refresh(c->rt, c->t); /* another process may share the store */
  schedule_timer(c);
}

/* "2026-06-01 09:00", "2026-06-01T09:00" or with ":SS", in UTC. */
static int parse_at(const char *s, int64_t *ms) {
  struct tm tm = {0};
  char sep;
  int n = 0;
  if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep, &tm.tm_hour,
             &tm.tm_min, &n) != 6 ||
      (sep != ' ' && sep != 'T'))
    return -1;
  if (s[n] == ':' && sscanf(s + n + 1, "%2d", &tm.tm_sec) == 1) n += 3;
  if (s[n] || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *ms = (int64_t)timegm(&tm) * 1000;
  return 0;
}

int pl_cmd_chat(int argc, char **argv) {
  const char *data = ".parley-data", *user = "user", *at = NULL, *pos[1];
  int npos;
  pl_opt opts[] = {
      {"--data", &data, NULL}, {"--user", &user, NULL}, {"--at", &at, NULL}, {NULL, NULL, NULL}};
  int prc = pl_cli_parse("chat", argc, argv, opts, pos, 1, &npos, chat_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (npos != 1) {
    fprintf(stderr, "parley chat: which tenant? give its folder: parley chat DIR\n");
    return PL_EXIT_USAGE;
  }
  /* Static: the reader thread may still be blocked on stdin when chat returns. */
  static console c;
  c = (console){.exit_code = PL_EXIT_OK, .interactive = isatty(0)};
  snprintf(c.user, sizeof c.user, "%s", user);
  int64_t at_ms = 0;
  if (at && parse_at(at, &at_ms)) {
    fprintf(stderr, "parley chat: --at \"%s\": expected a UTC time like \"2026-06-01 09:00\"\n",
            at);
    return PL_EXIT_USAGE;
  }
  pl_err err;
  if (pl_runtime_open(&c.rt, data, NULL, &err)) {
    fprintf(stderr, "parley chat: %s\n", err.msg);
    return PL_EXIT_FAIL;
  }
  if (pl_runtime_add_tenant(c.rt, pos[0], &c.t, &err)) {
    fprintf(stderr, "parley chat: %s\n", err.msg);
    pl_runtime_close(c.rt);
    return PL_EXIT_FAIL;
  }
  if (at) c.rt->clock.offset_ms = at_ms - pl_clock_real_ms();
  c.rt->deliver = on_deliver;
  c.rt->deliver_ud = &c;
  c.loop = uv_default_loop();
  pthread_mutex_init(&c.mu, NULL);
  uv_async_init(c.loop, &c.wake, on_wake);
  uv_timer_init(c.loop, &c.timer);
  uv_timer_init(c.loop, &c.reload_debounce);
  uv_timer_init(c.loop, &c.poll);
  uv_fs_event_init(c.loop, &c.fsev);
  c.wake.data = c.timer.data = c.reload_debounce.data = c.poll.data = c.fsev.data = &c;
  uv_fs_event_start(&c.fsev, on_fs_event, c.t->dir, 0);
  uv_timer_start(&c.poll, on_poll, 1000, 1000);
  if (c.interactive) {
    printf("Talking to %s (%s) as %s. Type :help for console commands.\n%s> ", c.t->code->cfg.name,
           c.t->dir, c.user, c.user);
    fflush(stdout);
  }
  fire_due(&c); /* timers that fell due while nothing was running */
  schedule_timer(&c);
  pthread_create(&c.reader, NULL, reader_main, &c);
  uv_run(c.loop, UV_RUN_DEFAULT);
  /* The reader may still block on stdin after :quit; it exits with the process. */
  pthread_detach(c.reader);
  pthread_mutex_lock(&c.mu);
  while (c.head) {
    line_node *n = c.head;
    c.head = n->next;
    free(n->text);
    free(n);
  }
  pthread_mutex_unlock(&c.mu);
  uv_loop_close(c.loop);
  pl_runtime_close(c.rt);
  fflush(stdout);
  return c.exit_code;
}
