// Access that means what it says (issue 11): revoking one person stays revoked, a document id
// belongs to one patient, every link is checked against its record, contacts who cannot pass
// the practice's check are refused up front, deleted people lose access, the audit holds no
// addresses, request bodies are bounded, header-breaking text is refused and settings changes
// are audited. Against the real Worker in workerd with fake mail/SMS and a fake clinic origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/miniflare.mjs";
import { jsonOrText } from "../support/clinic-client.mjs";
import {
  startFakeMail, startFakeOrigin, startSealpost, portalPost, tokenOf, claimsOf, signLink, ORIGIN_TOKEN,
} from "../support/harness.mjs";
import { demoPatient, makePdf } from "../support/demo-docs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

let mail, origin, app;
const DAY = 86400;
const originFiles = { "docs/kept.pdf": { bytes: makePdf(["Kept at the clinic"]), mode: "ok" } };

before(async () => {
  mail = await startFakeMail();
  origin = await startFakeOrigin(originFiles);
  app = await startSealpost({
    mailBase: mail.base,
    extraVars: { ORIGIN_BASE_URL: `${origin.base}/`, ORIGIN_BEARER_TOKEN: ORIGIN_TOKEN },
  });
});
after(async () => {
  await app?.stop();
  await origin?.stop();
  await mail?.stop();
});

// ------------------------------------------------------------------ helpers

const ok = (r, what = "") => assert.ok(r.status < 300, `${what} ${r.status} ${JSON.stringify(r.json)}`);
const now = () => Math.floor(Date.now() / 1000);
const settingsPath = "/api/v1/clinic/settings";
const getSettings = async () => (await app.clinic.call("GET", settingsPath)).json;

async function setSettings(change) {
  const current = await getSettings();
  const next = { ...current, ...change, checks: { ...current.checks, ...(change.checks ?? {}) } };
  const r = await app.clinic.putJson(settingsPath, next);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

/** Runs `body` with the settings changed, putting the settings back as they were afterwards. */
async function withSettings(change, body) {
  const saved = await getSettings();
  await setSettings(change);
  try {
    return await body();
  } finally {
    await app.clinic.putJson(settingsPath, saved);
  }
}

/** A patient (date of birth 1984-03-07, like the demo patient) with email and mobile. */
async function makePatient(id, { email = `${id}@patients.example`, mobile = "+447700900111" } = {}) {
  const body = { ...demoPatient.body, name: `Patient ${id}`, email };
  if (mobile) body.mobile = mobile;
  ok(await app.clinic.upsertPatient(id, body), `create patient ${id}`);
  return { id, email, mobile };
}

function pdfDoc(id, text = id) {
  return { id, kind: "letter", title: `Letter ${id}`, date: "2026-10-01", contentType: "application/pdf",
    bytes: makePdf([text, "Sealpost e2e"]) };
}

async function upload(patientId, doc) {
  const r = await app.clinic.uploadDocument(patientId, doc);
  assert.equal(r.status, 201, `upload ${doc.id}: ${JSON.stringify(r.json)}`);
  return doc;
}

async function putRelationship(patientId, contactId, body) {
  const r = await app.clinic.putJson(`/api/v1/clinic/patients/${patientId}/relationships/${contactId}`, {
    name: `Contact ${contactId}`, relation: "family", ...body,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

const share = (patientId, body) =>
  app.clinic.share({ patient_id: patientId, method: "secure_link", staff: "Dr Test", ...body });

async function mustShare(patientId, body) {
  const r = await share(patientId, body);
  assert.equal(r.status, 201, `share: ${JSON.stringify(r.json)}`);
  return r.json;
}

const PATIENT = { type: "patient" };
const relationship = (id) => ({ type: "relationship", id });
const practiceContact = (id) => ({ type: "practice_contact", id });

/** The kind of a RecipientRef as the API writes it (serde's tag is `type`). */
const refKind = (ref) => ref?.type ?? ref?.kind;

const newestToken = (address) => {
  const link = mail.latestLink(address);
  assert.ok(link, `an email with a link went to ${address}`);
  return tokenOf(link);
};
const mailsTo = (address) => mail.messages.filter((m) => m.to === address).length;

async function verifyBirthday(token) {
  const r = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(r.status, 200, `birthday check: ${JSON.stringify(r.json)}`);
  return r.headers.get("set-cookie").split(";")[0];
}

async function confirmMagicLink(token) {
  const r = await portalPost(app.base, "/verify/magic-link", { token });
  assert.equal(r.status, 200, `magic link: ${JSON.stringify(r.json)}`);
  return r.headers.get("set-cookie").split(";")[0];
}

const listDocs = (cookie) => fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });

/** The same genuine link, re-signed with the test key as if it had been issued at `issuedAt`. */
function resigned(token, { issuedAt, extra = {} }) {
  return signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" }, {
    ...claimsOf(token), iat: issuedAt, nbf: issuedAt, exp: issuedAt + DAY, ...extra,
  });
}
/** The same genuine link, expired three days ago. */
const expiredCopy = (token) => resigned(token, { issuedAt: now() - 4 * DAY });

