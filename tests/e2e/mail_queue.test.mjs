// The mail queue against the real Worker in workerd and a fake SendGrid: each email is sent
// once however many deliveries overlap, a refusal stops with the provider's reason shown, and
// attachments are streamed to the provider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app;
const docs = demoDocuments();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

async function patient(id) {
  const email = `${id}@example.com`;
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }));
  for (const d of docs.slice(0, 2)) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  return { id, email, docs: docs.slice(0, 2).map((d) => `${id}-${d.id}`) };
}

const share = (p, document_ids, method = "secure_link") =>
  app.clinic.share({ patient_id: p.id, document_ids, method, staff: "Dr Test" });
const sharesOf = async (id) => (await app.clinic.list(`/api/v1/clinic/patients/${id}/shares`)).json;

test("two shares delivering at once send each email once", async () => {
  // Issue 14: while one delivery awaited the provider, another read the same job as still
  // pending and sent it again. A slow provider makes the two deliveries overlap.
  const p = await patient("mq-overlap");
  mail.setDelay(1500);
  try {
    const [a, b] = await Promise.all([share(p, [p.docs[0]]), share(p, [p.docs[1]])]);
    assert.equal(a.status, 201, JSON.stringify(a.json));
    assert.equal(b.status, 201, JSON.stringify(b.json));
  } finally {
    mail.setDelay(0);
  }
  // Anything still owed would go out by the alarm: give it time to (wrongly) send again.
  await sleep(3000);
  const sent = mail.attempts.filter((m) => m.to === p.email);
  assert.equal(sent.length, 2, `one request per share, got ${sent.length}`);
  const deliveries = (await sharesOf(p.id)).flatMap((s) => s.deliveries);
  assert.deepEqual(deliveries.map((d) => d.status), ["sent", "sent"]);
});

test("a refusal from the provider is final and the history shows its reason, without the address", async () => {
  const p = await patient("mq-refused");
  mail.setMode("refuse");
  let shareId;
  try {
    const r = await share(p, [p.docs[0]]);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual([r.json.emails_queued, r.json.emails_sent], [1, 0]);
    shareId = r.json.share_id;
  } finally {
    mail.setMode("up");
  }
  const [delivery] = (await sharesOf(p.id)).find((s) => s.id === shareId).deliveries;
  assert.equal(delivery.status, "failed");
  assert.equal(delivery.attempts, 1);
  assert.match(delivery.last_error, /^refused by the provider \(400\): The to email \[address\] does not contain a valid address\.$/);
  assert.ok(!delivery.last_error.includes(p.email), "no address in the reason");
  // A transient failure would be retried after 10 s: a refusal never is.
  await sleep(12_000);
  assert.equal(mail.attempts.filter((m) => m.to === p.email).length, 1, "never tried again");
  const again = (await sharesOf(p.id)).find((s) => s.id === shareId).deliveries[0];
  assert.equal(again.status, "failed");
  const events = (await app.clinic.history(p.id)).json;
  const failed = events.filter((e) => e.event === "email_failed");
  assert.equal(failed.length, 1);
  assert.ok(!failed[0].detail.includes("@"), failed[0].detail);
});

test("a provider error backs off and is retried; the history shows the wait", async () => {
  const p = await patient("mq-transient");
  mail.setMode("down");
  let shareId;
  try {
    const r = await share(p, [p.docs[0]]);
    shareId = r.json.share_id;
    const [delivery] = (await sharesOf(p.id)).find((s) => s.id === shareId).deliveries;
    assert.equal(delivery.status, "pending");
    assert.match(delivery.last_error, /^provider answered 500/);
  } finally {
    mail.setMode("up");
  }
  const deadline = Date.now() + 40_000;
  while (!mail.messages.some((m) => m.to === p.email) && Date.now() < deadline) await sleep(500);
  const [delivery] = (await sharesOf(p.id)).find((s) => s.id === shareId).deliveries;
  assert.equal(delivery.status, "sent");
  assert.equal(mail.attempts.filter((m) => m.to === p.email).length, 2, "one failure, one success");
});

test("attachments reach the provider whole, streamed with their length declared", async () => {
  const p = await patient("mq-attach");
  // Two documents whose sizes leave each a different remainder modulo 3 (base64 groups).
  const a = { id: `${p.id}-scan`, kind: "lab", title: "Scan", date: "2026-11-03", contentType: "image/png", bytes: randomBytes(3 * 1024 * 1024 + 1) };
  const b = { id: `${p.id}-letter`, kind: "letter", title: "Letter", date: "2026-11-04", contentType: "application/pdf", bytes: randomBytes(700 * 1024 + 2) };
  ok(await app.clinic.uploadDocument(p.id, a));
  ok(await app.clinic.uploadDocument(p.id, b));
  const r = await share(p, [a.id, b.id], "attachment");
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.emails_sent, 1);
  const msg = mail.messages.find((m) => m.to === p.email);
  assert.deepEqual(msg.attachments.map((x) => x.filename), ["document-1.png", "document-2.pdf"]);
  assert.ok(msg.attachments[0].bytes.equals(a.bytes), "first document intact");
  assert.ok(msg.attachments[1].bytes.equals(b.bytes), "second document intact");
  const [attempt] = mail.attempts.filter((m) => m.to === p.email);
  assert.equal(Number(attempt.contentLength), attempt.bodyBytes, "the declared length is the body's");
  assert.equal(attempt.chunked, false);
});
