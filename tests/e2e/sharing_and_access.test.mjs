// Sharing with several recipients, the checks each must pass, unsharing and renewal, against
// the real Worker in workerd with fake mail and SMS providers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startFakeMail, startSealpost, portalPost, tokenOf, claimsOf, signLink,
} from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app;
const docs = demoDocuments();
const P = "share-patient";
const patientEmail = "share.patient@example.com";
const mobile = "+447700900456";

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
  ok(await app.clinic.upsertPatient(P, { ...demoPatient.body, email: patientEmail, mobile }));
  for (const d of docs) ok(await app.clinic.uploadDocument(P, d));
  ok(await app.clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/daughter`, {
    name: "Ann Doe", email: "ann@example.com", mobile: "+447700900789", relation: "daughter", emergency: true,
  }));
  ok(await app.clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/no-email`, { name: "No Email" }));
  ok(await app.clinic.putJson(`/api/v1/clinic/contacts/physio`, { name: "City Physio", email: "team@physio.example", mobile: "+447700900321" }));
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

const settingsPath = "/api/v1/clinic/settings";
async function setSettings(change) {
  const current = (await app.clinic.call("GET", settingsPath)).json;
  const next = { ...current, ...change, checks: { ...current.checks, ...(change.checks ?? {}) } };
  const r = await app.clinic.putJson(settingsPath, next);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function share(body) {
  return app.clinic.share({ patient_id: P, method: "secure_link", staff: "Dr Test", ...body });
}

async function verifyBirthday(token) {
  const r = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.headers.get("set-cookie").split(";")[0];
}

const listDocs = (cookie) =>
  fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });

test("the sender address follows the document type, mixed types use the general address", async () => {
  await setSettings({ senders: { general: "hello@clinic.example", invoice: "accounts@clinic.example", letter: "letters@clinic.example" } });
  let r = await share({ document_ids: ["demo-invoice"] });
  assert.equal(r.json.sender, "accounts@clinic.example");
  assert.equal(mail.messages.at(-1).from.email, "accounts@clinic.example");
  r = await share({ document_ids: ["demo-letter"] });
  assert.equal(mail.messages.at(-1).from.email, "letters@clinic.example");
  r = await share({ document_ids: ["demo-invoice", "demo-letter"] });
  assert.equal(r.json.sender, "hello@clinic.example");
  r = await share({ document_ids: ["demo-scan"] });
  assert.equal(r.json.sender, "hello@clinic.example", "lab without a lab address falls back to general");
});

test("sharing is refused clearly when switched off", async () => {
  await setSettings({ sharing_enabled: false });
  try {
    const before = mail.messages.length;
    const r = await share({ document_ids: ["demo-invoice"] });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, "sharing_disabled");
    assert.equal(mail.messages.length, before);
  } finally {
    await setSettings({ sharing_enabled: true });
  }
});

