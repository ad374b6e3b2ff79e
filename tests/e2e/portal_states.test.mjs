// Every page and state of the portal as a person meets it on a phone (390×844), in headless
// Chromium against the Worker in workerd with fake mail and SMS providers. Each state is checked
// with axe-core (WCAG 2.0/2.1 A and AA, 2.2 AA) at 320 px and at 1280 px wide, and photographed
// at phone size into tests/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, portalPost, tokenOf, claimsOf, signLink } from "../support/harness.mjs";
import { runAxe } from "../support/axe.mjs";
import { launchBrowser, phonePage, screenshot } from "../support/browser.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

const PHONE = { width: 390, height: 844 };

let mail, app, browser, practice;
const docs = demoDocuments();
/** Every axe run: `state @ width → violations`, printed at the end for the record. */
const axeLog = [];

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  browser = await launchBrowser();
  practice = (await app.clinic.call("GET", settingsPath)).json.practice_name;
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.stop();
  console.log(`axe: ${axeLog.length} runs\n${axeLog.join("\n")}`);
});

const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
const settingsPath = "/api/v1/clinic/settings";

async function setChecks(checks) {
  const current = (await app.clinic.call("GET", settingsPath)).json;
  ok(await app.clinic.putJson(settingsPath, { ...current, checks: { ...current.checks, ...checks } }));
}

/** A patient with the demo documents shared by secure link; returns the emailed link. */
async function sharedWithPatient(id, { email = `${id}@example.com`, mobile } = {}) {
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email, ...(mobile ? { mobile } : {}) }));
  for (const d of docs) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  ok(await app.clinic.share({
    patient_id: id, document_ids: docs.map((d) => `${id}-${d.id}`), method: "secure_link", staff: "Dr Test",
  }));
  const link = mail.latestLink(email);
  assert.ok(link, "the share emailed a link");
  return link;
}

/** Runs axe on the page as it is now, at 320 px and 1280 px wide; fails on any violation. */
async function assertAccessible(page, state) {
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const violations = await runAxe(page).then(({ passes, violations }) => {
      assert.ok(passes > 0, "axe ran its rules");
      axeLog.push(`${state} @ ${width}px → ${violations.length} violations (${passes} rules passed)`);
      return violations;
    });
    assert.deepEqual(violations, [], `${state} at ${width} px`);
  }
  await page.setViewportSize(PHONE);
}

/** Screenshot at phone size, then axe at both widths. */
async function record(page, name, state) {
  await screenshot(page, name);
  await assertAccessible(page, state);
}

/** Console errors other than the browser's note of each expected 4xx answer. */
const unexpected = (errors) => errors.filter((e) => !/Failed to load resource: .* 4\d\d/.test(e));
const heading = (page, name) => page.getByRole("heading", { level: 1, name, exact: true });
const focusedTag = (page) =>
  page.evaluate(() => `${document.activeElement.tagName.toLowerCase()}${document.activeElement.id ? "#" + document.activeElement.id : ""}.${document.activeElement.className}`);

async function enterBirthday(page, day, month, year) {
  await page.locator("#dob-day").fill(day);
  await page.locator("#dob-month").fill(month);
  await page.locator("#dob-year").fill(year);
  await page.getByRole("button", { name: "Continue" }).click();
}

