// The web chat widget in a real browser: headless Chromium (Debian's chromium) driven by
// playwright-core (tests/node), against the page a running parley serves for the fixture
// webchat_bot. Run by test_webchat_browser.py:
//
//   node webchat_browser.js URL_OF_THE_PAGE
//
// Prints one JSON line per step, {"step": "...", "ok": true|false, "detail": ...}; a step
// that throws ends the run with ok false and the error. Steps: the greeting appears; a
// button press shows its label and the reply; after a reload the whole history is there
// with the same visitor; typed text goes with Enter and comes back as text (never HTML);
// a reply that arrives while the page is closed is there when it is opened again; what
// today's bots cannot send yet (url buttons, media, cards, quick replies, edits) is shown
// from a synthetic stream; replies come over one Server-Sent Events stream (no polling);
// while parley is stopped the widget says it is
// reconnecting, and a message typed meanwhile is delivered once parley is back.
//
// To stop and start parley it prints {"action": "stop"|"start"} and waits for a line on
// its stdin (the test script answers once it is done).
"use strict";

const path = require("path");
const readline = require("readline");
const { chromium } = require(path.join(__dirname, "..", "node", "node_modules", "playwright-core"));

const url = process.argv[2];
const executablePath = process.env.PARLEY_CHROMIUM || "/usr/bin/chromium";
const WAIT = 20000;

function report(step, ok, detail) {
  process.stdout.write(JSON.stringify({ step, ok: Boolean(ok), detail: detail ?? null }) + "\n");
}

const stdin = readline.createInterface({ input: process.stdin });
const answers = [];
let answered = null;
stdin.on("line", (line) => (answered ? (answered(line), (answered = null)) : answers.push(line)));

// Asks the test script to act on parley, and waits until it has.
function ask(action) {
  process.stdout.write(JSON.stringify({ action }) + "\n");
  return new Promise((resolve) => (answers.length ? resolve(answers.shift()) : (answered = resolve)));
}

// The texts of the messages shown, in order: "bot: ...", "visitor: ...", pending ones marked.
async function transcript(page) {
  return page.$$eval(".pwc-log .pwc-msg", (nodes) =>
    nodes.map((n) => {
      const who = n.classList.contains("pwc-from-visitor") ? "visitor"
        : n.classList.contains("pwc-from-system") ? "system" : "bot";
      const text = (n.querySelector(".pwc-text") || n).textContent;
      return (n.classList.contains("pwc-pending") ? "(pending) " : "") + who + ": " + text;
    })
  );
}

async function botSays(page, text) {
  await page.locator(".pwc-from-bot .pwc-text", { hasText: text }).first().waitFor({ timeout: WAIT });
}

async function open(context) {
  const page = await context.newPage();
  page.on("pageerror", (e) => report("no script error in the page", false, String(e)));
  await page.goto(url);
  await page.locator('.pwc-root[data-ready="true"]').waitFor({ timeout: WAIT });
  return page;
}

// What today's ctx:reply cannot make yet: a synthetic first stream (the widget's
// EventSource on /events) with url buttons (a javascript: one among them), media, cards,
// quick replies and an edit; the browser's reconnect reaches parley.
async function richMessages(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const base = new URL(url);
  const feed = {
    messages: [
      { seq: 1, at: 1, from: "bot", text: "First version" },
      { seq: 2, at: 2, from: "bot", text: "Links",
        buttons: [[{ label: "Site", url: "https://example.org/" }, { label: "Bad", url: "javascript:alert(1)" }],
                  [{ label: "Pick", id: "pick" }]] },
      { seq: 3, at: 3, from: "bot", text: "A photo",
        media: { type: "image", url: new URL("widget.css", base).href } },
      { seq: 4, at: 4, from: "bot", text: "Talks",
        cards: [{ title: "Keynote", subtitle: "10:00, Hall A", url: "https://example.org/k",
                  buttons: [{ label: "Remind me", id: "rk" }] }] },
      { seq: 5, at: 5, from: "bot", text: "Anything else?",
        quick_replies: [{ label: "No thanks", id: "no" }, { label: "Yes", id: "yes" }] },
      { seq: 6, at: 6, from: "bot", text: "Second version", edit_message_id: "1" },
    ],
    next: 6,
  };
  let first = true;
  const events =
    feed.messages.map((m) => `id: ${m.seq}\ndata: ${JSON.stringify(m)}\n\n`).join("") +
    `event: ready\ndata: ${feed.next}\n\n`;
  await page.route("**/events?*", (route) => {
    if (first && new URL(route.request().url()).searchParams.get("after") === "0") {
      first = false;
      return route.fulfill({ status: 200, contentType: "text/event-stream", body: events });
    }
    return route.continue();
  });
  await page.goto(url);
  await page.locator(".pwc-chip", { hasText: "No thanks" }).waitFor({ timeout: WAIT });
  const seen = await page.evaluate(() => {
    const q = (sel) => Array.from(document.querySelectorAll(sel));
    return {
      bots: q(".pwc-from-bot .pwc-text").map((n) => n.textContent),
      links: q(".pwc-link").map((a) => [a.textContent, a.getAttribute("href"), a.target]),
      image: q("img.pwc-media").map((i) => i.getAttribute("src")),
      cards: q(".pwc-card").map((c) => c.textContent),
      chips: q(".pwc-chip").map((c) => c.textContent),
    };
  });
  const ok =
    JSON.stringify(seen.bots) === JSON.stringify(["Second version", "Links", "A photo", "Talks", "Anything else?"]) &&
    JSON.stringify(seen.links) === JSON.stringify([["Site", "https://example.org/", "_blank"], ["Bad", "#", "_blank"]]) &&
    seen.image.length === 1 && seen.image[0].endsWith("/widget.css") &&
    seen.cards.length === 1 && seen.cards[0].includes("Keynote") && seen.cards[0].includes("10:00, Hall A") &&
    JSON.stringify(seen.chips) === JSON.stringify(["No thanks", "Yes"]);
  report("url buttons (javascript: refused), media, cards, quick replies, an edit in place", ok, seen);
  const sent = page.waitForRequest((r) => r.url().endsWith("/send") && r.postData().includes('"button":"no"'));
  await page.locator(".pwc-chip", { hasText: "No thanks" }).click();
  const body = JSON.parse((await sent).postData());
  const chips = await page.locator(".pwc-chip").count();
  const t = await transcript(page);
  report("a quick reply is sent as a press of the message that had it, shown by its label, and the chips go",
         body.button === "no" && body.message === "5" && chips === 0 &&
           (t.includes("visitor: No thanks") || t.includes("(pending) visitor: No thanks")),
         { body, chips, t });
  await context.close();
}

