/* parley web chat widget. Embed it with one line:
 *
 *   <script src="https://HOST/webchat/TENANT/widget.js" async></script>
 *
 * Optional attributes on that tag: data-open="true" opens the chat at once; data-start=
 * "PAYLOAD" is passed to the bot's /start on a visitor's first visit (a deep link).
 *
 * Plain JavaScript, no build step, no dependencies. It finds parley's address and the
 * tenant from its own src, loads widget.css beside it, and talks to parley with simple
 * requests (text/plain POSTs and GETs: no CORS preflight, no cookies):
 *   POST session  the visitor's id and token, kept in localStorage (they survive a reload)
 *   POST send     one message; each has an id (cid) reused on every retry, so a retry
 *                 after a lost answer is a duplicate that parley ignores. Unsent messages
 *                 are kept in localStorage too and sent after a reload.
 *   GET  events   the conversation after message N as Server-Sent Events (EventSource):
 *                 the history, then each message the moment it is committed; the browser
 *                 reconnects by itself and sends its last event id, so nothing is missed.
 *                 On load it asks from 0, so a reload shows the whole conversation.
 *   GET  feed     the same as a long poll (answered when something new is committed, or
 *                 after ~25 s with nothing): for browsers without EventSource, and to learn
 *                 why a stream was refused (a changed token).
 * Message content is always inserted as text (textContent), never as HTML. */
