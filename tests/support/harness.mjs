// Starts what the end-to-end tests run against: a fake SendGrid-compatible mail provider on
// loopback, and the real Worker in workerd (wrangler dev, local mode) with fresh state.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes, createPrivateKey, sign, generateKeyPairSync } from "node:crypto";
import { clinicClient, jsonOrText } from "./clinic-client.mjs";
import { checkResponsesOf } from "./openapi.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const MAIL_API_KEY = "test-mail-key";
export const SMS_SID = "ACtest0001";
export const SMS_TOKEN = "test-sms-token";

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A fake mail provider speaking SendGrid v3 `POST /v3/mail/send`. It checks each request the
 * way the real API would (auth, JSON shape) and records accepted messages.
 * `mode` = "up" | "down" (answers 500) | "refuse" (answers 400 with SendGrid's error body, which
 * names the address, as the real one does) switches behaviour at any time; `setDelay(ms)` holds
 * each mail answer that long (a slow provider, so deliveries overlap). Every mail request is
 * counted in `attempts` (to, status), accepted or not.
 *
 * Like SendGrid's Event Webhook, it can report what happened to a message afterwards:
 * `postEvents(url, events)` signs a JSON array of events with its own P-256 key (ECDSA over
 * SHA-256 of timestamp + body, DER, base64, in `X-Twilio-Email-Event-Webhook-Signature`) and
 * POSTs it; `eventPublicKey` is the public key as SendGrid shows it (base64 DER SPKI), for the
 * Worker's `SENDGRID_WEBHOOK_PUBLIC_KEY`. `eventFor(message, event, extra)` builds one event
 * for an accepted message, carrying the message's `custom_args` as SendGrid does.
 */
export async function startFakeMail() {
  const messages = [];
  const sms = [];
  const rejected = [];
  const attempts = [];
  const state = { mode: "up", delayMs: 0 };
  const events = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const eventPublicKey = events.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  let eventCounter = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const fail = (status, why) => {
        rejected.push({ status, why, body });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: why }] }));
      };
      if (req.method === "POST" && req.url === `/2010-04-01/Accounts/${SMS_SID}/Messages.json`) {
        const expected = "Basic " + Buffer.from(`${SMS_SID}:${SMS_TOKEN}`).toString("base64");
        if (req.headers.authorization !== expected) return fail(401, "bad sms credentials");
        if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded"))
          return fail(400, "not a form");
        if (state.mode === "down") return fail(500, "provider down");
        const form = new URLSearchParams(body);
        if (!form.get("To") || !form.get("From") || !form.get("Body")) return fail(400, "bad sms shape");
        sms.push({ to: form.get("To"), from: form.get("From"), body: form.get("Body") });
        res.writeHead(201, { "content-type": "application/json" });
        return res.end(JSON.stringify({ sid: "SM" + sms.length, status: "queued" }));
      }
      if (req.method !== "POST" || req.url !== "/v3/mail/send") return fail(404, "not found");
      const answer = () => {
        if (req.headers.authorization !== `Bearer ${MAIL_API_KEY}`) return fail(401, "bad key");
        let msg;
        try {
          msg = JSON.parse(body);
        } catch {
          return fail(400, "not JSON");
        }
        const to = msg?.personalizations?.[0]?.to?.[0]?.email;
        attempts.push({
          to, mode: state.mode, contentLength: req.headers["content-length"], chunked: req.headers["transfer-encoding"] === "chunked",
          bodyBytes: Buffer.byteLength(body),
        });
        if (state.mode === "down") return fail(500, "provider down");
        if (state.mode === "refuse") {
          rejected.push({ status: 400, why: "refused", body });
          res.writeHead(400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ errors: [{
            message: `The to email ${to} does not contain a valid address.`, field: "personalizations.0.to", help: null,
          }] }));
        }
        const text = msg?.content?.find((c) => c.type === "text/plain")?.value;
        if (!to || !msg.from?.email || !msg.subject || !text) return fail(400, "bad shape");
        const attachments = (msg.attachments ?? []).map((a) => ({
          filename: a.filename, type: a.type, bytes: Buffer.from(a.content, "base64"),
        }));
        const messageId = `msg${messages.length + 1}`;
        messages.push({
          to, from: msg.from, subject: msg.subject, text, attachments, raw: msg, messageId,
          customArgs: msg.custom_args ?? msg.personalizations?.[0]?.custom_args ?? {},
        });
        res.writeHead(202, { "x-message-id": messageId });
        res.end();
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    messages,
    sms,
    rejected,
    /** The 6-digit code in the newest text message to `to`. */
    latestCode(to) {
      const msg = [...sms].reverse().find((m) => m.to === to);
      return msg?.body.match(/\b\d{6}\b/)?.[0];
    },
    attempts,
    setMode: (mode) => (state.mode = mode),
    setDelay: (ms) => (state.delayMs = ms),
    eventPublicKey,
    /** One SendGrid event about an accepted `message` (its custom_args included). */
    eventFor(message, event, extra = {}) {
      eventCounter += 1;
      return {
        email: message.to,
        timestamp: Math.floor(Date.now() / 1000),
        event,
        sg_event_id: `ev-${eventCounter}-${randomBytes(6).toString("hex")}`,
        sg_message_id: `${message.messageId}.filter0001`,
        ...message.customArgs,
        ...extra,
      };
    },
    /**
     * POSTs `list` to `url` signed as SendGrid signs its Event Webhook. `tamper` changes the
     * body after signing; `timestamp` overrides the signed time (seconds).
     */
    async postEvents(url, list, { tamper = false, timestamp } = {}) {
      const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
      const payload = JSON.stringify(list);
      const signature = sign("sha256", Buffer.from(ts + payload), events.privateKey).toString("base64");
      const sent = tamper ? payload.replace("delivered", "bounce") : payload;
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-twilio-email-event-webhook-signature": signature,
          "x-twilio-email-event-webhook-timestamp": ts,
        },
        body: sent,
      });
      return { status: res.status, json: jsonOrText(await res.text()) };
    },
    /** The portal link in the newest message to `to`. */
    latestLink(to) {
      const msg = [...messages].reverse().find((m) => m.to === to);
      const match = msg?.text.match(/https?:\/\/[^\s]+\/open#[A-Za-z0-9_.-]+/);
      return match?.[0];
    },
    // Idle keep-alive connections from the Worker would hold `close` open for ever.
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/**
 * Kills `child`'s whole process group when this test process ends, however it ends: a test
 * file that times out never reaches its `after` hook, and an orphaned workerd keeps spinning
 * (seen: three of them at 20 % CPU each, slowing every later test).
 */
const groups = new Set();
let killerInstalled = false;
function killOnExit(child) {
  groups.add(child.pid);
  child.once("exit", () => groups.delete(child.pid));
  if (killerInstalled) return;
  killerInstalled = true;
  const killAll = () => { for (const pid of groups) try { process.kill(-pid, "SIGKILL"); } catch {} };
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => { killAll(); process.exit(130); });
}

