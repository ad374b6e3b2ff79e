// Upgrade in place (docs/OPERATIONS.md): the current Worker started on REAL state written by the
// single-practice code (tests/fixtures/legacy-state, made by tests/fixtures/make-legacy-state.mjs
// from commit 24242c1), with that deployment's secrets and `LEGACY_PRACTICE`. Until the operator
// adopts the practice it answers 503; after, everything from before the upgrade keeps working:
// the old CLINIC_API_KEY, old links (no `prc` claim), old cookies (no `practice.` prefix), the
// documents under the old R2 keys (`patients/…`), and STAFF_ROLES as the practice's staff.
//
// The recorded link (24 h) and session (12 h, 30 min idle) are expired by the time this runs, as
// they would be for many patients at an upgrade: what must hold for them is checked (an expired
// genuine link is renewed by email; an old cookie reaches the legacy practice), and fresh ones
// are made from them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimsOf, portalPost, signLink, startFakeMail, startSealpost, tokenOf } from "../support/harness.mjs";
import { clinicClient } from "../support/clinic-client.mjs";
import { demoDocuments } from "../support/demo-docs.mjs";
import { fakeAccess } from "../support/access.mjs";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
const legacy = JSON.parse(readFileSync(join(fixtures, "legacy-state.json"), "utf8"));
const PRACTICE = "riverside";
const docsById = Object.fromEntries(demoDocuments().map((d) => [d.id, d]));

let mail, app, access, newKey;
const show = (r) => `${r.status} ${JSON.stringify(r.json)}`;

before(async () => {
  mail = await startFakeMail();
  access = fakeAccess();
  app = await startSealpost({
    mailBase: mail.base,
    adopt: false,
    persistFrom: join(fixtures, "legacy-state"),
    extraVars: {
      ...access.vars,
      // The deployment's own: its public origin (links are signed for it), secrets and staff.
      PORTAL_ORIGIN: legacy.portalOrigin,
      CLINIC_API_KEY: legacy.clinicApiKey,
      LINK_SIGNING_KEY: legacy.signingSeed,
      LINK_SIGNING_KID: legacy.kid,
      PRACTICE_NAME: legacy.practiceName,
      STAFF_ROLES: JSON.stringify({ [legacy.staffAdmin]: "admin" }),
      LEGACY_PRACTICE: PRACTICE,
    },
  });
});

after(async () => {
  await app?.stop();
  await mail?.stop();
});

const oldClinic = () => clinicClient(app.base, legacy.clinicApiKey);

/** The old link re-signed as expired (a day ago), with its own claims: still no `prc`. */
function expiredOldLink() {
  const claims = claimsOf(legacy.token);
  assert.equal("prc" in claims, false, "the fixture's link is from before practices");
  const now = Math.floor(Date.now() / 1000);
  return signLink(legacy.signingSeed, { kid: legacy.kid, typ: "sealpost-link+jwt" },
    { ...claims, iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 });
}

async function readsThePatient(key, who) {
  const clinic = clinicClient(app.base, key);
  const patient = await clinic.call("GET", `/api/v1/clinic/patients/${legacy.patientId}`);
  assert.equal(patient.status, 200, `${who}: GET patient: ${show(patient)}`);
  assert.ok(JSON.stringify(patient.json).includes("Jane Doe"), `${who}: the patient: ${show(patient)}`);
  const docs = await clinic.call("GET", `/api/v1/clinic/patients/${legacy.patientId}/documents`);
  assert.equal(docs.status, 200, `${who}: GET documents: ${show(docs)}`);
  for (const id of legacy.documentIds)
    assert.ok(JSON.stringify(docs.json).includes(`"${id}"`), `${who}: lists ${id}: ${show(docs)}`);
  const doc = docsById[legacy.documentIds[0]];
  const content = await fetch(`${app.base}/api/v1/clinic/patients/${legacy.patientId}/documents/${doc.id}/content`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(content.status, 200, `${who}: the document's content: ${content.status} ${await content.clone().text()}`);
  assert.deepEqual(Buffer.from(await content.arrayBuffer()), doc.bytes, `${who}: the document's bytes (old R2 key)`);
}

test("before the operator adopts it, the legacy practice answers 503 not_configured", async () => {
  const r = await oldClinic().call("GET", `/api/v1/clinic/patients/${legacy.patientId}`);
  assert.equal(r.status, 503, show(r));
  assert.equal(r.json.code, "not_configured", show(r));
  const link = await portalPost(app.base, "/open", { token: expiredOldLink() });
  assert.equal(link.status, 503, `an old link before adoption: ${show(link)}`);
  assert.equal(mail.messages.length, 0, "nothing is sent before adoption");
});

test("the operator adopts the existing state: 201 with the practice's first sp_riverside_ key", async () => {
  // Creating it as if new would bury the old state: refused, saying how to adopt.
  const fresh = await app.operator.createPractice({ id: PRACTICE, name: legacy.practiceName });
  assert.equal(fresh.status, 409, show(fresh));
  assert.match(fresh.json.message, /adopt_existing/);
  const r = await app.operator.createPractice({ id: PRACTICE, name: legacy.practiceName, adopt_existing: true });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.practice?.id, PRACTICE, show(r));
  assert.match(r.json.api_key, new RegExp(`^sp_${PRACTICE}_`), show(r));
  newKey = r.json.api_key;
});