/** A raw HTTP request (node:http), for what fetch cannot do: a Host header, a partial body. */
function rawRequest(path, { base = app.base, method = "POST", headers = {}, chunks = [], end = true, waitMs = 10_000 } = {}) {
  const url = new URL(base + path);
  return new Promise((resolve) => {
    let settled = false;
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method, headers });
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ timedOut: true }), waitMs);
    req.on("response", (res) => {
      let body = "";
      const done = () => finish({ status: res.statusCode, json: jsonOrText(body) });
      res.on("data", (c) => (body += c));
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    req.on("error", (error) => setTimeout(() => finish({ error: error.code ?? String(error) }), 200));
    for (const chunk of chunks) req.write(chunk);
    if (end) req.end();
  });
}

// ------------------------------------------------------------------ 1. per-recipient revocation

test("a later share with the patient does not bring back a revoked contact's link or session", async () => {
  const P = "ar-revoke";
  const patient = await makePatient(P, { mobile: "+447700900201" });
  const daughter = "daughter.revoke@example.com";
  await putRelationship(P, "daughter", { name: "Ann Revoke", email: daughter, mobile: "+447700900202", relation: "daughter" });
  const docA = await upload(P, pdfDoc("ar-revoke-a"));
  const docB = await upload(P, pdfDoc("ar-revoke-b"));
  await withSettings({ checks: { patient: "birthday", contact: "magic_link" } }, async () => {
    await mustShare(P, { document_ids: [docA.id], recipients: [PATIENT, relationship("daughter")] });
    const contactToken = newestToken(daughter);
    const opened = await portalPost(app.base, "/open", { token: contactToken });
    assert.equal(opened.status, 200, "the contact's link works before the unshare");
    const contactCookie = await confirmMagicLink(contactToken);
    assert.equal((await listDocs(contactCookie)).status, 200, "the contact sees the documents before the unshare");

    const un = await app.clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr X" });
    assert.equal(un.status, 200, JSON.stringify(un.json));
    await mustShare(P, { document_ids: [docB.id] });

    const patientCookie = await verifyBirthday(newestToken(patient.email));
    const list = await (await listDocs(patientCookie)).json();
    assert.deepEqual(list.documents.map((d) => d.id).sort(), [docA.id, docB.id].sort(),
      "the patient, shared with again, sees both documents");

    assert.notEqual((await listDocs(contactCookie)).status, 200, "the contact's old session stays closed");
    const again = await portalPost(app.base, "/open", { token: contactToken });
    const before = mailsTo(daughter);
    const expired = await portalPost(app.base, "/open", { token: expiredCopy(contactToken) });
    assert.deepEqual(
      { oldLink: [again.status, again.json.code], expiredCopy: [expired.status, expired.json.code],
        newEmailsToContact: mailsTo(daughter) - before },
      { oldLink: [403, "access_revoked"], expiredCopy: [403, "access_revoked"], newEmailsToContact: 0 },
      `the contact's old link stays revoked and an expired copy earns no new link ` +
        `(old link: ${JSON.stringify(again.json)}; expired copy: ${JSON.stringify(expired.json)})`,
    );
  });
});