/** The practice every test shares unless it makes others: the deployment's first practice. */
export const FIRST_PRACTICE = "riverside";

/**
 * Starts the Worker in workerd with fresh state and test secrets, and begins its first practice
 * the way an upgraded single-practice deployment does (docs/OPERATIONS.md, "Upgrade in place"):
 * `LEGACY_PRACTICE` names it and the operator adopts it, so the `CLINIC_API_KEY` and
 * `STAFF_ROLES` given here are that practice's. `adopt: false` leaves that to the test.
 * `persistFrom` (a directory holding a `v3/` tree, e.g. tests/fixtures/legacy-state) is copied
 * into the fresh state first; `extraVars.CLINIC_API_KEY` and `extraVars.LINK_SIGNING_KEY`, when
 * given, are also what `apiKey` and `signingSeed` return.
 */
export async function startSealpost({ mailBase, extraVars = {}, adopt = true, persistFrom } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const apiKey = extraVars.CLINIC_API_KEY ?? randomBytes(16).toString("hex");
  const operatorKey = randomBytes(16).toString("hex");
  const signingSeed = extraVars.LINK_SIGNING_KEY ?? randomBytes(32).toString("base64url");
  const state = mkdtempSync(join(tmpdir(), "sealpost-e2e-"));
  if (persistFrom) cpSync(persistFrom, state, { recursive: true });
  const vars = {
    PORTAL_ORIGIN: base,
    CLINIC_API_KEY: apiKey,
    LINK_SIGNING_KEY: signingSeed,
    LINK_SIGNING_KID: "test-1",
    MAIL_API_BASE: mailBase ?? "",
    MAIL_API_KEY,
    SMS_API_BASE: mailBase ?? "",
    SMS_ACCOUNT_SID: SMS_SID,
    SMS_AUTH_TOKEN: SMS_TOKEN,
    SMS_FROM: "+447700900000",
    DEV_MODE: "false",
    OPERATOR_API_KEY: operatorKey,
    SETTINGS_KEY: randomBytes(32).toString("base64url"),
    LEGACY_PRACTICE: FIRST_PRACTICE,
    ...extraVars,
  };
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state,
    "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd: join(root, "edge"),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that wrangler and its workerd can be killed together.
    detached: true,
  });
  killOnExit(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler exited:\n${log}`);
    try {
      const res = await fetch(base + "/");
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // From here on every answer of this Worker is checked against docs/openapi.yaml
  // (tests/support/openapi.mjs; SEALPOST_OPENAPI_CHECK=0 turns it off while debugging).
  checkResponsesOf(base);
  const operator = operatorClient(base, operatorKey);
  if (adopt) {
    const adopted = await operator.createPractice({
      id: vars.LEGACY_PRACTICE,
      name: vars.PRACTICE_NAME ?? "Riverside Surgery",
      adopt_existing: true,
    });
    if (adopted.status !== 201) throw new Error(`adopting the first practice: ${adopted.status} ${JSON.stringify(adopted.json)}\n${log}`);
  }
  return {
    base,
    apiKey,
    operatorKey,
    operator,
    signingSeed,
    clinic: clinicClient(base, apiKey),
    log: () => log,
    async stop() {
      // SEALPOST_E2E_LOGS=<dir> keeps each Worker's output there, for a run that went wrong.
      if (process.env.SEALPOST_E2E_LOGS) {
        mkdirSync(process.env.SEALPOST_E2E_LOGS, { recursive: true });
        writeFileSync(join(process.env.SEALPOST_E2E_LOGS, `wrangler-${port}.log`), log);
      }
      // The whole process group: workerd outlives a wrangler that alone was told to stop.
      const exited = new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      try { process.kill(-child.pid, "SIGTERM"); } catch { child.kill("SIGTERM"); }
      await exited;
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** The operator API (`OPERATOR_API_KEY`): create, list, suspend and resume practices. */
export function operatorClient(base, key) {
  const call = async (method, path, body) => {
    const res = await fetch(`${base}/api/v1/operator${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: jsonOrText(await res.text()) };
  };
  return {
    call,
    createPractice: (practice) => call("POST", "/practices", practice),
    list: (query = "") => call("GET", `/practices${query}`),
    suspend: (id) => call("POST", `/practices/${id}/suspend`),
    resume: (id) => call("POST", `/practices/${id}/resume`),
  };
}

