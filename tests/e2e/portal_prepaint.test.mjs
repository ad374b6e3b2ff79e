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
    await page.getByRole("heading", { level: 1, name: "Your documents" }).waitFor();
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
    await page.getByRole("heading", { level: 1, name: "Your documents" }).waitFor();
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
  assert.ok(assets.length >= 4, assets.join(" "));
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
