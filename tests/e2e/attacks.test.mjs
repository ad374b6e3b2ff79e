// Attacks and faults against the real Worker in workerd (wrangler dev) with fake mail and SMS
// providers: forged and malformed tokens, brute force, link scanners, revocation mid-use,
// provider outages and the headers of every kind of response. Each case asserts what an
// attacker (or a failing provider) actually gets, and that no email or SMS went out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, createPrivateKey, createPublicKey } from "node:crypto";
import {
  startFakeMail, startSealpost, portalPost, tokenOf, claimsOf, signLink,
} from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

let mail, app;
const docs = demoDocuments();
const DOB = { day: "7", month: "3", year: "1984" };
const KID = "test-1";
const TYP = "sealpost-link+jwt";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (o) => Buffer.from(typeof o === "string" ? o : JSON.stringify(o)).toString("base64url");
const settingsPath = "/api/v1/clinic/settings";
// Big documents used below; their titles must never appear in an email or text message.
const BIG_TITLE = "Oncology imaging series";
const patients = new Map(); // id -> { email, mobile }

before(async () => {
  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
});
after(async () => {
  await app?.stop();
  await mail?.stop();
});

const ok = (r) => assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.json)}`);

/** A fresh patient with the demo documents shared by link; returns its newest link token. */
async function patientWithLink(id, { mobile = "+4477009" + String(patients.size + 10000).padStart(5, "0"), docIds } = {}) {
  const email = `${id}@example.com`;
  patients.set(id, { email, mobile });
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email, mobile }));
  // Document ids are unique per practice, so each patient gets its own copies.
  for (const d of docs) ok(await app.clinic.uploadDocument(id, { ...d, id: `${id}-${d.id}` }));
  ok(await app.clinic.share({
    patient_id: id, document_ids: docIds ?? docs.map((d) => `${id}-${d.id}`), method: "secure_link", staff: "Dr Test",
  }));
  const link = mail.latestLink(email);
  assert.ok(link, `a link was emailed to ${email}`);
  return { id, email, mobile, link, token: tokenOf(link) };
}

async function setSettings(change) {
  const current = (await app.clinic.call("GET", settingsPath)).json;
  const next = { ...current, ...change, checks: { ...current.checks, ...(change.checks ?? {}) } };
  const r = await app.clinic.putJson(settingsPath, next);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

const historyOf = async (id) => (await app.clinic.history(id)).json;
const sent = () => ({ mail: mail.messages.length, sms: mail.sms.length });

async function verifyBirthday(token) {
  const r = await portalPost(app.base, "/verify/birthday", { token, ...DOB });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.headers.get("set-cookie").split(";")[0];
}

// ---------------------------------------------------------------------------------------------
// Tokens over HTTP

let victim, other;

/** The Ed25519 public key of the deployment, as raw bytes (what an attacker can learn). */
function publicKeyBytes() {
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(app.signingSeed, "base64url"),
  ]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "jwk" });
  return Buffer.from(jwk.x, "base64url");
}

function craftedTokens() {
  const now = Math.floor(Date.now() / 1000);
  const claims = claimsOf(victim.token);
  const [h, p, s] = victim.token.split(".");
  const [, , otherSig] = other.token.split(".");
  const sign = (header, body) => signLink(app.signingSeed, header, body);
  const hsInput = `${b64({ alg: "HS256", typ: TYP, kid: KID })}.${p}`;
  const wrongSeed = Buffer.alloc(32, 7).toString("base64url");
  return {
    "alg none": `${b64({ alg: "none", typ: TYP, kid: KID })}.${p}.`,
    "alg none, no kid": `${b64({ alg: "none" })}.${p}.`,
    "HS256 keyed with the public key bytes": `${hsInput}.${createHmac("sha256", publicKeyBytes()).update(hsInput).digest("base64url")}`,
    "HS256 keyed with the public key as base64url text": `${hsInput}.${createHmac("sha256", publicKeyBytes().toString("base64url")).update(hsInput).digest("base64url")}`,
    "wrong typ (JWT)": sign({ kid: KID, typ: "JWT" }, claims),
    "wrong typ (a session token's)": sign({ kid: KID, typ: "sealpost-session+jwt" }, claims),
    "no typ": sign({ kid: KID }, claims),
    "wrong aud": sign({ kid: KID, typ: TYP }, { ...claims, aud: "sealpost:portal:session" }),
    "wrong iss": sign({ kid: KID, typ: TYP }, { ...claims, iss: "https://evil.example" }),
    "expired, signed with another key": signLink(wrongSeed, { kid: KID, typ: TYP },
      { ...claims, iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 }),
    "nbf in the future": sign({ kid: KID, typ: TYP }, { ...claims, nbf: now + 3600, iat: now, exp: now + 86400 }),
    "no exp": sign({ kid: KID, typ: TYP }, (({ exp, ...rest }) => rest)(claims)),
    "unknown kid": sign({ kid: "test-2", typ: TYP }, claims),
    "no kid": sign({ typ: TYP }, claims),
    "kid path traversal": sign({ kid: "../../etc/passwd", typ: TYP }, claims),
    "truncated signature": victim.token.slice(0, -10),
    "two parts only": `${h}.${p}`,
    "empty": "",
    "bad base64 in the payload": `${h}.${p.slice(0, 10)}!!*~${p.slice(14)}.${s}`,
    "bad base64 in the header": `%%${h}.${p}.${s}`,
    "the signature of another token spliced on": `${h}.${p}.${otherSig}`,
    "sub of another recipient, original signature": `${h}.${b64({ ...claims, sub: claimsOf(other.token).sub })}.${s}`,
    "jti of another link, original signature": `${h}.${b64({ ...claims, jti: claimsOf(other.token).jti })}.${s}`,
    "over the 2048-byte token limit": `${h}.${p}.${s}${"A".repeat(2100 - victim.token.length)}`,
  };
}

async function tokenVictims() {
  if (victim) return;
  victim = await patientWithLink("tok-victim");
  other = await patientWithLink("tok-other");
}

test("crafted tokens are refused as link_invalid on open and verify, and earn no email or SMS", async () => {
  await tokenVictims();
  const historyBefore = (await historyOf(victim.id)).length;
  for (const [name, token] of Object.entries(craftedTokens())) {
    const before = sent();
    const opened = await portalPost(app.base, "/open", { token });
    assert.deepEqual([opened.status, opened.json.code], [404, "link_invalid"], `open: ${name}`);
    const verified = await portalPost(app.base, "/verify/birthday", { token, ...DOB });
    assert.deepEqual([verified.status, verified.json.code], [404, "link_invalid"], `verify: ${name}`);
    assert.equal(verified.headers.get("set-cookie"), null, `no session: ${name}`);
    const sms = await portalPost(app.base, "/sms/send", { token });
    assert.equal(sms.json.code, "link_invalid", `sms: ${name}`);
    assert.deepEqual(sent(), before, `nothing sent: ${name}`);
  }
  assert.equal((await historyOf(victim.id)).length, historyBefore, "no event recorded for the victim");
  // The genuine token still works: nothing above consumed or locked it.
  const genuine = await portalPost(app.base, "/open", { token: victim.token });
  assert.deepEqual(genuine.json.challenge, { method: "birthday", attempts_left: 3 });
});

test("oversized bodies are refused with 413 body_too_large, non-UTF-8 and non-JSON ones with 400 bad_request, and nothing is sent", async () => {
  await tokenVictims();
  const before = sent();
  for (const path of ["/open", "/verify/birthday"]) {
    const extra = path === "/open" ? {} : DOB;
    const huge = await portalPost(app.base, path, { token: "x".repeat(1_000_000), ...extra });
    assert.deepEqual([huge.status, huge.json.code], [413, "body_too_large"], `${path}: 1 MB token`);
    const longToken = await portalPost(app.base, path, { token: "x".repeat(10_000), ...extra });
    assert.deepEqual([longToken.status, longToken.json.code], [404, "link_invalid"], `${path}: 10 kB token`);
    const raw = Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from(victim.token), Buffer.from(path === "/open" ? '"}' : '","day":"7","month":"3","year":"1984"}')]);
    const res = await fetch(`${app.base}/api/v1/portal${path}`, {
      method: "POST", headers: { "content-type": "application/json" }, body: raw,
    });
    assert.equal(res.status, 400, `${path}: non-UTF-8 bytes`);
    assert.equal((await res.json()).code, "bad_request");
    const wrongType = await portalPost(app.base, path, { token: 12345 });
    assert.deepEqual([wrongType.status, wrongType.json.code], [400, "bad_request"], `${path}: token not a string`);
  }
  assert.deepEqual(sent(), before);
});

// ---------------------------------------------------------------------------------------------
// Brute force

test("three wrong dates of birth lock out; then even the right one is refused and no session is made", async () => {
  const p = await patientWithLink("brute-dob");
  const before = sent();
  const wrong = { token: p.token, day: "8", month: "3", year: "1984" };
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const r = await portalPost(app.base, "/verify/birthday", wrong);
    statuses.push([r.status, r.json.code, r.json.attempts_left]);
  }
  assert.deepEqual(statuses, [[401, "wrong_birthday", 2], [401, "wrong_birthday", 1], [429, "locked_out", undefined]]);
  const right = await portalPost(app.base, "/verify/birthday", { token: p.token, ...DOB });
  assert.deepEqual([right.status, right.json.code], [429, "locked_out"]);
  assert.equal(right.headers.get("set-cookie"), null);
  // A fresh link for the same recipient does not reset the counter either.
  ok(await app.clinic.share({ patient_id: p.id, document_ids: [`${p.id}-demo-letter`], method: "secure_link", staff: "x" }));
  const fresh = tokenOf(mail.latestLink(p.email));
  const again = await portalPost(app.base, "/verify/birthday", { token: fresh, ...DOB });
  assert.equal(again.json.code, "locked_out", "a new link is no way round the lock");
  assert.equal(mail.messages.length, before.mail + 1, "only the share's own email");
  assert.equal(mail.sms.length, before.sms);
});

let smsReset; // { p, askedAt } for the last test

test("five wrong SMS codes lock out; then even the right code and new codes are refused", async () => {
  await setSettings({ checks: { patient: "sms_code" } });
  try {
    const p = await patientWithLink("brute-sms", { mobile: "+447700900501" });
    const opened = await portalPost(app.base, "/open", { token: p.token });
    assert.equal(opened.json.challenge.attempts_left, 5);
    ok(await portalPost(app.base, "/sms/send", { token: p.token }));
    const code = mail.latestCode(p.mobile);
    const wrongCode = code === "000000" ? "111111" : "000000";
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const r = await portalPost(app.base, "/verify/sms", { token: p.token, code: wrongCode });
      seen.push([r.status, r.json.code, r.json.attempts_left]);
    }
    assert.deepEqual(seen, [
      [401, "wrong_code", 4], [401, "wrong_code", 3], [401, "wrong_code", 2], [401, "wrong_code", 1],
      [429, "locked_out", undefined],
    ]);
    const right = await portalPost(app.base, "/verify/sms", { token: p.token, code });
    assert.deepEqual([right.status, right.json.code], [429, "locked_out"]);
    assert.equal(right.headers.get("set-cookie"), null);
    const smsBefore = mail.sms.length;
    const more = await portalPost(app.base, "/sms/send", { token: p.token });
    assert.equal(more.json.code, "locked_out", "a locked recipient gets no more codes");
    assert.equal(mail.sms.length, smsBefore);

    // For the last test: two failures now, a new code after the 60 s resend wait.
    const q = await patientWithLink("sms-reset", { mobile: "+447700900502" });
    ok(await portalPost(app.base, "/sms/send", { token: q.token }));
    const askedAt = Date.now();
    const qCode = mail.latestCode(q.mobile);
    for (const left of [4, 3]) {
      const r = await portalPost(app.base, "/verify/sms", { token: q.token, code: qCode === "000000" ? "111111" : "000000" });
      assert.equal(r.json.attempts_left, left);
    }
    const tooSoon = await portalPost(app.base, "/sms/send", { token: q.token });
    assert.deepEqual([tooSoon.status, tooSoon.json.code], [429, "rate_limited"]);
    smsReset = { q, askedAt };
  } finally {
    await setSettings({ checks: { patient: "birthday" } });
  }
});

test("20 clicks on an expired genuine link send exactly one new email (at most one per 2 minutes)", async () => {
  const p = await patientWithLink("expired-clicks");
  const now = Math.floor(Date.now() / 1000);
  const expired = signLink(app.signingSeed, { kid: KID, typ: TYP },
    { ...claimsOf(p.token), iat: now - 2 * 86400, nbf: now - 2 * 86400, exp: now - 86400 });
  const before = sent();
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    sleep(i * 20).then(() => portalPost(app.base, "/open", { token: expired }))));
  for (const r of outcomes) assert.equal(r.json.outcome, "renewed", JSON.stringify(r.json));
  assert.equal(mail.messages.length, before.mail + 1, "one renewal email for 20 clicks");
  assert.equal(mail.messages.at(-1).to, p.email);
  assert.equal(mail.sms.length, before.sms);
  const renewals = (await historyOf(p.id)).filter((e) => e.event === "link_renewed");
  assert.equal(renewals.length, 1);
});

// ---------------------------------------------------------------------------------------------
// Scanners

test("GET and HEAD of every link and page change nothing and send nothing", async () => {
  const p = await patientWithLink("scanned");
  const cookieless = [
    p.link, p.link.split("#")[0], "/open", "/open?x=1", "/documents", "/", "/console", "/dev/outbox",
    "/api/v1/portal/documents", `/api/v1/portal/documents/${p.id}-demo-invoice/content`,
    "/api/v1/portal/open", "/api/v1/portal/verify/birthday", "/api/v1/portal/sms/send",
    "/api/v1/portal/verify/magic-link", "/api/v1/portal/sign-out",
  ];
  const before = sent();
  const history = (await historyOf(p.id)).length;
  for (const path of cookieless) {
    const url = path.startsWith("http") ? path : app.base + path;
    for (const method of ["GET", "HEAD"]) {
      const res = await fetch(url, { method, redirect: "manual" });
      await res.arrayBuffer();
      assert.ok(res.status < 500, `${method} ${path}: ${res.status}`);
      if (path.startsWith("/api/v1/portal/") && !path.includes("documents"))
        assert.equal(res.status, 405, `${method} ${path} is not an action`);
    }
  }
  assert.deepEqual(sent(), before, "no email or SMS");
  assert.equal((await historyOf(p.id)).length, history, "no event recorded");
  const still = await portalPost(app.base, "/open", { token: p.token });
  assert.deepEqual(still.json.challenge, { method: "birthday", attempts_left: 3 }, "the link is intact");
});

// ---------------------------------------------------------------------------------------------
// Revocation

test("unsharing while a big download streams refuses the next request", async (t) => {
  const id = "revoke-stream";
  const p = await patientWithLink(id);
  const big = { id: "big-series", kind: "lab", title: BIG_TITLE, date: "2026-11-10", contentType: "application/octet-stream",
    bytes: Buffer.alloc(48 * 1024 * 1024, 0x5a) };
  ok(await app.clinic.uploadDocument(id, big));
  ok(await app.clinic.share({ patient_id: id, document_ids: [big.id], method: "secure_link", staff: "x" }));
  const cookie = await verifyBirthday(tokenOf(mail.latestLink(p.email)));
  const url = `${app.base}/api/v1/portal/documents/${big.id}/content?disposition=attachment`;
  const res = await fetch(url, { headers: { cookie } });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let got = 0;
  while (got < 1024 * 1024) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
    await sleep(5); // a slow phone
  }
  ok(await app.clinic.postJson(`/api/v1/clinic/patients/${id}/unshare`, { staff: "Dr Test" }));
  const list = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });
  assert.ok([401, 403].includes(list.status), `list after unshare: ${list.status}`);
  const next = await fetch(url, { headers: { cookie } });
  assert.ok([401, 403].includes(next.status), `download after unshare: ${next.status}`);
  const ranged = await fetch(url, { headers: { cookie, range: `bytes=${got}-` } });
  assert.ok([401, 403].includes(ranged.status), `resuming with Range after unshare: ${ranged.status}`);
  // The response already under way is not cut (a Worker cannot recall bytes it has sent);
  // report how far it got.
  let rest = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value.length;
    }
  } catch (e) {
    t.diagnostic(`in-flight stream ended with ${e.message}`);
  }
  t.diagnostic(`in-flight download after unshare: ${got + rest} of ${big.bytes.length} bytes`);
});

test("unsharing ends every open session on its next request", async () => {
  const p = await patientWithLink("revoke-sessions");
  const cookies = [await verifyBirthday(p.token), await verifyBirthday(p.token)];
  for (const cookie of cookies) {
    const r = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });
    assert.equal(r.status, 200);
  }
  ok(await app.clinic.postJson(`/api/v1/clinic/patients/${p.id}/unshare`, { staff: "Dr Test" }));
  for (const cookie of cookies) {
    for (const path of ["/api/v1/portal/documents", `/api/v1/portal/documents/${p.id}-demo-invoice/content`]) {
      const r = await fetch(app.base + path, { headers: { cookie } });
      assert.ok([401, 403].includes(r.status), `${path}: ${r.status}`);
      await r.arrayBuffer();
    }
  }
  const opened = await portalPost(app.base, "/open", { token: p.token });
  assert.equal(opened.json.code, "access_revoked");
  const verify = await portalPost(app.base, "/verify/birthday", { token: p.token, ...DOB });
  assert.equal(verify.json.code, "access_revoked");
});

// ---------------------------------------------------------------------------------------------
// Faults

test("mail provider 500, then back: the share is recorded, delivery retried, history shows it", async () => {
  const id = "mail-fault";
  ok(await app.clinic.upsertPatient(id, { ...demoPatient.body, email: "mail-fault@example.com" }));
  patients.set(id, { email: "mail-fault@example.com" });
  ok(await app.clinic.uploadDocument(id, { ...docs[0], id: `${id}-doc` }));
  const before = mail.messages.length;
  mail.setMode("down");
  let shareId;
  try {
    const r = await app.clinic.share({ patient_id: id, document_ids: [`${id}-doc`], method: "secure_link", staff: "Dr Test" });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual([r.json.emails_sent, r.json.emails_queued], [0, 1]);
    shareId = r.json.share_id;
    assert.ok((await historyOf(id)).some((e) => e.event === "email_failed"));
  } finally {
    mail.setMode("up");
  }
  const deadline = Date.now() + 40_000;
  while (mail.messages.length === before && Date.now() < deadline) await sleep(500);
  assert.equal(mail.messages.length, before + 1, "delivered once the provider is back");
  const shares = (await app.clinic.list(`/api/v1/clinic/patients/${id}/shares`)).json;
  assert.equal(shares.find((s) => s.id === shareId).deliveries[0].status, "sent");
  const events = (await historyOf(id)).map((e) => e.event);
  assert.ok(events.includes("email_failed") && events.includes("email_sent"), events.join(","));
  const opened = await portalPost(app.base, "/open", { token: tokenOf(mail.latestLink("mail-fault@example.com")) });
  assert.equal(opened.json.outcome, "challenge", "the retried email's link works");
});

test("SMS provider 500 gives a clear sms_unavailable and loses nothing", async () => {
  await setSettings({ checks: { patient: "sms_code" } });
  try {
    const p = await patientWithLink("sms-fault", { mobile: "+447700900503" });
    const before = sent();
    mail.setMode("down");
    let r;
    try {
      r = await portalPost(app.base, "/sms/send", { token: p.token });
    } finally {
      mail.setMode("up");
    }
    assert.deepEqual([r.status, r.json.code], [502, "sms_unavailable"]);
    assert.match(r.json.message, /try again/i);
    assert.deepEqual(sent(), before);
    const events = (await historyOf(p.id)).map((e) => e.event);
    assert.ok(events.includes("sms_failed"), events.join(","));
    const retry = await portalPost(app.base, "/sms/send", { token: p.token });
    assert.equal(retry.status, 200, "the failed send is not counted: trying again works at once");
    const opened = await portalPost(app.base, "/open", { token: p.token });
    assert.equal(opened.json.challenge.attempts_left, 5, "the link and the attempt budget are intact");
    const verify = await portalPost(app.base, "/verify/sms", { token: p.token, code: "123456" });
    assert.ok(["wrong_code", "no_code_requested"].includes(verify.json.code), verify.json.code);
  } finally {
    await setSettings({ checks: { patient: "birthday" } });
  }
});

// ---------------------------------------------------------------------------------------------
// Headers and message contents

function assertSecurityHeaders(res, what) {
  assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, `${what}: CSP`);
  assert.equal(res.headers.get("referrer-policy"), "no-referrer", `${what}: Referrer-Policy`);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${what}: nosniff`);
}