test("patient asks for a text message code, types a wrong code, then the right one and sees the documents", async () => {
  await setChecks({ patient: "sms_code" });
  const mobile = "+447700900456";
  const { context, page, errors } = await phonePage(browser);
  try {
    const link = await sharedWithPatient("sms-journey", { mobile });
    const sent = mail.sms.length;
    await page.goto(link);
    await heading(page, "Get a code by text message").waitFor();
    assert.match(await page.locator("main").innerText(), /•••• •••• 456/, "the masked number is shown");
    assert.equal(mail.sms.length, sent, "opening the link sends no text message");
    await record(page, "sms-01-ask-for-code", "SMS: ask for a code");

    await page.getByRole("button", { name: "Text me a code" }).click();
    await heading(page, "Check your phone").waitFor();
    assert.equal(mail.sms.length, sent + 1, "one text message, after the person pressed the button");
    assert.equal(await focusedTag(page), "h1.heading-l", "focus moves to the new heading");
    const input = page.getByLabel("Code from the text message");
    assert.equal(await input.getAttribute("id"), "sms-code");
    assert.equal(await input.getAttribute("autocomplete"), "one-time-code");
    assert.equal(await input.getAttribute("inputmode"), "numeric");
    assert.equal(await input.getAttribute("pattern"), "[0-9]{6}");
    const resend = page.locator("#send-code");
    assert.equal(await resend.getAttribute("aria-disabled"), "true", "resend waits");
    const firstWait = Number((await resend.innerText()).match(/in (\d+) seconds?/)[1]);
    assert.ok(firstWait > 55 && firstWait <= 60, `waits about a minute (${firstWait})`);
    // The wait counts down: at least two ticks within a few seconds (a fixed 2.1 s sleep saw only
    // one tick once, when a loaded machine delayed the page's timer).
    await page.waitForFunction((first) => {
      const m = document.querySelector("#send-code")?.innerText.match(/in (\d+) seconds?/);
      return m !== null && m !== undefined && Number(m[1]) <= first - 2;
    }, firstWait, { timeout: 10_000, polling: 100 });
    await resend.click({ force: true });
    await page.waitForTimeout(300);
    assert.equal(mail.sms.length, sent + 1, "pressing resend while it waits sends nothing");
    await record(page, "sms-02-enter-code", "SMS: enter the code");

    const code = mail.latestCode(mobile);
    await input.fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Continue" }).click();
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /The code does not match/);
    assert.match(text, /You have 4 attempts left/);
    assert.match(await focusedTag(page), /^div\.error-summary/, "the error summary takes focus");
    assert.match(await page.title(), /^Error: /);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    await record(page, "sms-03-wrong-code", "SMS: wrong code");

    await summary.getByRole("link").click();
    assert.equal(await focusedTag(page), "input#sms-code.input input--width-code input--error",
      "the summary link moves focus to the code field");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(`${code.slice(0, 3)} ${code.slice(3)}`);
    await page.keyboard.press("Enter");
    await heading(page, "Your documents").waitFor();
    assert.equal(await page.locator("ul.documents > li").count(), 3);
    assert.deepEqual(unexpected(errors), [], "no console errors");
  } finally {
    await context.close();
    await setChecks({ patient: "birthday" });
  }
});

test("a code that was already used says it has expired and asks for a new one", async () => {
  await setChecks({ patient: "sms_code" });
  const mobile = "+447700900457";
  const { context, page } = await phonePage(browser);
  try {
    const link = await sharedWithPatient("sms-used", { mobile });
    await page.goto(link);
    await page.getByRole("button", { name: "Text me a code" }).click();
    await heading(page, "Check your phone").waitFor();

    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator(".error-summary").waitFor();
    assert.match(await page.locator(".error-summary").innerText(), /Enter the code from the text message/,
      "an empty code is caught before it costs an attempt");

    const code = mail.latestCode(mobile);
    const used = await portalPost(app.base, "/verify/sms", { token: tokenOf(link), code });
    assert.equal(used.status, 200, "the code is used elsewhere first");
    await page.locator("#sms-code").fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator(".error-summary", { hasText: "expired" }).waitFor();
    assert.match(await page.locator(".error-summary").innerText(), /This code has expired\. Ask for a new code/);
    assert.equal(await page.locator("ul.documents").count(), 0);
    await record(page, "sms-04-code-expired", "SMS: code expired or used");
  } finally {
    await context.close();
    await setChecks({ patient: "birthday" });
  }
});

