// docs/openapi.yaml is the truth about real answers: every documented operation is exercised
// here against the Worker in workerd, once answering with success and once with an error, and
// every answer is validated against the operation's documented response for its status
// (tests/support/openapi.mjs wraps `fetch` for that, in every end-to-end file). The last test
// fails, naming them, if some documented operation was never seen succeeding or failing.
// DEV_MODE is on (loopback) so that GET /dev/outbox and the development identity answer too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, portalPost, tokenOf } from "../support/harness.mjs";
import { fakeAccess } from "../support/access.mjs";
import { clinicClient } from "../support/clinic-client.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";
import { operations, covered } from "../support/openapi.mjs";

let mail, app, access, clinic;
const P = "oa-patient";
const patientEmail = "oa.patient@example.com";
const daughterEmail = "oa.daughter@example.com";
const daughterMobile = "+447700900611";
const physioEmail = "oa.physio@example.com";
const docs = demoDocuments();
const NOTE = "oa-note";

before(async () => {
  mail = await startFakeMail();
  access = fakeAccess();
  app = await startSealpost({
    mailBase: mail.base,
    extraVars: { ...access.vars, DEV_MODE: "true", SENDGRID_WEBHOOK_PUBLIC_KEY: mail.eventPublicKey },
  });
  clinic = app.clinic;
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

const ok = (r, status = 200) => {
  assert.equal(r.status, status, JSON.stringify(r.json));
  return r.json;
};
/** An error the caller can act on: a 4xx (its body is validated against the document). */
const refused = (r) => assert.ok(r.status >= 400 && r.status < 500, `expected a 4xx, got ${r.status} ${JSON.stringify(r.json)}`);
const get = (path, headers) => clinic.call("GET", path, undefined, headers);
const del = (path) => clinic.call("DELETE", path);
const portalGet = (path, cookie, method = "GET") =>
  fetch(`${app.base}/api/v1/portal${path}`, { method, headers: cookie ? { cookie } : {} });

test("operator: create, list, read, suspend, resume and erase a practice; and their errors", async () => {
  const op = app.operator;
  const created = ok(await op.createPractice({ id: "oa-temp", name: "Temporary Clinic" }), 201);
  assert.match(created.api_key, /^sp_oa-temp_/);
  refused(await op.createPractice({ id: "oa-temp", name: "Again" }));
  ok(await op.list("?limit=1"));
  ok(await op.call("GET", "/practices/oa-temp"));
  refused(await op.call("GET", "/practices/oa-none"));
  refused(await op.call("DELETE", "/practices/oa-temp"));
  ok(await op.suspend("oa-temp"));
  ok(await op.resume("oa-temp"));
  refused(await op.suspend("oa-none"));
  refused(await op.resume("oa-none"));
  ok(await op.suspend("oa-temp"));
  const erased = ok(await op.call("DELETE", "/practices/oa-temp"));
  assert.equal(erased.erased, "oa-temp");
});

test("settings read and written back as they are; the practice's own origin", async () => {
  const settings = ok(await get("/api/v1/clinic/settings"));
  // What GET answers is a valid PUT body: unset sender addresses included.
  ok(await clinic.putJson("/api/v1/clinic/settings", settings));
  refused(await clinic.putJson("/api/v1/clinic/settings", { ...settings, practice_name: "" }));
  refused(await get("/api/v1/clinic/settings/origin"));
  const origin = { base_url: "https://records.clinic.example/files", bearer_token: "origin-secret", timeout_seconds: 10, staff: "Dr Admin" };
  refused(await clinic.putJson("/api/v1/clinic/settings/origin", { ...origin, base_url: "ftp://x" }));
  ok(await clinic.putJson("/api/v1/clinic/settings/origin", origin));
  ok(await get("/api/v1/clinic/settings/origin"));
  ok(await del("/api/v1/clinic/settings/origin"));
  ok(await get("/api/v1/clinic/me"));
  ok(await get("/api/v1/clinic/audit"));
});

test("the practice's webhook and its delivery log", async () => {
  const path = "/api/v1/clinic/settings/webhook";
  refused(await get(path));
  refused(await clinic.putJson(path, { url: "ftp://hooks.example", staff: "Dr Admin" }));
  const saved = ok(await clinic.putJson(path, { url: "https://hooks.clinic.example/in", staff: "Dr Admin" }));
  assert.match(saved.secret, /^whsec_/);
  ok(await get(path));
  ok(await get("/api/v1/clinic/webhooks/deliveries"));
  ok(await del(path));
});

test("staff and API keys", async () => {
  ok(await get("/api/v1/clinic/staff"));
  ok(await clinic.putJson("/api/v1/clinic/staff/oa.viewer@clinic.example", { role: "viewer", staff: "Dr Admin" }));
  refused(await clinic.putJson("/api/v1/clinic/staff/oa.viewer@clinic.example", { role: "boss", staff: "Dr Admin" }));
  ok(await clinic.call("DELETE", "/api/v1/clinic/staff/oa.viewer@clinic.example"));
  refused(await clinic.call("DELETE", "/api/v1/clinic/staff/oa.viewer@clinic.example"));
  const key = ok(await clinic.postJson("/api/v1/clinic/api-keys", { name: "Practice system", staff: "Dr Admin" }), 201);
  refused(await clinic.postJson("/api/v1/clinic/api-keys", { name: "x", owner: "?" }));
  ok(await get("/api/v1/clinic/api-keys"));
  ok(await del(`/api/v1/clinic/api-keys/${key.id}`));
  refused(await del(`/api/v1/clinic/api-keys/${key.id}`));
  // The Worker's own route: the development identity sees every active practice.
  const practices = await fetch(`${app.base}/api/v1/staff/practices`);
  assert.equal(practices.status, 200);
  const forged = await fetch(`${app.base}/api/v1/staff/practices`, { headers: { "cf-access-jwt-assertion": "not.a.token" } });
  assert.ok(forged.status >= 400);
});

test("a patient's file, documents, contacts and shares, then every portal step", async () => {
  ok(await clinic.upsertPatient(P, { ...demoPatient.body, email: patientEmail, mobile: "+447700900610" }));
  refused(await clinic.upsertPatient(P, { name: "No birthday" }));
  for (const d of docs) ok(await clinic.uploadDocument(P, d), 201);
  refused(await clinic.uploadDocument("oa-nobody", docs[0]));
  const note = { sections: [{ id: "history", title: "History", text: "Seen today." }, { id: "plan", title: "Plan", text: "Rest." }] };
  const q = new URLSearchParams({ kind: "consultation_note", title: "Consultation", date: "2026-10-02" });
  ok(await clinic.call("PUT", `/api/v1/clinic/patients/${P}/documents/${NOTE}?${q}`, JSON.stringify(note), { "content-type": "application/json" }), 201);
  const external = { kind: "letter", title: "Referral", date: "2026-10-03", size: 1234, content_type: "application/pdf", origin_path: "letters/referral.pdf" };
  // A document left on the practice's own origin (registered only: nothing is fetched here).
  ok(await clinic.putJson("/api/v1/clinic/settings/origin", { base_url: "https://records.clinic.example/files", bearer_token: "origin-secret", staff: "Dr Admin" }));
  ok(await clinic.putJson(`/api/v1/clinic/patients/${P}/documents/oa-external/external`, external), 201);
  refused(await clinic.putJson(`/api/v1/clinic/patients/${P}/documents/oa-external/external`, { ...external, origin_path: "../x" }));
  ok(await clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/daughter`, {
    name: "Ann Doe", email: daughterEmail, mobile: daughterMobile, relation: "daughter", emergency: true,
  }));
  refused(await clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/daughter`, { name: "A\nB" }));
  ok(await clinic.putJson("/api/v1/clinic/contacts/physio", { name: "City Physio", email: physioEmail }));
  refused(await clinic.putJson("/api/v1/clinic/contacts/physio", { email: physioEmail }));
  ok(await get("/api/v1/clinic/contacts"));
  ok(await get(`/api/v1/clinic/patients?q=${encodeURIComponent("Jane")}`));
  ok(await get(`/api/v1/clinic/patients/${P}`));
  refused(await get("/api/v1/clinic/patients/oa-nobody"));
  ok(await get(`/api/v1/clinic/patients/${P}/documents`));
  refused(await get("/api/v1/clinic/patients/oa-nobody/documents"));
  const preview = await clinic.call("GET", `/api/v1/clinic/patients/${P}/documents/${docs[0].id}/content`);
  assert.equal(preview.status, 200);
  refused(await get(`/api/v1/clinic/patients/${P}/documents/oa-none/content`));

  // The patient: a secure link, the birthday, the documents.
  const shared = ok(await clinic.share({
    patient_id: P, method: "secure_link", staff: "Dr Test",
    document_ids: [docs[0].id, NOTE], sections: { [NOTE]: ["plan"] },
  }), 201);
  assert.ok(shared.share_id);
  refused(await clinic.share({ patient_id: P, method: "secure_link", staff: "Dr Test", document_ids: [] }));
  const token = tokenOf(mail.latestLink(patientEmail));
  const opened = ok(await portalPost(app.base, "/open", { token }));
  assert.equal(opened.challenge.method, "birthday");
  refused(await portalPost(app.base, "/open", { token: "forged" }));
  const [day, month, year] = [demoPatient.body.date_of_birth.slice(8), demoPatient.body.date_of_birth.slice(5, 7), demoPatient.body.date_of_birth.slice(0, 4)];
  refused(await portalPost(app.base, "/verify/birthday", { token, day: "1", month: "1", year: "1900" }));
  const verified = await portalPost(app.base, "/verify/birthday", { token, day, month, year });
  assert.equal(verified.status, 200, JSON.stringify(verified.json));
  const cookie = verified.headers.get("set-cookie").split(";")[0];
  const list = await portalGet("/documents", cookie);
  assert.equal(list.status, 200);
  refused(await portalGet("/documents"));
  const content = await portalGet(`/documents/${docs[0].id}/content`, cookie);
  assert.equal(content.status, 200);
  await content.arrayBuffer();
  refused(await portalGet(`/documents/${docs[0].id}/content`));
  assert.equal((await portalGet(`/documents/${docs[0].id}/content`, cookie, "HEAD")).status, 200);
  refused(await portalGet(`/documents/${docs[0].id}/content`, undefined, "HEAD"));
  assert.equal((await portalGet(`/documents/${NOTE}/sections`, cookie)).status, 200);
  assert.equal((await portalGet(`/documents/${docs[0].id}/sections`, cookie)).status >= 400, true);
  ok(await portalPost(app.base, "/sign-out", {}, cookie));
  // Signing out always succeeds (there may be nothing to end); a body past 64 KiB is refused unread.
  refused(await portalPost(app.base, "/sign-out", "x".repeat(70 * 1024), cookie));

  // The daughter: checked by an SMS code (the default for contacts).
  ok(await clinic.share({ patient_id: P, method: "secure_link", staff: "Dr Test", document_ids: [docs[0].id], recipients: [{ type: "relationship", id: "daughter" }] }), 201);
  const daughterToken = tokenOf(mail.latestLink(daughterEmail));
  const challenge = ok(await portalPost(app.base, "/open", { token: daughterToken }));
  assert.equal(challenge.challenge.method, "sms_code");
  ok(await portalPost(app.base, "/sms/send", { token: daughterToken }));
  refused(await portalPost(app.base, "/sms/send", { token: "forged" }));
  refused(await portalPost(app.base, "/verify/sms", { token: daughterToken, code: "000000" }));
  ok(await portalPost(app.base, "/verify/sms", { token: daughterToken, code: mail.latestCode(daughterMobile) }));

  // The physio: a magic link alone.
  const settings = ok(await get("/api/v1/clinic/settings"));
  ok(await clinic.putJson("/api/v1/clinic/settings", { ...settings, checks: { ...settings.checks, contact: "magic_link" } }));
  ok(await clinic.share({ patient_id: P, method: "secure_link", staff: "Dr Test", document_ids: [docs[0].id], recipients: [{ type: "practice_contact", id: "physio" }] }), 201);
  const physioToken = tokenOf(mail.latestLink(physioEmail));
  assert.equal(ok(await portalPost(app.base, "/open", { token: physioToken })).challenge.method, "confirm_magic_link");
  ok(await portalPost(app.base, "/verify/magic-link", { token: physioToken }));
  refused(await portalPost(app.base, "/verify/magic-link", { token: "forged" }));
  ok(await clinic.putJson("/api/v1/clinic/settings", settings));

  // The clinic reads it all back, revokes one link and unshares.
  ok(await get(`/api/v1/clinic/patients/${P}/history`));
  refused(await get("/api/v1/clinic/patients/oa-nobody/history"));
  ok(await get(`/api/v1/clinic/patients/${P}/shares`));
  refused(await get("/api/v1/clinic/patients/oa-nobody/shares"));
  const links = ok(await get(`/api/v1/clinic/patients/${P}/links`));
  refused(await get("/api/v1/clinic/patients/oa-nobody/links"));
  ok(await del(`/api/v1/clinic/patients/${P}/links/${links.items[0].id}`));
  refused(await del(`/api/v1/clinic/patients/${P}/links/oa-none`));
  ok(await clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr Test", recipient: { type: "relationship", id: "daughter" } }));
  refused(await clinic.postJson(`/api/v1/clinic/patients/${P}/unshare`, { staff: "Dr Test", whom: "all" }));

  // The development outbox (DEV_MODE on loopback), and its refusal of a bad practice.
  const outbox = await fetch(`${app.base}/dev/outbox`);
  assert.equal(outbox.status, 200);
  refused(await fetch(`${app.base}/dev/outbox?practice=NOT_A_PRACTICE`));

  // Removing: a document, a relationship, a practice contact, then the patient.
  ok(await del(`/api/v1/clinic/patients/${P}/documents/${docs[1].id}`));
  refused(await del(`/api/v1/clinic/patients/${P}/documents/oa-none`));
  ok(await del(`/api/v1/clinic/patients/${P}/relationships/daughter`));
  refused(await del(`/api/v1/clinic/patients/${P}/relationships/daughter`));
  ok(await del("/api/v1/clinic/contacts/physio"));
  refused(await del("/api/v1/clinic/contacts/physio"));
  ok(await del(`/api/v1/clinic/patients/${P}`));
  refused(await del(`/api/v1/clinic/patients/${P}`));
});

test("SendGrid's Event Webhook: a signed batch is recorded, an unsigned or tampered one refused", async () => {
  const url = `${app.base}/api/v1/providers/sendgrid/events`;
  const message = mail.messages.at(-1);
  assert.ok(message, "an email was sent earlier in this file");
  const batch = [mail.eventFor(message, "delivered", { response: "250 OK" })];
  assert.equal((await mail.postEvents(url, batch)).status, 204);
  refused(await mail.postEvents(url, batch, { tamper: true }));
  refused(await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }));
});

test("every clinic and operator operation refuses a wrong credential with a documented ApiError", async () => {
  const wrong = clinicClient(app.base, "sp_riverside_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  for (const { key, method } of operations) {
    const path = key.split(" ")[1];
    if (!path.startsWith("/api/v1/clinic/") && !path.startsWith("/api/v1/operator/")) continue;
    const filled = path.replace(/\{[^}]+\}/g, (p) => (p === "{email}" ? "a@b.example" : p === "{practice}" ? "riverside" : "x1"));
    const body = ["PUT", "POST"].includes(method) ? "{}" : undefined;
    const r = await wrong.call(method, filled, body, body ? { "content-type": "application/json" } : {});
    assert.equal(r.status, 401, `${key}: ${JSON.stringify(r.json)}`);
  }
});

test("every documented operation was seen answering with success and with an error", () => {
  const seen = covered();
  const missing = [];
  for (const { key } of operations) {
    const kinds = seen.get(key) ?? [];
    for (const kind of ["success", "error"]) if (!kinds.includes(kind)) missing.push(`${key}: no ${kind} seen`);
  }
  assert.deepEqual(missing, [], "documented operations this file never exercised");
  console.log(`# openapi: ${operations.length} operations, each validated answering with success and with an error`);
});
