// The clinic console as staff use it: at a desk (1280×800) and on a tablet (820×1180), in
// headless Chromium against the Worker in workerd, signed in the way Cloudflare Access signs
// them in (an RS256 assertion header on every request). Each state is checked with axe-core
// (WCAG 2.0/2.1 A and AA, 2.2 AA) at both sizes and photographed into tests/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { runAxe } from "../support/axe.mjs";
import { launchBrowser, screenshot } from "../support/browser.mjs";
import { fakeAccess, STAFF } from "../support/access.mjs";
import { demoDocuments, makePdf } from "../support/demo-docs.mjs";
import { clinicClient } from "../support/clinic-client.mjs";

const DESKTOP = { width: 1280, height: 800 };
const TABLET = { width: 820, height: 1180 };

let mail, app, access, browser;
const axeLog = [];
const P = "p-jane";
const NOTE = {
  sections: [
    { id: "history", title: "History (patient’s account)", text: "Two weeks of cough." },
    { id: "examination", title: "Examination", text: "Chest clear." },
    { id: "plan", title: "Plan", text: "Rest and fluids." },
  ],
};

const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));

before(async () => {
  mail = await startFakeMail();
  access = fakeAccess();
  app = await startSealpost({ mailBase: mail.base, extraVars: { ...access.vars, SENDGRID_WEBHOOK_PUBLIC_KEY: mail.eventPublicKey } });
  browser = await launchBrowser();
  const c = app.clinic;
  ok(await c.upsertPatient(P, { name: "Jane Doe", date_of_birth: "1984-03-07", email: "jane.doe@example.com", mobile: "+447700900123" }));
  ok(await c.upsertPatient("p-john", { name: "John Smith", date_of_birth: "1950-01-02", email: "john@example.com" }));
  for (const d of demoDocuments()) ok(await c.uploadDocument(P, d));
  for (let i = 1; i <= 4; i++) {
    ok(await c.uploadDocument(P, {
      id: `letter-${i}`, kind: "letter", title: `Clinic letter ${i}`, date: `2025-0${i}-15`,
      contentType: "application/pdf", bytes: makePdf([`Letter ${i}`]),
    }));
  }
  ok(await c.uploadDocument(P, {
    id: "note-1", kind: "consultation_note", title: "Consultation 20 November", date: "2026-11-20",
    contentType: "application/json", bytes: Buffer.from(JSON.stringify(NOTE)),
  }));
  ok(await c.putJson(`/api/v1/clinic/patients/${P}/relationships/daughter`, {
    name: "Amy Doe", email: "amy@example.com", mobile: "+447700900601", relation: "daughter", emergency: true,
  }));
  ok(await c.putJson(`/api/v1/clinic/patients/${P}/relationships/neighbour`, {
    name: "Bob Brown", relation: "neighbour",
  }));
  ok(await c.putJson("/api/v1/clinic/contacts/cardio", { name: "Dr Heart (cardiology)", email: "cardio@hospital.example", mobile: "+447700900602" }));
  const settings = (await c.call("GET", "/api/v1/clinic/settings")).json;
  ok(await c.putJson("/api/v1/clinic/settings", {
    ...settings,
    senders: { general: "practice@riverside.example", letter: "letters@riverside.example", consultation: "consult@riverside.example" },
  }));
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.stop();
  console.log(`axe: ${axeLog.length} runs\n${axeLog.join("\n")}`);
});

/** A browser page signed in as `email` through (fake) Access, at `size`. */
async function staffPage(email, size = DESKTOP, base = app.base) {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1, locale: "en-GB" });
  if (email) await context.setExtraHTTPHeaders({ "cf-access-jwt-assertion": access.token(email) });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return { context, page, errors, base };
}

