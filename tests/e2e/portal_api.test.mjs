// The portal and clinic APIs against the real Worker in workerd, with a fake mail provider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost, portalPost, tokenOf } from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app;
const docs = demoDocuments();
const email = demoPatient.body.email;

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
  ok(await app.clinic.upsertPatient(demoPatient.id, demoPatient.body));
  for (const d of docs) ok(await app.clinic.uploadDocument(demoPatient.id, d));
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

async function shareAll() {
  const r = await app.clinic.share({
    patient_id: demoPatient.id,
    document_ids: docs.map((d) => d.id),
    method: "secure_link",
    staff: "Dr Test",
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return mail.latestLink(email);
}

const SECURITY_HEADERS = {
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

function assertSecurityHeaders(headers, what) {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(headers.get(k), v, `${what}: ${k}`);
  const csp = headers.get("content-security-policy") ?? "";
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP`);
}

test("sharing emails a link with nothing confidential in it", async () => {
  const link = await shareAll();
  assert.ok(link, "an email with a portal link was sent");
  assert.ok(link.startsWith(`${app.base}/open#`), "link uses the configured origin and a fragment");
  const msg = mail.messages.at(-1);
  for (const d of docs) assert.ok(!msg.text.includes(d.title) && !msg.subject.includes(d.title));
  assert.ok(!msg.text.includes("1984") && !msg.text.includes(demoPatient.body.name));
  assert.equal(msg.raw.tracking_settings.click_tracking.enable, false);
});

test("every response carries the security headers", async () => {
  for (const path of ["/", "/open", "/api/v1/portal/documents", "/api/v1/nope", "/dev/outbox"]) {
    const res = await fetch(app.base + path);
    assertSecurityHeaders(res.headers, path);
  }
  const r = await portalPost(app.base, "/open", { token: "x" });
  assertSecurityHeaders(r.headers, "POST open");
  assert.equal(r.headers.get("cache-control"), "no-store");
});

test("the dev outbox does not exist outside local development", async () => {
  const res = await fetch(app.base + "/dev/outbox");
  assert.equal(res.status, 403);
  assert.equal((await res.json()).code, "dev_only");
});

test("bad input gets a clear error with a stable code", async () => {
  let r = await portalPost(app.base, "/open", "{not json");
  assert.equal(r.status, 400);
  assert.equal(r.json.code, "bad_request");
  r = await portalPost(app.base, "/open", { token: "a.b.c" });
  assert.equal(r.status, 404);
  assert.equal(r.json.code, "link_invalid");
  r = await portalPost(app.base, "/open", { token: "x".repeat(1_000_000) });
  assert.deepEqual([r.status, r.json.code], [413, "body_too_large"], "an oversized body is refused before parsing");
  const res = await fetch(`${app.base}/api/v1/portal/open`, { method: "POST", body: "{}" });
  assert.equal(res.status, 400, "a POST without application/json is refused");
  const unknown = await app.clinic.share({
    patient_id: "nobody", document_ids: ["demo-invoice"], method: "secure_link", staff: "x",
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.code, "not_found");
  const wrongKey = await fetch(`${app.base}/api/v1/clinic/patients/${demoPatient.id}/history`, {
    headers: { authorization: "Bearer wrong" },
  });
  assert.equal(wrongKey.status, 401);
  const put = await fetch(`${app.base}/api/v1/portal/open`);
  assert.equal(put.status, 405);
});

test("a forged link is refused and earns no new email", async () => {
  const link = await shareAll();
  const before = mail.messages.length;
  const [h, p, s] = tokenOf(link).split(".");
  const forged = `${h}.${p}.${s.slice(0, -4)}AAAA`;
  const r = await portalPost(app.base, "/open", { token: forged });
  assert.equal(r.json.code, "link_invalid");
  assert.equal(mail.messages.length, before);
});

test("the documents need a session", async () => {
  const res = await fetch(`${app.base}/api/v1/portal/documents`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).code, "session_required");
  const doc = await fetch(`${app.base}/api/v1/portal/documents/demo-invoice/content`, {
    headers: { cookie: "__Host-sealpost_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
  });
  assert.equal(doc.status, 401);
});

test("a scanner's GET and HEAD of a link change nothing and send nothing", async () => {
  const link = await shareAll();
  const before = mail.messages.length;
  const history = (await app.clinic.history(demoPatient.id)).json.length;
  for (const method of ["GET", "HEAD"]) {
    const res = await fetch(link.split("#")[0], { method });
    assert.equal(res.status, 200);
  }
  assert.equal(mail.messages.length, before);
  assert.equal((await app.clinic.history(demoPatient.id)).json.length, history);
});

test("three wrong dates of birth lock the patient out with a clear message", async () => {
  await app.clinic.upsertPatient("lock-patient", { ...demoPatient.body, email: "lock@example.com" });
  const doc = { ...docs[0], id: "lock-doc" };
  await app.clinic.uploadDocument("lock-patient", doc);
  await app.clinic.share({ patient_id: "lock-patient", document_ids: ["lock-doc"], method: "secure_link", staff: "x" });
  const token = tokenOf(mail.latestLink("lock@example.com"));
  const wrong = { token, day: "1", month: "1", year: "1990" };
  let r = await portalPost(app.base, "/verify/birthday", wrong);
  assert.deepEqual([r.status, r.json.code, r.json.attempts_left], [401, "wrong_birthday", 2]);
  r = await portalPost(app.base, "/verify/birthday", wrong);
  assert.equal(r.json.attempts_left, 1);
  r = await portalPost(app.base, "/verify/birthday", wrong);
  assert.equal(r.status, 429);
  assert.equal(r.json.code, "locked_out");
  assert.match(r.json.message, /contact/i);
  // Even the right answer is not judged while locked.
  r = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(r.json.code, "locked_out");
  r = await portalPost(app.base, "/open", { token });
  assert.equal(r.json.code, "locked_out");
  const events = (await app.clinic.history("lock-patient")).json.map((e) => e.event);
  assert.equal(events.filter((e) => e === "verification_failed").length, 3);
  assert.ok(events.includes("locked_out"));
});

test("a right date of birth gives a session cookie and the documents stream intact", async () => {
  const token = tokenOf(await shareAll());
  const r = await portalPost(app.base, "/verify/birthday", { token, day: "07", month: "3", year: "1984" });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const setCookie = r.headers.get("set-cookie");
  // The cookie names its practice before the secret, so the Worker routes without a lookup.
  assert.match(setCookie, /^__Host-sealpost_session=riverside\.[A-Za-z0-9_-]{43};/);
  for (const attr of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"]) assert.ok(setCookie.includes(attr), attr);
  const cookie = setCookie.split(";")[0];
  const list = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } }).then((x) => x.json());
  assert.deepEqual(list.documents.map((d) => d.id), ["demo-letter", "demo-invoice", "demo-scan"], "newest first");
  for (const d of docs) {
    const res = await fetch(`${app.base}/api/v1/portal/documents/${d.id}/content?disposition=attachment`, { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store, private");
    assert.match(res.headers.get("content-disposition"), /^attachment; filename=/);
    assert.equal(res.headers.get("content-type"), d.contentType);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), d.bytes);
  }
  const scan = docs.find((d) => d.id === "demo-scan");
  const part = await fetch(`${app.base}/api/v1/portal/documents/demo-scan/content`, {
    headers: { cookie, range: "bytes=100-1099" },
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 100-1099/${scan.bytes.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), scan.bytes.subarray(100, 1100));
  const tail = await fetch(`${app.base}/api/v1/portal/documents/demo-scan/content`, {
    headers: { cookie, range: "bytes=-10" },
  });
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), scan.bytes.subarray(scan.bytes.length - 10));
  const outside = await fetch(`${app.base}/api/v1/portal/documents/demo-scan/content`, {
    headers: { cookie, range: `bytes=${scan.bytes.length}-` },
  });
  assert.equal(outside.status, 416);
  assert.equal(outside.headers.get("content-range"), `bytes */${scan.bytes.length}`);
  const head = await fetch(`${app.base}/api/v1/portal/documents/demo-scan/content`, { method: "HEAD", headers: { cookie } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(scan.bytes.length));
  const other = await fetch(`${app.base}/api/v1/portal/documents/lock-doc/content`, { headers: { cookie } });
  assert.equal(other.status, 404, "another patient's document is invisible");
  const out = await portalPost(app.base, "/sign-out", {}, cookie);
  assert.equal(out.status, 200);
  const after = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });
  assert.equal(after.status, 401, "signed out sessions are gone");
});

