// Evidence of delivery against the real Worker in workerd: the fake provider signs and posts
// SendGrid Event Webhook batches; the sharing history shows, per recipient, what the provider
// said happened to the email and what the recipient did with each document.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, portalPost, tokenOf, FIRST_PRACTICE } from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app, eventsUrl;
const docs = demoDocuments();
const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base, extraVars: { SENDGRID_WEBHOOK_PUBLIC_KEY: mail.eventPublicKey } });
  eventsUrl = `${app.base}/api/v1/providers/sendgrid/events`;
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

async function patient(id, { daughter = false } = {}) {
  const email = `${id}@example.com`;
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }));
  for (const d of docs.slice(0, 2)) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  if (daughter) {
    ok(await app.clinic.putJson(`/api/v1/clinic/patients/${id}/relationships/daughter`, {
      name: "Ann Doe", email: `${id}-daughter@example.com`, mobile: "+447700900789", relation: "daughter",
    }));
  }
  return { id, email, docs: docs.slice(0, 2).map((d) => `${id}-${d.id}`) };
}

async function shareWith(p, body = {}) {
  const r = await app.clinic.share({ patient_id: p.id, document_ids: p.docs, method: "secure_link", staff: "Dr Test", ...body });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.share_id;
}

const shareOf = async (id, shareId) =>
  (await app.clinic.list(`/api/v1/clinic/patients/${id}/shares`)).json.find((s) => s.id === shareId);
const auditOf = async (id) => (await app.clinic.history(id)).json;
const messageTo = (email) => [...mail.messages].reverse().find((m) => m.to === email);

test("each email carries only opaque ids for the provider to report back", async () => {
  const p = await patient("ev-args");
  await shareWith(p);
  const msg = messageTo(p.email);
  assert.deepEqual(Object.keys(msg.customArgs).sort(), ["sealpost_job", "sealpost_practice"]);
  assert.equal(msg.customArgs.sealpost_practice, FIRST_PRACTICE);
  assert.match(msg.customArgs.sealpost_job, /^[A-Za-z0-9_-]+$/);
});

test("a signed delivery event shows the email delivered; posting it again changes nothing", async () => {
  const p = await patient("ev-delivered");
  const shareId = await shareWith(p);
  const before = await shareOf(p.id, shareId);
  assert.equal(before.deliveries[0].receipt.outcome, null);
  assert.ok(before.deliveries[0].receipt.emailed_at > 0, "when the provider accepted it");
  const batch = [mail.eventFor(messageTo(p.email), "processed"), mail.eventFor(messageTo(p.email), "delivered", { response: "250 OK" })];
  for (let i = 0; i < 2; i++) {
    const r = await mail.postEvents(eventsUrl, batch);
    assert.equal(r.status, 204, JSON.stringify(r.json));
  }
  const [delivery] = (await shareOf(p.id, shareId)).deliveries;
  assert.equal(delivery.status, "sent");
  assert.equal(delivery.receipt.outcome, "delivered");
  assert.equal(delivery.receipt.address_bounced, false);
  const delivered = (await auditOf(p.id)).filter((e) => e.event === "email_delivered");
  assert.equal(delivered.length, 1, "recorded once by the event's id");
  assert.equal(delivered[0].detail, "patient");
});

