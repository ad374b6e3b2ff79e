// Who may use the clinic API: Cloudflare Access tokens (RS256, the team's JWKS, our audience)
// mapped to roles; the clinic system's API key; no dev identity outside local development.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { fakeAccess, STAFF } from "../support/access.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app, access;
const P = demoPatient.id;

before(async () => {
  mail = await startFakeMail();
  access = fakeAccess();
  app = await startSealpost({ mailBase: mail.base, extraVars: access.vars });
  await app.clinic.upsertPatient(P, demoPatient.body);
  for (const d of demoDocuments()) await app.clinic.uploadDocument(P, d);
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

function as(email, opts) {
  const token = access.token(email, opts);
  return async (method, path, body) => {
    const res = await fetch(app.base + path, {
      method,
      headers: { "cf-access-jwt-assertion": token, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: res.status, json };
  };
}

const shareBody = { patient_id: P, document_ids: ["demo-letter"], method: "secure_link" };

test("staff signed in through Access act with their role, and the audit names them", async () => {
  const admin = as(STAFF.admin);
  const me = await admin("GET", "/api/v1/clinic/me");
  assert.deepEqual(me.json, { email: STAFF.admin, role: "admin", dev_identity: false, practice_name: me.json.practice_name });
  const shared = await as(STAFF.sharer)("POST", "/api/v1/clinic/shares", shareBody);
  assert.equal(shared.status, 201, JSON.stringify(shared.json));
  const history = (await admin("GET", `/api/v1/clinic/patients/${P}/history`)).json.items;
  assert.equal(history.find((e) => e.event === "shared").actor, STAFF.sharer, "the verified email, not a typed name");
  const shares = (await admin("GET", `/api/v1/clinic/patients/${P}/shares`)).json.items;
  assert.equal(shares[0].staff, STAFF.sharer);
});

test("roles decide who may share, unshare and change settings", async () => {
  const viewer = as(STAFF.viewer);
  assert.equal((await viewer("GET", `/api/v1/clinic/patients/${P}/documents`)).status, 200);
  for (const [method, path, body] of [
    ["POST", "/api/v1/clinic/shares", shareBody],
    ["POST", `/api/v1/clinic/patients/${P}/unshare`, {}],
    ["PUT", "/api/v1/clinic/settings", { practice_name: "X", sharing_enabled: true, senders: { general: "a@b.example" } }],
  ]) {
    const r = await viewer(method, path, body);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.json.code, "forbidden");
  }
  const sharer = as(STAFF.sharer);
  const settings = (await sharer("GET", "/api/v1/clinic/settings")).json;
  assert.equal((await sharer("PUT", "/api/v1/clinic/settings", settings)).json.code, "forbidden");
  assert.equal((await as(STAFF.admin)("PUT", "/api/v1/clinic/settings", settings)).status, 200);
  const nobody = await as(STAFF.nobody)("GET", "/api/v1/clinic/me");
  assert.equal(nobody.status, 403);
  assert.match(nobody.json.message, /no role/);
  // A refused request's body is read to its end, never left half-read: workerd reports a body
  // still being piped after the response as an uncaught error, and later requests then hung.
  const refusedUpload = await viewer("PUT", `/api/v1/clinic/patients/${P}/documents/big`, { pad: "x".repeat(4 << 20) });
  assert.equal(refusedUpload.status, 403);
  assert.equal((await viewer("GET", "/api/v1/clinic/me")).status, 200, "the next request is answered");
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(app.log(), /Can't read from request stream/);
});

test("forged, expired, mis-addressed or foreign Access tokens are refused", async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    "another key": { key: privateKey },
    expired: { claims: { exp: now - 3600, iat: now - 7200, nbf: now - 7200 } },
    "not yet valid": { claims: { nbf: now + 3600 } },
    "other audience": { claims: { aud: ["someone-else"] } },
    "other team": { claims: { iss: "https://evil.cloudflareaccess.com" } },
    "unknown kid": { header: { kid: "other" } },
    "HS256": { header: { alg: "HS256" } },
  };
  for (const [name, opts] of Object.entries(cases)) {
    const r = await as(STAFF.admin, opts)("GET", "/api/v1/clinic/me");
    assert.equal(r.status, 401, name);
    assert.equal(r.json.code, "unauthorized", name);
  }
  const none = await fetch(`${app.base}/api/v1/clinic/me`);
  assert.equal(none.status, 401, "no dev identity outside local development");
  const key = await fetch(`${app.base}/api/v1/clinic/me`, { headers: { authorization: `Bearer ${app.apiKey}` } });
  assert.equal((await key.json()).role, "admin", "the clinic system's key still works");
});

test("the console is served as its own app on every console path", async () => {
  for (const path of ["/console", "/console/patients/demo-patient"]) {
    const res = await fetch(app.base + path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get("content-security-policy"), /frame-ancestors 'none'/);
  }
});