test("the provider being down loses no share: the email is retried and the history shows it", async () => {
  mail.setMode("down");
  const before = mail.messages.length;
  let shareId;
  try {
    const r = await app.clinic.share({
      patient_id: demoPatient.id, document_ids: ["demo-letter"], method: "secure_link", staff: "Dr Test",
    });
    assert.equal(r.status, 201);
    assert.equal(r.json.emails_sent, 0);
    assert.equal(r.json.emails_queued, 1);
    shareId = r.json.share_id;
    assert.equal(mail.messages.length, before);
    const events = (await app.clinic.history(demoPatient.id)).json.map((e) => e.event);
    assert.equal(events.at(-1), "email_failed");
    const shares = (await app.clinic.list(`/api/v1/clinic/patients/${demoPatient.id}/shares`)).json;
    const pending = shares.find((s) => s.id === shareId);
    assert.deepEqual(pending.documents, ["demo-letter"]);
    assert.equal(pending.staff, "Dr Test");
    assert.equal(pending.method, "secure_link");
    assert.equal(pending.deliveries[0].status, "pending");
    assert.equal(pending.deliveries[0].recipient_label, "patient");
    assert.match(pending.deliveries[0].last_error, /500/);
  } finally {
    mail.setMode("up");
  }
  // The Durable Object alarm retries after 10 s.
  const deadline = Date.now() + 30_000;
  while (mail.messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  assert.equal(mail.messages.length, before + 1, "the email went out once the provider was back");
  const shares = (await app.clinic.list(`/api/v1/clinic/patients/${demoPatient.id}/shares`)).json;
  assert.equal(shares.find((s) => s.id === shareId).deliveries[0].status, "sent");
});