test("a bounce flags the recipient's address and shows the reason without the address", async () => {
  const p = await patient("ev-bounce");
  const shareId = await shareWith(p);
  const msg = messageTo(p.email);
  const r = await mail.postEvents(eventsUrl, [
    mail.eventFor(msg, "deferred", { response: "421 4.7.0 try again later" }),
    mail.eventFor(msg, "bounce", { reason: `550 5.1.1 <${p.email}>: Recipient address rejected`, type: "bounce", status: "5.1.1" }),
  ]);
  assert.equal(r.status, 204, JSON.stringify(r.json));
  const { receipt } = (await shareOf(p.id, shareId)).deliveries[0];
  assert.equal(receipt.outcome, "bounced");
  assert.equal(receipt.address_bounced, true);
  assert.equal(receipt.outcome_reason, "550 5.1.1 [address] Recipient address rejected");
  const file = (await app.clinic.call("GET", `/api/v1/clinic/patients/${p.id}`)).json;
  assert.equal(file.email_bounced, true, "the patient's record shows the address bounced");
  // A new address on file: the flag was about the old one.
  ok(await app.clinic.upsertPatient(p.id, { ...demoPatient.body, email: `${p.id}-new@example.com` }));
  assert.equal((await app.clinic.call("GET", `/api/v1/clinic/patients/${p.id}`)).json.email_bounced, false);
  const bounced = (await auditOf(p.id)).filter((e) => e.event === "email_bounced");
  assert.equal(bounced.length, 1);
  assert.ok(!bounced[0].detail.includes("@"), bounced[0].detail);
});

test("unsigned, tampered, stale or oversized batches are refused and change nothing", async () => {
  const p = await patient("ev-refused");
  const shareId = await shareWith(p);
  const batch = [mail.eventFor(messageTo(p.email), "delivered")];
  const tampered = await mail.postEvents(eventsUrl, batch, { tamper: true });
  assert.equal(tampered.status, 401, "the body was changed after signing");
  const stale = await mail.postEvents(eventsUrl, batch, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
  assert.equal(stale.status, 401, "signed an hour ago");
  const unsigned = await fetch(eventsUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) });
  assert.equal(unsigned.status, 401);
  const big = await fetch(eventsUrl, {
    method: "POST", headers: { "content-type": "application/json" }, body: "[" + " ".repeat(1024 * 1024 + 10) + "]",
  });
  assert.equal(big.status, 413);
  const get = await fetch(eventsUrl);
  assert.equal(get.status, 405);
  const { receipt } = (await shareOf(p.id, shareId)).deliveries[0];
  assert.equal(receipt.outcome, null);
  assert.ok(!(await auditOf(p.id)).some((e) => e.event === "email_delivered" || e.event === "email_bounced"));
});

test("the read receipt says which recipient opened, verified, viewed and downloaded which document", async () => {
  const p = await patient("ev-receipt", { daughter: true });
  const shareId = await shareWith(p, { recipients: [{ type: "patient" }, { type: "relationship", id: "daughter" }] });
  const token = tokenOf(mail.latestLink(p.email));
  const opened = await portalPost(app.base, "/open", { token });
  assert.equal(opened.json.outcome, "challenge");
  const verified = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(verified.status, 200, JSON.stringify(verified.json));
  const cookie = verified.headers.get("set-cookie").split(";")[0];
  const [viewedDoc, downloadedDoc] = p.docs;
  const view = await fetch(`${app.base}/api/v1/portal/documents/${viewedDoc}/content`, { headers: { cookie } });
  assert.equal(view.status, 200);
  await view.arrayBuffer();
  const download = await fetch(`${app.base}/api/v1/portal/documents/${downloadedDoc}/content?disposition=attachment`, { headers: { cookie } });
  assert.equal(download.status, 200);
  await download.arrayBuffer();

  const share = await shareOf(p.id, shareId);
  const byLabel = Object.fromEntries(share.deliveries.map((d) => [d.recipient_label, d.receipt]));
  const mine = byLabel.patient;
  assert.ok(mine.opened_at > 0 && mine.verified_at >= mine.opened_at, JSON.stringify(mine));
  const docsSeen = Object.fromEntries(mine.documents.map((d) => [d.document_id, d]));
  assert.ok(docsSeen[viewedDoc].viewed_at > 0);
  assert.equal(docsSeen[viewedDoc].downloaded_at, null);
  assert.ok(docsSeen[downloadedDoc].downloaded_at > 0);
  assert.equal(docsSeen[downloadedDoc].viewed_at, null);
  // The daughter did nothing: her receipt says so, whatever the patient did meanwhile.
  const hers = byLabel["relationship daughter"];
  assert.deepEqual([hers.opened_at, hers.verified_at, hers.documents], [null, null, []]);
});
