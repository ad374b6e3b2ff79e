// From a share to the clinic hearing that its email was delivered, end to end against the
// Worker in workerd: the clinic shares through the API; the fake provider accepts the email
// and reports it delivered with a signed SendGrid event batch; the practice records it and its
// webhook queue tells the clinic `email.delivered`, signed, ids only. The test reports the time
// from the share's request to the receiver's delivery (a diagnostic, not a timed assertion).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, FIRST_PRACTICE } from "../support/harness.mjs";
import { startWebhookReceiver } from "../support/webhook-receiver.mjs";

let mail, app, hook, eventsUrl;
const P = "dw-patient";
const EMAIL = "dw.patient@example.com";
const DOC = "dw-letter";
const ok = (r) => assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.json)}`);
const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

before(async () => {
  mail = await startFakeMail();
  hook = await startWebhookReceiver();
  // DEV_MODE only so the receiver may be plain http on this machine.
  app = await startSealpost({
    mailBase: mail.base,
    extraVars: { DEV_MODE: "true", SENDGRID_WEBHOOK_PUBLIC_KEY: mail.eventPublicKey },
  });
  eventsUrl = `${app.base}/api/v1/providers/sendgrid/events`;
  const set = await app.clinic.putJson("/api/v1/clinic/settings/webhook", { url: hook.url, staff: "Dr Admin" });
  ok(set);
  hook.setSecret(set.json.secret);
  ok(await app.clinic.upsertPatient(P, { name: "Dora Wells", date_of_birth: "1979-05-02", email: EMAIL }));
  ok(await app.clinic.uploadDocument(P, { id: DOC, kind: "letter", title: "Referral", date: "2026-12-01", contentType: "application/pdf", bytes: pdf }));
});
after(async () => {
  await app?.stop();
  await hook?.stop();
  await mail?.stop();
});

test("a share's email reported delivered by the provider reaches the clinic as email.delivered", async (t) => {
  const started = performance.now();
  const shared = await app.clinic.share({ patient_id: P, document_ids: [DOC], method: "secure_link", staff: "Dr Test" });
  assert.equal(shared.status, 201, JSON.stringify(shared.json));
  const message = [...mail.messages].reverse().find((m) => m.to === EMAIL);
  assert.ok(message, "the patient was emailed");
  const delivered = mail.eventFor(message, "delivered", { response: "250 OK" });
  const posted = await mail.postEvents(eventsUrl, [delivered]);
  assert.equal(posted.status, 204, JSON.stringify(posted.json));

  const isDelivered = (d) => d.payload.type === "email.delivered";
  await hook.until(() => hook.deliveries.some(isDelivered), 20_000, "email.delivered");
  const elapsed = performance.now() - started;
  t.diagnostic(`share request to email.delivered at the clinic's receiver: ${elapsed.toFixed(0)} ms`);

  const { payload } = hook.deliveries.find(isDelivered);
  assert.equal(payload.practice, FIRST_PRACTICE);
  assert.equal(payload.data.patient_id, P);
  assert.equal(payload.data.share_id, shared.json.share_id);
  assert.equal(payload.data.email_id, message.customArgs.sealpost_job);
  assert.deepEqual(payload.data.recipient, { type: "patient" });
  // Ids only: no address, name or title in what the clinic's receiver is sent.
  const body = JSON.stringify(payload);
  for (const personal of [EMAIL, "Dora", "Wells", "Referral", "1979"]) {
    assert.ok(!body.includes(personal), `${personal} must not reach the webhook`);
  }
  // share.created came first, and the provider's event is recorded once however often posted.
  assert.equal(hook.deliveries.findIndex((d) => d.payload.type === "share.created") < hook.deliveries.findIndex(isDelivered), true);
  const again = await mail.postEvents(eventsUrl, [delivered]);
  assert.equal(again.status, 204);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(hook.deliveries.filter(isDelivered).length, 1, "one email.delivered per provider event");
});