test("every response carries CSP frame-ancestors 'none', no-referrer and nosniff; documents are no-store", async () => {
  const p = await patientWithLink("headers");
  const cookie = await verifyBirthday(p.token);
  const index = await (await fetch(app.base + "/")).text();
  const assets = [...index.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
  const checks = [
    ["GET", "/"], ["GET", "/open"], ["GET", "/documents"], ["GET", "/no-such-page"],
    ["GET", "/pkg/sealpost_portal.js"], ["GET", "/pkg/sealpost_portal_bg.wasm"], ["GET", "/boot.js"],
    ...assets.map((a) => ["GET", a]),
    ["GET", "/api/v1/portal/documents", cookie], ["GET", "/api/v1/portal/documents"],
    ["GET", "/api/v1/nope"], ["DELETE", "/api/v1/portal/open"], ["GET", "/dev/outbox"],
    ["GET", "/api/v1/clinic/settings"],
  ];
  for (const [method, path, c] of checks) {
    const res = await fetch(app.base + path, { method, headers: c ? { cookie: c } : {} });
    await res.arrayBuffer();
    assertSecurityHeaders(res, `${method} ${path} (${res.status})`);
  }
  for (const [path, body] of [["/open", { token: p.token }], ["/open", { token: "x" }], ["/open", "{bad"],
    ["/verify/birthday", { token: p.token, day: "1", month: "1", year: "2000" }]]) {
    const r = await fetch(`${app.base}/api/v1/portal${path}`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    await r.arrayBuffer();
    assertSecurityHeaders(r, `POST ${path} (${r.status})`);
  }
  const clinic = await app.clinic.history(p.id);
  assertSecurityHeaders({ headers: clinic.headers }, "clinic history");
  for (const d of docs.map((x) => ({ ...x, id: `${p.id}-${x.id}` }))) {
    for (const [method, range] of [["GET"], ["HEAD"], ["GET", "bytes=0-99"], ["GET", "bytes=999999999-"]]) {
      const res = await fetch(`${app.base}/api/v1/portal/documents/${d.id}/content`, {
        method, headers: { cookie, ...(range ? { range } : {}) },
      });
      await res.arrayBuffer();
      const what = `${method} ${d.id} ${range ?? ""} (${res.status})`;
      assertSecurityHeaders(res, what);
      assert.match(res.headers.get("cache-control") ?? "", /no-store/, `${what}: no-store`);
      // PDFs cannot be sandboxed (viewers refuse to run) and get default-src 'none'; the rest is sandboxed.
      if (res.status < 300)
        assert.match(res.headers.get("content-security-policy"), d.contentType === "application/pdf" ? /default-src 'none'/ : /sandbox/, `${what}: document CSP`);
    }
  }
});

test("a new SMS code after the resend wait does not reset the failure count", async () => {
  // Also covered natively by shared::sms::tests::a_new_code_does_not_reset_the_failure_count.
  assert.ok(smsReset, "the SMS lockout test set this up");
  const wait = smsReset.askedAt + 62_000 - Date.now();
  if (wait > 0) await sleep(wait);
  await setSettings({ checks: { patient: "sms_code" } });
  try {
    const { q } = smsReset;
    const r = await portalPost(app.base, "/sms/send", { token: q.token });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const opened = await portalPost(app.base, "/open", { token: q.token });
    assert.equal(opened.json.challenge.attempts_left, 3, "two failures before the new code still count");
    const code = mail.latestCode(q.mobile);
    const wrong = await portalPost(app.base, "/verify/sms", { token: q.token, code: code === "000000" ? "111111" : "000000" });
    assert.equal(wrong.json.attempts_left, 2);
  } finally {
    await setSettings({ checks: { patient: "birthday" } });
  }
});

test("no email or text message carries a document title, a date of birth, a patient name or clinical text", async () => {
  assert.ok(mail.messages.length > 10 && mail.sms.length >= 3, "the suite sent mail and texts");
  const forbidden = [
    ...docs.map((d) => d.title), BIG_TITLE, "Invoice 2026", "Referral", "Lab result",
    "1984", "07/03", "7/3/", "03/07", "7 March", "March 1984", demoPatient.body.name, "Jane", "Doe",
    "Consultation: GBP", "Dear colleague",
  ];
  for (const m of mail.messages) {
    const { attachments, ...rest } = m.raw;
    const text = JSON.stringify(rest);
    for (const f of forbidden) assert.ok(!text.includes(f), `email to ${m.to} contains "${f}"`);
  }
  for (const s of mail.sms) for (const f of forbidden) assert.ok(!s.body.includes(f), `SMS contains "${f}"`);
});
