// Safe configuration (issue 11, point 6): the committed configuration is production-safe, the
// local development conveniences answer only on a loopback host, and a deployment without a
// mail provider refuses work instead of pretending to send.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { request as httpRequest } from "node:http";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { demoPatient } from "../support/demo-docs.mjs";
import { jsonOrText } from "../support/clinic-client.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let mail, dev, unconfigured;

before(async () => {
  mail = await startFakeMail();
  dev = await startSealpost({ mailBase: mail.base, extraVars: { DEV_MODE: "true" } });
  // Without a mail provider even the operator cannot begin a practice: leave it unadopted.
  unconfigured = await startSealpost({ extraVars: { DEV_MODE: "false" }, adopt: false });
});
after(async () => {
  await dev?.stop();
  await unconfigured?.stop();
  await mail?.stop();
});

/** A GET to `app` on its loopback address, with the given Host header (node:http lets us set it). */
function getWithHost(app, path, host) {
  const url = new URL(app.base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: "GET", headers: { host } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, json: jsonOrText(body) }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error("no answer in 15 s")));
    req.on("error", reject);
    req.end();
  });
}

/** The value of `KEY = "value"` in a TOML file's text (first occurrence). */
function tomlString(text, key) {
  return text.match(new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
}

const isLoopback = (origin) =>
  /^https?:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)(:\d+)?\/?$/i.test(origin);

test("the committed wrangler.toml is safe to deploy: dev mode off and a public portal origin", () => {
  const toml = readFileSync(join(root, "edge", "wrangler.toml"), "utf8");
  const origin = tomlString(toml, "PORTAL_ORIGIN");
  assert.deepEqual(
    { DEV_MODE: tomlString(toml, "DEV_MODE"), PORTAL_ORIGIN_set: Boolean(origin), PORTAL_ORIGIN_loopback: Boolean(origin) && isLoopback(origin) },
    { DEV_MODE: "false", PORTAL_ORIGIN_set: true, PORTAL_ORIGIN_loopback: false },
    `edge/wrangler.toml as committed (PORTAL_ORIGIN = ${origin})`,
  );
});

test("in dev mode the outbox and the dev identity answer on the loopback host only", async () => {
  const loopHost = new URL(dev.base).host;
  const outbox = await getWithHost(dev, "/dev/outbox", loopHost);
  assert.equal(outbox.status, 200, "the dev outbox on 127.0.0.1");
  const me = await getWithHost(dev, "/api/v1/clinic/me", loopHost);
  assert.equal(me.status, 200, JSON.stringify(me.json));
  assert.equal(me.json.dev_identity, true, "the marked dev identity on 127.0.0.1");

  const outside = "sealpost.example";
  const foreignOutbox = await getWithHost(dev, "/dev/outbox", outside);
  const foreignMe = await getWithHost(dev, "/api/v1/clinic/me", outside);
  assert.deepEqual(
    { outbox: [foreignOutbox.status, foreignOutbox.json?.code], me: foreignMe.status },
    { outbox: [403, "dev_only"], me: 401 },
    `asked for as Host: ${outside}, the dev outbox is refused and an unauthenticated console call is not an admin ` +
      `(me answered ${JSON.stringify(foreignMe.json)})`,
  );
});

test("without a mail provider configured, the clinic API refuses work and says what is missing", async () => {
  const r = await unconfigured.clinic.upsertPatient("x", demoPatient.body);
  assert.equal(r.status, 503, `PUT a patient with MAIL_API_BASE empty: ${r.status} ${JSON.stringify(r.json)}`);
  assert.equal(r.json.code, "not_configured");
  assert.match(r.json.message, /MAIL_API_BASE/);
});