/** Runs axe at desktop and tablet sizes and screenshots both; fails on any violation. */
async function record(page, name) {
  const start = page.viewportSize();
  for (const [label, size] of [["desktop", DESKTOP], ["tablet", TABLET]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(50);
    await screenshot(page, `console-${name}-${label}`);
    const { passes, violations } = await runAxe(page);
    assert.ok(passes > 0, "axe ran its rules");
    axeLog.push(`${name} @ ${label} → ${violations.length} violations (${passes} rules passed)`);
    assert.deepEqual(violations, [], `${name} at ${label}`);
  }
  await page.setViewportSize(start);
}

async function openFile(page, base = app.base) {
  await page.goto(`${base}/console/patients/${P}`);
  await page.getByRole("heading", { level: 1, name: "Jane Doe" }).waitFor();
  // The file loads in parts (documents, history, shares, settings); a list that re-renders
  // when a later part arrives would swap the row out from under a drag (seen once in CI).
  await page.waitForLoadState("networkidle");
}

test("staff find a patient by name and open their file", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  await page.goto(`${app.base}/console`);
  await page.getByRole("heading", { level: 1, name: "Find a patient" }).waitFor();
  assert.equal(await page.getByText("Local development identity").count(), 0, "no dev banner with Access");
  await page.getByLabel("Name or patient ID").fill("jane");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "Jane Doe" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "John Smith" }).count(), 0);
  await record(page, "search-results");
  await page.getByRole("link", { name: "Jane Doe" }).click();
  await page.getByRole("heading", { level: 1, name: "Jane Doe" }).waitFor();
  assert.match(new URL(page.url()).pathname, /\/console\/patients\/p-jane$/);
  // Eight documents: the first five, then "More documents".
  assert.equal(await page.locator(".doc").count(), 5);
  await record(page, "patient-file");
  await page.getByRole("button", { name: /More documents \(3\)/ }).click();
  assert.equal(await page.locator(".doc").count(), 8);
  // Filter by type, name and date.
  await page.getByLabel("Type").selectOption("letter");
  assert.equal(await page.locator(".doc").count(), 5, "four clinic letters and the referral letter");
  await page.getByLabel("Name contains").fill("letter 3");
  assert.equal(await page.locator(".doc").count(), 1);
  await page.getByLabel("Name contains").fill("");
  await page.getByLabel("Dated from").fill("2025-03-01");
  assert.equal(await page.locator(".doc").count(), 3, "letters 3 and 4, and the referral");
  await page.getByText("3 of 8 documents match the filter.").waitFor();
  await record(page, "documents-filtered");
  assert.deepEqual(errors, []);
  await context.close();
});