// ------------------------------------------------------------------ 2. document identity

test("uploading a document under an id another patient uses is refused, and the first patient still downloads their own file", async () => {
  const A = await makePatient("ar-dup-a", { mobile: null });
  const B = await makePatient("ar-dup-b", { mobile: null });
  const x = pdfDoc("dup-1", "Bytes X for patient A");
  const y = { ...pdfDoc("dup-1", "Bytes Y for patient B, never to be seen by A") };
  await upload(A.id, x);
  await mustShare(A.id, { document_ids: ["dup-1"] });
  const cookie = await verifyBirthday(newestToken(A.email));
  const first = await fetch(`${app.base}/api/v1/portal/documents/dup-1/content`, { headers: { cookie } });
  assert.equal(first.status, 200);
  assert.deepEqual(Buffer.from(await first.arrayBuffer()), x.bytes, "A downloads X");

  const taken = await app.clinic.uploadDocument(B.id, y);
  assert.equal(taken.status, 409, `another patient's upload under the same id: ${taken.status} ${JSON.stringify(taken.json)}`);
  assert.equal(taken.json.code, "document_id_taken");
  const after = await fetch(`${app.base}/api/v1/portal/documents/dup-1/content`, { headers: { cookie } });
  assert.equal(after.status, 200);
  assert.deepEqual(Buffer.from(await after.arrayBuffer()), x.bytes, "A still downloads X, never Y");
});

test("registering an origin document under an id another patient uploaded is refused", async () => {
  const A = await makePatient("ar-dupx-a", { mobile: null });
  const B = await makePatient("ar-dupx-b", { mobile: null });
  const x = await upload(A.id, pdfDoc("dupx-1", "Bytes X for patient A"));
  const external = {
    kind: "letter", title: "Kept letter", date: "2026-10-02", size: originFiles["docs/kept.pdf"].bytes.length,
    content_type: "application/pdf", origin_path: "docs/kept.pdf",
  };
  const own = await app.clinic.putJson(`/api/v1/clinic/patients/${B.id}/documents/dupx-own/external`, external);
  assert.equal(own.status, 201, `an origin document under a fresh id registers: ${JSON.stringify(own.json)}`);
  const taken = await app.clinic.putJson(`/api/v1/clinic/patients/${B.id}/documents/${x.id}/external`, external);
  assert.equal(taken.status, 409, `B registering A's id: ${taken.status} ${JSON.stringify(taken.json)}`);
  assert.equal(taken.json.code, "document_id_taken");
  await mustShare(A.id, { document_ids: [x.id] });
  const cookie = await verifyBirthday(newestToken(A.email));
  const res = await fetch(`${app.base}/api/v1/portal/documents/${x.id}/content`, { headers: { cookie } });
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), x.bytes, "A still downloads the uploaded bytes");
});

test("a patient's own document can be uploaded again, and the history says it was replaced", async () => {
  const A = await makePatient("ar-replace", { mobile: null });
  await upload(A.id, pdfDoc("replace-1", "First version"));
  const second = pdfDoc("replace-1", "Second version");
  const r = await app.clinic.uploadDocument(A.id, second);
  assert.equal(r.status, 201, `re-upload by the same patient: ${JSON.stringify(r.json)}`);
  await mustShare(A.id, { document_ids: [second.id] });
  const cookie = await verifyBirthday(newestToken(A.email));
  const res = await fetch(`${app.base}/api/v1/portal/documents/${second.id}/content`, { headers: { cookie } });
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), second.bytes, "the new version is served");
  const events = (await app.clinic.history(A.id)).json.map((e) => e.event);
  assert.ok(events.includes("document_replaced"), `history events: ${JSON.stringify(events)}`);
});

// ------------------------------------------------------------------ 3. links checked against their record

