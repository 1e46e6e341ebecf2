#!/usr/bin/env node
/* telegram-test-api (a third-party Telegram Bot API emulator, pinned in tests/node) for
 * test_telegram_e2e.py. Starts the emulator on 127.0.0.1 on a free port, prints one line
 *   {"ready": true, "port": N, "api": "http://127.0.0.1:N", "version": "4.2.1"}
 * and then answers each JSON command read from stdin with one JSON line on stdout:
 *   {"id": 1, "op": "command", "token": T, "text": "/start booth_17", "user": {...}}
 *     -> {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": "..."}
 *
 * The user side goes through the emulator's own client (TelegramClient: makeMessage,
 * makeCommand, makeCallbackQuery, then sendMessage / sendCommand / sendCallback over its
 * HTTP client API), so parley sees the shapes the emulator makes. Ops:
 *   message, command, callback  a user writes / sends a command / presses a button
 *                               ("user": TelegramClient options: userId, chatId, firstName)
 *   history                     getUpdatesHistory(token): what the bot sent (and, in
 *                               polling mode, the user updates the emulator holds)
 *   calls                       every Bot API request the emulator answered, in order:
 *                               {t, method, path, query, body, status}
 *   webhooks                    the webhooks registered with setWebhook, by token
 *   failures                    webhook deliveries that failed (the emulator does not retry)
 *   replay                      marks every user update of `token` unread again, as a server
 *                               that ignored getUpdates' offset would hand them out again
 *
 * Exits with status 2 and a message on stderr if the package cannot be loaded. */
'use strict';

const net = require('net');
const path = require('path');
const readline = require('readline');

const PACKAGE_DIR = path.join(__dirname, '..', 'node', 'node_modules', 'telegram-test-api');

let TelegramServer;
let version;
try {
  TelegramServer = require(PACKAGE_DIR); /* the module is the class */
  ({ version } = require(path.join(PACKAGE_DIR, 'package.json')));
} catch (e) {
  process.stderr.write(`telegram-test-api is not installed in tests/node (${e.message}); `
                       + 'run: sh scripts/install-deps.sh test\n');
  process.exit(2);
}

const failures = [];
const calls = [];

/* The emulator posts to webhooks with axios and does not catch a refusal (a non-2xx
 * answer or a connection error becomes an unhandled rejection): recorded, not fatal. */
process.on('unhandledRejection', (e) => {
  failures.push({ t: Date.now(), error: String(e && e.message ? e.message : e),
                  status: e && e.response ? e.response.status : null });
});

/* A free port: the emulator's config maps port 0 to its default 9000. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function start() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
    try {
      await server.start();
      return server;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || attempt >= 5) throw e;
    }
  }
}

function recordCalls(server) {
  server.server.on('request', (req, res) => {
    const t = Date.now();
    res.on('finish', () => {
      const url = new URL(req.originalUrl || req.url, 'http://127.0.0.1');
      const m = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname);
      if (!m) return; /* the client API (the test's own user side) */
      calls.push({ t, http: req.method, token: decodeURIComponent(m[1]), method: m[2],
                   path: url.pathname, query: Object.fromEntries(url.searchParams),
                   content_type: req.headers['content-type'] || null,
                   body: req.body === undefined ? null : req.body, status: res.statusCode });
    });
  });
}

async function run(server, cmd) {
  const client = () => server.getClient(cmd.token, cmd.user || {});
  switch (cmd.op) {
    case 'message': {
      const c = client();
      return c.sendMessage(c.makeMessage(cmd.text));
    }
    case 'command': {
      const c = client();
      return c.sendCommand(c.makeCommand(cmd.text));
    }
    case 'callback': {
      const c = client();
      return c.sendCallback(c.makeCallbackQuery(cmd.data));
    }
    case 'history': return client().getUpdatesHistory();
    case 'calls': return calls;
    case 'webhooks': return server.webhooks;
    case 'failures': return failures;
    case 'replay': {
      let n = 0;
      for (const u of server.storage.userMessages) {
        if (u.botToken === cmd.token && u.isRead) {
          u.isRead = false;
          n++;
        }
      }
      return n;
    }
    default: throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  }
}

async function main() {
  const server = await start();
  recordCalls(server);
  const port = server.server.address().port;
  process.stdout.write(`${JSON.stringify({ ready: true, port, api: `http://127.0.0.1:${port}`,
                                           version })}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    let cmd = {};
    try {
      cmd = JSON.parse(line);
      const result = await run(server, cmd);
      process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: true,
                                               result: result === undefined ? null : result })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: false, error: String(e) })}\n`);
    }
  }
  await server.stop(); /* stdin closed: the test is done */
}

main().catch((e) => {
  process.stderr.write(`telegram emulator: ${e.stack || e}\n`);
  process.exit(1);
});
