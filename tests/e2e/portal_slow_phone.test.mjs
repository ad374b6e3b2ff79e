// The page before the WebAssembly (issue 13): boot.js posts the link to /open while the app
// downloads and shows the matching page from index.html's templates; the Leptos app then takes
// over without losing what the person typed, where the focus was or a button they pressed. The
// WebAssembly is held back by the browser (page.route) so each test sees both halves; the
// pre-painted markup is compared with what the app renders for the same state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { runAxe } from "../support/axe.mjs";
import { launchBrowser, phonePage, screenshot } from "../support/browser.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app, browser;
const docs = demoDocuments();

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.stop();
});

const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
const settingsPath = "/api/v1/clinic/settings";

async function setChecks(checks) {
  const current = (await app.clinic.call("GET", settingsPath)).json;
  ok(await app.clinic.putJson(settingsPath, { ...current, checks: { ...current.checks, ...checks } }));
}

async function sharedWithPatient(id, { mobile } = {}) {
  const email = `${id}@example.com`;
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email, ...(mobile ? { mobile } : {}) }));
  for (const d of docs) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  ok(await app.clinic.share({ patient_id: id, document_ids: docs.map((d) => `${id}-${d.id}`), method: "secure_link", staff: "Dr Test" }));
  return mail.latestLink(email);
}

/** A phone page whose WebAssembly waits until `release()`. */
async function heldBack() {
  const p = await phonePage(browser);
  let release;
  const gate = new Promise((r) => (release = r));
  await p.page.route(/\.wasm$/, async (route) => { await gate; await route.continue(); });
  return { ...p, release };
}

const appReady = (page) => page.waitForFunction(() => document.documentElement.dataset.app === "ready");
const isApp = (page) => page.evaluate(() => document.documentElement.dataset.app === "ready");
const focused = (page) => page.evaluate(() => `${document.activeElement.tagName.toLowerCase()}${document.activeElement.id ? "#" + document.activeElement.id : ""}`);

/** The page's main content as a comparable outline: tags, ids, classes, labels and text. */
const outline = (page) => page.evaluate(() => {
  const keep = ["id", "class", "for", "type", "name", "role", "inputmode", "autocomplete", "aria-describedby", "aria-hidden", "aria-invalid", "aria-label", "tabindex"];
  const walk = (el) => {
    const attrs = keep.filter((a) => el.hasAttribute(a)).map((a) => `${a}=${el.getAttribute(a)}`).join(" ");
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").replace(/\s+/g, " ").trim();
    return [`<${el.tagName.toLowerCase()} ${attrs}>${text}`, ...[...el.children].flatMap((c) => walk(c).map((l) => `  ${l}`))];
  };
  return [...document.querySelector("main").children].flatMap(walk).join("\n");
});

