// Reminders (issue 14, point 7), against the real Worker in workerd with the fake mail provider.
//
// What this file covers: the per-practice setting `reminder_after_days` through the clinic API
// (off by default, 1–30 or null, a clear 400 naming the field otherwise, the change audited by
// name), and that with reminders on, a fresh share is recorded and delivered with no reminder
// before it is due: one email per recipient, `reminder: false` in the share's deliveries, no
// `reminder_sent` in the history — including after the practice's alarm has run (the share's
// own delivery) and after the setting changed (which reschedules the alarm).
//
// What it cannot cover: workerd's clock cannot be moved and there is no development mechanism
// to do so, so a reminder falling due (after at least a day) is covered natively instead, on
// SQLite with the same SQL the Durable Object runs: `shared/src/reminders.rs` (the decision)
// and `edge/src/workflows/tests.rs` (a reminder queued once and never twice, to the address
// on file with a new link, audited and shown in the share's deliveries; none for an opened
// link, an unshared recipient, reminders off, or long past due).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { demoPatient, makePdf } from "../support/demo-docs.mjs";

let mail, app;
const settingsPath = "/api/v1/clinic/settings";

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

const ok = (r, what = "") => assert.ok(r.status < 300, `${what} ${r.status} ${JSON.stringify(r.json)}`);
const getSettings = async () => (await app.clinic.call("GET", settingsPath)).json;
const mailsTo = (address) => mail.messages.filter((m) => m.to === address);

async function waitFor(what, check, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("reminders are off by default; the setting takes 1 to 30 days or null and refuses anything else by name", async () => {
  const saved = await getSettings();
  assert.ok("reminder_after_days" in saved, `settings carry reminder_after_days: ${JSON.stringify(saved)}`);
  assert.equal(saved.reminder_after_days, null, "off by default");
  try {
    for (const bad of [0, 31]) {
      const r = await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: bad });
      assert.equal(r.status, 400, `reminder_after_days ${bad}: ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, "invalid_fields");
      const problem = (r.json.problems ?? []).find((p) => p.field === "reminder_after_days");
      assert.ok(problem, `the problem names the field: ${JSON.stringify(r.json)}`);
      assert.match(problem.message, /1 to 30/);
      assert.deepEqual(await getSettings(), saved, "nothing saved");
    }
    // Not a day count at all: refused before it is read.
    for (const bad of [-1, "3", 1.5]) {
      const r = await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: bad });
      assert.equal(r.status, 400, `reminder_after_days ${JSON.stringify(bad)}: ${r.status} ${JSON.stringify(r.json)}`);
      assert.deepEqual(await getSettings(), saved, "nothing saved");
    }
    const r = await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: 30 });
    ok(r, "reminder_after_days 30");
    assert.equal((await getSettings()).reminder_after_days, 30);
    const audit = (await app.clinic.list("/api/v1/clinic/audit")).json;
    const changed = audit.filter((e) => e.event === "settings_changed").map((e) => e.detail);
    assert.ok(changed.some((d) => d.includes("reminder_after_days")), `audited by name: ${JSON.stringify(changed)}`);
  } finally {
    ok(await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: null }));
  }
  assert.equal((await getSettings()).reminder_after_days, null);
});

test("with reminders after 1 day, a fresh share is delivered once and nobody is reminded before it is due", async () => {
  const saved = await getSettings();
  ok(await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: 1 }));
  try {
    const P = "rem-fresh";
    const email = `${P}@patients.example`;
    ok(await app.clinic.upsertPatient(P, { ...demoPatient.body, name: "Patient Fresh", email }), "patient");
    ok(await app.clinic.uploadDocument(P, {
      id: "rem-doc", kind: "letter", title: "Letter", date: "2026-10-01", contentType: "application/pdf",
      bytes: makePdf(["Reminder e2e"]),
    }), "upload");
    const shared = await app.clinic.share({
      patient_id: P, method: "secure_link", staff: "Dr Test", document_ids: ["rem-doc"], recipients: [{ type: "patient" }],
    });
    assert.equal(shared.status, 201, JSON.stringify(shared.json));
    await waitFor("the share's email", () => mailsTo(email).length >= 1);

    // The practice's alarm runs for the mail queue; changing the setting reschedules it too.
    ok(await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: 2 }));
    ok(await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: 1 }));
    await new Promise((r) => setTimeout(r, 1500));

    const emails = mailsTo(email);
    assert.equal(emails.length, 1, "one email: no reminder before a day has passed");
    assert.ok(!/reminder/i.test(emails[0].subject ?? ""), `the share's own email: ${emails[0].subject}`);
    const shares = (await app.clinic.list(`/api/v1/clinic/patients/${P}/shares`)).json;
    assert.equal(shares.length, 1);
    const deliveries = shares[0].deliveries;
    assert.equal(deliveries.length, 1, JSON.stringify(deliveries));
    assert.equal(deliveries[0].reminder, false, "the share's email is not a reminder");
    const history = (await app.clinic.history(P)).json;
    assert.ok(history.some((e) => e.event === "shared"), JSON.stringify(history));
    assert.ok(!history.some((e) => e.event === "reminder_sent"), "no reminder in the history");
  } finally {
    ok(await app.clinic.putJson(settingsPath, { ...saved, reminder_after_days: null }));
  }
});