test("several recipients each get their own email; ineligible recipients are refused", async () => {
  const before = mail.messages.length;
  const r = await share({
    document_ids: ["demo-letter"],
    recipients: [{ type: "patient" }, { type: "relationship", id: "daughter" }, { type: "practice_contact", id: "physio" }],
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.emails_queued, 3);
  assert.deepEqual(mail.messages.slice(before).map((m) => m.to).sort(),
    ["ann@example.com", patientEmail, "team@physio.example"].sort());
  for (const [recipient, why, reason] of [
    [{ type: "relationship", id: "stranger" }, /not on the patient's contact list/, "not_related"],
    [{ type: "relationship", id: "no-email" }, /no email address/, "no_email"],
    [{ type: "practice_contact", id: "nobody" }, /not one of the practice's contacts/, "unknown_contact"],
  ]) {
    const bad = await share({ document_ids: ["demo-letter"], recipients: [recipient] });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.code, "recipient_not_eligible");
    assert.match(bad.json.message, why);
    assert.deepEqual(bad.json.recipients.map((r) => [r.recipient, r.reason]), [[recipient, reason]]);
  }
  const typed = await share({ document_ids: ["demo-letter"], recipients: [{ type: "patient", email: "evil@x.example" }] });
  assert.equal(typed.status, 400, "a free-typed address is not representable");
});

test("a contact with the magic-link setting confirms with one button; GET of the link does nothing", async () => {
  await setSettings({ checks: { contact: "magic_link" } });
  await share({ document_ids: ["demo-letter"], recipients: [{ type: "practice_contact", id: "physio" }] });
  const link = mail.latestLink("team@physio.example");
  const token = tokenOf(link);
  const history = (await app.clinic.history(P)).json.length;
  for (const method of ["GET", "HEAD"]) assert.equal((await fetch(link.split("#")[0], { method })).status, 200);
  assert.equal((await app.clinic.history(P)).json.length, history, "a scanner's GET records nothing");
  const opened = await portalPost(app.base, "/open", { token });
  assert.deepEqual(opened.json.challenge, { method: "confirm_magic_link" });
  const wrong = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(wrong.status, 400, "a contact is never asked for, nor let in by, a birthday");
  const r = await portalPost(app.base, "/verify/magic-link", { token });
  assert.equal(r.status, 200);
  const cookie = r.headers.get("set-cookie").split(";")[0];
  const list = await (await listDocs(cookie)).json();
  assert.deepEqual(list.documents.map((d) => d.id), ["demo-letter"], "a contact sees only what was shared with them");
  await setSettings({ checks: { contact: "sms_code" } });
});

test("an SMS code is sent only when asked, resend waits, wrong codes count and a code works once", async () => {
  await setSettings({ checks: { patient: "sms_code" } });
  try {
    await share({ document_ids: ["demo-invoice"] });
    const token = tokenOf(mail.latestLink(patientEmail));
    const sentBefore = mail.sms.length;
    const opened = await portalPost(app.base, "/open", { token });
    assert.deepEqual(opened.json.challenge, { method: "sms_code", masked_mobile: "•••• •••• 456", attempts_left: 5 });
    assert.equal(mail.sms.length, sentBefore, "opening sends no SMS");
    const asked = await portalPost(app.base, "/sms/send", { token });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    assert.equal(mail.sms.length, sentBefore + 1);
    const code = mail.latestCode(mobile);
    assert.match(code, /^\d{6}$/);
    assert.ok(!mail.sms.at(-1).body.includes("Invoice"), "no document titles in SMS");
    const again = await portalPost(app.base, "/sms/send", { token });
    assert.equal(again.status, 429, "resend waits a minute");
    const wrongCode = code === "000000" ? "111111" : "000000";
    let r = await portalPost(app.base, "/verify/sms", { token, code: wrongCode });
    assert.deepEqual([r.status, r.json.code, r.json.attempts_left], [401, "wrong_code", 4]);
    r = await portalPost(app.base, "/verify/sms", { token, code: "12" });
    assert.equal(r.json.code, "invalid_fields", "a malformed code costs no attempt");
    r = await portalPost(app.base, "/verify/sms", { token, code });
    assert.equal(r.status, 200);
    r = await portalPost(app.base, "/verify/sms", { token, code });
    assert.equal(r.json.code, "code_expired", "a code works once");
    const opened2 = await portalPost(app.base, "/open", { token });
    assert.equal(opened2.json.challenge.attempts_left, 5, "success clears the failure count");
  } finally {
    await setSettings({ checks: { patient: "birthday" } });
  }
});

test("unshare revokes every link and session at once; sharing again restores access", async () => {
  await share({ document_ids: ["demo-invoice", "demo-scan"] });
  const token = tokenOf(mail.latestLink(patientEmail));
  const cookie = await verifyBirthday(token);
  assert.equal((await listDocs(cookie)).status, 200);
  const r = await app.clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr Test" });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const denied = await listDocs(cookie);
  assert.equal(denied.status, 401, "the open session ends on the very next request");
  const opened = await portalPost(app.base, "/open", { token });
  assert.equal(opened.json.code, "access_revoked");
  const before = mail.messages.length;
  const expired = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" }, {
    ...claimsOf(token), exp: Math.floor(Date.now() / 1000) - 3 * 86400,
    iat: Math.floor(Date.now() / 1000) - 4 * 86400, nbf: Math.floor(Date.now() / 1000) - 4 * 86400,
  });
  const revokedExpired = await portalPost(app.base, "/open", { token: expired });
  assert.equal(revokedExpired.json.code, "access_revoked", "a revoked link earns no new link");
  assert.equal(mail.messages.length, before);
  await share({ document_ids: ["demo-letter"] });
  const restored = tokenOf(mail.latestLink(patientEmail));
  const cookie2 = await verifyBirthday(restored);
  const list = await (await listDocs(cookie2)).json();
  assert.deepEqual(list.documents.map((d) => d.id).sort(), ["demo-invoice", "demo-letter", "demo-scan"],
    "sharing again restores every previously shared document");
  const events = (await app.clinic.history(P)).json.map((e) => e.event);
  assert.ok(events.includes("unshared") && events.includes("access_restored"));
});

