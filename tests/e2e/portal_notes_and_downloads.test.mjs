// Reading a shared consultation note, and downloading a large document with a progress bar, as a
// patient does on a phone (390×844) in headless Chromium against the Worker in workerd. The note
// page is checked with axe-core (WCAG 2.0/2.1 A and AA, 2.2 AA) at 320 px and 1280 px wide, and
// photographed at phone size into tests/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { runAxe } from "../support/axe.mjs";
import { launchBrowser, phonePage, screenshot } from "../support/browser.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

const PHONE = { width: 390, height: 844 };

let mail, app, browser;
const axeLog = [];

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.stop();
  console.log(`axe: ${axeLog.length} runs\n${axeLog.join("\n")}`);
});

const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
const heading = (page, name) => page.getByRole("heading", { level: 1, name, exact: true });
const unexpected = (errors) => errors.filter((e) => !/Failed to load resource: .* 4\d\d/.test(e));

async function assertAccessible(page, state) {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const { passes, violations } = await runAxe(page);
    assert.ok(passes > 0, "axe ran its rules");
    axeLog.push(`${state} @ ${width}px → ${violations.length} violations (${passes} rules passed)`);
    assert.deepEqual(violations, [], `${state} at ${width} px`);
  }
  await page.setViewportSize(PHONE);
}

async function record(page, name, state) {
  await screenshot(page, name);
  await assertAccessible(page, state);
}

async function enterBirthday(page, day, month, year) {
  await page.locator("#dob-day").fill(day);
  await page.locator("#dob-month").fill(month);
  await page.locator("#dob-year").fill(year);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Shares `documents` (uploaded for patient `id`) by secure link; returns the emailed link. */
async function share(id, documents, sections = {}) {
  const email = `${id}@example.com`;
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }));
  for (const d of documents) ok(await app.clinic.uploadDocument(id, d));
  ok(await app.clinic.share({
    patient_id: id, document_ids: documents.map((d) => d.id), method: "secure_link", staff: "Dr Test", sections,
  }));
  const link = mail.latestLink(email);
  assert.ok(link, "the share emailed a link");
  return link;
}

async function signIn(page, link) {
  await page.goto(link);
  await page.locator("#dob-day").waitFor();
  await enterBirthday(page, "7", "3", "1984");
  await heading(page, "Your documents").waitFor();
}