test("a genuinely signed link with a link id that was never issued is refused", async () => {
  const A = await makePatient("ar-jti", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-jti-doc"));
  await mustShare(A.id, { document_ids: [doc.id] });
  const token = newestToken(A.email);
  assert.equal((await portalPost(app.base, "/open", { token })).status, 200, "the real link opens");
  const made = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(token), jti: "never-issued-link-0001" });
  const r = await portalPost(app.base, "/open", { token: made });
  assert.equal(r.status, 404, `a made-up link id: ${r.status} ${JSON.stringify(r.json)}`);
  assert.equal(r.json.code, "link_invalid");
});

test("staff see a patient's links and can revoke one; that link stops, a later one still works", async () => {
  const A = await makePatient("ar-links", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-links-doc"));
  const shared = await mustShare(A.id, { document_ids: [doc.id] });
  const token = newestToken(A.email);
  const linkId = claimsOf(token).jti;
  assert.equal((await portalPost(app.base, "/open", { token })).status, 200, "the link opens before it is revoked");

  const listed = await app.clinic.list(`/api/v1/clinic/patients/${A.id}/links`);
  assert.equal(listed.status, 200, `list links: ${listed.status} ${JSON.stringify(listed.json)}`);
  assert.ok(Array.isArray(listed.json));
  const entry = listed.json.find((l) => l.id === linkId);
  assert.ok(entry, `the emailed link ${linkId} is listed: ${JSON.stringify(listed.json)}`);
  assert.equal(refKind(entry.recipient), "patient");
  assert.ok(entry.share_id === null || typeof entry.share_id === "string");
  assert.equal(entry.share_id, shared.share_id);
  assert.ok(Number.isInteger(entry.issued_at) && Math.abs(entry.issued_at - now()) < 600, `issued_at ${entry.issued_at}`);
  assert.ok(Number.isInteger(entry.expires_at) && entry.expires_at > entry.issued_at, `expires_at ${entry.expires_at}`);
  assert.equal(entry.revoked_at, null);

  const del = await app.clinic.call("DELETE", `/api/v1/clinic/patients/${A.id}/links/${linkId}`);
  assert.equal(del.status, 200, JSON.stringify(del.json));
  assert.equal(del.json.revoked, "link");
  assert.equal(del.json.link_id, linkId);
  const dead = await portalPost(app.base, "/open", { token });
  assert.equal(dead.status, 403, JSON.stringify(dead.json));
  assert.equal(dead.json.code, "access_revoked");
  const relisted = (await app.clinic.list(`/api/v1/clinic/patients/${A.id}/links`)).json;
  assert.ok(Number.isInteger(relisted.find((l) => l.id === linkId).revoked_at), "the list shows when it was revoked");

  await mustShare(A.id, { document_ids: [doc.id] });
  const later = newestToken(A.email);
  assert.notEqual(claimsOf(later).jti, linkId);
  const opened = await portalPost(app.base, "/open", { token: later });
  assert.equal(opened.status, 200, `a later link of the same patient works: ${JSON.stringify(opened.json)}`);
  assert.equal(opened.json.outcome, "challenge");
});

test("changing a contact's email retires the links sent to the old address", async () => {
  const A = await makePatient("ar-reemail", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-reemail-doc"));
  const oldAddress = "son.old@example.com";
  const newAddress = "son.new@example.com";
  const contact = { name: "Sam Son", mobile: "+447700900301", relation: "son" };
  await putRelationship(A.id, "son", { ...contact, email: oldAddress });
  await mustShare(A.id, { document_ids: [doc.id], recipients: [relationship("son")] });
  const oldToken = newestToken(oldAddress);
  assert.equal((await portalPost(app.base, "/open", { token: oldToken })).status, 200, "the link works before the change");

  await putRelationship(A.id, "son", { ...contact, email: newAddress });
  const r = await portalPost(app.base, "/open", { token: oldToken });
  const sent = mail.messages.length;
  const expired = await portalPost(app.base, "/open", { token: expiredCopy(oldToken) });
  assert.deepEqual(
    { oldLink: [r.status, r.json.code], expiredCopy: [expired.status, expired.json.code],
      newEmails: mail.messages.slice(sent).map((m) => m.to) },
    { oldLink: [403, "access_revoked"], expiredCopy: [403, "access_revoked"], newEmails: [] },
    `the old address's link after the change (old link: ${JSON.stringify(r.json)}; expired copy: ${JSON.stringify(expired.json)})`,
  );

  await mustShare(A.id, { document_ids: [doc.id], recipients: [relationship("son")] });
  assert.equal(mail.messages.at(-1).to, newAddress, "a new share goes to the new address");
  const fresh = await portalPost(app.base, "/open", { token: newestToken(newAddress) });
  assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
});

test("with an access duration set, a link from a share older than that ends with a clear answer and no email", async () => {
  const A = await makePatient("ar-duration", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-duration-doc"));
  await mustShare(A.id, { document_ids: [doc.id] });
  const fortyDaysAgo = now() - 40 * DAY;
  const old = resigned(newestToken(A.email), { issuedAt: fortyDaysAgo, extra: { acc: fortyDaysAgo } });

  // Without an access duration (the default), an old expired link is renewed, as today.
  let sent = mailsTo(A.email);
  const renewed = await portalPost(app.base, "/open", { token: old });
  assert.equal(renewed.status, 200, JSON.stringify(renewed.json));
  assert.equal(renewed.json.outcome, "renewed");
  assert.equal(mailsTo(A.email), sent + 1, "a fresh link is emailed");

  const settings = await getSettings();
  assert.ok("access_days" in settings, `settings carry access_days: ${JSON.stringify(settings)}`);
  assert.equal(settings.access_days, null, "no access duration by default");
  const saved = settings;
  try {
    const put = await app.clinic.putJson(settingsPath, { ...saved, access_days: 30 });
    assert.equal(put.status, 200, `PUT access_days 30: ${put.status} ${JSON.stringify(put.json)}`);
    assert.equal((await getSettings()).access_days, 30);
    sent = mail.messages.length;
    const ended = await portalPost(app.base, "/open", { token: old });
    assert.equal(ended.status, 410, `an access older than 30 days: ${ended.status} ${JSON.stringify(ended.json)}`);
    assert.equal(ended.json.code, "access_ended");
    assert.equal(typeof ended.json.practice_name, "string");
    assert.ok(ended.json.practice_name.length > 0);
    assert.equal(mail.messages.length, sent, "no email when access has ended");
  } finally {
    await app.clinic.putJson(settingsPath, { ...saved, access_days: null });
  }
  assert.equal((await getSettings()).access_days, null);
  const back = await portalPost(app.base, "/open", { token: old });
  assert.equal(back.status, 200, JSON.stringify(back.json));
  assert.equal(back.json.outcome, "renewed", "with no duration set the old link is renewed again");
});

// ------------------------------------------------------------------ 4. eligibility for the check

test("with SMS codes for contacts, a contact without a mobile cannot be chosen and nothing is sent", async () => {
  const A = await makePatient("ar-nomobile", { mobile: "+447700900401" });
  const doc = await upload(A.id, pdfDoc("ar-nomobile-doc"));
  const contactAddress = "nomobile.contact@example.com";
  await putRelationship(A.id, "nomobile", { name: "No Mobile", email: contactAddress });
  await withSettings({ checks: { contact: "sms_code" } }, async () => {
    const sharesBefore = (await app.clinic.list(`/api/v1/clinic/patients/${A.id}/shares`)).json.length;
    const sent = mail.messages.length;
    const r = await share(A.id, { document_ids: [doc.id], recipients: [PATIENT, relationship("nomobile")] });
    assert.equal(r.status, 422, `sharing with a contact who cannot get a code: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, "recipient_not_eligible");
    assert.ok(Array.isArray(r.json.recipients), JSON.stringify(r.json));
    assert.equal(r.json.recipients.length, 1, JSON.stringify(r.json.recipients));
    const [refused] = r.json.recipients;
    assert.equal(refKind(refused.recipient), "relationship");
    assert.equal(refused.recipient.id, "nomobile");
    assert.equal(refused.reason, "no_mobile");
    assert.equal((await app.clinic.list(`/api/v1/clinic/patients/${A.id}/shares`)).json.length, sharesBefore,
      "nothing is recorded");
    assert.equal(mail.messages.length, sent, "nothing is sent");

    const file = await app.clinic.call("GET", `/api/v1/clinic/patients/${A.id}`);
    const entry = file.json.relationships.find((c) => c.id === "nomobile");
    assert.equal(entry.eligible, false, `the share panel marks the contact: ${JSON.stringify(entry)}`);
    assert.equal(entry.ineligible_reason, "no_mobile");
  });
});

// ------------------------------------------------------------------ 5. deleting people, audit without personal data

test("deleting a patient's contact ends their link and session and removes them from the file", async () => {
  const A = await makePatient("ar-del-rel", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-del-rel-doc"));
  const address = "friend.deleted@example.com";
  await putRelationship(A.id, "friend", { name: "Fran Friend", email: address, mobile: "+447700900501" });
  await withSettings({ checks: { contact: "magic_link" } }, async () => {
    await mustShare(A.id, { document_ids: [doc.id], recipients: [relationship("friend")] });
    const token = newestToken(address);
    assert.equal((await portalPost(app.base, "/open", { token })).status, 200);
    const cookie = await confirmMagicLink(token);
    assert.equal((await listDocs(cookie)).status, 200, "the contact sees the document before deletion");

    const del = await app.clinic.call("DELETE", `/api/v1/clinic/patients/${A.id}/relationships/friend`);
    assert.equal(del.status, 200, `delete the relationship: ${del.status} ${JSON.stringify(del.json)}`);
    const r = await portalPost(app.base, "/open", { token });
    assert.ok([403, 404].includes(r.status), `the deleted contact's link: ${r.status} ${JSON.stringify(r.json)}`);
    assert.ok(["access_revoked", "link_invalid"].includes(r.json.code), r.json.code);
    assert.notEqual((await listDocs(cookie)).status, 200, "the deleted contact's session is over");
    const file = (await app.clinic.call("GET", `/api/v1/clinic/patients/${A.id}`)).json;
    assert.ok(!file.relationships.some((c) => c.id === "friend"), "the file no longer lists them");
  });
});

test("deleting a practice contact ends their link and session", async () => {
  const A = await makePatient("ar-del-pc", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-del-pc-doc"));
  const address = "team@deleted-physio.example";
  ok(await app.clinic.putJson("/api/v1/clinic/contacts/ar-physio", { name: "Gone Physio", email: address }));
  await withSettings({ checks: { contact: "magic_link" } }, async () => {
    await mustShare(A.id, { document_ids: [doc.id], recipients: [practiceContact("ar-physio")] });
    const token = newestToken(address);
    assert.equal((await portalPost(app.base, "/open", { token })).status, 200);
    const cookie = await confirmMagicLink(token);
    assert.equal((await listDocs(cookie)).status, 200);

    const del = await app.clinic.call("DELETE", "/api/v1/clinic/contacts/ar-physio");
    assert.equal(del.status, 200, `delete the practice contact: ${del.status} ${JSON.stringify(del.json)}`);
    const r = await portalPost(app.base, "/open", { token });
    assert.ok([403, 404].includes(r.status), `the deleted contact's link: ${r.status} ${JSON.stringify(r.json)}`);
    assert.ok(["access_revoked", "link_invalid"].includes(r.json.code), r.json.code);
    assert.notEqual((await listDocs(cookie)).status, 200, "their session is over");
    const file = (await app.clinic.call("GET", `/api/v1/clinic/patients/${A.id}`)).json;
    assert.ok(!file.practice_contacts.some((c) => c.id === "ar-physio"), "no longer offered as a recipient");
  });
});

test("deleting a patient ends their access and their file and documents are gone", async () => {
  const A = await makePatient("ar-del-patient", { mobile: null });
  const doc = await upload(A.id, pdfDoc("ar-del-patient-doc"));
  await mustShare(A.id, { document_ids: [doc.id] });
  const token = newestToken(A.email);
  const cookie = await verifyBirthday(token);
  assert.equal((await listDocs(cookie)).status, 200);

  const del = await app.clinic.call("DELETE", `/api/v1/clinic/patients/${A.id}`);
  assert.equal(del.status, 200, `delete the patient: ${del.status} ${JSON.stringify(del.json)}`);
  assert.equal((await app.clinic.call("GET", `/api/v1/clinic/patients/${A.id}`)).status, 404, "the file is gone");
  assert.notEqual((await listDocs(cookie)).status, 200, "the session is over");
  assert.notEqual((await portalPost(app.base, "/open", { token })).status, 200, "the link is dead");
  const preview = await app.clinic.call("GET", `/api/v1/clinic/patients/${A.id}/documents/${doc.id}/content`);
  assert.equal(preview.status, 404, "the document is gone for staff too");
});

test("the patient's history records deliveries without any email address or mobile number", async () => {
  const A = await makePatient("ar-audit-pii", { mobile: "+447700900601" });
  const doc = await upload(A.id, pdfDoc("ar-audit-pii-doc"));
  const contact = { email: "carer.audit@example.com", mobile: "+447700900602" };
  await putRelationship(A.id, "carer", { name: "Cara Carer", ...contact, relation: "carer" });
  const sent = mail.messages.length;
  await mustShare(A.id, { document_ids: [doc.id], recipients: [PATIENT, relationship("carer")] });
  assert.deepEqual(mail.messages.slice(sent).map((m) => m.to).sort(), [A.email, contact.email].sort(),
    "both emails were delivered");
  const history = await app.clinic.history(A.id);
  assert.equal(history.status, 200);
  const text = JSON.stringify(history.json);
  for (const personal of [A.email, A.mobile, contact.email, contact.mobile]) {
    assert.ok(!text.includes(personal), `the history must not contain ${personal}: ${text}`);
  }
});

test("a patient without an email can be kept on file; sharing with them is refused, sharing with their contact works", async () => {
  const K = "ar-no-email";
  const put = await app.clinic.upsertPatient(K, { name: "Kim Noemail", date_of_birth: "1984-03-07", mobile: "+447700900701" });
  assert.equal(put.status, 200, `a patient without email: ${put.status} ${JSON.stringify(put.json)}`);
  const doc = await upload(K, pdfDoc("ar-no-email-doc"));
  const contactAddress = "kin.noemail@example.com";
  await putRelationship(K, "kin", { name: "Kit Kin", email: contactAddress, mobile: "+447700900702" });
  const sent = mail.messages.length;
  const refused = await share(K, { document_ids: [doc.id], recipients: [PATIENT] });
  assert.equal(refused.status, 422, JSON.stringify(refused.json));
  assert.equal(refused.json.code, "recipient_not_eligible");
  assert.equal(refKind(refused.json.recipients?.[0]?.recipient), "patient", JSON.stringify(refused.json));
  assert.equal(refused.json.recipients[0].reason, "no_email");
  assert.equal(mail.messages.length, sent);
  const r = await share(K, { document_ids: [doc.id], recipients: [relationship("kin")] });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(mail.messages.at(-1).to, contactAddress);
});

// ------------------------------------------------------------------ 8. settings changes are audited

test("changing the practice's settings is recorded in the practice audit with who and what", async () => {
  const saved = await getSettings();
  try {
    const r = await app.clinic.putJson(settingsPath, { ...saved, practice_name: "Renamed Surgery" });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const audit = await app.clinic.list("/api/v1/clinic/audit");
    assert.equal(audit.status, 200, `the practice audit: ${audit.status} ${JSON.stringify(audit.json)}`);
    assert.ok(Array.isArray(audit.json));
    const row = audit.json.filter((e) => e.event === "settings_changed").at(-1);
    assert.ok(row, `a settings_changed row: ${JSON.stringify(audit.json)}`);
    assert.equal(row.actor, "clinic system");
    assert.ok(Number.isInteger(row.at));
    assert.match(row.detail, /practice_name/);
  } finally {
    await app.clinic.putJson(settingsPath, saved);
  }
});

// ------------------------------------------------------------------ 7. bounded bodies and clean header values

test("the practice name cannot carry an email header, and the settings stay as they were", async () => {
  const saved = await getSettings();
  try {
    const r = await app.clinic.putJson(settingsPath, { ...saved, practice_name: "Clinic\r\nBcc: x@evil.example" });
    assert.equal(r.status, 400, `a practice name with CR LF: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, "invalid_fields");
    assert.ok(Array.isArray(r.json.problems), JSON.stringify(r.json));
    const problem = r.json.problems.find((p) => p.field === "practice_name");
    assert.ok(problem && typeof problem.message === "string", JSON.stringify(r.json.problems));
    assert.deepEqual(await getSettings(), saved, "the settings are unchanged");
  } finally {
    await app.clinic.putJson(settingsPath, saved);
  }
});

test("names and titles with control characters are refused, naming the field", async () => {
  const P = "ar-controls";
  await makePatient(P, { mobile: null });
  const cases = [
    ["a patient name with a line feed", "name",
      () => app.clinic.upsertPatient(P, { ...demoPatient.body, name: "Jane\nDoe", email: `${P}@patients.example` })],
    ["a contact name with a C1 control (NEL)", "name",
      () => app.clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/c1`, { name: "Ann\u0085Doe", email: "c1@example.com" })],
    ["a document title with NUL", "title",
      () => app.clinic.uploadDocument(P, { ...pdfDoc("ar-controls-doc"), title: "Letter\u0000one" })],
  ];
  for (const [what, field, send] of cases) {
    const r = await send();
    assert.equal(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, "invalid_fields", what);
    assert.ok(Array.isArray(r.json.problems) && r.json.problems.some((p) => p.field === field),
      `${what}: problems name ${field}: ${JSON.stringify(r.json)}`);
  }
});

test("a chunked request body over the limit is refused as too large", async () => {
  const r = await rawRequest("/api/v1/portal/open", {
    headers: { "content-type": "application/json" },
    chunks: Array.from({ length: 25 }, () => Buffer.alloc(8 * 1024, 0x20)),
  });
  assert.ok(!r.timedOut, "an answer came");
  assert.equal(r.status, 413, `200 KiB chunked: ${JSON.stringify(r)}`);
  assert.equal(r.json.code, "body_too_large");
});

// Last: on code that waits for the whole body this leaves a request hanging until the socket
// is destroyed.
test("a huge declared body is refused at once, without waiting for it to arrive", async () => {
  // Against workerd through Miniflare's API, as Cloudflare runs the Worker: `wrangler dev`
  // puts a proxy Worker and a body-draining middleware in front, which wait for (or fail on)
  // any body the Worker leaves unread, so they cannot show this behaviour.
  const mf = startWorkerd(join(root, "edge"), {
    PORTAL_ORIGIN: "http://127.0.0.1:8787", CLINIC_API_KEY: "k".repeat(32),
    LINK_SIGNING_KEY: Buffer.alloc(32, 9).toString("base64url"), LINK_SIGNING_KID: "mf-1",
    MAIL_API_BASE: mail.base, MAIL_API_KEY: "x", DEV_MODE: "false", MAIL_FROM: "no-reply@mf.example",
  });

  try {
    const base = (await mf.ready).origin;
    const r = await rawRequest("/api/v1/portal/open", {
      base,
      headers: { "content-type": "application/json", "content-length": String(64 * 1024 * 1024) },
      chunks: [Buffer.alloc(16 * 1024, 0x20)],
      end: false,
      waitMs: 10_000,
    });
    assert.ok(!r.timedOut, "no answer within 10 s: the server is waiting for 64 MiB that will never come");
    assert.equal(r.status, 413, JSON.stringify(r));
    assert.equal(r.json.code, "body_too_large");
  } finally {
    await mf.dispose();
  }
});