test("the date-of-birth form is there before the WebAssembly, and the app keeps what was typed and the focus", async () => {
  const link = await sharedWithPatient("prepaint-typed");
  const { context, page, errors, release } = await heldBack();
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    assert.equal(await isApp(page), false, "the app has not started: this is the pre-paint");
    assert.equal(new URL(page.url()).hash, "", "the token has left the address bar already");
    assert.equal(await page.locator(".header__practice").innerText(), "Riverside Surgery", "the header names the practice");
    assert.equal(await page.title(), "What is your date of birth? – Sealpost");
    const { violations } = await runAxe(page);
    assert.deepEqual(violations, [], "the pre-paint is accessible");
    await screenshot(page, "prepaint-01-birthday-before-app");
    const before = await outline(page);
    await page.locator("#dob-day").fill("7");
    await page.locator("#dob-month").fill("3");
    release();
    await appReady(page);
    assert.equal(await page.locator("#prepaint").count(), 0, "the pre-paint is gone");
    assert.equal(await page.locator("#dob-day").inputValue(), "7");
    assert.equal(await page.locator("#dob-month").inputValue(), "3");
    assert.equal(await focused(page), "input#dob-month", "focus stays where the person was typing");
    // Same markup as the app renders (values aside).
    assert.equal(await outline(page), before);
    await page.keyboard.press("Tab");
    await page.keyboard.type("1984");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Your documents", exact: true }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("Continue pressed before the app arrives is carried out by the app", async () => {
  const link = await sharedWithPatient("prepaint-pressed");
  const { context, page, errors, release } = await heldBack();
  try {
    await page.goto(link);
    await page.locator("#dob-day").fill("7");
    await page.locator("#dob-month").fill("3");
    await page.locator("#dob-year").fill("1984");
    await page.getByRole("button", { name: "Continue" }).click();
    assert.equal(await isApp(page), false);
    assert.equal(await page.getByRole("button", { name: "Continue" }).getAttribute("aria-disabled"), "true", "the button shows it is busy");
    release();
    await page.getByRole("heading", { level: 1, name: "Your documents", exact: true }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the SMS, magic-link and stop pages are pre-painted as the app renders them", async () => {
  const cases = [
    { name: "sms", heading: "Get a code by text message", setup: async () => { await setChecks({ patient: "sms_code" }); return sharedWithPatient("prepaint-sms", { mobile: "+447700900456" }); } },
    { name: "invalid", heading: "This link is not valid", setup: async () => `${app.base}/open#eyJhbGciOiJFZERTQSJ9.e30.forged` },
    { name: "no-link", heading: "Open the link in your email", setup: async () => `${app.base}/open` },
  ];
  try {
    for (const c of cases) {
      const link = await c.setup();
      const { context, page, errors, release } = await heldBack();
      try {
        await page.goto(link);
        await page.getByRole("heading", { level: 1, name: c.heading }).waitFor();
        assert.equal(await isApp(page), false, `${c.name}: pre-paint`);
        await screenshot(page, `prepaint-02-${c.name}-before-app`);
        const before = await outline(page);
        release();
        await appReady(page);
        assert.equal(await outline(page), before, `${c.name}: the app renders what was pre-painted`);
        assert.deepEqual(errors.filter((e) => !/Failed to load resource: .* 4\d\d/.test(e)), []);
      } finally {
        await context.close();
      }
    }
  } finally {
    await setChecks({ patient: "birthday" });
  }
});

test("hashed files are immutable, pages are revalidated, and a second visit downloads no unchanged file", async () => {
  const index = await fetch(`${app.base}/open`);
  const html = await index.text();
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 2, assets.join(" "));
  for (const a of assets) {
    assert.match(a, /\.[0-9a-f]{16}\.(js|css|wasm)$/, `${a} has its content hash`);
    const r = await fetch(app.base + a);
    await r.arrayBuffer();
    assert.equal(r.status, 200, a);
    assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable", a);
  }
  const glue = assets.find((a) => a.startsWith("/boot."));
  const boot = await (await fetch(app.base + glue)).text();
  for (const m of boot.matchAll(/"\.\/(pkg\/[^"]+)"/g)) {
    const r = await fetch(`${app.base}/${m[1]}`);
    await r.arrayBuffer();
    assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable", m[1]);
  }
  // A hashed-looking name that does not exist gets the page, not a year in the cache.
  const missing = await fetch(`${app.base}/boot.0123456789abcdef.js`);
  await missing.arrayBuffer();
  assert.equal(missing.headers.get("cache-control"), "no-cache");

  // A second page of the same browser (its cache kept) opening another emailed link.
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(await sharedWithPatient("second-visit-1"));
    await appReady(page);
    const second = await context.newPage();
    const cdp = await context.newCDPSession(second);
    await cdp.send("Network.enable");
    const network = [];
    cdp.on("Network.responseReceived", (e) => network.push({ path: new URL(e.response.url).pathname, cache: e.response.fromDiskCache || e.response.fromMemoryCache }));
    await second.goto(await sharedWithPatient("second-visit-2"));
    await appReady(second);
    const downloaded = network.filter((n) => !n.cache).map((n) => n.path);
    assert.deepEqual(downloaded.sort(), ["/api/v1/portal/open", "/open"].sort(), `downloaded again: ${downloaded.join(" ")}`);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------------------------
// What walking the portal as a patient found (issue 13), each shown on a phone.

async function enterBirthday(page, day, month, year) {
  await page.locator("#dob-day").fill(day);
  await page.locator("#dob-month").fill(month);
  await page.locator("#dob-year").fill(year);
  await page.getByRole("button", { name: "Continue" }).click();
}

test("an empty date of birth gets one message, and the fields stay on screen at 320×640", async () => {
  const link = await sharedWithPatient("one-message");
  const { context, page } = await phonePage(browser);
  try {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(link);
    await appReady(page);
    await page.getByRole("button", { name: "Continue" }).click();
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    assert.deepEqual(await summary.locator("li").allInnerTexts(), ["Enter your date of birth"]);
    assert.deepEqual((await page.locator(".error-message").allTextContents()).map((t) => t.replace(/\s+/g, " ").trim()), ["Error: Enter your date of birth"]);
    for (const id of ["dob-day", "dob-month", "dob-year"]) {
      assert.equal(await page.locator(`#${id}`).getAttribute("aria-invalid"), "true", id);
    }
    const box = await page.locator("#dob-year").boundingBox();
    assert.ok(box.y + box.height <= 640, `the fields are above the fold (${box.y + box.height} px)`);
    await screenshot(page, "slow-phone-01-empty-form-320");

    await enterBirthday(page, "7", "", "");
    assert.deepEqual(await summary.locator("li").allInnerTexts(), ["Date of birth must include a month and a year"]);
    const earliest = new Date().getFullYear() - 130;
    await enterBirthday(page, "7", "3", "1884");
    assert.deepEqual(await summary.locator("li").allInnerTexts(), [`Year of birth must be ${earliest} or later`]);
    await enterBirthday(page, "8", "3", "1984");
    await enterBirthday(page, "9", "3", "1984");
    await summary.locator("text=1 attempt left").waitFor();
    assert.match(await summary.innerText(), /You have 1 attempt left\. If it is wrong too, you will have to wait at least 15 minutes before you can try again\./);
    await screenshot(page, "slow-phone-02-last-attempt-320");
  } finally {
    await context.close();
  }
});

test("at 320 px, sizes stay with their units; at 200 % text nothing scrolls sideways; the header names the practice after a reload", async () => {
  const link = await sharedWithPatient("narrow");
  const { context, page } = await phonePage(browser);
  try {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(link);
    await appReady(page);
    await enterBirthday(page, "7", "3", "1984");
    await page.getByRole("heading", { level: 1, name: "Your documents", exact: true }).waitFor();
    await page.locator(".document__details").first().waitFor();
    const details = await page.locator(".document__details").allInnerTexts();
    assert.ok(details.length > 0);
    for (const d of details) assert.match(d, /\d\u00a0(bytes|KB|MB|GB)/, `no break between number and unit: ${JSON.stringify(d)}`);
    // Each size ("732 bytes") lies on one line: a range over it has one box.
    for (const el of await page.locator(".document__details").all()) {
      const lines = await el.evaluate((e) => {
        const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const m = /\d[\d.]*\s\S+$/.exec(n.textContent);
          if (!m) continue;
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          return [...r.getClientRects()].filter((b) => b.width > 0).length;
        }
        return -1;
      });
      assert.equal(lines, 1, await el.innerText());
    }
    await screenshot(page, "slow-phone-03-documents-320");

    // The browser's text size at 200 % (Chromium's default font size 16 → 32 px).
    const cdp = await context.newCDPSession(page);
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 32, fixed: 26 } });
    await page.waitForTimeout(200);
    const { scroll, client, root } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
      root: getComputedStyle(document.documentElement).fontSize,
    }));
    assert.equal(root, "32px", "the text size took effect");
    assert.ok(scroll <= client, `no sideways scrolling at 200 % (${scroll} > ${client})`);
    await screenshot(page, "slow-phone-04-documents-320-text-200");
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 16, fixed: 13 } });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { level: 1, name: "You have signed out" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Your session has ended" }).waitFor();
    assert.equal(await page.locator("header").innerText(), "Riverside Surgery", "the header still names the practice");
  } finally {
    await context.close();
  }
});