test("a contact opens a magic link, sees who shared it, presses Show my documents and sees only theirs", async () => {
  await setChecks({ contact: "magic_link" });
  const { context, page, errors } = await phonePage(browser);
  try {
    const id = "magic-patient";
    ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email: "magic-patient@example.com" }));
    for (const d of docs) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
    ok(await app.clinic.putJson(`/api/v1/clinic/patients/${id}/relationships/son`, {
      name: "Sam Doe", email: "sam.magic@example.com", relation: "son", emergency: false,
    }));
    ok(await app.clinic.share({
      patient_id: id, document_ids: [`${id}-demo-letter`], method: "secure_link", staff: "Dr Test",
      recipients: [{ type: "relationship", id: "son" }],
    }));
    const link = mail.latestLink("sam.magic@example.com");
    const confirms = [];
    page.on("request", (r) => r.url().includes("/verify/magic-link") && confirms.push(r.method()));

    await page.goto(link);
    await heading(page, `View your documents from ${practice}`).waitFor();
    const button = page.getByRole("button", { name: "Show my documents" });
    assert.equal(await button.count(), 1, "one button");
    assert.deepEqual(confirms, [], "opening the page confirms nothing");
    const before = await page.context().request.get(`${app.base}/api/v1/portal/documents`);
    assert.equal(before.status(), 401, "and grants no session");
    await record(page, "magic-01-confirm", "magic link: confirm");

    await button.click();
    await heading(page, "Your documents").waitFor();
    assert.deepEqual(confirms, ["POST"], "one POST, on the click");
    const items = page.locator("ul.documents > li");
    assert.equal(await items.count(), 1, `a contact sees only what was shared with them: ${await page.locator("main").innerText()}`);
    assert.match(await items.first().innerText(), /Referral letter/);
    assert.deepEqual(unexpected(errors), [], "no console errors");
  } finally {
    await context.close();
    await setChecks({ contact: "sms_code" });
  }
});

test("an expired link says we have emailed you a new link, to the masked address on file", async () => {
  const link = await sharedWithPatient("expired", { email: "sam.expired@example.com" });
  const token = tokenOf(link);
  const now = Math.floor(Date.now() / 1000);
  const expired = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(token), iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 });
  const emails = mail.messages.length;
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(`${app.base}/open#${expired}`);
    await heading(page, "This link has expired").waitFor();
    assert.match(await page.locator("main").innerText(), /We have emailed you a new link to s•••@example\.com\./);
    assert.equal(mail.messages.length, emails + 1);
    assert.equal(mail.messages.at(-1).to, "sam.expired@example.com");
    await record(page, "state-link-expired", "link expired, new link sent");
  } finally {
    await context.close();
  }
});

test("past the practice's access duration, the link says access has ended and to contact the practice", async () => {
  const link = await sharedWithPatient("ended", { email: "sam.ended@example.com" });
  const current = (await app.clinic.call("GET", settingsPath)).json;
  ok(await app.clinic.putJson(settingsPath, { ...current, access_days: 30 }));
  const old = Math.floor(Date.now() / 1000) - 40 * 86400;
  const ended = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(tokenOf(link)), iat: old, nbf: old, exp: old + 86400, acc: old });
  const emails = mail.messages.length;
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(`${app.base}/open#${ended}`);
    await heading(page, "This link has expired").waitFor();
    const text = await page.locator("main").innerText();
    assert.match(text, /we have not sent a new link/);
    assert.match(text, new RegExp(`Contact ${practice}`));
    assert.equal(mail.messages.length, emails, "no new link is emailed");
    await record(page, "state-access-ended", "access ended");
  } finally {
    await context.close();
    ok(await app.clinic.putJson(settingsPath, current));
  }
});

test("after the practice unshares, the link says access was withdrawn", async () => {
  const link = await sharedWithPatient("revoked");
  ok(await app.clinic.postJson("/api/v1/clinic/patients/revoked/unshare", { staff: "x" }));
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(link);
    await heading(page, "This practice has withdrawn access").waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(`Contact ${practice}`));
    assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0, "nothing to retry");
    await record(page, "state-access-withdrawn", "access withdrawn");
  } finally {
    await context.close();
  }
});