(function () {
  "use strict";

  const script =
    document.currentScript ||
    document.querySelector('script[src*="/webchat/"][src$="/widget.js"]');
  if (!script) return;
  const base = new URL(".", script.src).href; /* https://HOST/webchat/TENANT/ */
  window.__parleyWebchat = window.__parleyWebchat || {};
  if (window.__parleyWebchat[base]) return; /* the tag twice on one page */
  window.__parleyWebchat[base] = true;

  const KEY = "parley-webchat:" + base;
  const lang = (navigator.language || "").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 35);

  /* ---- storage (localStorage may be unavailable: then this page view only) ---- */

  const memory = {};
  function load(name, fallback) {
    try {
      const v = window.localStorage.getItem(KEY + ":" + name);
      return v === null ? fallback : JSON.parse(v);
    } catch (e) {
      return name in memory ? memory[name] : fallback;
    }
  }
  function save(name, value) {
    memory[name] = value;
    try {
      window.localStorage.setItem(KEY + ":" + name, JSON.stringify(value));
    } catch (e) {
      /* private mode, quota: kept in memory only */
    }
  }

  /* ---- helpers ---- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  /* 1 s, 2 s, 4 s ... 30 s, with jitter; or what Retry-After says */
  function backoff(failures, retryAfter) {
    if (retryAfter > 0) return Math.min(retryAfter, 60) * 1000;
    const ms = Math.min(30000, 1000 * Math.pow(2, Math.min(failures - 1, 5)));
    return ms * (0.5 + Math.random() / 2);
  }
  function newId() {
    const b = new Uint8Array(12);
    window.crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  function safeUrl(u) {
    try {
      const url = new URL(String(u), base);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }
  function retryAfter(resp) {
    return Number(resp.headers.get("Retry-After")) || 0;
  }
  class HttpError extends Error {
    constructor(resp) {
      super("HTTP " + resp.status);
      this.status = resp.status;
      this.retryAfter = retryAfter(resp);
    }
  }
  function post(path, doc) {
    return fetch(base + path, {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(doc),
      cache: "no-store",
      credentials: "omit",
    });
  }

  /* ---- the DOM ---- */

  const css = el("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  document.head.appendChild(css);

  const root = el("div", "pwc-root");
  const launcher = el("button", "pwc-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open the chat");
  launcher.setAttribute("aria-expanded", "false");
  launcher.appendChild(el("span", "pwc-launcher-icon"));
  const panel = el("section", "pwc-panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  const header = el("header", "pwc-header");
  const title = el("span", "pwc-title", "Chat");
  const closer = el("button", "pwc-close", "×");
  closer.type = "button";
  closer.setAttribute("aria-label", "Close the chat");
  header.append(title, closer);
  const status = el("div", "pwc-status");
  status.setAttribute("role", "status");
  status.hidden = true;
  const log = el("div", "pwc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  const chips = el("div", "pwc-chips");
  const form = el("form", "pwc-form");
  const input = el("input", "pwc-input");
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = 4096;
  input.setAttribute("aria-label", "Your message");
  const sendButton = el("button", "pwc-send", "Send");
  sendButton.type = "submit";
  form.append(input, sendButton);
  panel.append(header, status, log, chips, form);
  root.append(launcher, panel);
  panel.setAttribute("aria-label", "Chat");

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.classList.toggle("pwc-open", open);
    save("open", open);
    if (open) {
      launcher.classList.remove("pwc-unread");
      log.scrollTop = log.scrollHeight;
      input.focus({ preventScroll: true });
    }
  }
  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closer.addEventListener("click", () => {
    setOpen(false);
    launcher.focus();
  });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      setOpen(false);
      launcher.focus();
    }
  });

  /* "Reconnecting…" while the feed or the sending fails, gone once both work again. */
  const down = { feed: false, send: false };
  function setDown(what, isDown) {
    down[what] = isDown;
    status.hidden = !(down.feed || down.send);
    status.textContent = status.hidden ? "" : "Reconnecting…";
    root.classList.toggle("pwc-reconnecting", !status.hidden);
  }

  /* ---- the conversation ---- */

  let identity = load("identity", null); /* {visitor, token} */
  let outbox = load("outbox", []); /* messages not yet accepted by parley, in order */
  let next = 0; /* the feed position: the last message seen */
  const bySeq = new Map(); /* message number -> its element (edits replace the content) */
  const pending = new Map(); /* cid -> the visitor's message shown before parley has it */

  function eventCid(m) {
    const prefix = identity ? "w:" + identity.visitor + ":" : null;
    return prefix && m.event_id && m.event_id.startsWith(prefix)
      ? m.event_id.slice(prefix.length)
      : null;
  }

  /* Messages parley has go above the ones still being sent. */
  function place(node) {
    const firstPending = log.querySelector(".pwc-pending");
    if (node !== firstPending) log.insertBefore(node, firstPending);
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  /* Text with its http(s) links made clickable; everything else as plain text. */
  function textNode(text) {
    const p = el("div", "pwc-text");
    const parts = String(text).split(/(https?:\/\/[^\s<>"']+)/);
    parts.forEach((part, i) => {
      if (i % 2 === 0) {
        if (part) p.appendChild(document.createTextNode(part));
        return;
      }
      const trail = (part.match(/[.,;:!?)\]]+$/) || [""])[0];
      const link = part.slice(0, part.length - trail.length);
      const a = el("a", null, link);
      a.href = safeUrl(link) || "#";
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      p.appendChild(a);
      if (trail) p.appendChild(document.createTextNode(trail));
    });
    return p;
  }

  function buttonNode(b, seq) {
    if (b && b.url) {
      const a = el("a", "pwc-button pwc-link", b.label);
      a.href = safeUrl(b.url) || "#";
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    const btn = el("button", "pwc-button", b && b.label);
    btn.type = "button";
    btn.addEventListener("click", () => press(b, seq));
    return btn;
  }

  function buttonRows(rows, seq) {
    const box = el("div", "pwc-buttons");
    (Array.isArray(rows) ? rows : []).forEach((row) => {
      const r = el("div", "pwc-row");
      (Array.isArray(row) ? row : [row]).forEach((b) => r.appendChild(buttonNode(b, seq)));
      box.appendChild(r);
    });
    return box;
  }

  function mediaNode(media, caption) {
    const url = safeUrl(media.url);
    if (!url) return null;
    let node;
    if (media.type === "image") {
      node = el("img", "pwc-media");
      node.src = url;
      node.alt = caption || media.filename || "image";
      node.loading = "lazy";
    } else if (media.type === "video" || media.type === "audio") {
      node = el(media.type, "pwc-media");
      node.src = url;
      node.controls = true;
      node.preload = "metadata";
    } else {
      node = el("a", "pwc-document", media.filename || "Download");
      node.href = url;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
    return node;
  }

  function cardsNode(cards, seq) {
    const box = el("div", "pwc-cards");
    cards.forEach((c) => {
      const card = el("div", "pwc-card");
      const img = c.image && safeUrl(c.image);
      if (img) {
        const i = el("img", "pwc-card-image");
        i.src = img;
        i.alt = "";
        i.loading = "lazy";
        card.appendChild(i);
      }
      const link = c.url && safeUrl(c.url);
      const t = el(link ? "a" : "div", "pwc-card-title", c.title);
      if (link) {
        t.href = link;
        t.target = "_blank";
        t.rel = "noopener noreferrer";
      }
      card.appendChild(t);
      if (c.subtitle) card.appendChild(el("div", "pwc-card-subtitle", c.subtitle));
      if (Array.isArray(c.buttons) && c.buttons.length)
        card.appendChild(buttonRows(c.buttons.map((b) => [b]), seq));
      box.appendChild(card);
    });
    return box;
  }

  /* The content of a bot's or an operator's message (replaced in place by an edit). */
  function fillBotMessage(node, m) {
    node.replaceChildren();
    if (m.from === "operator" && m.name) node.appendChild(el("div", "pwc-who", m.name));
    const bubble = el("div", "pwc-bubble");
    const media = m.media && typeof m.media === "object" ? mediaNode(m.media, m.text) : null;
    if (media) bubble.appendChild(media);
    if (m.text) bubble.appendChild(textNode(m.text));
    node.appendChild(bubble);
    if (Array.isArray(m.cards) && m.cards.length) node.appendChild(cardsNode(m.cards, m.seq));
    if (Array.isArray(m.buttons) && m.buttons.length)
      node.appendChild(buttonRows(m.buttons, m.seq));
  }

  /* Quick replies of message `seq`: chips under the conversation until one is used or
   * the conversation moves on. */
  function showChips(list, seq) {
    chips.replaceChildren();
    (list || []).forEach((q) => {
      const chip = el("button", "pwc-chip", q.label);
      chip.type = "button";
      chip.addEventListener("click", () => {
        chips.replaceChildren();
        press(q, seq);
      });
      chips.appendChild(chip);
    });
  }

  function visitorNode(text) {
    const node = el("div", "pwc-msg pwc-from-visitor");
    node.appendChild(el("div", "pwc-bubble")).appendChild(textNode(text));
    return node;
  }

  function render(m) {
    const seq = String(m.seq);
    if (m.from === "visitor") {
      const cid = eventCid(m);
      let node = cid && pending.get(cid);
      if (/^\/start(\s|$)/.test(m.text || "")) {
        /* the greeting's trigger: not something the visitor wrote */
        if (node) node.remove();
        pending.delete(cid);
        return;
      }
      if (node) {
        pending.delete(cid);
        node.classList.remove("pwc-pending", "pwc-failed");
        node.querySelector(".pwc-bubble").replaceChildren(textNode(m.text));
      } else {
        node = visitorNode(m.text);
      }
      node.dataset.seq = seq;
      bySeq.set(seq, node);
      place(node);
      showChips(null);
      return;
    }
    if (m.from === "system") {
      const text =
        m.kind === "handoff"
          ? "A person from our team has joined the conversation."
          : "You are chatting with the assistant again.";
      const node = el("div", "pwc-msg pwc-from-system", text);
      node.dataset.seq = seq;
      place(node);
      return;
    }
    const old = m.edit_message_id !== undefined ? bySeq.get(String(m.edit_message_id)) : null;
    const node = old || el("div", "pwc-msg pwc-from-" + (m.from === "operator" ? "operator" : "bot"));
    fillBotMessage(node, m);
    node.dataset.seq = old ? node.dataset.seq : seq;
    node.title = m.at ? new Date(m.at).toLocaleString() : "";
    bySeq.set(seq, node);
    if (!old) place(node);
    if (Array.isArray(m.quick_replies) && m.quick_replies.length) showChips(m.quick_replies, seq);
    else if (!old || m.remove_keyboard) showChips(null);
    if (panel.hidden) launcher.classList.add("pwc-unread");
  }

  /* ---- sending ---- */

  function enqueue(item) {
    outbox.push(item);
    save("outbox", outbox);
    if (!item.hidden) {
      const node = visitorNode(item.label || item.text);
      node.classList.add("pwc-pending");
      pending.set(item.cid, node);
      log.appendChild(node);
      scrollDown();
    }
    pump();
  }

  function say(text) {
    enqueue({ cid: newId(), text: text });
  }

  function press(b, seq) {
    if (!b || !b.id) return;
    const item = { cid: newId(), button: String(b.id), label: b.label || b.id };
    if (seq !== null && seq !== undefined) item.message = String(seq);
    enqueue(item);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    say(text);
  });

  let pumping = false;
  async function pump() {
    if (pumping || !identity) return;
    pumping = true;
    let failures = 0;
    while (outbox.length) {
      if (renewing) {
        await renewing;
        continue;
      }
      const item = outbox[0];
      const doc = { visitor: identity.visitor, token: identity.token, cid: item.cid };
      if (item.button) {
        doc.button = item.button;
        if (item.message) doc.message = item.message;
      } else {
        doc.text = item.text;
      }
      if (lang.length >= 2) doc.lang = lang;
      const asked = identity;
      try {
        const resp = await post("send", doc);
        if (resp.ok || resp.status === 400 || resp.status === 404 || resp.status === 413) {
          if (!resp.ok) {
            /* refused for good: retrying the same message cannot help */
            const node = pending.get(item.cid);
            if (node) node.classList.replace("pwc-pending", "pwc-failed");
            pending.delete(item.cid);
          }
          outbox.shift();
          save("outbox", outbox);
          failures = 0;
          setDown("send", false);
          continue;
        }
        if (resp.status === 401) {
          await renewIdentity(asked);
          continue;
        }
        throw new HttpError(resp);
      } catch (e) {
        failures++;
        setDown("send", true);
        await sleep(backoff(failures, e.retryAfter));
      }
    }
    pumping = false;
  }

  /* ---- identity and the feed ---- */

  async function startSession(doc) {
    for (let failures = 1; ; failures++) {
      try {
        const resp = await post("session", doc || {});
        if (!resp.ok) throw new HttpError(resp);
        const s = await resp.json();
        identity = { visitor: s.visitor, token: s.token };
        save("identity", identity);
        title.textContent = s.title || "Chat";
        panel.setAttribute("aria-label", title.textContent);
        input.placeholder = s.placeholder || "";
        setDown("feed", false);
        return s.new;
      } catch (e) {
        setDown("feed", true);
        await sleep(backoff(failures, e.retryAfter));
      }
    }
  }

  function greet() {
    const payload = (script.dataset.start || "").slice(0, 64);
    enqueue({ cid: "start", text: payload ? "/start " + payload : "/start", hidden: true });
  }

  /* The token no longer matches (parley's secret changed): start over as a new visitor,
   * once even when the feed and a send both notice it. */
  let renewing = null;
  function renewIdentity(asked) {
    if (identity !== asked) return Promise.resolve(); /* renewed meanwhile */
    if (!renewing) renewing = startOver().finally(() => (renewing = null));
    return renewing;
  }
  async function startOver() {
    if (stream) stream.close();
    stream = null;
    identity = null;
    outbox = [];
    save("outbox", outbox);
    pending.clear();
    bySeq.clear();
    log.replaceChildren();
    showChips(null);
    next = 0;
    await startSession(null);
    greet();
    if (window.EventSource) openStream(0);
  }

  /* Shows a batch of messages, keeping the view at the bottom if it was there. */
  function show(messages, asked) {
    if (identity !== asked) return; /* for the previous visitor */
    const shown = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
    messages.forEach((m) => {
      try {
        render(m);
      } catch (e) {
        console.error("parley web chat: cannot show message", m, e); /* skip, go on */
      }
    });
    if (messages.length && shown) scrollDown();
  }

  /* Receiving by Server-Sent Events. A stream the server refused (not a network error:
   * the browser retries those by itself) is asked about once through the feed: a wrong
   * token starts over as a new visitor, anything else waits and opens a new stream. */
  let stream = null;
  function openStream(failures) {
    const asked = identity;
    const q = new URLSearchParams({
      visitor: asked.visitor,
      token: asked.token,
      after: String(next),
    });
    const es = new EventSource(base + "events?" + q);
    stream = es;
    es.onopen = () => setDown("feed", false);
    es.onmessage = (e) => {
      if (stream !== es) return;
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      show([m], asked);
      const id = Number(e.lastEventId);
      if (id > next) next = id;
      failures = 0;
    };
    es.addEventListener("ready", (e) => {
      const id = Number(e.data);
      if (id > next) next = id;
      setDown("feed", false);
      root.dataset.ready = "true"; /* the history is shown (tests wait for this) */
    });
    es.onerror = async () => {
      if (stream !== es) return;
      setDown("feed", true);
      if (es.readyState !== EventSource.CLOSED) return; /* reconnecting by itself */
      es.close();
      stream = null;
      failures++;
      try {
        const r = new URLSearchParams({
          visitor: asked.visitor,
          token: asked.token,
          after: String(next),
          wait: "0",
        });
        const resp = await fetch(base + "feed?" + r, { cache: "no-store", credentials: "omit" });
        if (resp.status === 401) await renewIdentity(asked);
        else if (!resp.ok) throw new HttpError(resp);
        else await sleep(backoff(failures, 0));
      } catch (err) {
        await sleep(backoff(failures, err.retryAfter));
      }
      if (!stream) openStream(failures);
    };
  }

  async function poll() {
    for (let failures = 0; ; ) {
      if (renewing) await renewing;
      const asked = identity;
      try {
        const q = new URLSearchParams({
          visitor: identity.visitor,
          token: identity.token,
          after: String(next),
        });
        const resp = await fetch(base + "feed?" + q, { cache: "no-store", credentials: "omit" });
        if (resp.status === 401) {
          await renewIdentity(asked);
          continue;
        }
        if (!resp.ok) throw new HttpError(resp);
        const doc = await resp.json();
        if (identity !== asked) continue; /* an answer for the previous visitor */
        show(doc.messages || [], asked);
        if (typeof doc.next === "number" && doc.next >= next) next = doc.next;
        failures = 0;
        setDown("feed", false);
        root.dataset.ready = "true"; /* the history is shown (tests wait for this) */
      } catch (e) {
        failures++;
        setDown("feed", true);
        await sleep(backoff(failures, e.retryAfter));
      }
    }
  }

  async function start() {
    document.body.appendChild(root);
    const known = identity;
    const fresh = await startSession(known);
    if (fresh && known) save("outbox", (outbox = [])); /* another visitor's messages */
    outbox.forEach((item) => {
      if (item.hidden) return;
      const node = visitorNode(item.label || item.text);
      node.classList.add("pwc-pending");
      pending.set(item.cid, node);
      log.appendChild(node);
    });
    if (fresh) greet();
    pump();
    if (script.dataset.open === "true" || load("open", false)) setOpen(true);
    if (window.EventSource) openStream(0);
    else poll();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
