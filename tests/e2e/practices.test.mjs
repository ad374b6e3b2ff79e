// Many practices on one deployment (issue 12): the operator creates, lists, suspends and
// resumes practices; each practice's keys, staff, patients, documents, links and sessions are
// its own; every cross-practice combination is refused (401/404) and reads or writes nothing of
// the other practice. Against the real Worker in workerd with a fake mail provider and a fake
// Cloudflare Access.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startFakeMail, startSealpost, portalPost, tokenOf, claimsOf, signLink, FIRST_PRACTICE,
} from "../support/harness.mjs";
import { clinicClient } from "../support/clinic-client.mjs";
import { fakeAccess, STAFF } from "../support/access.mjs";
import { demoPatient, makePdf } from "../support/demo-docs.mjs";

let mail, app, access;
/** Two practices besides the first: north and south, each with its own key. */
const practices = {};

before(async () => {
  mail = await startFakeMail();
  access = fakeAccess();
  app = await startSealpost({ mailBase: mail.base, extraVars: access.vars });
  for (const [id, name] of [["north", "North Road Clinic"], ["south", "South Street Surgery"]]) {
    const r = await app.operator.createPractice({ id, name, mail_from: `no-reply@${id}.example` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    practices[id] = { key: r.json.api_key, clinic: clinicClient(app.base, r.json.api_key), name };
  }
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

const ok = (r, what = "") => assert.ok(r.status < 300, `${what} ${r.status} ${JSON.stringify(r.json)}`);

/** A patient with one shared PDF in `practice`; returns the link token and the document. */
async function patientWithDocument(practice, patientId, docId, email) {
  const { clinic } = practices[practice];
  ok(await clinic.upsertPatient(patientId, { ...demoPatient.body, name: `Patient ${patientId}`, email }), "patient");
  const doc = { id: docId, kind: "letter", title: `Letter ${docId}`, date: "2026-10-01",
    contentType: "application/pdf", bytes: makePdf([`${practice} ${docId}`]) };
  const up = await clinic.uploadDocument(patientId, doc);
  assert.equal(up.status, 201, JSON.stringify(up.json));
  const share = await clinic.share({ patient_id: patientId, document_ids: [docId], method: "secure_link",
    staff: "Dr Test" });
  assert.equal(share.status, 201, JSON.stringify(share.json));
  const link = mail.latestLink(email);
  assert.ok(link, `a link went to ${email}`);
  return { token: tokenOf(link), doc };
}

async function verify(token) {
  const r = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.headers.get("set-cookie").split(";")[0];
}

const portalGet = (path, cookie) => fetch(`${app.base}/api/v1/portal${path}`, { headers: { cookie } });

test("the operator creates practices whose first key names them, lists them a page at a time, and nobody else can", async () => {
  assert.match(practices.north.key, /^sp_north_[A-Za-z0-9_-]{43}$/);
  assert.match(practices.south.key, /^sp_south_[A-Za-z0-9_-]{43}$/);
  const first = await app.operator.list("?limit=2");
  assert.equal(first.status, 200);
  assert.deepEqual(first.json.practices.map((p) => p.id), ["north", FIRST_PRACTICE]);
  assert.equal(first.json.next, FIRST_PRACTICE);
  const second = await app.operator.list(`?limit=2&after=${first.json.next}`);
  assert.deepEqual(second.json.practices.map((p) => p.id), ["south"]);
  assert.equal(second.json.next, null);
  // The key is shown once: the list never carries it.
  assert.ok(!JSON.stringify(first.json).includes("sp_"));
  // Without the operator secret, or with a practice's key, nothing.
  for (const authorization of [undefined, "Bearer wrong", `Bearer ${practices.north.key}`]) {
    const r = await fetch(`${app.base}/api/v1/operator/practices`, { headers: authorization ? { authorization } : {} });
    assert.equal(r.status, 401);
  }
  const again = await app.operator.createPractice({ id: "north", name: "Another" });
  assert.equal(again.status, 409);
  const bad = await app.operator.createPractice({ id: "North Clinic", name: "x" });
  assert.equal(bad.status, 400);
  // Only the practice named by LEGACY_PRACTICE may adopt the old state.
  const adopt = await app.operator.createPractice({ id: "west", name: "West", adopt_existing: true });
  assert.equal(adopt.status, 409);
});

test("a practice's key reaches only its own patients: the other practice's ids are 404 and nothing is written there", async () => {
  await patientWithDocument("north", "pn1", "dn1", "pn1@patients.example");
  const { clinic: north } = practices.north;
  const { clinic: south } = practices.south;
  // South's key with north's patient and document ids.
  assert.equal((await south.call("GET", "/api/v1/clinic/patients/pn1")).status, 404);
  assert.equal((await south.call("GET", "/api/v1/clinic/patients/pn1/documents/dn1/content")).status, 404);
  assert.equal((await south.call("GET", "/api/v1/clinic/patients/pn1/history")).status, 404);
  const share = await south.share({ patient_id: "pn1", document_ids: ["dn1"], method: "secure_link", staff: "x" });
  assert.equal(share.status, 404, JSON.stringify(share.json));
  // The same patient id may exist in both practices: they are different people.
  ok(await south.upsertPatient("pn1", { ...demoPatient.body, name: "South's own pn1", email: "other@patients.example" }));
  assert.equal((await north.call("GET", "/api/v1/clinic/patients/pn1")).json.patient.name, "Patient pn1");
  assert.equal((await south.call("GET", "/api/v1/clinic/patients/pn1")).json.patient.name, "South's own pn1");
  // South still has no document dn1: north's upload is north's.
  assert.equal((await south.call("GET", "/api/v1/clinic/patients/pn1/documents/dn1/content")).status, 404);
  // A key whose prefix names the other practice (north's secret under south's name) is refused.
  const secret = practices.north.key.slice("sp_north_".length);
  const forged = clinicClient(app.base, `sp_south_${secret}`);
  assert.equal((await forged.call("GET", "/api/v1/clinic/patients/pn1")).status, 401);
  // The first practice's prefix-less key does not reach north either.
  assert.equal((await app.clinic.call("GET", "/api/v1/clinic/patients/pn1")).status, 404);
});

test("credentials naming a practice that does not exist are refused and create nothing", async () => {
  const ghost = clinicClient(app.base, "sp_ghost_" + "A".repeat(43));
  assert.equal((await ghost.call("GET", "/api/v1/clinic/patients")).status, 404);
  const cookie = `__Host-sealpost_session=ghost.${"A".repeat(43)}`;
  assert.equal((await portalGet("/documents", cookie)).status, 404);
  const malformed = clinicClient(app.base, "sp_Ghost!_abc");
  assert.equal((await malformed.call("GET", "/api/v1/clinic/patients")).status, 401);
  // Nothing was half-made: the practice can still be created, fresh.
  const r = await app.operator.createPractice({ id: "ghost", name: "Ghost Clinic" });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const fresh = clinicClient(app.base, r.json.api_key);
  const list = await fresh.call("GET", "/api/v1/clinic/patients");
  assert.equal(list.status, 200);
  assert.deepEqual(list.json, { items: [], next: null });
});

test("a session of one practice cannot read the other's documents, even under the other's name", async () => {
  const a = await patientWithDocument("north", "pn2", "dn2", "pn2@patients.example");
  const b = await patientWithDocument("south", "ps2", "ds2", "ps2@patients.example");
  const northCookie = await verify(a.token);
  assert.match(northCookie, /^__Host-sealpost_session=north\./);
  const southCookie = await verify(b.token);
  // Each sees its own document; the other's id is 404.
  assert.equal((await portalGet("/documents/dn2/content", northCookie)).status, 200);
  assert.equal((await portalGet("/documents/ds2/content", northCookie)).status, 404);
  assert.equal((await portalGet("/documents/dn2/content", southCookie)).status, 404);
  const listed = await (await portalGet("/documents", northCookie)).json();
  assert.deepEqual(listed.documents.map((d) => d.id), ["dn2"]);
  assert.equal(listed.practice_name, "North Road Clinic");
  // North's secret presented under south's name: south does not know it.
  const renamed = northCookie.replace("=north.", "=south.");
  assert.equal((await portalGet("/documents", renamed)).status, 401);
  assert.equal((await portalGet("/documents/ds2/content", renamed)).status, 401);
});

test("a link opens at the practice it names, whatever cookie is set, and a re-pointed link is unknown there", async () => {
  const a = await patientWithDocument("north", "pn3", "dn3", "pn3@patients.example");
  const b = await patientWithDocument("south", "ps3", "ds3", "ps3@patients.example");
  const southCookie = await verify(b.token);
  assert.equal(claimsOf(a.token).prc, "north");
  // North's link opened while south's cookie is set: north's challenge, north's name.
  const opened = await portalPost(app.base, "/open", { token: a.token }, southCookie);
  assert.equal(opened.status, 200, JSON.stringify(opened.json));
  assert.equal(opened.json.practice_name, "North Road Clinic");
  // Verifying it gives a north session that lists north's document only.
  const northCookie = await verify(a.token);
  const listed = await (await portalGet("/documents", northCookie)).json();
  assert.deepEqual(listed.documents.map((d) => d.id), ["dn3"]);
  // A genuinely signed link whose practice claim was changed to south: south never issued it.
  const repointed = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" },
    { ...claimsOf(a.token), prc: "south" });
  const r = await portalPost(app.base, "/open", { token: repointed });
  assert.equal(r.status, 404);
  assert.equal(r.json.code, "link_invalid");
  // A forged link is answered by the Worker alone.
  const forged = await portalPost(app.base, "/open", { token: a.token.slice(0, -4) + "AAAA" });
  assert.equal(forged.status, 404);
});

test("staff reach the practices they belong to: another practice's routes are 403, and a picker lists theirs", async () => {
  const as = (email, practice) => ({
    "cf-access-jwt-assertion": access.token(email),
    ...(practice ? { "sealpost-practice": practice } : {}),
  });
  // The first practice adopted STAFF_ROLES: its admin reaches it without naming it.
  const me = await fetch(`${app.base}/api/v1/clinic/me`, { headers: as(STAFF.admin) });
  assert.equal(me.status, 200);
  // The same admin on north, which never gave them a role.
  const north = await fetch(`${app.base}/api/v1/clinic/patients/pn1`, { headers: as(STAFF.admin, "north") });
  assert.equal(north.status, 403);
  // North's admin (through its key) adds them as a viewer: now they belong to two practices.
  const put = await practices.north.clinic.putJson(`/api/v1/clinic/staff/${STAFF.admin}`,
    { role: "viewer", staff: "North admin" });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const picker = await (await fetch(`${app.base}/api/v1/staff/practices`, { headers: as(STAFF.admin) })).json();
  assert.deepEqual(picker.practices.map((p) => p.id).sort(), ["north", FIRST_PRACTICE]);
  // With two practices, they must say which.
  const unnamed = await fetch(`${app.base}/api/v1/clinic/me`, { headers: as(STAFF.admin) });
  assert.equal(unnamed.status, 409);
  assert.equal((await unnamed.json()).code, "practice_required");
  const viewing = await fetch(`${app.base}/api/v1/clinic/patients/pn1`, { headers: as(STAFF.admin, "north") });
  assert.equal(viewing.status, 200);
  // What the browser loads by itself (a preview) names the practice in the query instead.
  const preview = await fetch(`${app.base}/api/v1/clinic/patients/pn1/documents/dn1/content?practice=north`,
    { headers: as(STAFF.admin) });
  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get("content-type"), "application/pdf");
  const elsewhere = await fetch(`${app.base}/api/v1/clinic/patients/pn1/documents/dn1/content?practice=south`,
    { headers: as(STAFF.admin) });
  assert.equal(elsewhere.status, 403);
  // A viewer there: changing north's settings is refused.
  const settings = await fetch(`${app.base}/api/v1/clinic/staff/x@north.example`, {
    method: "PUT", headers: { ...as(STAFF.admin, "north"), "content-type": "application/json" },
    body: JSON.stringify({ role: "admin" }),
  });
  assert.equal(settings.status, 403);
  // Still nothing on south.
  assert.equal((await fetch(`${app.base}/api/v1/clinic/me`, { headers: as(STAFF.admin, "south") })).status, 403);
  // The header cannot be used to smuggle internal identity: x-sealpost-* from clients is dropped.
  const smuggled = await fetch(`${app.base}/api/v1/clinic/me`, {
    headers: { "x-sealpost-staff": STAFF.admin, "x-sealpost-practice": "north", "x-sealpost-dev-identity": "1" },
  });
  assert.equal(smuggled.status, 401);
});

test("a practice's admins manage its API keys: a new key works at once, a revoked one stops", async () => {
  const { clinic } = practices.south;
  const created = await clinic.postJson("/api/v1/clinic/api-keys", { name: "Practice management system", staff: "South admin" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.match(created.json.key, /^sp_south_/);
  const second = clinicClient(app.base, created.json.key);
  assert.equal((await second.call("GET", "/api/v1/clinic/patients/ps2")).status, 200);
  const listed = await clinic.call("GET", "/api/v1/clinic/api-keys");
  assert.equal(listed.status, 200);
  assert.equal(listed.json.keys.length, 2);
  assert.ok(!JSON.stringify(listed.json).includes(created.json.key), "the list never shows a key");
  assert.ok(listed.json.keys.some((k) => k.hint.startsWith("sp_south_…") && k.hint.endsWith(created.json.key.slice(-4))));
  const revoked = await clinic.call("DELETE", `/api/v1/clinic/api-keys/${created.json.id}`);
  assert.equal(revoked.status, 200);
  assert.equal((await second.call("GET", "/api/v1/clinic/patients/ps2")).status, 401);
  assert.equal((await clinic.call("GET", "/api/v1/clinic/patients/ps2")).status, 200);
});

test("a suspended practice answers practice_suspended and sends nothing; resuming brings it back as it was", async () => {
  const { token } = await patientWithDocument("south", "ps4", "ds4", "ps4@patients.example");
  const cookie = await verify(token);
  const s = await app.operator.suspend("south");
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.ok(s.json.suspended_at > 0);
  const sent = mail.messages.length;
  const clinic = await practices.south.clinic.call("GET", "/api/v1/clinic/patients/ps4");
  assert.equal(clinic.status, 403);
  assert.equal(clinic.json.code, "practice_suspended");
  const opened = await portalPost(app.base, "/open", { token });
  assert.equal(opened.status, 403);
  assert.equal((await portalGet("/documents", cookie)).status, 403);
  const share = await practices.south.clinic.share({ patient_id: "ps4", document_ids: ["ds4"], method: "secure_link", staff: "x" });
  assert.equal(share.status, 403);
  assert.equal(mail.messages.length, sent, "a suspended practice sends nothing");
  // Other practices carry on.
  assert.equal((await practices.north.clinic.call("GET", "/api/v1/clinic/patients/pn1")).status, 200);
  const listed = await app.operator.list();
  assert.ok(listed.json.practices.find((p) => p.id === "south").suspended_at > 0);
  const r = await app.operator.resume("south");
  assert.equal(r.status, 200);
  assert.equal(r.json.suspended_at, null);
  assert.equal((await portalGet("/documents", cookie)).status, 200);
  assert.equal((await practices.south.clinic.call("GET", "/api/v1/clinic/patients/ps4")).status, 200);
});

test("links, cookies and the key from before practices existed still reach the first practice", async () => {
  ok(await app.clinic.upsertPatient("pl1", { ...demoPatient.body, name: "Legacy", email: "pl1@patients.example" }));
  const doc = { id: "dl1", kind: "letter", title: "Old", date: "2026-10-01", contentType: "application/pdf",
    bytes: makePdf(["legacy"]) };
  assert.equal((await app.clinic.uploadDocument("pl1", doc)).status, 201);
  ok(await app.clinic.share({ patient_id: "pl1", document_ids: ["dl1"], method: "secure_link", staff: "x" }));
  const token = tokenOf(mail.latestLink("pl1@patients.example"));
  assert.equal(claimsOf(token).prc, FIRST_PRACTICE);
  // The same link as the old code signed it: no practice claim.
  const { prc, ...claims } = claimsOf(token);
  const old = signLink(app.signingSeed, { kid: "test-1", typ: "sealpost-link+jwt" }, claims);
  const cookie = await verify(old);
  assert.match(cookie, new RegExp(`^__Host-sealpost_session=${FIRST_PRACTICE}\\.`));
  // The old cookie had no practice in it.
  const oldCookie = cookie.replace(`=${FIRST_PRACTICE}.`, "=");
  const listed = await portalGet("/documents", oldCookie);
  assert.equal(listed.status, 200);
  assert.deepEqual((await listed.json()).documents.map((d) => d.id), ["dl1"]);
});

test("a practice's document origin is its own setting: its token is never shown and other practices cannot use it", async () => {
  const { clinic: north } = practices.north;
  const { clinic: south } = practices.south;
  const path = "/api/v1/clinic/settings/origin";
  assert.equal((await north.call("GET", path)).status, 404);
  const plain = await north.putJson(path, { base_url: "http://files.north.example", bearer_token: "t0k3n" });
  assert.equal(plain.status, 400, JSON.stringify(plain.json));
  assert.equal(plain.json.problems[0].field, "base_url");
  const token = "north-origin-secret-token";
  const set = await north.putJson(path, { base_url: "https://files.north.example/docs/", bearer_token: token, staff: "North admin" });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.deepEqual(set.json, { base_url: "https://files.north.example/docs", timeout_seconds: 15, token_set: true });
  const read = await north.call("GET", path);
  assert.ok(!JSON.stringify(read.json).includes(token), "the token is never returned");
  // South has none, and cannot register documents on north's.
  assert.equal((await south.call("GET", path)).status, 404);
  const external = await south.putJson("/api/v1/clinic/patients/ps2/documents/dx1/external",
    { kind: "letter", title: "Kept elsewhere", date: "2026-10-01", content_type: "application/pdf", size: 10, origin_path: "a.pdf" });
  assert.equal(external.status, 409, JSON.stringify(external.json));
  assert.equal((await north.call("DELETE", path)).status, 200);
  assert.equal((await north.call("GET", path)).status, 404);
});

test("erasing a practice needs it suspended first, then removes it and all it held; its id can begin again, empty", async () => {
  const r = await app.operator.createPractice({ id: "closing", name: "Closing Clinic" });
  assert.equal(r.status, 201);
  const clinic = clinicClient(app.base, r.json.api_key);
  ok(await clinic.upsertPatient("pc1", { ...demoPatient.body, name: "Leaving", email: "pc1@patients.example" }));
  const doc = { id: "dc1", kind: "letter", title: "Last letter", date: "2026-10-01", contentType: "application/pdf", bytes: makePdf(["bye"]) };
  assert.equal((await clinic.uploadDocument("pc1", doc)).status, 201);
  const erase = () => app.operator.call("DELETE", "/practices/closing");
  assert.equal((await erase()).status, 409, "not while it is active");
  assert.equal((await app.operator.suspend("closing")).status, 200);
  const erased = await erase();
  assert.equal(erased.status, 200, JSON.stringify(erased.json));
  assert.equal(erased.json.documents, 1);
  assert.equal((await clinic.call("GET", "/api/v1/clinic/patients/pc1")).status, 404);
  assert.ok(!(await app.operator.list()).json.practices.some((p) => p.id === "closing"));
  const again = await app.operator.createPractice({ id: "closing", name: "New Clinic" });
  assert.equal(again.status, 201);
  const fresh = clinicClient(app.base, again.json.api_key);
  assert.equal((await fresh.call("GET", "/api/v1/clinic/patients/pc1")).status, 404);
  assert.equal((await clinic.call("GET", "/api/v1/clinic/patients")).status, 401, "the old key died with it");
});
