// The clinic API as a practice-management system calls it: retries under an Idempotency-Key
// do the work once, and every list pages with a cursor in a stable order. Against the real
// Worker in workerd with the fake mail provider counting what is sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { clinicClient } from "../support/clinic-client.mjs";
import { demoPatient, makePdf } from "../support/demo-docs.mjs";

let mail, app;
const P = "contract-patient";
const patientEmail = "contract.patient@example.com";
const daughterEmail = "contract.daughter@example.com";
const json = { "content-type": "application/json" };

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
  const ok = (r) => assert.ok(r.status < 300, JSON.stringify(r.json));
  ok(await app.clinic.upsertPatient(P, { ...demoPatient.body, email: patientEmail }));
  ok(await app.clinic.putJson(`/api/v1/clinic/patients/${P}/relationships/daughter`, {
    name: "Dee Doe", email: daughterEmail, mobile: "+447700900555", relation: "daughter",
  }));
  ok(await upload(P, "contract-letter", "Letter", makePdf(["A letter"])));
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

/** A PDF upload, optionally under an idempotency key. */
function upload(patient, id, title, bytes, key) {
  const q = new URLSearchParams({ kind: "letter", title, date: "2024-05-06" });
  return app.clinic.call("PUT", `/api/v1/clinic/patients/${patient}/documents/${id}?${q}`, bytes, {
    "content-type": "application/pdf",
    ...(key ? { "idempotency-key": key } : {}),
  });
}

const shareBody = (extra = {}) => ({
  patient_id: P,
  document_ids: ["contract-letter"],
  method: "secure_link",
  staff: "Dr Retry",
  recipients: [{ type: "patient" }, { type: "relationship", id: "daughter" }],
  ...extra,
});

const postShare = (body, key, client = app.clinic) =>
  client.call("POST", "/api/v1/clinic/shares", JSON.stringify(body), { ...json, "idempotency-key": key });

const sentTo = (address) => mail.messages.filter((m) => m.to === address).length;
const events = async (patient) => (await app.clinic.history(patient)).json.map((e) => e.event);

test("a share POSTed twice with the same key sends one email per recipient and answers the same body", async () => {
  const before = [sentTo(patientEmail), sentTo(daughterEmail)];
  const audit = (await events(P)).length;
  const first = await postShare(shareBody(), "share-retry-1");
  assert.equal(first.status, 201, JSON.stringify(first.json));
  assert.equal(first.headers.get("idempotency-replayed"), null, "the first answer is not a replay");
  const afterFirst = (await events(P)).length;
  assert.ok(afterFirst > audit, "the share is audited");

  const retry = await postShare(shareBody(), "share-retry-1");
  assert.equal(retry.status, 201, JSON.stringify(retry.json));
  assert.deepEqual(retry.json, first.json, "the first answer, share id included");
  assert.equal(retry.headers.get("idempotency-replayed"), "true");
  assert.deepEqual([sentTo(patientEmail), sentTo(daughterEmail)], [before[0] + 1, before[1] + 1], "one email each");
  assert.equal((await events(P)).length, afterFirst, "the retry is not audited");
  const shares = (await app.clinic.list(`/api/v1/clinic/patients/${P}/shares`)).json;
  assert.equal(shares.filter((s) => s.id === first.json.share_id).length, 1);
  assert.equal(shares.length, 1, "one share recorded");
});

test("the same key with a different body is refused with 422 and does nothing", async () => {
  const first = await postShare(shareBody(), "share-mismatch");
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const sent = mail.messages.length;
  const audit = (await events(P)).length;
  const other = await postShare(shareBody({ recipients: [{ type: "patient" }] }), "share-mismatch");
  assert.equal(other.status, 422, JSON.stringify(other.json));
  assert.equal(other.json.code, "idempotency_key_reused");
  // Another route under the same key is another request too.
  const elsewhere = await app.clinic.call("PUT", `/api/v1/clinic/patients/${P}`,
    JSON.stringify({ ...demoPatient.body, email: patientEmail }), { ...json, "idempotency-key": "share-mismatch" });
  assert.equal(elsewhere.status, 422, JSON.stringify(elsewhere.json));
  assert.equal(mail.messages.length, sent, "nothing sent");
  assert.equal((await events(P)).length, audit, "nothing audited");
});

test("concurrent duplicates under one key share once", async () => {
  const sent = mail.messages.length;
  const answers = await Promise.all([1, 2, 3].map(() => postShare(shareBody(), "share-concurrent")));
  const created = answers.filter((a) => a.status === 201);
  assert.ok(created.length >= 1, JSON.stringify(answers.map((a) => a.json)));
  for (const a of answers) {
    assert.ok(a.status === 201 || (a.status === 409 && a.json.code === "idempotency_in_progress"), JSON.stringify(a.json));
  }
  assert.equal(new Set(created.map((a) => a.json.share_id)).size, 1, "every 201 names the one share");
  assert.equal(mail.messages.length, sent + 2, "one email per recipient");
});