// A browser without EventSource: the widget falls back to the long poll (GET feed).
async function withoutEventSource(browser) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    delete window.EventSource;
  });
  const requests = [];
  context.on("request", (r) => requests.push(new URL(r.url()).pathname));
  const page = await open(context);
  await botSays(page, "Welcome to the test shop!");
  await page.getByRole("button", { name: "Opening hours" }).click();
  await botSays(page, "We are open 9:00-18:00.");
  report("without EventSource the widget long-polls (GET feed) and works the same",
         requests.some((u) => u.endsWith("/feed")) && !requests.some((u) => u.endsWith("/events")),
         { transcript: await transcript(page), requests });
  await context.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking"],
  });
  try {
    const context = await browser.newContext({ locale: "de-DE" });
    const requests = [];
    context.on("request", (r) => requests.push(new URL(r.url()).pathname));
    let page = await open(context);
    await botSays(page, "Welcome to the test shop!");
    report("the page shows the greeting", true, await transcript(page));
    const visitor = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.endsWith(":identity")).map((k) => localStorage[k])[0]);

    await page.getByRole("button", { name: "Opening hours" }).click();
    await botSays(page, "We are open 9:00-18:00.");
    let t = await transcript(page);
    report("a button press shows its label, then the reply",
           t.includes("visitor: Opening hours") && t.includes("bot: We are open 9:00-18:00."), t);
    const streams = requests.filter((u) => u.endsWith("/events")).length;
    const polls = requests.filter((u) => u.endsWith("/feed")).length;
    report("the replies came over one Server-Sent Events stream (GET events), no polling",
           streams === 1 && polls === 0, requests);

    await page.reload();
    await page.locator('.pwc-root[data-ready="true"]').waitFor({ timeout: WAIT });
    await botSays(page, "We are open 9:00-18:00.");
    t = await transcript(page);
    const want = ["bot: Welcome to the test shop! What do you need?", "visitor: Opening hours",
                  "bot: We are open 9:00-18:00."];
    const same = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.endsWith(":identity")).map((k) => localStorage[k])[0]);
    report("after a reload the history is still there (greeting, the pressed label, the reply)",
           JSON.stringify(t) === JSON.stringify(want), t);
    report("... and the visitor is the same", same && same === visitor, { before: visitor, after: same });

    const input = page.locator(".pwc-input");
    await input.fill('<img src=x onerror="window.__xss=1">');
    await input.press("Enter");
    await botSays(page, "echo: <img");
    t = await transcript(page);
    const injected = await page.evaluate(() => window.__xss === 1 || !!document.querySelector(".pwc-log img"));
    report("typed text goes with Enter, with the browser's language, and is shown as text (no HTML)",
           !injected && t.includes('visitor: <img src=x onerror="window.__xss=1">') &&
             t.includes('bot: echo: <img src=x onerror="window.__xss=1"> (de-DE)'), t);

    await page.getByRole("button", { name: "Remind me" }).first().click();
    await botSays(page, "I'll remind you in 3 seconds.");
    await page.close();
    await new Promise((resolve) => setTimeout(resolve, 4500)); // the reminder comes meanwhile
    page = await open(context);
    await botSays(page, "Reminder: the shop closes at 18:00.");
    t = await transcript(page);
    report("a reply that came while the page was closed is there when it opens again",
           t[t.length - 1] === "bot: Reminder: the shop closes at 18:00." &&
             !t.some((x) => x.startsWith("(pending)")), t);

    await richMessages(browser);
    await withoutEventSource(browser);

    await ask("stop");
    const input2 = page.locator(".pwc-input");
    const status = page.locator(".pwc-status", { hasText: "Reconnecting" });
    await status.waitFor({ timeout: WAIT });
    await input2.fill("are you there?");
    await input2.press("Enter");
    const pending = await page.locator(".pwc-pending .pwc-text", { hasText: "are you there?" }).count();
    report("parley stopped: the widget says it is reconnecting; a message typed now waits",
           pending === 1, await transcript(page));
    await ask("start");
    await botSays(page, "echo: are you there? (de-DE)");
    await status.waitFor({ state: "hidden", timeout: WAIT });
    t = await transcript(page);
    report("parley back: the widget reconnects by itself and the message is delivered, once",
           t.filter((x) => x === "visitor: are you there?").length === 1 &&
             !t.some((x) => x.startsWith("(pending)")), t);
    await context.close();
  } finally {
    await browser.close();
    stdin.close();
  }
}

main().catch((e) => {
  report("the browser run finished", false, String((e && e.stack) || e));
  process.exit(1);
});
