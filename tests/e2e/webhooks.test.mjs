// The clinic's webhook, end to end: an administrator sets it (the secret shown once), what
// recipients and staff do reaches a receiver that verifies every delivery like a clinic would
// (tests/support/webhook-receiver.mjs), in order, each with its own id; a receiver that fails
// gets the event again on a retry under the same id; a replayed delivery is refused; and the
// console shows the delivery log. Against the Worker in workerd, in local development (so the
// receiver may be plain http on this machine).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, portalPost, tokenOf } from "../support/harness.mjs";
import { startWebhookReceiver, verifyDelivery, TOLERANCE_SECONDS } from "../support/webhook-receiver.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { runAxe } from "../support/axe.mjs";

let mail, app, hook, browser;
const P = "hook-patient";
const EMAIL = "hook.patient@example.com";
const SETTINGS = "/api/v1/clinic/settings/webhook";
const LOG = "/api/v1/clinic/webhooks/deliveries";
const ok = (r) => assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.json)}`);
const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

before(async () => {
  mail = await startFakeMail();
  hook = await startWebhookReceiver();
  app = await startSealpost({ mailBase: mail.base, extraVars: { DEV_MODE: "true" } });
  ok(await app.clinic.upsertPatient(P, { name: "Hook Patient", date_of_birth: "1984-03-07", email: EMAIL }));
  for (const id of ["hook-letter", "hook-result"]) {
    ok(await app.clinic.uploadDocument(P, { id, kind: "letter", title: `Letter ${id}`, date: "2026-11-30", contentType: "application/pdf", bytes: pdf }));
  }
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await hook?.stop();
  await mail?.stop();
});

test("an administrator sets the webhook; the secret is shown once and never returned", async () => {
  assert.equal((await app.clinic.call("GET", SETTINGS)).status, 404);
  // Plain http is for this machine only, even in development; the secret must be whsec_.
  let r = await app.clinic.putJson(SETTINGS, { url: "http://hooks.clinic.example/in", staff: "Dr Admin" });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.problems.map((p) => p.field), ["url"]);
  r = await app.clinic.putJson(SETTINGS, { url: hook.url, secret: "hunter2", staff: "Dr Admin" });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.problems.map((p) => p.field), ["secret"]);
  r = await app.clinic.putJson(SETTINGS, { url: hook.url, staff: "Dr Admin" });
  ok(r);
  assert.match(r.json.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  hook.setSecret(r.json.secret);
  const got = await app.clinic.call("GET", SETTINGS);
  assert.deepEqual(got.json, { url: hook.url, secret_set: true });
  assert.ok(!JSON.stringify(got.json).includes(r.json.secret.slice(6)));
  // Changing the URL alone keeps the secret.
  r = await app.clinic.putJson(SETTINGS, { url: hook.url, keep_secret: true, staff: "Dr Admin" });
  ok(r);
  assert.equal(r.json.secret, undefined);
});

test("a share, then opening, verifying, viewing, downloading and unsharing reach the clinic in order, signed, ids only", async () => {
  const start = hook.deliveries.length;
  const shared = await app.clinic.share({ patient_id: P, document_ids: ["hook-letter", "hook-result"], method: "secure_link", staff: "Dr Test" });
  ok(shared);
  const deadline = Date.now() + 10_000;
  while (!mail.latestLink(EMAIL) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const token = tokenOf(mail.latestLink(EMAIL));
  ok(await portalPost(app.base, "/open", { token }));
  const verified = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  ok(verified);
  const cookie = verified.headers.get("set-cookie").split(";")[0];
  const content = (id, q = "") => fetch(`${app.base}/api/v1/portal/documents/${id}/content${q}`, { headers: { cookie } }).then((r) => r.arrayBuffer());
  await content("hook-letter");
  await content("hook-result", "?disposition=attachment");
  ok(await app.clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr Test" }));

  await hook.until(() => hook.deliveries.length >= start + 6);
  const got = hook.deliveries.slice(start);
  assert.deepEqual(got.map((d) => d.payload.type), [
    "share.created", "link.opened", "recipient.verified", "document.viewed", "document.downloaded", "access.revoked",
  ]);
  assert.equal(new Set(got.map((d) => d.id)).size, 6, "each event its own id");
  for (const d of got) {
    assert.equal(d.payload.id, d.id, "the body names the id the header carries");
    assert.match(d.id, /^evt_[A-Za-z0-9_-]{22}$/);
    assert.equal(d.payload.practice, "riverside");
    assert.ok(Math.abs(Date.now() / 1000 - d.payload.created_at) < 120);
    assert.deepEqual(Object.keys(d.payload).sort(), ["created_at", "data", "id", "practice", "type"]);
    for (const personal of ["Hook Patient", EMAIL, "1984", "Letter "]) assert.ok(!d.body.includes(personal), `${personal} in ${d.body}`);
  }
  const [created, opened, verifiedEvent, viewed, downloaded, revoked] = got.map((d) => d.payload.data);
  assert.deepEqual(created, {
    patient_id: P, share_id: shared.json.share_id, method: "secure_link",
    document_ids: ["hook-letter", "hook-result"], recipients: [{ type: "patient" }],
  });
  assert.equal(opened.patient_id, P);
  assert.deepEqual(opened.recipient, { type: "patient" });
  assert.equal(verifiedEvent.link_id, opened.link_id);
  assert.equal(verifiedEvent.method, "birthday");
  assert.deepEqual(viewed, { patient_id: P, recipient: { type: "patient" }, document_id: "hook-letter" });
  assert.deepEqual(downloaded, { patient_id: P, recipient: { type: "patient" }, document_id: "hook-result" });
  assert.deepEqual(revoked, { patient_id: P, scope: "patient" });
});

test("a receiver that fails gets the event again on a retry, under the same id, and the log shows it", async () => {
  // Shared again, so there is a link to revoke.
  ok(await app.clinic.share({ patient_id: P, document_ids: ["hook-letter"], method: "secure_link", staff: "Dr Test" }));
  await hook.until(() => hook.deliveries.at(-1)?.payload.type === "share.created");
  const links = (await app.clinic.call("GET", `/api/v1/clinic/patients/${P}/links`)).json.items;
  const live = links.find((l) => l.revoked_at == null);
  assert.ok(live, JSON.stringify(links));
  hook.failNext(1);
  const attemptsBefore = hook.attempts.length;
  ok(await app.clinic.call("DELETE", `/api/v1/clinic/patients/${P}/links/${live.id}`));
  // The first attempt is refused with 500; the retry, 5 seconds later, is taken.
  await hook.until(() => hook.deliveries.at(-1)?.payload.type === "access.revoked" && hook.deliveries.at(-1)?.payload.data.link_id === live.id, 30_000, "the retried access.revoked");
  const event = hook.deliveries.at(-1);
  assert.deepEqual(event.payload.data, { patient_id: P, scope: "link", recipient: { type: "patient" }, link_id: live.id });
  const tries = hook.attempts.slice(attemptsBefore).filter((a) => a.id === event.id);
  assert.deepEqual(tries.map((a) => a.status), [500, 200], "failed once, then delivered under the same id");
  const log = (await app.clinic.call("GET", LOG)).json.deliveries;
  const entry = log.find((d) => d.id === event.id);
  assert.equal(entry.type, "access.revoked");
  assert.equal(entry.state, "delivered");
  assert.equal(entry.attempts, 2);
  assert.equal(entry.last_status, 200);
  assert.equal(entry.next_attempt_at, null);
  assert.ok(entry.delivered_at >= entry.created_at + 5, "delivered on the retry, after the backoff");
  // Every event so far is in the log, newest first, delivered.
  assert.ok(log.length >= 8);
  assert.ok(log.every((d) => d.state === "delivered"), JSON.stringify(log));
  for (let i = 1; i < log.length; i++) assert.ok(log[i - 1].created_at >= log[i].created_at);
});

test("a delivery replayed more than five minutes later is refused by the receiver's check", async () => {
  const recorded = hook.deliveries.at(-1);
  const resend = () => fetch(hook.url, { method: "POST", headers: recorded.headers, body: recorded.body });
  const before = hook.attempts.length;
  // Replayed at once, it verifies (and, the id being known, is not processed twice).
  assert.equal((await resend()).status, 200);
  const count = hook.deliveries.length;
  // The same bytes, six minutes on: refused.
  hook.setSkew(TOLERANCE_SECONDS + 60);
  try {
    const r = await resend();
    assert.equal(r.status, 400);
    assert.equal(await r.text(), "too old");
  } finally {
    hook.setSkew(0);
  }
  assert.equal(hook.deliveries.length, count);
  assert.deepEqual(hook.attempts.slice(before).map((a) => a.status), [200, 400]);
  // Re-dated by whoever replays it, the signature no longer matches.
  const redated = Number(recorded.timestamp) + 360;
  assert.equal(
    verifyDelivery(hook.secret, { ...recorded.headers, "webhook-timestamp": String(redated) }, recorded.body, redated),
    "bad signature",
  );
  assert.equal(verifyDelivery(hook.secret, recorded.headers, recorded.body, Number(recorded.timestamp) + 301), "too old");
  assert.equal(verifyDelivery(hook.secret, recorded.headers, recorded.body, Number(recorded.timestamp) + 300), null);
});

test("the console shows where events go and the delivery log, with nothing failing axe", async () => {
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${app.base}/console`);
    await page.getByRole("link", { name: "Webhook" }).click();
    await page.getByRole("heading", { level: 1, name: "Webhook" }).waitFor();
    await page.locator("#webhook-state").getByText(hook.url).waitFor();
    const table = page.getByRole("table", { name: "Webhook deliveries, newest first" });
    await table.waitFor();
    // The event that failed once and was delivered on its retry, by its id.
    const retried = hook.deliveries.find((d) => d.payload.type === "access.revoked" && d.payload.data.scope === "link");
    const row = table.getByRole("row").filter({ hasText: retried.id });
    await row.waitFor();
    const cells = await row.getByRole("cell").allInnerTexts();
    assert.equal(cells[1], "access.revoked");
    assert.equal(cells[3], "Delivered");
    assert.equal(cells[4], "2");
    assert.match(cells[6], /^delivered \d+ \w+ \d{4}, \d\d:\d\d UTC$/);
    const logged = (await app.clinic.call("GET", LOG)).json.deliveries.length;
    assert.equal(await table.getByRole("row").count(), logged + 1, "every delivery and the header row");
    const { violations } = await runAxe(page);
    assert.deepEqual(violations, []);
    // A new secret is shown once, then gone from the page.
    await page.getByRole("button", { name: "Make a new secret" }).click();
    const secret = page.locator("#webhook-secret");
    await secret.waitFor();
    const value = await secret.inputValue();
    assert.match(value, /^whsec_/);
    hook.setSecret(value);
    await page.getByRole("button", { name: "I have copied the secret" }).click();
    assert.equal(await page.locator("#webhook-secret").count(), 0);
    // Events keep arriving, signed with the new secret.
    const before = hook.deliveries.length;
    const son = { type: "relationship", id: "son" };
    ok(await app.clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/son`, { name: "Son", email: "son@example.com", mobile: "+447700900777", relation: "son" }));
    ok(await app.clinic.share({ patient_id: P, document_ids: ["hook-letter"], method: "secure_link", staff: "Dr Test", recipients: [son] }));
    ok(await app.clinic.call("DELETE", `/api/v1/clinic/patients/${P}/relationships/son`));
    await hook.until(() => hook.deliveries.length >= before + 2);
    assert.deepEqual(hook.deliveries.slice(before).map((d) => d.payload.type), ["share.created", "access.revoked"]);
    assert.deepEqual(hook.deliveries.at(-1).payload.data, { patient_id: P, scope: "recipient", recipient: son });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("an email the provider refuses is reported as email.failed, with its ids", async () => {
  const before = hook.deliveries.length;
  // A refusal (a 4xx) is final, so the queue stops and the clinic hears at once; a provider
  // that is down is retried with backoff and reported only when the queue gives up.
  mail.setMode("refuse");
  try {
    ok(await app.clinic.share({ patient_id: P, document_ids: ["hook-result"], method: "secure_link", staff: "Dr Test" }));
    await hook.until(() => hook.deliveries.slice(before).some((d) => d.payload.type === "email.failed"));
  } finally {
    mail.setMode("up");
  }
  const [created, failed] = hook.deliveries.slice(before).map((d) => d.payload);
  assert.equal(created.type, "share.created");
  assert.deepEqual(Object.keys(failed.data).sort(), ["email_id", "patient_id", "recipient"]);
  assert.equal(failed.data.patient_id, P);
  assert.deepEqual(failed.data.recipient, { type: "patient" });
});

test("a suspended practice sends nothing, and what waited is delivered once it is resumed", async () => {
  hook.failNext(1);
  const attemptsBefore = hook.attempts.length;
  ok(await app.clinic.share({ patient_id: P, document_ids: ["hook-letter"], method: "secure_link", staff: "Dr Test" }));
  await hook.until(() => hook.attempts.length > attemptsBefore, 20_000, "the first, refused attempt");
  const id = hook.attempts.at(-1).id;
  assert.equal(hook.attempts.at(-1).status, 500);
  ok(await app.operator.suspend("riverside"));
  // Its retry falls due 5 seconds later, while suspended: nothing is sent.
  await new Promise((r) => setTimeout(r, 7_000));
  assert.deepEqual(hook.attempts.slice(attemptsBefore).map((a) => a.status), [500]);
  ok(await app.operator.resume("riverside"));
  await hook.until(() => hook.deliveries.some((d) => d.id === id), 20_000, "the delivery after the resume");
  assert.deepEqual(hook.attempts.slice(attemptsBefore).map((a) => [a.id, a.status]), [[id, 500], [id, 200]]);
});