test("two callers' keys never collide", async () => {
  const made = await app.clinic.postJson("/api/v1/clinic/api-keys", { name: "Second PMS", staff: "Admin" });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const other = clinicClient(app.base, made.json.key);
  const mine = await postShare(shareBody(), "shared-key-name");
  const theirs = await postShare(shareBody({ recipients: [{ type: "patient" }] }), "shared-key-name", other);
  assert.equal(mine.status, 201, JSON.stringify(mine.json));
  assert.equal(theirs.status, 201, JSON.stringify(theirs.json));
  assert.notEqual(theirs.json.share_id, mine.json.share_id);
});

test("a refused request keeps no answer: corrected, it runs under the same key", async () => {
  const bad = await postShare(shareBody({ document_ids: ["no-such-document"] }), "share-corrected");
  assert.ok(bad.status >= 400 && bad.status < 500, JSON.stringify(bad.json));
  const fixed = await postShare(shareBody({ document_ids: ["no-such-document"] }), "share-corrected");
  assert.equal(fixed.status, bad.status, "the same refusal, worked out again");
  assert.equal(fixed.headers.get("idempotency-replayed"), null);
});

test("keys must be 1 to 255 visible ASCII characters", async () => {
  for (const key of ["x".repeat(256), "has space", "ünï"]) {
    const r = await app.clinic.call("POST", "/api/v1/clinic/shares", JSON.stringify(shareBody()),
      { ...json, "idempotency-key": key });
    assert.equal(r.status, 400, `${key}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, "idempotency_key_invalid");
  }
  const upload400 = await upload(P, "contract-bad-key", "Letter", makePdf(["x"]), "bad key");
  assert.equal(upload400.status, 400);
  assert.equal(upload400.json.code, "idempotency_key_invalid");
});

test("an upload repeated with the same key stores once: the retry's body is never stored", async () => {
  const original = makePdf(["The original letter"]);
  const first = await upload(P, "contract-upload", "Upload", original, "upload-1");
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const audit = (await events(P)).length;
  // The same request again (same length, other bytes: had they been stored, the preview
  // would show them).
  const imposter = Buffer.from(original);
  imposter.set(Buffer.from("The imposter"), original.indexOf("The original"));
  assert.equal(imposter.length, original.length);
  const retry = await upload(P, "contract-upload", "Upload", imposter, "upload-1");
  assert.equal(retry.status, 201, JSON.stringify(retry.json));
  assert.deepEqual(retry.json, first.json);
  assert.equal(retry.headers.get("idempotency-replayed"), "true");
  const stored = await app.clinic.call("GET", `/api/v1/clinic/patients/${P}/documents/contract-upload/content`);
  assert.equal(stored.status, 200);
  assert.ok(String(stored.json).includes("The original letter"), "the first body is what is stored");
  const after = await events(P);
  assert.ok(!after.slice(audit).includes("document_replaced"), `no replacement recorded: ${after.slice(audit)}`);
  // Another title under the same key is another request.
  const other = await upload(P, "contract-upload", "Other title", original, "upload-1");
  assert.equal(other.status, 422, JSON.stringify(other.json));
  assert.equal(other.json.code, "idempotency_key_reused");
});

test("DELETE under a key: the retry answers the first answer, not a 404", async () => {
  assert.equal((await upload(P, "contract-delete", "To delete", makePdf(["bye"]))).status, 201);
  const del = () => app.clinic.call("DELETE", `/api/v1/clinic/patients/${P}/documents/contract-delete`, undefined,
    { "idempotency-key": "delete-1" });
  const first = await del();
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const again = await del();
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.deepEqual(again.json, first.json);
  assert.equal(again.headers.get("idempotency-replayed"), "true");
  const plain = await app.clinic.call("DELETE", `/api/v1/clinic/patients/${P}/documents/contract-delete`);
  assert.equal(plain.status, 404, "without a key, a second delete finds nothing");
});

/** Pages through `path` `limit` at a time; the ids in order and how many pages. */
async function pageThrough(path, limit, idOf) {
  const listed = await app.clinic.list(path, { limit });
  assert.equal(listed.status, 200, JSON.stringify(listed.json));
  return { ids: listed.json.map(idOf), pages: listed.pages };
}

/**
 * Paged `limit` at a time, the list holds every item once, in the order of one big page.
 * (Audit rows have no id, and two can be alike: for them the order check alone shows it.)
 */
async function assertPages(path, limit, idOf, expected, { unique = true } = {}) {
  const small = await pageThrough(path, limit, idOf);
  const whole = await pageThrough(path, 200, idOf);
  assert.equal(whole.pages, 1);
  assert.deepEqual(small.ids, whole.ids, `${path}: the same order in small pages`);
  if (unique) assert.equal(new Set(small.ids).size, small.ids.length, `${path}: no item twice`);
  assert.ok(small.ids.length >= expected, `${path}: ${small.ids.length} items, expected ≥ ${expected}`);
  assert.ok(small.pages >= Math.ceil(expected / limit), `${path}: ${small.pages} pages`);
  return small.ids;
}

test("every list pages through more than its limit in a stable order, without gaps or repeats", async () => {
  const L = "pager-patient";
  assert.equal((await app.clinic.upsertPatient(L, { ...demoPatient.body, email: "pager@example.com" })).status, 200);
  for (let i = 0; i < 5; i++) {
    assert.equal((await upload(L, `pager-doc-${i}`, `Doc ${i}`, makePdf([`Doc ${i}`]))).status, 201);
    assert.equal((await app.clinic.putJson(`/api/v1/clinic/contacts/pager-contact-${i}`, { name: `Pager Contact ${i % 2}` })).status, 200);
  }
  for (let i = 0; i < 5; i++) {
    const r = await app.clinic.share({ patient_id: L, document_ids: [`pager-doc-${i}`], method: "secure_link", staff: "Dr Page" });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  for (const role of ["viewer", "sharer", "admin"]) {
    const r = await app.clinic.putJson(`/api/v1/clinic/staff/pager-${role}@example.com`, { role, staff: "Admin" });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }

  const docs = await assertPages(`/api/v1/clinic/patients/${L}/documents`, 2, (d) => d.id, 5);
  assert.deepEqual(docs, [4, 3, 2, 1, 0].map((i) => `pager-doc-${i}`), "newest first");
  const shares = await assertPages(`/api/v1/clinic/patients/${L}/shares`, 2, (s) => s.id, 5);
  assert.equal(shares.length, 5);
  const links = await assertPages(`/api/v1/clinic/patients/${L}/links`, 2, (l) => l.id, 5);
  assert.equal(links.length, 5);
  await assertPages(`/api/v1/clinic/patients/${L}/history`, 3, (e) => JSON.stringify(e), 10, { unique: false });
  await assertPages("/api/v1/clinic/audit", 2, (e) => JSON.stringify(e), 3, { unique: false });
  const contacts = await assertPages("/api/v1/clinic/contacts", 2, (c) => c.id, 5);
  assert.deepEqual(contacts.filter((id) => id.startsWith("pager-contact-")),
    ["pager-contact-0", "pager-contact-2", "pager-contact-4", "pager-contact-1", "pager-contact-3"], "by name, then id");
  const patients = await assertPages("/api/v1/clinic/patients?q=pager", 1, (p) => p.id, 1);
  assert.deepEqual(patients, [L]);
});

test("a patient search beyond 50 pages through every match", async () => {
  for (let i = 0; i < 55; i++) {
    const id = `many-${String(i).padStart(2, "0")}`;
    const r = await app.clinic.upsertPatient(id, { name: `Manyfold ${String(i).padStart(2, "0")}`, date_of_birth: "1990-01-01" });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const first = await app.clinic.call("GET", "/api/v1/clinic/patients?q=manyfold");
  assert.equal(first.status, 200);
  assert.equal(first.json.items.length, 50, "the default limit");
  assert.equal(typeof first.json.next, "string");
  const second = await app.clinic.call("GET", `/api/v1/clinic/patients?q=manyfold&cursor=${encodeURIComponent(first.json.next)}`);
  assert.equal(second.json.items.length, 5);
  assert.equal(second.json.next, null);
  const ids = [...first.json.items, ...second.json.items].map((p) => p.id);
  assert.deepEqual(ids, Array.from({ length: 55 }, (_, i) => `many-${String(i).padStart(2, "0")}`));
});

test("a bad cursor or limit is a 400 with a clear code", async () => {
  const shares = `/api/v1/clinic/patients/${P}/shares`;
  for (const [query, code] of [
    ["cursor=not-a-cursor", "invalid_cursor"],
    ["cursor=%21%21", "invalid_cursor"],
    ["limit=0", "invalid_limit"],
    ["limit=201", "invalid_limit"],
    ["limit=ten", "invalid_limit"],
  ]) {
    const r = await app.clinic.call("GET", `${shares}?${query}`);
    assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, code, query);
  }
  // One list's cursor is refused by another.
  const docs = await app.clinic.call("GET", `/api/v1/clinic/patients/${P}/documents?limit=1`);
  assert.equal(typeof docs.json.next, "string", JSON.stringify(docs.json));
  const crossed = await app.clinic.call("GET", `${shares}?cursor=${encodeURIComponent(docs.json.next)}`);
  assert.equal(crossed.status, 400);
  assert.equal(crossed.json.code, "invalid_cursor");
});