/** POSTs JSON to the portal API, returning status, parsed body and headers. */
export async function portalPost(base, path, body, cookie) {
  const res = await fetch(`${base}/api/v1/portal${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: jsonOrText(await res.text()), headers: res.headers };
}

/** The token part of a portal link. */
export const tokenOf = (link) => link.split("#")[1];

/** Decodes a JWT's claims (no verification: for tests that craft related tokens). */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

/**
 * Signs a link token the way the edge does (EdDSA, kid, typ), with any claims: lets tests make
 * genuinely signed but expired links without waiting 24 hours.
 */
export function signLink(seedB64url, header, claims) {
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b657004220420", "hex"),
    Buffer.from(seedB64url, "base64url"),
  ]);
  const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${enc({ alg: "EdDSA", ...header })}.${enc(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

export const ORIGIN_TOKEN = "test-origin-token";

/**
 * A fake clinic document origin. `files` maps a path to `{ bytes, mode }` where mode is
 * "ok" (honours Range), "error" (500), "slow" (answers after `slowMs`), or "reset" (sends
 * half the bytes, then drops the connection). Requests without the bearer token get 401.
 */
export async function startFakeOrigin(files, { slowMs = 10_000 } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    if (req.headers.authorization !== `Bearer ${ORIGIN_TOKEN}`) {
      res.writeHead(401);
      return res.end();
    }
    const file = files[req.url.replace(/^\//, "")];
    if (!file) {
      res.writeHead(404);
      return res.end();
    }
    const { bytes, mode = "ok" } = file;
    if (mode === "error") {
      res.writeHead(500);
      return res.end("origin exploded");
    }
    if (mode === "slow") {
      const t = setTimeout(() => {
        res.writeHead(200, { "content-length": bytes.length });
        res.end(bytes);
      }, slowMs);
      res.on("close", () => clearTimeout(t));
      return;
    }
    if (mode === "reset") {
      res.writeHead(200, { "content-length": bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1));
      return setTimeout(() => res.destroy(), 50);
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (m) {
      const [start, end] = [Number(m[1]), Math.min(Number(m[2]), bytes.length - 1)];
      res.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${bytes.length}`,
        "content-length": end - start + 1,
      });
      return res.end(bytes.subarray(start, end + 1));
    }
    res.writeHead(200, { "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