test("going back and forth between two patients, staff see the file they went to last, however late the other answers", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  // Jane's answers are held back while `holding`, as a slow network would.
  let holding = false;
  let held = 0;
  let release;
  const released = new Promise((resolve) => (release = resolve));
  await page.route(/\/api\/v1\/clinic\/patients\/p-jane(\/[a-z]+)?$/, async (route) => {
    if (holding) {
      held += 1;
      await released;
    }
    await route.continue();
  });
  await openFile(page);
  // John's file, reached inside the app (the router, no reload), so Back and Forward move
  // between the two files of one page.
  await page.evaluate(() => {
    history.pushState(null, "", "/console/patients/p-john");
    dispatchEvent(new PopStateEvent("popstate"));
  });
  await page.getByRole("heading", { level: 1, name: "John Smith" }).waitFor();
  holding = true;
  await page.goBack();
  await page.waitForURL(/\/p-jane$/);
  for (let i = 0; i < 100 && held < 1; i++) await page.waitForTimeout(50);
  assert.ok(held >= 1, "Jane's file is on its way, held back");
  // John's file is asked for (and answered) at once, not after Jane's answer.
  const johnAnswered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/clinic/patients/p-john");
  await page.goForward();
  await page.waitForURL(/\/p-john$/);
  await johnAnswered;
  await page.getByRole("heading", { level: 1, name: "John Smith" }).waitFor();
  await page.getByText("No documents for this patient yet.").waitFor();
  // Jane's answers arrive after John's: they must not take over the page, not even for a moment.
  holding = false;
  release();
  for (let i = 0; i < 20; i++) {
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "John Smith");
    await page.waitForTimeout(50);
  }
  await page.waitForLoadState("networkidle");
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "John Smith");
  assert.equal(await page.locator(".doc").count(), 0, "none of Jane's documents");
  assert.equal(await page.getByText("Jane Doe").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a slow answer to an earlier search never replaces the results of the latest one", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  let release;
  const released = new Promise((resolve) => (release = resolve));
  await page.route(/\/api\/v1\/clinic\/patients\?(.*&)?q=jane(&|$)/, async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(`${app.base}/console`);
  await page.getByRole("heading", { level: 1, name: "Find a patient" }).waitFor();
  const held = page.waitForRequest(/\/api\/v1\/clinic\/patients\?(.*&)?q=jane(&|$)/);
  await page.getByLabel("Name or patient ID").fill("jane");
  await page.getByRole("button", { name: "Search" }).click();
  await held;
  await page.getByLabel("Name or patient ID").fill("john");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "John Smith" }).waitFor();
  const late = page.waitForResponse(/\/api\/v1\/clinic\/patients\?(.*&)?q=jane(&|$)/);
  release();
  await late;
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole("link", { name: "Jane Doe" }).count(), 0, "the answer for “jane” came too late");
  assert.equal(await page.getByRole("link", { name: "John Smith" }).count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test("staff share several documents with several recipients by secure link, and see the sender", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer, TABLET);
  await openFile(page);
  // The neighbour has no email: shown, disabled, with the reason.
  const neighbour = page.getByLabel(/Bob Brown/);
  assert.ok(await neighbour.isDisabled());
  await page.getByText("Cannot be chosen: no email address on file").waitFor();
  // There is nowhere to type an address.
  assert.equal(await page.locator('input[type="email"], input[type="text"]').count(), 0);
  await page.getByLabel("Clinic letter 4").check();
  await page.getByLabel("Referral letter").check();
  await page.locator("#sender").getByText("letters@riverside.example").waitFor();
  await page.getByLabel("Invoice 2026-0147").check();
  await page.locator("#sender").getByText("practice@riverside.example").waitFor();
  await page.getByLabel("Invoice 2026-0147").uncheck();
  await page.getByLabel(/Jane Doe \(patient\)/).check();
  await page.getByLabel(/Amy Doe/).check();
  await page.getByLabel(/Dr Heart/).check();
  await record(page, "share-ready");
  const before = mail.messages.length;
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await page.getByRole("heading", { name: "Shared" }).waitFor();
  await page.getByText(/3 emails queued, 3 sent, from letters@riverside.example/).waitFor();
  const sent = mail.messages.slice(before).map((m) => m.to).sort();
  assert.deepEqual(sent, ["amy@example.com", "cardio@hospital.example", "jane.doe@example.com"]);
  assert.ok(mail.messages.slice(before).every((m) => m.from.email === "letters@riverside.example"));
  await record(page, "share-done");
  // Nothing chosen: the error summary says what to fix.
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await page.getByText("Choose at least one document to share").waitFor();
  await record(page, "share-problem");
  assert.deepEqual(errors, []);
  await context.close();
});