test("an expired genuine link emails a fresh one to the address on file, at most once per 2 minutes", async () => {
  await share({ document_ids: ["demo-letter"] });
  const token = tokenOf(mail.latestLink(patientEmail));
  const now = Math.floor(Date.now() / 1000);
  const expired = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(token), iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 });
  const before = mail.messages.length;
  const r = await portalPost(app.base, "/open", { token: expired });
  assert.deepEqual(r.json, { outcome: "renewed", practice_name: r.json.practice_name, masked_email: "s•••@example.com" });
  assert.equal(mail.messages.length, before + 1);
  assert.equal(mail.messages.at(-1).to, patientEmail, "to the address on file");
  const fresh = tokenOf(mail.latestLink(patientEmail));
  assert.equal((await portalPost(app.base, "/open", { token: fresh })).json.outcome, "challenge");
  for (let i = 0; i < 5; i++) {
    const again = await portalPost(app.base, "/open", { token: expired });
    assert.equal(again.json.outcome, "renewed", "the same answer…");
  }
  assert.equal(mail.messages.length, before + 1, "…without another email");
  const forgedExpired = signLink(Buffer.alloc(32, 7).toString("base64url"), { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(token), iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 });
  assert.equal((await portalPost(app.base, "/open", { token: forgedExpired })).json.code, "link_invalid");
});

test("revoking one recipient or one document leaves the rest shared", async () => {
  await share({ document_ids: ["demo-letter", "demo-invoice"], recipients: [{ type: "patient" }, { type: "relationship", id: "daughter" }] });
  const patientCookie = await verifyBirthday(tokenOf(mail.latestLink(patientEmail)));
  let r = await app.clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, {
    staff: "Dr Test", recipient: { type: "relationship", id: "daughter" },
  });
  assert.equal(r.status, 200);
  const daughterToken = tokenOf(mail.latestLink("ann@example.com"));
  assert.equal((await portalPost(app.base, "/open", { token: daughterToken })).json.code, "access_revoked");
  assert.equal((await listDocs(patientCookie)).status, 200, "the patient keeps access");
  r = await app.clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr Test", document_id: "demo-invoice" });
  assert.equal(r.status, 200);
  const ids = (await (await listDocs(patientCookie)).json()).documents.map((d) => d.id);
  assert.ok(!ids.includes("demo-invoice") && ids.includes("demo-letter"));
  const gone = await fetch(`${app.base}/api/v1/portal/documents/demo-invoice/content`, { headers: { cookie: patientCookie } });
  assert.equal(gone.status, 404);
});

test("deleting a document removes it from every share", async () => {
  const extra = { ...docs[0], id: "to-delete", title: "Old invoice" };
  await app.clinic.uploadDocument(P, extra);
  await share({ document_ids: ["to-delete", "demo-letter"] });
  const cookie = await verifyBirthday(tokenOf(mail.latestLink(patientEmail)));
  const del = await app.clinic.call("DELETE", `/api/v1/clinic/patients/${P}/documents/to-delete`);
  assert.equal(del.status, 200, JSON.stringify(del.json));
  const ids = (await (await listDocs(cookie)).json()).documents.map((d) => d.id);
  assert.ok(!ids.includes("to-delete"));
  const res = await fetch(`${app.base}/api/v1/portal/documents/to-delete/content`, { headers: { cookie } });
  assert.equal(res.status, 404);
});