test("after adoption the old CLINIC_API_KEY and the new key both read the patient and the documents", async () => {
  assert.ok(newKey, "adopted");
  await readsThePatient(legacy.clinicApiKey, "old key");
  await readsThePatient(newKey, "new key");
});

test("STAFF_ROLES's admin is the practice's staff: listed, and let in by Access", async () => {
  const staff = await oldClinic().call("GET", "/api/v1/clinic/staff");
  assert.equal(staff.status, 200, show(staff));
  const admin = staff.json.staff?.find((s) => s.email === legacy.staffAdmin);
  assert.equal(admin?.role, "admin", `the admin from STAFF_ROLES: ${show(staff)}`);
  const res = await fetch(`${app.base}/api/v1/clinic/patients/${legacy.patientId}`, {
    headers: { "cf-access-jwt-assertion": access.token(legacy.staffAdmin) },
  });
  const body = await res.text();
  assert.equal(res.status, 200, `the admin through Access: ${res.status} ${body}`);
  assert.ok(body.includes("Jane Doe"), body);
});

test("an expired old link is renewed by email; the new link names the practice, verifies and serves the documents", async () => {
  const sent = mail.messages.length;
  const r = await portalPost(app.base, "/open", { token: expiredOldLink() });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.outcome, "renewed", show(r));
  assert.equal(r.json.practice_name, legacy.practiceName, show(r));
  assert.equal(mail.messages.length, sent + 1, `one email: ${JSON.stringify(mail.rejected)}`);
  assert.equal(mail.messages.at(-1).to, legacy.patientEmail, "to the address on file");

  const fresh = tokenOf(mail.latestLink(legacy.patientEmail));
  const claims = claimsOf(fresh);
  assert.equal(claims.prc, PRACTICE, `the renewed link carries the practice: ${JSON.stringify(claims)}`);
  assert.equal(claims.sub, claimsOf(legacy.token).sub, "for the same recipient");
  const opened = await portalPost(app.base, "/open", { token: fresh });
  assert.equal(opened.json.outcome, "challenge", show(opened));
  const verified = await portalPost(app.base, "/verify/birthday", { token: fresh, day: "7", month: "3", year: "1984" });
  assert.equal(verified.status, 200, show(verified));
  const setCookie = verified.headers.get("set-cookie");
  assert.match(setCookie, new RegExp(`^__Host-sealpost_session=${PRACTICE}\\.[A-Za-z0-9_-]{43};`));
  const cookie = setCookie.split(";")[0];

  const list = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });
  const listed = await list.json();
  assert.equal(list.status, 200, JSON.stringify(listed));
  assert.deepEqual(listed.documents.map((d) => d.id).sort(), [...legacy.documentIds].sort());
  for (const id of legacy.documentIds) {
    const res = await fetch(`${app.base}/api/v1/portal/documents/${id}/content?disposition=attachment`, { headers: { cookie } });
    assert.equal(res.status, 200, `${id}: ${res.status} ${await res.clone().text()}`);
    assert.equal(res.headers.get("content-type"), docsById[id].contentType);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), docsById[id].bytes, `${id}'s bytes from the old R2 key`);
  }

  // The same session's secret without the practice prefix is an old-style cookie: it goes to
  // the legacy practice and finds the session there.
  const bare = cookie.replace(`=${PRACTICE}.`, "=");
  const old = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie: bare } });
  assert.equal(old.status, 200, `a cookie without prefix: ${old.status} ${await old.clone().text()}`);
  assert.deepEqual((await old.json()).documents.map((d) => d.id).sort(), [...legacy.documentIds].sort());

  // The recorded link itself: expired by now (renewed, no second email within two minutes) or,
  // if the fixture is younger than a day, still valid (challenge). Either way, no error.
  const recorded = await portalPost(app.base, "/open", { token: legacy.token });
  assert.equal(recorded.status, 200, show(recorded));
  assert.ok(["renewed", "challenge"].includes(recorded.json.outcome), show(recorded));
});

test("the recorded old cookie reaches the legacy practice: its session has expired, nothing fails", async (t) => {
  const res = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie: legacy.cookie } });
  const body = await res.text();
  t.diagnostic(`the recorded cookie (fixture made ${legacy.createdAt}): ${res.status} ${body.slice(0, 200)}`);
  assert.ok(res.status < 500, `${res.status} ${body}`);
  if (res.status === 200) {
    // Only when the fixture was made within the last 30 minutes.
    assert.deepEqual(JSON.parse(body).documents.map((d) => d.id).sort(), [...legacy.documentIds].sort());
  } else {
    assert.equal(res.status, 401, body);
    assert.equal(JSON.parse(body).code, "session_required", body);
  }
});

test("a second adoption is refused with 409, and the practice keeps working", async () => {
  const r = await app.operator.createPractice({ id: PRACTICE, name: legacy.practiceName, adopt_existing: true });
  assert.equal(r.status, 409, show(r));
  const again = await oldClinic().call("GET", `/api/v1/clinic/patients/${legacy.patientId}`);
  assert.equal(again.status, 200, show(again));
});