test("staff share chosen sections of a consultation note with the patient only; contacts are not offered sections", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  await openFile(page);
  await page.getByLabel("Consultation 20 November").check();
  await page.getByLabel(/Jane Doe \(patient\)/).check();
  await page.getByText("Only the ticked sections will be sent to the patient at").waitFor();
  await page.locator(".sections").getByText("jane.doe@example.com").waitFor();
  // Sections are listed by their titles in note order, not by the clinic system's ids.
  const labels = await page.locator(".sections__note .checkbox__label").allTextContents();
  assert.deepEqual(labels.map((l) => l.trim()), ["History (patient’s account)", "Examination", "Plan"]);
  await page.getByLabel("Examination", { exact: true }).uncheck();
  await page.locator("#sender").getByText("consult@riverside.example").waitFor();
  await record(page, "sections-patient");
  // Adding a contact withdraws the section choice.
  await page.getByLabel(/Amy Doe/).check();
  assert.equal(await page.getByLabel("Examination", { exact: true }).count(), 0);
  await page.getByText(/A contact never receives part of a note/).waitFor();
  await record(page, "sections-not-for-contacts");
  await page.getByLabel(/Amy Doe/).uncheck();
  await page.getByLabel("Examination", { exact: true }).waitFor();
  assert.equal(await page.getByRole("checkbox", { name: "Examination", exact: true }).isChecked(), false, "the choice is kept");
  const before = mail.messages.length;
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await page.getByRole("heading", { name: "Shared" }).waitFor();
  assert.deepEqual(mail.messages.slice(before).map((m) => m.to), ["jane.doe@example.com"]);
  const shares = (await app.clinic.list(`/api/v1/clinic/patients/${P}/shares`)).json;
  assert.deepEqual(shares[0].documents, ["note-1"]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("staff preview a document beside the selection and add it by button, drag and drop, or from the pop-out", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  await openFile(page);
  // Drag a document from the list into the selection.
  await page.locator(".doc", { hasText: "Invoice 2026-0147" }).dragTo(page.locator(".share-panel .dropzone"), { sourcePosition: { x: 300, y: 40 } });
  await page.locator(".share-panel .selection").getByRole("button", { name: "Remove Invoice 2026-0147" }).waitFor();
  assert.ok(await page.getByRole("checkbox", { name: "Invoice 2026-0147", exact: true }).isChecked());
  // In-window preview: the scan shows as an image, beside the selection.
  await page.getByRole("button", { name: "Preview Lab result scan" }).click();
  const dialog = page.getByRole("dialog", { name: "Lab result scan" });
  await dialog.waitFor();
  const img = dialog.getByRole("img", { name: "Preview of Lab result scan" });
  await img.waitFor();
  // Visible is not yet loaded: wait for the decoded image (a CSP refusal would never get there).
  await page.waitForFunction((i) => i.complete && i.naturalWidth === 240, await img.elementHandle(), { timeout: 10_000 });
  await record(page, "preview-dialog");
  await dialog.getByRole("button", { name: "Add to selection" }).click();
  await dialog.getByText("This document is in the selection.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  assert.ok(await page.getByRole("checkbox", { name: "Lab result scan", exact: true }).isChecked());
  // A PDF opens in a new tab instead.
  await page.getByRole("button", { name: "Preview Referral letter" }).click();
  const pdfDialog = page.getByRole("dialog", { name: "Referral letter" });
  const pdf = pdfDialog.getByRole("link", { name: /Open the PDF/ });
  assert.equal(await pdf.getAttribute("target"), "_blank");
  assert.match(await pdf.getAttribute("href"), /\/api\/v1\/clinic\/patients\/p-jane\/documents\/demo-letter\/content$/);
  await page.keyboard.press("Escape");
  await pdfDialog.waitFor({ state: "hidden" });
  // The pop-out window adds to the main window's selection.
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    page.getByRole("link", { name: /Pop out Referral letter/ }).click(),
  ]);
  await popup.getByRole("heading", { level: 1, name: "Referral letter" }).waitFor();
  await popup.getByRole("link", { name: /Open the PDF/ }).waitFor();
  await record(popup, "preview-popout");
  await popup.getByRole("button", { name: "Add to selection" }).click();
  await popup.getByText("Added to the selection in the main window.").waitFor();
  await page.locator(".share-panel .selection").getByRole("button", { name: "Remove Referral letter" }).waitFor();
  assert.ok(await page.getByRole("checkbox", { name: "Referral letter", exact: true }).isChecked());
  await popup.close();
  // Previews are recorded: the scan now comes first, "most recently viewed".
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Jane Doe" }).waitFor();
  assert.match(await page.locator(".doc").first().textContent(), /Lab result scan/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("staff read the sharing history with delivery and each recipient's read receipt, and share again", async () => {
  // SendGrid reports the newest email to Amy bounced (a signed event, as the real one posts).
  const amy = [...mail.messages].reverse().find((m) => m.to === "amy@example.com");
  const posted = await mail.postEvents(`${app.base}/api/v1/providers/sendgrid/events`, [
    mail.eventFor(amy, "bounce", { reason: "550 5.1.1 <amy@example.com>: mailbox unavailable" }),
  ]);
  assert.equal(posted.status, 204, JSON.stringify(posted.json));
  const { page, context, errors } = await staffPage(STAFF.sharer);
  await openFile(page);
  const history = page.locator(".share-list");
  await history.locator(".share-entry").first().waitFor();
  const entry = history.locator(".share-entry", { hasText: "Clinic letter 4" });
  await entry.getByText(`Secure link by ${STAFF.sharer}`).waitFor();
  await entry.getByText(/Amy Doe \(daughter\).*amy@example.com/).waitFor();
  await entry.getByText("Email sent").first().waitFor();
  await entry.getByText("Not opened yet").first().waitFor();
  await history.getByText(/^Bounced .*\(550 5\.1\.1 \[address\] mailbox unavailable\)$/).waitFor();
  await history.locator(".receipt__line--warning", { hasText: "Check this email address" }).first().waitFor();
  await page.getByRole("table").getByText("Shared").first().waitFor();
  await record(page, "history");
  await entry.getByRole("button", { name: /Share again/ }).click();
  assert.ok(await page.getByRole("checkbox", { name: "Clinic letter 4", exact: true }).isChecked());
  assert.ok(await page.getByRole("checkbox", { name: "Referral letter", exact: true }).isChecked());
  assert.ok(await page.getByLabel(/Amy Doe/).isChecked());
  assert.ok(await page.getByLabel(/Dr Heart/).isChecked());
  assert.ok(await page.getByLabel(/Jane Doe \(patient\)/).isChecked());
  assert.deepEqual(errors, []);
  await context.close();
});

test("staff unshare a patient after confirming, then revoke one document", async () => {
  const { page, context, errors } = await staffPage(STAFF.sharer);
  await openFile(page);
  await page.getByRole("button", { name: "More options" }).click();
  await page.getByRole("button", { name: "Unshare" }).click();
  const dialog = page.getByRole("dialog", { name: "Unshare Jane Doe's documents" });
  await dialog.waitFor();
  await dialog.getByText(/Sharing again later restores access to everything shared before/).waitFor();
  await record(page, "unshare-confirm");
  await dialog.getByRole("button", { name: "Revoke access" }).click();
  await page.getByText(/Access revoked: every link and session of Jane Doe stopped working/).waitFor();
  await page.getByText("Access revoked: links and sessions no longer work").waitFor();
  const file = (await app.clinic.call("GET", `/api/v1/clinic/patients/${P}`)).json;
  assert.equal(file.revoked, true);
  await record(page, "unshared");
  // One document only.
  await page.getByRole("button", { name: "More options" }).click();
  await page.getByRole("button", { name: "Unshare" }).click();
  await dialog.getByLabel("One document").check();
  await dialog.getByLabel("Document", { exact: true }).selectOption("letter-1");
  await dialog.getByRole("button", { name: "Revoke access" }).click();
  await page.getByText("The document was withdrawn from every share.").waitFor();
  const audit = (await app.clinic.history(P)).json;
  assert.ok(audit.some((e) => e.event === "unshared" && e.detail === "document letter-1 withdrawn" && e.actor === STAFF.sharer));
  // Sharing again restores access.
  await page.getByLabel("Referral letter").check();
  await page.getByLabel(/Jane Doe \(patient\)/).check();
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await page.getByRole("heading", { name: "Shared" }).waitFor();
  assert.equal((await app.clinic.call("GET", `/api/v1/clinic/patients/${P}`)).json.revoked, false);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a viewer can look but cannot share, unshare or see settings", async () => {
  const { page, context } = await staffPage(STAFF.viewer, TABLET);
  await openFile(page);
  await page.getByText("Your role lets you look at documents and the sharing history.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Share", exact: true }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "More options" }).count(), 0);
  assert.equal(await page.getByRole("checkbox").count(), 0);
  assert.equal(await page.getByRole("button", { name: /Share again/ }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "Settings" }).count(), 0);
  await record(page, "viewer-file");
  await page.goto(`${app.base}/console/settings`);
  await page.getByRole("heading", { level: 1, name: "Only administrators can change settings" }).waitFor();
  await record(page, "viewer-settings-refused");
  await context.close();
});