test("chosen sections of a consultation note are shared with the patient only, and only those are readable", async () => {
  const note = {
    sections: [
      { id: "history", title: "History", text: "Two weeks of cough." },
      { id: "examination", title: "Examination", text: "Chest clear." },
      { id: "plan", title: "Plan", text: "Rest and fluids; review in a week." },
    ],
  };
  const up = await app.clinic.uploadDocument(P, {
    id: "note-1", kind: "consultation_note", title: "Consultation 20 November", date: "2026-11-20",
    contentType: "application/json", bytes: Buffer.from(JSON.stringify(note)),
  });
  assert.equal(up.status, 201, JSON.stringify(up.json));
  const bad = await app.clinic.uploadDocument(P, {
    id: "note-bad", kind: "consultation_note", title: "Bad", date: "2026-11-20",
    contentType: "application/json", bytes: Buffer.from('{"sections":[]}'),
  });
  assert.equal(bad.status, 400);
  const missing = await share({ document_ids: ["note-1"], sections: { "note-1": ["nope"] } });
  assert.equal(missing.status, 400);
  assert.match(missing.json.message, /no section nope/);
  const toContact = await share({
    document_ids: ["note-1"], recipients: [{ type: "relationship", id: "daughter" }],
    sections: { "note-1": ["plan"] },
  });
  assert.equal(toContact.status, 400);
  assert.match(toContact.json.message, /patient only/);
  const r = await share({ document_ids: ["note-1"], sections: { "note-1": ["plan", "history"] } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.sender, (await app.clinic.call("GET", "/api/v1/clinic/settings")).json.senders.consultation ?? r.json.sender);
  assert.ok(!mail.messages.at(-1).text.includes("cough"), "no clinical text in the email");
  const cookie = await verifyBirthday(tokenOf(mail.latestLink(patientEmail)));
  const list = await (await listDocs(cookie)).json();
  const listed = list.documents.find((d) => d.id === "note-1");
  assert.equal(listed.note, true);
  const read = await fetch(`${app.base}/api/v1/portal/documents/note-1/sections`, { headers: { cookie } });
  assert.equal(read.status, 200);
  const shared = await read.json();
  assert.deepEqual(shared.sections.map((s) => s.id), ["history", "plan"], "only the chosen sections, in note order");
  assert.ok(!JSON.stringify(shared).includes("Chest clear"));
  const raw = await fetch(`${app.base}/api/v1/portal/documents/note-1/content`, { headers: { cookie } });
  assert.equal(raw.status, 404, "the whole stored note is never sent");
});

test("documents can go as plain email attachments, within the provider's limit", async () => {
  const before = mail.messages.length;
  const r = await share({ document_ids: ["demo-invoice", "demo-scan"], method: "attachment" });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(mail.messages.length, before + 1);
  const msg = mail.messages.at(-1);
  assert.deepEqual(msg.attachments.map((a) => a.filename), ["document-1.pdf", "document-2.png"], "named by number, not title");
  assert.deepEqual(msg.attachments[0].bytes, docs.find((d) => d.id === "demo-invoice").bytes);
  assert.deepEqual(msg.attachments[1].bytes, docs.find((d) => d.id === "demo-scan").bytes);
  assert.ok(!/open#/.test(msg.text), "no portal link in an attachment email");
  for (const d of docs) assert.ok(!msg.text.includes(d.title) && !msg.subject.includes(d.title));
  const big = { id: "big-scan", kind: "lab", title: "Big scan", date: "2026-11-03", contentType: "image/png", bytes: Buffer.alloc(21 * 1024 * 1024, 1) };
  assert.equal((await app.clinic.uploadDocument(P, big)).status, 201);
  const tooLarge = await share({ document_ids: ["big-scan"], method: "attachment" });
  assert.equal(tooLarge.status, 400);
  assert.match(tooLarge.json.message, /limited to .* share by secure link instead/);
  const note = await share({ document_ids: ["note-1"], method: "attachment" });
  assert.equal(note.status, 400);
  assert.match(note.json.message, /secure link/);
  assert.equal(mail.messages.length, before + 1, "refused shares send nothing");
});
