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
// a reply that arrives while the page is closed is there when it is opened again.
"use strict";

const path = require("path");
const { chromium } = require(path.join(__dirname, "..", "node", "node_modules", "playwright-core"));

const url = process.argv[2];
const executablePath = process.env.PARLEY_CHROMIUM || "/usr/bin/chromium";
const WAIT = 20000;

function report(step, ok, detail) {
  process.stdout.write(JSON.stringify({ step, ok: Boolean(ok), detail: detail ?? null }) + "\n");
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

async function main() {
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking"],
  });
  try {
    const context = await browser.newContext({ locale: "de-DE" });
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
    await context.close();
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  report("the browser run finished", false, String((e && e.stack) || e));
  process.exit(1);
});