test("staff with no role see a clear no-access page", async () => {
  const { page, context } = await staffPage(STAFF.nobody);
  await page.goto(`${app.base}/console/patients/${P}`);
  await page.getByRole("heading", { level: 1, name: "You do not have access to the clinic console" }).waitFor();
  await page.getByText(/ask your practice's administrator to give you a role/).waitFor();
  assert.equal(await page.getByText("Jane Doe").count(), 0);
  await record(page, "no-access");
  await context.close();
});

test("a sharer's share is refused when sharing is off, and an admin changes the settings", async () => {
  const { page, context, errors } = await staffPage(STAFF.admin);
  await page.goto(`${app.base}/console`);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await record(page, "settings");
  await page.getByLabel("General (mixed documents, forms and others)").fill("not an address");
  await page.getByLabel("Days before a reminder (leave empty: no reminders)").fill("31");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByRole("link", { name: /Enter a valid email address for general documents/ }).waitFor();
  await page.getByRole("link", { name: /Enter a number of days from 1 to 30 for reminders/ }).waitFor();
  await record(page, "settings-problem");
  await page.getByLabel("Days before a reminder (leave empty: no reminders)").fill("3");
  await page.getByLabel("General (mixed documents, forms and others)").fill("hello@riverside.example");
  await page.getByLabel("Lab results").fill("lab@riverside.example");
  await page.getByLabel("SMS code", { exact: true }).first().check();
  await page.getByLabel("Magic link").check();
  await page.getByLabel("Off").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Settings saved.").waitFor();
  const saved = (await app.clinic.call("GET", "/api/v1/clinic/settings")).json;
  assert.equal(saved.sharing_enabled, false);
  assert.deepEqual(saved.checks, { patient: "sms_code", contact: "magic_link" });
  assert.equal(saved.senders.general, "hello@riverside.example");
  assert.equal(saved.senders.lab, "lab@riverside.example");
  assert.equal(saved.senders.letter, "letters@riverside.example", "untouched fields kept");
  assert.equal(saved.reminder_after_days, 3, "reminders after 3 days");
  // With sharing off, the panel says so and the edge refuses.
  await openFile(page);
  await page.getByText("Sharing is switched off for the practice.").waitFor();
  await page.getByLabel("Lab result scan").check();
  await page.locator("#sender").getByText("lab@riverside.example").waitFor();
  await page.getByLabel(/Jane Doe \(patient\)/).check();
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await page.getByRole("heading", { name: "Not shared" }).waitFor();
  await record(page, "sharing-disabled");
  ok(await app.clinic.putJson("/api/v1/clinic/settings", { ...saved, sharing_enabled: true, reminder_after_days: null }));
  assert.deepEqual(errors.filter((e) => !/403/.test(e)), []);
  await context.close();
});

test("local development shows its identity banner", async () => {
  const dev = await startSealpost({ mailBase: mail.base, extraVars: { DEV_MODE: "true" } });
  try {
    const { page, context } = await staffPage(null, DESKTOP, dev.base);
    await page.goto(`${dev.base}/console`);
    await page.getByText("Local development identity — not for production.").waitFor();
    await page.getByRole("link", { name: "Settings" }).waitFor();
    await record(page, "dev-identity");
    await context.close();
  } finally {
    await dev.stop();
  }
});

const PHONE = { width: 390, height: 844 };

/** Like `record`, at phone and desktop widths (390 and 1280 px). */
async function recordPhoneAndDesk(page, name) {
  const start = page.viewportSize();
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(50);
    await screenshot(page, `console-${name}-${label}`);
    const { passes, violations } = await runAxe(page);
    assert.ok(passes > 0, "axe ran its rules");
    axeLog.push(`${name} @ ${label} → ${violations.length} violations (${passes} rules passed)`);
    assert.deepEqual(violations, [], `${name} at ${label}`);
  }
  await page.setViewportSize(start);
}

