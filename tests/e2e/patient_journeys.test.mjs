// What a patient does on a phone, in headless Chromium against the Worker in workerd.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
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

/** Creates a patient with the demo documents, shares them, returns the emailed link. */
async function patientWithSharedDocuments(id) {
  const email = `${id}@example.com`;
  const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }));
  for (const d of docs) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  ok(await app.clinic.share({
    patient_id: id,
    document_ids: docs.map((d) => `${id}-${d.id}`),
    method: "secure_link",
    staff: "Dr Test",
  }));
  const link = mail.latestLink(email);
  assert.ok(link, "the share emailed a link");
  return link;
}

async function enterBirthday(page, day, month, year) {
  await page.locator("#dob-day").fill(day);
  await page.locator("#dob-month").fill(month);
  await page.locator("#dob-year").fill(year);
  await page.getByRole("button", { name: "Continue" }).click();
}

test("patient opens the emailed link, enters the right date of birth and downloads a document", async () => {
  const link = await patientWithSharedDocuments("journey-ok");
  const { context, page, errors } = await phonePage(browser);
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    assert.ok(!page.url().includes("#"), "the token is removed from the address bar");
    await screenshot(page, "01-date-of-birth");
    await enterBirthday(page, "7", "3", "1984");
    await page.getByRole("heading", { level: 1, name: "Your documents", exact: true }).waitFor();
    const items = page.locator("ul.documents > li");
    assert.equal(await items.count(), 3);
    assert.match(await items.first().innerText(), /Referral letter/, "newest first");
    await screenshot(page, "02-documents");

    const invoice = docs.find((d) => d.id === "demo-invoice");
    const row = items.filter({ hasText: invoice.title });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("link", { name: /Download/ }).click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    assert.deepEqual(readFileSync(path), invoice.bytes, "downloaded bytes equal the original");
    assert.match(download.suggestedFilename(), /\.pdf$/);
    assert.deepEqual(errors, [], "no console errors");
  } finally {
    await context.close();
  }
});

test("a wrong date of birth is refused with a clear message and no documents are shown", async () => {
  const link = await patientWithSharedDocuments("journey-wrong");
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    await enterBirthday(page, "8", "3", "1984");
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /does not match our records/);
    assert.match(text, /2 attempts left/);
    assert.equal(await page.locator("ul.documents").count(), 0, "no documents shown");
    const documents = await page.context().request.get(`${app.base}/api/v1/portal/documents`);
    assert.equal(documents.status(), 401, "and no session was granted");
    await screenshot(page, "03-wrong-date-of-birth");
  } finally {
    await context.close();
  }
});