/** A valid PNG of random pixels (stored, not compressed), so its size is what we ask for. */
function noisePng(width, height) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = randomBytes((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) raw[y * (width * 3 + 1)] = 0; // filter type: none
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 0 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const NOTE = {
  sections: [
    { id: "history", title: "History", text: "Two weeks of dry cough, worse at night.\n\nNo fever. Not short of breath." },
    { id: "examination", title: "Examination", text: "Chest clear. Temperature 36.9." },
    { id: "plan", title: "Plan", text: "Rest and fluids.\nParacetamol if needed.\n\nReview in one week if no better." },
  ],
};

test("patient reads the shared sections of a consultation note and prints them", async () => {
  const id = "note-reader";
  const note = {
    id: `${id}-note`, kind: "consultation_note", title: "Consultation 20 November", date: "2026-11-20",
    contentType: "application/json", bytes: Buffer.from(JSON.stringify(NOTE)),
  };
  const letter = { ...demoDocuments().find((d) => d.id === "demo-letter") ?? demoDocuments()[0] };
  letter.id = `${id}-letter`;
  const link = await share(id, [note, letter], { [note.id]: ["plan", "history"] });
  const { context, page, errors } = await phonePage(browser);
  try {
    await signIn(page, link);
    const row = page.locator("ul.documents > li").filter({ hasText: note.title });
    const read = row.getByRole("link", { name: `Read ${note.title}`, exact: true });
    assert.equal(await read.getAttribute("href"), `/documents/${note.id}/note`);
    assert.equal(await row.getByRole("link", { name: /Download|Open/ }).count(), 0, "a note has no file links");
    assert.doesNotMatch(await row.innerText(), /KB|bytes/, "nor a file size");
    const other = page.locator("ul.documents > li").filter({ hasText: letter.title });
    assert.equal(await other.getByRole("link", { name: /Download/ }).count(), 1, "files still download");
    await screenshot(page, "notes-01-documents-with-a-note");

    await read.click();
    await heading(page, note.title).waitFor();
    assert.equal(new URL(page.url()).pathname, `/documents/${note.id}/note`);
    assert.equal(await page.evaluate(() => document.activeElement.tagName), "H1", "focus moves to the heading");
    assert.equal(await page.title(), `${note.title} – Sealpost`);
    const main = page.locator("main");
    assert.match(await main.innerText(), /20 November 2026/);
    assert.equal(await main.locator("time").getAttribute("datetime"), "2026-11-20");
    const h2s = await main.getByRole("heading", { level: 2 }).allInnerTexts();
    assert.deepEqual(h2s, ["History", "Plan"], "only the chosen sections, in note order");
    const text = await main.innerText();
    assert.doesNotMatch(text, /Examination|Chest clear/, "the section not shared is not shown");
    const history = main.locator("section").filter({ hasText: "History" }).locator("p");
    assert.deepEqual(await history.allInnerTexts(), [
      "Two weeks of dry cough, worse at night.", "No fever. Not short of breath.",
    ], "paragraphs split on blank lines");
    assert.equal(await main.locator("section").filter({ hasText: "Plan" }).locator("p").count(), 2);
    assert.equal(await page.locator(".header__practice").count(), 1, "the practice name is in the header");
    await record(page, "notes-02-note", "consultation note");

    // Print: the button calls window.print(); the print stylesheet drops the banner and buttons.
    await page.evaluate(() => {
      window.__prints = 0;
      window.print = () => { window.__prints += 1; };
    });
    await page.getByRole("button", { name: "Print" }).click();
    assert.equal(await page.evaluate(() => window.__prints), 1, "Print opens the print dialogue");
    await page.emulateMedia({ media: "print" });
    const printed = await page.evaluate(() => {
      const style = (sel) => getComputedStyle(document.querySelector(sel));
      return {
        header: style(".header").display,
        actions: style(".note__actions").display,
        colour: style(".note h2").color,
        text: style(".note__text").color,
        font: style(".note__text").fontFamily,
      };
    });
    assert.equal(printed.header, "none", "no banner on paper");
    assert.equal(printed.actions, "none", "no buttons or links on paper");
    assert.equal(printed.colour, "rgb(0, 0, 0)");
    assert.equal(printed.text, "rgb(0, 0, 0)");
    assert.doesNotMatch(printed.font, /^("?Times|serif)/i, "sans-serif text");
    await screenshot(page, "notes-03-note-printed");
    await page.emulateMedia({ media: "screen" });

    await page.getByRole("link", { name: "Back to your documents" }).click();
    await heading(page, "Your documents").waitFor();

    await page.goto(`${app.base}/documents/no-such-note/note`);
    await heading(page, "This note is not available").waitFor();
    assert.equal(await page.getByRole("link", { name: "Back to your documents" }).count(), 1);
    await record(page, "notes-04-note-not-available", "note not available");
    await page.goto(`${app.base}/documents/${letter.id}/note`);
    await heading(page, "This note is not available").waitFor();
    assert.deepEqual(unexpected(errors), [], "no console errors");
  } finally {
    await context.close();
  }

  const stranger = await phonePage(browser);
  try {
    await stranger.page.goto(`${app.base}/documents/${note.id}/note`);
    await heading(stranger.page, "Your session has ended").waitFor();
    assert.doesNotMatch(await stranger.page.locator("main").innerText(), /cough/);
  } finally {
    await stranger.context.close();
  }
});

test("patient downloads a large document and sees the progress bar", async () => {
  const id = "big-download";
  const bytes = noisePng(1340, 1340); // ≈ 5 MB
  assert.ok(bytes.length > 4.9 * 1024 * 1024, `${bytes.length} bytes`);
  const scan = { id: `${id}-scan`, kind: "lab", title: "Large scan", date: "2026-11-21", contentType: "image/png", bytes };
  const small = { ...demoDocuments()[0], id: `${id}-small` };
  const link = await share(id, [scan, small]);
  const { context, page, errors } = await phonePage(browser);
  try {
    await signIn(page, link);
    const row = page.locator("ul.documents > li").filter({ hasText: scan.title });
    assert.match(await row.innerText(), /PNG image, [45]\.\d\u00a0MB/);
    const smallRow = page.locator("ul.documents > li").filter({ hasText: small.title });
    assert.equal(await smallRow.locator("a[download]").getAttribute("href"),
      `/api/v1/portal/documents/${small.id}/content?disposition=attachment`, "small files keep the plain link");

    // Slow the connection (≈ 1.5 MB/s) so the bar is seen filling, as on a phone.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 20, downloadThroughput: 1.5 * 1024 * 1024, uploadThroughput: -1,
    });
    const downloaded = page.waitForEvent("download", { timeout: 30_000 });
    await row.getByRole("link", { name: `Download ${scan.title}`, exact: true }).click();
    const bar = row.getByRole("progressbar", { name: `Downloading ${scan.title}` });
    await bar.waitFor();
    await page.waitForFunction(() => {
      const p = document.querySelector(".download progress");
      return p && p.value >= 20 && p.value < 90;
    }, null, { timeout: 20_000 });
    const midway = Number(await bar.getAttribute("value"));
    assert.ok(midway >= 20 && midway < 100, `part way: ${midway}%`);
    assert.match(await row.locator(".download__percent").innerText(), /^\d{1,3}%$/, "the percentage is shown");
    assert.equal(await row.locator(".download").getAttribute("role"), "status");
    await record(page, "downloads-01-progress", "large download in progress");

    const download = await downloaded;
    assert.deepEqual(readFileSync(await download.path()), bytes, "downloaded bytes equal the original");
    assert.equal(download.suggestedFilename(), "Large_scan.png");
    await row.getByText(`Downloaded ${scan.title}`).waitFor();
    assert.equal(await row.getByRole("progressbar").count(), 0, "the bar goes once the file is saved");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    await screenshot(page, "downloads-02-saved");
    assert.deepEqual(unexpected(errors), [], "no console errors");
  } finally {
    await context.close();
  }
});