test("while the app loads, another page has a heading and the practice's name", async () => {
  const link = await sharedWithPatient("loading-heading");
  const { context, page, release } = await heldBack();
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    await page.goto(`${app.base}/documents`);
    await page.getByRole("heading", { level: 1, name: "Loading" }).waitFor();
    assert.equal(await page.locator("header").innerText(), "Riverside Surgery");
    release();
    await appReady(page);
    await page.getByRole("heading", { level: 1, name: "Your session has ended" }).waitFor();
  } finally {
    await context.close();
  }
});

test("in dark mode the Sign out button stands out from the page, bottom edge included", async () => {
  const link = await sharedWithPatient("dark");
  const { context, page } = await phonePage(browser);
  try {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(link);
    await appReady(page);
    await screenshot(page, "slow-phone-05-birthday-dark-320");
    await page.setViewportSize({ width: 390, height: 844 });
    await enterBirthday(page, "7", "3", "1984");
    const button = page.getByRole("button", { name: "Sign out" });
    await button.waitFor();
    const c = await button.evaluate((b) => {
      const rgb = (s) => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
      const lum = ([r, g, bl]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(bl); };
      const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      const page = getComputedStyle(document.documentElement).backgroundColor;
      const s = getComputedStyle(b);
      return { border: ratio(s.borderBottomColor, page), shadow: ratio(s.boxShadow, page), width: s.borderBottomWidth };
    });
    assert.ok(c.border >= 3, `border against the page ${c.border.toFixed(2)}:1`);
    assert.ok(c.shadow >= 3, `bottom shadow against the page ${c.shadow.toFixed(2)}:1`);
    assert.notEqual(c.width, "0px");
    await screenshot(page, "slow-phone-06-documents-dark");
    await page.setViewportSize({ width: 320, height: 640 });
    await screenshot(page, "slow-phone-07-documents-dark-320");
  } finally {
    await context.close();
  }
});

test("without JavaScript the page says to turn it on, and shows no endless loading", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: "en-GB" });
  try {
    const page = await context.newPage();
    await page.goto(`${app.base}/open#whatever`);
    await page.getByRole("heading", { level: 1, name: "Turn on JavaScript to see your documents" }).waitFor();
    assert.equal(await page.getByText("Opening your link").isVisible(), false);
  } finally {
    await context.close();
  }
});
