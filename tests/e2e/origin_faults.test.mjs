// Documents kept on the clinic's own HTTP origin, streamed through the edge, and what a
// patient gets when that origin fails: errors, slowness, a connection reset mid-stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startFakeMail, startFakeOrigin, startSealpost, portalPost, tokenOf, ORIGIN_TOKEN,
} from "../support/harness.mjs";
import { demoPatient, makePdf, makePng } from "../support/demo-docs.mjs";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";

const WEBHOOK_SECRET = "whsec-e2e-0123456789abcdef0123456789";
const hooks = [];
const hookServer = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    hooks.push({ signature: req.headers["x-sealpost-signature"], body });
    res.writeHead(204);
    res.end();
  });
});

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
  await new Promise((r) => hookServer.listen(0, "127.0.0.1", r));
  app = await startSealpost({
    mailBase: mail.base,
    extraVars: { ORIGIN_BASE_URL: `${origin.base}/`, ORIGIN_BEARER_TOKEN: ORIGIN_TOKEN, ORIGIN_TIMEOUT_SECONDS: "2",
      WEBHOOK_URL: `http://127.0.0.1:${hookServer.address().port}/hook`, WEBHOOK_SECRET },
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
  await new Promise((r) => hookServer.close(r));
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

test("the clinic's webhook hears of openings and downloads, signed, with ids only", async () => {
  const res = await get("docs-ok-pdf", {});
  await res.arrayBuffer();
  await fetch(`${app.base}/api/v1/portal/documents/docs-ok-pdf/content?disposition=attachment`, { headers: { cookie } })
    .then((r) => r.arrayBuffer());
  const deadline = Date.now() + 5000;
  while (!hooks.some((h) => JSON.parse(h.body).event === "downloaded") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const events = hooks.map((h) => JSON.parse(h.body));
  assert.ok(events.some((e) => e.event === "link_opened" && e.patient_id === P));
  const download = events.find((e) => e.event === "downloaded");
  assert.deepEqual(Object.keys(download).sort(), ["at", "document_id", "event", "patient_id"]);
  assert.equal(download.document_id, "docs-ok-pdf");
  for (const h of hooks) {
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(h.signature);
    const expected = createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${h.body}`).digest("hex");
    assert.equal(v1, expected, "signature verifies");
    assert.ok(Math.abs(Date.now() / 1000 - Number(t)) < 60);
  }
});