test("three wrong dates of birth lock the documents and the page says to contact the practice", async () => {
  const link = await sharedWithPatient("locked");
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    await record(page, "dob-01-form", "date of birth: form");
    await enterBirthday(page, "8", "3", "1984");
    await page.locator(".error-summary", { hasText: "2 attempts left" }).waitFor();
    await record(page, "dob-02-wrong", "date of birth: wrong");
    await enterBirthday(page, "", "13", "84");
    await page.locator(".error-summary", { hasText: "day" }).waitFor();
    await record(page, "dob-03-invalid-fields", "date of birth: invalid fields");
    await enterBirthday(page, "9", "3", "1984");
    await page.locator(".error-summary", { hasText: "1 attempt left" }).waitFor();
    await enterBirthday(page, "10", "3", "1984");
    await heading(page, "Too many attempts").waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(`contact ${practice}`));
    await record(page, "state-locked-out", "locked out");

    await page.goto(link);
    await heading(page, "Too many attempts").waitFor();
  } finally {
    await context.close();
  }
});

test("someone without a session who goes to the documents is told the session has ended", async () => {
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(`${app.base}/documents`);
    await heading(page, "Your session has ended").waitFor();
    await record(page, "state-session-ended", "session ended");
  } finally {
    await context.close();
  }
});

test("patient signs out and cannot see the documents again without the link", async () => {
  const link = await sharedWithPatient("sign-out");
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    await enterBirthday(page, "7", "3", "1984");
    await heading(page, "Your documents").waitFor();
    await record(page, "documents", "documents");

    await page.emulateMedia({ media: "print" });
    assert.equal(await page.getByRole("button", { name: "Sign out" }).isVisible(), false, "print hides the buttons");
    assert.equal(await page.locator(".document__actions").first().isVisible(), false, "and the links");
    assert.equal(await page.getByRole("heading", { name: "Referral letter" }).isVisible(), true, "but not the documents");
    await page.emulateMedia({ media: "screen" });

    await page.getByRole("button", { name: "Sign out" }).click();
    await heading(page, "You have signed out").waitFor();
    await record(page, "state-signed-out", "signed out");
    await page.goto(`${app.base}/documents`);
    await heading(page, "Your session has ended").waitFor();
  } finally {
    await context.close();
  }
});

test("an address the portal does not have shows page not found; /open without a link says to use the email", async () => {
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(`${app.base}/no-such-page`);
    await heading(page, "Page not found").waitFor();
    await record(page, "state-page-not-found", "page not found");
    await page.goto(`${app.base}/open`);
    await heading(page, "Open the link in your email").waitFor();
    await record(page, "state-no-link", "no link");
  } finally {
    await context.close();
  }
});

test("when the connection fails the person sees 'We could not connect', and Retry opens the link", async () => {
  const link = await sharedWithPatient("network");
  const { context, page } = await phonePage(browser);
  try {
    await page.route("**/api/v1/portal/open", (r) => r.abort());
    await page.goto(link);
    await heading(page, "We could not connect").waitFor();
    await record(page, "state-network-error", "network error");
    await page.unroute("**/api/v1/portal/open");
    await page.getByRole("button", { name: "Retry" }).click();
    await page.locator("#dob-day").waitFor();
  } finally {
    await context.close();
  }
});

test("patient completes the date-of-birth form with the keyboard alone", async () => {
  const link = await sharedWithPatient("keyboard");
  const { context, page } = await phonePage(browser);
  try {
    await page.goto(link);
    await page.locator("#dob-day").waitFor();
    assert.equal(await focusedTag(page), "h1.fieldset__heading", "the question has focus first");
    await page.keyboard.press("Tab");
    assert.match(await focusedTag(page), /^input#dob-day/);
    await page.keyboard.type("7");
    await page.keyboard.press("Tab");
    await page.keyboard.type("3");
    await page.keyboard.press("Tab");
    await page.keyboard.type("1984");
    await page.keyboard.press("Enter");
    await heading(page, "Your documents").waitFor();
    assert.equal(await focusedTag(page), "h1.heading-l", "the documents page starts at its heading");
    await page.keyboard.press("Tab");
    assert.match(await page.evaluate(() => document.activeElement.textContent), /Open/,
      "the next stop is the first document's Open link");
  } finally {
    await context.close();
  }
});
