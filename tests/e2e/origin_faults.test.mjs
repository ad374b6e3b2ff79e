// Documents kept on the clinic's own HTTP origin, streamed through the edge, and what a
// patient gets when that origin fails: errors, slowness, a connection reset mid-stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startFakeMail, startFakeOrigin, startSealpost, portalPost, tokenOf, ORIGIN_TOKEN,
} from "../support/harness.mjs";
import { demoPatient, makePdf, makePng } from "../support/demo-docs.mjs";
import { startWebhookReceiver } from "../support/webhook-receiver.mjs";

// The deployment-wide webhook from before practices: adopting the first practice imports it
// (a secret outside whsec_ form signs as its bytes).
const WEBHOOK_SECRET = "whsec-e2e-0123456789abcdef0123456789";
let hook;

let mail, origin, app, cookie;
const P = "origin-patient";
const email = "origin.patient@example.com";
const files = {
  "docs/ok.pdf": { bytes: makePdf(["Letter kept at the clinic", "Demo"]), mode: "ok" },
  "docs/big.png": { bytes: makePng(600, 400), mode: "ok" },
  "docs/broken.pdf": { bytes: makePdf(["never served"]), mode: "error" },
  "docs/slow.pdf": { bytes: makePdf(["too slow"]), mode: "slow" },
  "docs/cut.png": { bytes: makePng(600, 400), mode: "reset" },
};

before(async () => {
  mail = await startFakeMail();
  origin = await startFakeOrigin(files);
  hook = await startWebhookReceiver();
  hook.setSecret(WEBHOOK_SECRET);
  app = await startSealpost({
    mailBase: mail.base,
    extraVars: { ORIGIN_BASE_URL: `${origin.base}/`, ORIGIN_BEARER_TOKEN: ORIGIN_TOKEN, ORIGIN_TIMEOUT_SECONDS: "2",
      WEBHOOK_URL: hook.url, WEBHOOK_SECRET },
  });
  await app.clinic.upsertPatient(P, { ...demoPatient.body, email });
  const ids = [];
  for (const [path, file] of Object.entries(files)) {
    const id = path.replace(/\W/g, "-");
    ids.push(id);
    const r = await app.clinic.putJson(`/api/v1/clinic/patients/${P}/documents/${id}/external`, {
      kind: "letter", title: `Letter ${id}`, date: "2026-11-01", size: file.bytes.length,
      content_type: path.endsWith(".pdf") ? "application/pdf" : "image/png", origin_path: path,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  await app.clinic.share({ patient_id: P, document_ids: ids, method: "secure_link", staff: "Dr Test" });
  const token = tokenOf(mail.latestLink(email));
  assert.equal((await portalPost(app.base, "/open", { token })).json.outcome, "challenge");
  const r = await portalPost(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  cookie = r.headers.get("set-cookie").split(";")[0];
});
after(async () => {
  await app?.stop();
  await origin?.stop();
  await hook?.stop();
  await mail?.stop();
});

const get = (id, headers = {}) =>
  fetch(`${app.base}/api/v1/portal/documents/${id}/content`, { headers: { cookie, ...headers } });

test("a document on the clinic's origin streams through intact, with the origin's token and a Range", async () => {
  let res = await get("docs-ok-pdf");
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), files["docs/ok.pdf"].bytes);
  assert.equal(origin.requests.at(-1).headers.authorization, `Bearer ${ORIGIN_TOKEN}`);
  res = await get("docs-big-png", { range: "bytes=10-209" });
  assert.equal(res.status, 206);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), files["docs/big.png"].bytes.subarray(10, 210));
  assert.equal(origin.requests.at(-1).headers.range, "bytes=10-209");
});

test("registering a path outside the origin is refused", async () => {
  for (const origin_path of ["../etc/passwd", "/abs/path", "https://evil.example/x", "a//b"]) {
    const r = await app.clinic.putJson(`/api/v1/clinic/patients/${P}/documents/evil/external`, {
      kind: "letter", title: "x", date: "2026-11-01", size: 1, content_type: "application/pdf", origin_path,
    });
    assert.equal(r.status, 400, origin_path);
  }
});

test("an origin answering 500 gives a clear error and loses nothing", async () => {
  const res = await get("docs-broken-pdf");
  assert.equal(res.status, 502);
  assert.equal((await res.json()).code, "origin_unavailable");
  const list = await fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie } });
  assert.equal((await list.json()).documents.length, Object.keys(files).length, "every document is still listed");
});

test("an origin that does not answer in time gives a clear error", async () => {
  const started = Date.now();
  const res = await get("docs-slow-pdf");
  assert.equal(res.status, 502);
  assert.equal((await res.json()).code, "origin_unavailable");
  assert.ok(Date.now() - started < 9_000, "the edge gave up at its timeout, not the origin's pace");
});

test("an origin that drops the connection mid-stream never passes for a complete document", async () => {
  const res = await get("docs-cut-png");
  assert.equal(res.status, 200);
  const expected = files["docs/cut.png"].bytes.length;
  assert.equal(res.headers.get("content-length"), String(expected));
  let received = 0;
  let failed = false;
  try {
    received = (await res.arrayBuffer()).byteLength;
  } catch {
    failed = true;
  }
  assert.ok(failed || received < expected, `the client sees a truncated transfer (got ${received} of ${expected})`);
});

test("the webhook imported from the deployment hears of openings and downloads, signed, with ids only", async () => {
  const res = await get("docs-ok-pdf", {});
  await res.arrayBuffer();
  await fetch(`${app.base}/api/v1/portal/documents/docs-ok-pdf/content?disposition=attachment`, { headers: { cookie } })
    .then((r) => r.arrayBuffer());
  // The receiver records only deliveries whose signature and timestamp it verified.
  await hook.until(() => hook.deliveries.some((d) => d.payload.type === "document.downloaded"));
  const events = hook.deliveries.map((d) => d.payload);
  assert.ok(events.some((e) => e.type === "link.opened" && e.data.patient_id === P));
  const download = events.find((e) => e.type === "document.downloaded");
  assert.deepEqual(download.data, { patient_id: P, recipient: { type: "patient" }, document_id: "docs-ok-pdf" });
  assert.deepEqual(hook.attempts.filter((a) => a.status !== 200), [], "every delivery verified");
});