test("an admin of two practices picks one, adds a staff member, and creates then revokes an API key shown once", async () => {
  // A second practice where the admin is a viewer: they now belong to two, so the console asks.
  const created = await app.operator.createPractice({ id: "north", name: "North Road Clinic" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const north = clinicClient(app.base, created.json.api_key);
  ok(await north.putJson(`/api/v1/clinic/staff/${STAFF.admin}`, { role: "viewer", staff: "North admin" }));
  const { page, context, errors } = await staffPage(STAFF.admin);
  try {
    const named = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/v1/clinic/")) named.push(r.headers()["sealpost-practice"]);
    });
    await page.goto(`${app.base}/console`);
    await page.getByRole("heading", { level: 1, name: "Choose a practice" }).waitFor();
    assert.equal(named.length, 0, "nothing asked of a practice before one is chosen");
    await page.getByRole("button", { name: "North Road Clinic" }).waitFor();
    await recordPhoneAndDesk(page, "practice-picker");
    await page.getByRole("button", { name: "Riverside Surgery" }).click();
    await page.getByRole("heading", { level: 1, name: "Find a patient" }).waitFor();
    await page.locator("header").getByText("Riverside Surgery").waitFor();
    assert.ok(named.length > 0 && named.every((p) => p === "riverside"), `every clinic request names the practice: ${named}`);
    // Remembered for the tab: a reload does not ask again.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Find a patient" }).waitFor();

    await page.getByRole("link", { name: "Staff and keys" }).click();
    await page.getByRole("heading", { level: 1, name: "Staff and keys" }).waitFor();
    await page.locator(".team-list__title", { hasText: STAFF.admin }).waitFor();
    await page.getByText("The practice has no keys yet.").or(page.locator(".team-list").nth(1)).first().waitFor();
    await recordPhoneAndDesk(page, "team");

    // Add a staff member: the address is kept lower-cased, as Access signs people in.
    await page.getByLabel("Email address").fill("Nurse.New@Clinic.example");
    await page.getByLabel("Role", { exact: true }).selectOption("sharer");
    await page.getByRole("button", { name: "Save role" }).click();
    await page.getByText("nurse.new@clinic.example was added as a Sharer.").waitFor();
    await page.locator(".team-list__item", { hasText: "nurse.new@clinic.example" }).getByText("Sharer").waitFor();
    const staff = (await app.clinic.call("GET", "/api/v1/clinic/staff")).json.staff;
    const nurse = staff.find((m) => m.email === "nurse.new@clinic.example");
    assert.equal(nurse?.role, "sharer");
    assert.equal(nurse?.added_by, STAFF.admin);

    // Create a key: shown once, with the warning, and focus on it.
    await page.getByLabel("What the key is for").fill("Practice management system");
    await page.getByRole("button", { name: "Create key" }).click();
    const once = page.getByRole("region", { name: "Copy the key for “Practice management system” now" });
    await once.waitFor();
    await once.getByText("It will not be shown again.").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "new-key-heading");
    const key = await page.getByLabel("New API key").inputValue();
    assert.match(key, /^sp_riverside_/);
    await recordPhoneAndDesk(page, "team-new-key");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.base });
    await once.getByRole("button", { name: "Copy key" }).click();
    await once.getByText("Copied to the clipboard.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    assert.equal((await clinicClient(app.base, key).call("GET", "/api/v1/clinic/staff")).status, 200, "the new key works");
    await once.getByRole("button", { name: "I have copied the key" }).click();
    await once.waitFor({ state: "detached" });
    // From now on, only its hint.
    const entry = page.locator(".team-list__item", { hasText: "Practice management system" });
    await entry.getByText(`sp_riverside_…${key.slice(-4)}`).waitFor();
    assert.ok(!(await page.content()).includes(key), "the key is gone from the page");

    // Revoke it, after confirming.
    await entry.getByRole("button", { name: "Revoke the key “Practice management system”" }).click();
    const revoke = page.getByRole("dialog", { name: "Revoke the key “Practice management system”?" });
    await revoke.waitFor();
    await revoke.getByText(/This cannot be undone/).waitFor();
    await recordPhoneAndDesk(page, "team-revoke-confirm");
    await revoke.getByRole("button", { name: "Revoke key" }).click();
    await page.getByText("The key “Practice management system” was revoked").waitFor();
    await entry.getByText("Revoked").waitFor();
    assert.equal((await clinicClient(app.base, key).call("GET", "/api/v1/clinic/staff")).status, 401, "the revoked key is refused");

    // Remove the staff member, after confirming; nobody is offered removing themselves.
    assert.equal(await page.getByRole("button", { name: `Remove ${STAFF.admin}` }).count(), 0);
    await page.getByRole("button", { name: "Remove nurse.new@clinic.example" }).click();
    const remove = page.getByRole("dialog", { name: "Remove nurse.new@clinic.example?" });
    await remove.getByRole("button", { name: "Remove", exact: true }).click();
    await page.getByText(/nurse.new@clinic.example was removed/).waitFor();
    await page.locator(".team-list__item", { hasText: "nurse.new@clinic.example" }).waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Staff and keys" }).waitFor();
    await page.locator(".team-list__item", { hasText: "Practice management system" }).getByText("Revoked").waitFor();
    assert.ok(!(await page.content()).includes(key));

    // Switch to the other practice, where they are a viewer: back to the start, no team page.
    await page.getByRole("button", { name: "Switch practice" }).click();
    await page.getByRole("button", { name: /Riverside Surgery \(current\)/ }).waitFor();
    await page.getByRole("button", { name: "North Road Clinic" }).click();
    await page.getByRole("heading", { level: 1, name: "Find a patient" }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/console$/);
    await page.locator("header").getByText("North Road Clinic").waitFor();
    assert.equal(await page.getByRole("link", { name: "Staff and keys" }).count(), 0);
    assert.equal(named.at(-1), "north");
    await page.goto(`${app.base}/console/team`);
    await page.getByRole("heading", { level: 1, name: "Only administrators can manage staff and keys" }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    ok(await north.call("DELETE", `/api/v1/clinic/staff/${STAFF.admin}`));
  }
});
