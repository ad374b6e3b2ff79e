// The benchmark driver behind scripts/bench.sh: starts the prebuilt Worker in workerd (wrangler
// dev, fresh --persist-to state), measures it on loopback, and prints a JSON result that
// bench.sh turns into docs/BENCHMARKS.md. A report, not a test: nothing here fails on a number,
// only on errors the brief says must be zero.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { cpSync, mkdirSync, mkdtempSync, rmSync, readFileSync, writeFileSync, createReadStream, openSync, writeSync, closeSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { startFakeMail, MAIL_API_KEY, SMS_SID, SMS_TOKEN, tokenOf } from "../../tests/support/harness.mjs";
import { clinicClient } from "../../tests/support/clinic-client.mjs";
import { demoPatient, demoDocuments } from "../../tests/support/demo-docs.mjs";
import { startWorkerd } from "../../tests/support/miniflare.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The tree whose build is measured (edge/build, edge/wrangler.toml, portal/dist): this one, or
// BENCH_ROOT (e.g. a worktree of an older commit, for before/after figures with the same driver).
const buildRoot = process.env.BENCH_ROOT ?? root;
const only = new Set((process.env.BENCH_ONLY ?? "").split(",").filter(Boolean));
const want = (k) => only.size === 0 || only.has(k);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const log = (...a) => console.error("[bench]", ...a);
// wrangler dev reloads when edge/build or portal/dist change (others rebuild while we measure):
// run from a snapshot of both instead.
const snap = mkdtempSync(join(tmpdir(), "sealpost-bench-snap-"));
mkdirSync(join(snap, "edge"));
cpSync(join(buildRoot, "edge", "wrangler.toml"), join(snap, "edge", "wrangler.toml"));
cpSync(join(buildRoot, "edge", "build"), join(snap, "edge", "build"), { recursive: true, filter: (src) => !src.includes(".tmp") });
cpSync(join(buildRoot, "portal", "dist"), join(snap, "portal", "dist"), { recursive: true });
symlinkSync(join(root, "node_modules"), join(snap, "node_modules"));
process.on("exit", () => rmSync(snap, { recursive: true, force: true }));
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Every descendant process of `pid` whose command is workerd. */
function workerdPids(pid) {
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      kids.set(Number(d), { ppid: Number(after[1]), comm });
    } catch {}
  }
  const out = [];
  const walk = (p) => { for (const [c, v] of kids) if (v.ppid === p) { if (v.comm === "workerd") out.push(c); walk(c); } };
  walk(pid);
  return out;
}
const cpuSeconds = (pids) => pids.reduce((sum, p) => {
  const after = readFileSync(`/proc/${p}/stat`, "utf8").split(")").pop().trim().split(" ");
  return sum + (Number(after[11]) + Number(after[12])) / CLK_TCK; // utime, stime
}, 0);
const rssMiB = (pids) => pids.reduce((sum, p) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
  return sum + (m ? Number(m[1]) / 1024 : 0);
}, 0);

/** wrangler dev with the prebuilt Worker; resolves when `/` answers 200. */
async function startWorker(mailBase) {
  const t0 = process.hrtime.bigint();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const apiKey = randomBytes(16).toString("hex");
  const operatorKey = randomBytes(16).toString("hex");
  const state = mkdtempSync(join(tmpdir(), "sealpost-bench-"));
  const vars = {
    PORTAL_ORIGIN: base, CLINIC_API_KEY: apiKey, LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
    LINK_SIGNING_KID: "bench-1", MAIL_API_BASE: mailBase, MAIL_API_KEY, SMS_API_BASE: mailBase,
    SMS_ACCOUNT_SID: SMS_SID, SMS_AUTH_TOKEN: SMS_TOKEN, SMS_FROM: "+447700900000", DEV_MODE: "false",
    OPERATOR_API_KEY: operatorKey,
  };
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state,
    "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd: join(snap, "edge"),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler exited:\n${out}`);
    try { if ((await fetch(base + "/")).status === 200) break; } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler did not start:\n${out}`);
    await sleep(20);
  }
  const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    base, apiKey, operatorKey, coldMs, clinic: clinicClient(base, apiKey),
    workerd: () => workerdPids(child.pid),
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * The Durable Object bindings of the measured build, from its wrangler.toml (a single-practice
 * build has PRACTICE; the multi-practice one adds DIRECTORY), for Miniflare.
 */
function durableObjectsOf(edgeDir) {
  const toml = readFileSync(join(edgeDir, "wrangler.toml"), "utf8");
  const sqlite = new Set([...toml.matchAll(/new_sqlite_classes\s*=\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1].matchAll(/"(\w+)"/g)].map((x) => x[1])));
  const out = {};
  for (const m of toml.matchAll(/\[\[durable_objects\.bindings\]\]\s*name\s*=\s*"(\w+)"\s*class_name\s*=\s*"(\w+)"/g)) {
    out[m[1]] = { className: m[2], useSQLite: sqlite.has(m[2]) };
  }
  if (!out.PRACTICE) throw new Error(`no PRACTICE Durable Object binding in ${edgeDir}/wrangler.toml`);
  return out;
}

/**
 * The practice the single-practice parts measure. A multi-practice build (it has the operator
 * API) begins practice `bench` through `POST /api/v1/operator/practices`, and its first key
 * becomes the clinic API key; a single-practice build answers 404 there and keeps
 * CLINIC_API_KEY. Either way `app.apiKey` / `app.clinic` are what the parts use.
 */
async function beginPractice(app, operatorKey) {
  const r = await fetch(`${app.base}/api/v1/operator/practices`, {
    method: "POST",
    headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
    body: JSON.stringify({ id: "bench", name: "Bench Surgery" }),
  });
  const text = await r.text();
  if (r.status === 404) { app.practiceSetup = "single-practice build: CLINIC_API_KEY"; return app; }
  let key;
  try { key = JSON.parse(text).api_key; } catch {}
  if (r.status !== 201 || !key) throw new Error(`creating practice bench: ${r.status} ${text.slice(0, 300)}`);
  app.apiKey = key;
  app.clinic = clinicClient(app.base, key);
  app.practiceSetup = "multi-practice build: practice `bench` created through the operator API, its first key as the clinic key";
  return app;
}

const must = (r, what) => { if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`); return r.json; };
const post = (base, path, body, headers = {}) => fetch(`${base}/api/v1/portal${path}`, {
  method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body),
});

/** A patient with the demo documents and a 1 MB one shared; returns token and a session cookie. */
async function seed(app, mail, id) {
  const email = `${id}@example.com`;
  must(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }), "patient");
  const docs = [...demoDocuments(), { id: "mb", kind: "lab", title: "1 MB", date: "2026-11-01", contentType: "application/octet-stream", bytes: randomBytes(1 << 20) }]
    .map((d) => ({ ...d, id: `${id}-${d.id}` }));
  for (const d of docs) must(await app.clinic.uploadDocument(id, d), "upload");
  must(await app.clinic.share({ patient_id: id, document_ids: docs.map((d) => d.id), method: "secure_link", staff: "bench" }), "share");
  const token = tokenOf(mail.latestLink(email));
  const v = await post(app.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
  if (v.status !== 200) throw new Error(`verify ${v.status}`);
  await v.arrayBuffer();
  return { token, cookie: v.headers.get("set-cookie").split(";")[0], mbId: `${id}-mb` };
}

function wrk(url, connections, seconds, luaPath, headers = []) {
  const args = ["-t", String(Math.min(2, connections)), "-c", String(connections), "-d", `${seconds}s`, "--latency", "--timeout", "10s"];
  if (luaPath) args.push("-s", luaPath);
  for (const h of headers) args.push("-H", h);
  args.push(url);
  return { connections, ...parseWrk(execFileSync("wrk", args, { encoding: "utf8" })) };
}

/** wrk's text output → numbers. `errors` = responses with status ≥ 400 (wrk's "Non-2xx or 3xx"
 * counter counts only those) + socket errors; both are also returned apart. */
function parseWrk(out) {
  const ms = (v) => { const m = /([\d.]+)(us|ms|s)/.exec(v); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
  const pct = (p) => ms((new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out) ?? [])[1] ?? "");
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50: pct(50), p99: pct(99), total, errors, non2xx, socketErrors: errors - non2xx };
}

async function pool(n, concurrency, fn) {
  let next = 0;
  const results = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) { const i = next++; results[i] = await fn(i); }
  }));
  return results;
}

/** Downloads `url` whole, checking status and length; returns the seconds it took. */
async function drain(url, size, headers = {}) {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  let n = 0;
  for await (const chunk of r.body) n += chunk.length;
  if (n !== size) throw new Error(`read ${n} of ${size}`);
  return (performance.now() - t0) / 1000;
}

/**
 * Large documents through the Worker with workerd started by Miniflare's API: wrangler dev
 * attaches a DevTools inspector to workerd, which (measured) holds on to subrequest bodies and
 * slows them down (a 200 MiB origin download: +1.3 GiB RSS, 6 MiB/s), so the Worker's own
 * streaming is measured without it. Two sources: a 200 MiB document on the clinic's HTTP origin
 * (a Node server generating the bytes) and a 100 MiB one uploaded into local R2 (the clinic
 * API's upload limit). Each is downloaded three times while workerd's RSS is sampled, and the
 * origin is also read directly as the baseline.
 */
async function streamWithoutInspector() {
  const originBytes = Number(process.env.BENCH_ORIGIN_BYTES ?? 200 * 1024 * 1024);
  const r2Bytes = Number(process.env.BENCH_STREAM_BYTES ?? 100 * 1024 * 1024);
  const block = randomBytes(1 << 20);
  const token = randomBytes(16).toString("hex");
  const origin = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) { res.writeHead(401); return res.end(); }
    res.writeHead(200, { "content-length": originBytes, "content-type": "application/octet-stream" });
    let sent = 0;
    const pump = () => {
      while (sent < originBytes) {
        const n = Math.min(block.length, originBytes - sent);
        sent += n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) return res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise((r) => origin.listen(0, "127.0.0.1", r));
  const originBase = `http://127.0.0.1:${origin.address().port}`;
  // startMiniflare: the same Worker set-up as the `routes` part (bindings from wrangler.toml,
  // the practice begun), plus the clinic's origin; its pids are this Miniflare's workerd only.
  const app = await startMiniflare({
    ORIGIN_BASE_URL: `${originBase}/`, ORIGIN_BEARER_TOKEN: token, ORIGIN_TIMEOUT_SECONDS: "10",
  });
  const { mf, base, pids } = app;
  const apiKey = app.apiKey;
  try {
    const s = await seed(app, mail, "origin");
    must(await app.clinic.putJson("/api/v1/clinic/patients/origin/documents/huge/external", {
      kind: "lab", title: "Huge", date: "2026-11-01", size: originBytes, content_type: "application/octet-stream", origin_path: "huge.bin",
    }), "register huge");
    const up = await fetch(`${base}/api/v1/clinic/patients/origin/documents/big?kind=lab&title=Big&date=2026-11-01`, {
      method: "PUT", duplex: "half",
      body: Readable.toWeb(Readable.from((function* () { for (let off = 0; off < r2Bytes; off += block.length) yield block.subarray(0, Math.min(block.length, r2Bytes - off)); })())),
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/octet-stream", "content-length": String(r2Bytes) },
    });
    const upText = await up.text();
    if (up.status >= 300) throw new Error(`big upload ${up.status} ${upText}`);
    must(await app.clinic.share({ patient_id: "origin", document_ids: ["huge", "big"], method: "secure_link", staff: "bench" }), "share huge");
    const measure = async (id, size) => {
      await sleep(500);
      const before = rssMiB(pids);
      let peak = before;
      const timer = setInterval(() => { peak = Math.max(peak, rssMiB(pids)); }, 25);
      const secs = [];
      const peaks = [];
      for (let i = 0; i < 3; i++) {
        secs.push(await drain(`${base}/api/v1/portal/documents/${id}/content`, size, { cookie: s.cookie }));
        peaks.push(peak);
      }
      clearInterval(timer);
      await sleep(500);
      return { bytes: size, MiBs: size / (1 << 20) / median(secs), rss: { before, peak, after: rssMiB(pids), peaksAfterEach: peaks } };
    };
    const fromOrigin = await measure("huge", originBytes);
    const fromR2 = await measure("big", r2Bytes);
    const direct = [];
    for (let i = 0; i < 3; i++) direct.push(await drain(`${originBase}/huge.bin`, originBytes, { authorization: `Bearer ${token}` }));
    const out = { workerdPids: pids.length, fromOrigin, fromR2, directMiBs: originBytes / (1 << 20) / median(direct) };
    log("stream without inspector", JSON.stringify(out));
    return out;
  } finally {
    await mf.dispose();
    await new Promise((r) => origin.close(r));
  }
}

/**
 * Part `attachment`: one email carrying a document of BENCH_ATTACHMENT_BYTES (default 20 MiB,
 * the attachment limit) from R2, sent to the fake provider, in workerd through Miniflare's API.
 * workerd's RSS is sampled every 25 ms while the share sends it, and a cheap request to the same
 * practice (its sharing history) is timed every 50 ms meanwhile: how long the practice's
 * Durable Object stays busy while the message is built. Three shares; medians and the peak.
 */
async function attachmentPart() {
  const bytes = Number(process.env.BENCH_ATTACHMENT_BYTES ?? 20 * 1024 * 1024);
  const app = await startMiniflare();
  const { mf, base, pids } = app;
  try {
    must(await app.clinic.upsertPatient("att", { ...demoPatient.body, email: "att@example.com" }), "patient");
    const block = randomBytes(1 << 20);
    const up = await fetch(`${base}/api/v1/clinic/patients/att/documents/big?kind=lab&title=Big&date=2026-11-01`, {
      method: "PUT", duplex: "half",
      body: Readable.toWeb(Readable.from((function* () { for (let off = 0; off < bytes; off += block.length) yield block.subarray(0, Math.min(block.length, bytes - off)); })())),
      headers: { authorization: `Bearer ${app.apiKey}`, "content-type": "application/pdf", "content-length": String(bytes) },
    });
    const upText = await up.text();
    if (up.status >= 300) throw new Error(`attachment upload ${up.status} ${upText}`);
    const runs = [];
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      const before = rssMiB(pids);
      let peak = before;
      const timer = setInterval(() => { peak = Math.max(peak, rssMiB(pids)); }, 25);
      const received = mail.messages.length;
      // The prober is its own process: this one also runs the fake provider, whose parsing of
      // the 27 MB message would otherwise delay the probes and be counted against the Worker.
      const prober = spawn(process.execPath, ["-e", `
        const [url, key] = process.argv.slice(1);
        (async () => { for (;;) {
          const t0 = performance.now();
          const r = await fetch(url, { headers: { authorization: "Bearer " + key } });
          await r.arrayBuffer();
          process.stdout.write((performance.now() - t0) + "\\n");
          await new Promise((r) => setTimeout(r, 50));
        } })();
      `, `${base}/api/v1/clinic/patients/att/shares`, app.apiKey], { stdio: ["ignore", "pipe", "inherit"] });
      let probeOut = "";
      prober.stdout.on("data", (d) => (probeOut += d));
      await sleep(300);
      const t0 = performance.now();
      const r = await app.clinic.share({ patient_id: "att", document_ids: ["big"], method: "attachment", staff: "bench" });
      const shareMs = performance.now() - t0;
      prober.kill();
      await new Promise((r) => prober.once("exit", r));
      const probes = probeOut.trim().split("\n").map(Number).filter((x) => x > 0);
      clearInterval(timer);
      if (r.status !== 201 || r.json.emails_sent !== 1) throw new Error(`attachment share ${r.status} ${JSON.stringify(r.json)}`);
      const msg = mail.messages.at(-1);
      if (mail.messages.length !== received + 1 || msg.attachments[0].bytes.length !== bytes) throw new Error("attachment not received whole");
      await sleep(500);
      runs.push({ shareMs, rss: { before, peak, after: rssMiB(pids) }, probeMsMax: Math.max(...probes), probeMsMedian: median(probes), probes: probes.length });
      log("attachment", JSON.stringify(runs.at(-1)));
    }
    return { bytes, workerdPids: pids.length, runs, shareMsMedian: median(runs.map((r) => r.shareMs)), rssPeakMax: Math.max(...runs.map((r) => r.rss.peak)) };
  } finally {
    await mf.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Parts `routes` and `tenants`: the Worker in workerd through Miniflare's API (no inspector,
// Miniflare's default no-op log), wrk on loopback, each route beside GET /health of the same
// Worker in the same run (GUIDE §6).

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const NPROC = Number(execFileSync("nproc").toString().trim());
const DO_STORAGE = process.env.BENCH_DO_PERSIST
  ? `Durable Object SQLite in ${process.env.BENCH_DO_PERSIST} (BENCH_DO_PERSIST)`
  : "Durable Object SQLite and R2 in a fresh temporary directory on disk (Miniflare's default)";

/** Per-process CPU seconds (utime + stime) of `pids`, as { pid: seconds }. */
const cpuByPid = (pids) => Object.fromEntries(pids.map((p) => {
  try {
    const after = readFileSync(`/proc/${p}/stat`, "utf8").split(")").pop().trim().split(" ");
    return [p, (Number(after[11]) + Number(after[12])) / CLK_TCK];
  } catch { return [p, NaN]; }
}));
/** The whole machine's CPU counters from /proc/stat: busy and total jiffies over all cores. */
function machineTicks() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
  return { total, busy: total - f[3] - f[4], iowait: f[4] }; // busy = minus idle, iowait
}

/**
 * Runs wrk without blocking this process (the fake mail server and Miniflare live here) and
 * measures around it: each workerd process's CPU from /proc/<pid>/stat before and after, wrk's
 * own CPU (bash's `times` for its children) and the whole machine's busy cores from /proc/stat
 * (what is left is Node and whatever else runs on the machine). `sample`, if given, is called
 * every 250 ms while wrk runs (RSS sampling).
 */
async function wrkMeasured({ url, script, headers = [], seconds, pids, sample }) {
  const args = ["-t", String(Math.min(2, CONNECTIONS)), "-c", String(CONNECTIONS), "-d", `${seconds}s`, "--latency", "--timeout", "10s"];
  if (script) args.push("-s", script);
  for (const h of headers) args.push("-H", h);
  args.push(url);
  const c0 = cpuByPid(pids), m0 = machineTicks(), t0 = performance.now();
  const timer = sample ? setInterval(sample, 250) : null;
  const { out, times } = await new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", 'wrk "$@"; rc=$?; times >&2; exit $rc', "bash", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve({ out, times: err }) : reject(new Error(`wrk exited ${code}: ${err}${out}`))));
  });
  if (timer) clearInterval(timer);
  const wall = (performance.now() - t0) / 1000, c1 = cpuByPid(pids), m1 = machineTicks();
  // `times` prints the shell's own user/sys, then its children's (wrk): "0m1.234s 0m0.567s".
  const t = [...times.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  const wrkCpu = t.length >= 4 ? t[2] + t[3] : NaN;
  const r = parseWrk(out);
  const workerd = pids.map((p) => ({ pid: p, cpuSeconds: c1[p] - c0[p] }));
  const workerdCpu = workerd.reduce((a, w) => a + w.cpuSeconds, 0);
  return {
    ...r, seconds: wall,
    workerd: workerd.map((w) => ({ ...w, cores: w.cpuSeconds / wall, msPerRequest: (w.cpuSeconds * 1000) / r.total })),
    workerdCores: workerdCpu / wall, workerdMsPerRequest: (workerdCpu * 1000) / r.total,
    wrkCores: wrkCpu / wall,
    machineBusyCores: ((m1.busy - m0.busy) / (m1.total - m0.total)) * NPROC,
    machineIowaitCores: ((m1.iowait - m0.iowait) / (m1.total - m0.total)) * NPROC,
    command: ["wrk", ...args].map((a) => (/[\s;"]/.test(a) ? `'${a}'` : a)).join(" "),
  };
}

/**
 * The Worker in workerd through Miniflare's API, with fresh state; `practice: true` begins the
 * measured practice (beginPractice) as the wrangler-based parts do.
 */
async function startMiniflare(extra = {}, { practice = true, options = {} } = {}) {
  const apiKey = randomBytes(16).toString("hex");
  const operatorKey = extra.OPERATOR_API_KEY ?? randomBytes(16).toString("hex");
  const before = new Set(workerdPids(process.pid));
  const mf = startWorkerd(join(snap, "edge"), {
    PORTAL_ORIGIN: "http://127.0.0.1:8787", CLINIC_API_KEY: apiKey, LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
    LINK_SIGNING_KID: "bench-1", MAIL_API_BASE: mail.base, MAIL_API_KEY, SMS_API_BASE: mail.base,
    SMS_ACCOUNT_SID: SMS_SID, SMS_AUTH_TOKEN: SMS_TOKEN, SMS_FROM: "+447700900000", DEV_MODE: "false",
    PRACTICE_NAME: "Bench Surgery", MAIL_FROM: "no-reply@bench.example", OPERATOR_API_KEY: operatorKey, ...extra,
  }, {
    durableObjects: durableObjectsOf(join(snap, "edge")),
    // Logging off: Miniflare's default log is already a no-op, but with logRequests (default
    // true) its entry worker still re-wraps every response to build a log line it then drops.
    logRequests: false,
    // Durable Object SQLite files: Miniflare's default is a fresh temporary directory on disk;
    // BENCH_DO_PERSIST=/dev/shm/… puts them on tmpfs instead (writes then skip the disk).
    ...(process.env.BENCH_DO_PERSIST ? { durableObjectsPersist: process.env.BENCH_DO_PERSIST } : {}),
    ...options,
  });
  const base = (await mf.ready).origin.replace(/\/$/, "");
  // Only the workerd processes this Miniflare started (children of this Node process): other
  // work on the machine may run its own workerd.
  const pids = workerdPids(process.pid).filter((p) => !before.has(p));
  if (pids.length === 0) throw new Error("no workerd process found under this Node process");
  const app = { mf, base, apiKey, operatorKey, pids, clinic: clinicClient(base, apiKey) };
  if (practice) {
    try { await beginPractice(app, operatorKey); } catch (e) { await mf.dispose(); throw e; }
  }
  return app;
}

/** One request with fetch, checked: "200 ok" or what went wrong (before and after each load). */
async function probe({ url, method = "GET", body, headers = {} }, check) {
  try {
    const r = await fetch(url, { method, body, headers });
    const buf = Buffer.from(await r.arrayBuffer());
    const why = check(r.status, buf);
    return why === true ? "200 ok" : `${r.status}: ${why || buf.subarray(0, 120).toString()}`;
  } catch (e) { return `failed: ${e.cause ?? e}`; }
}

/**
 * Part `routes`: per route req/s, p50/p99 and each workerd process's CPU, beside GET /health
 * (measured first and last; ratios are to the mean of the two). Targets are printed, not enforced.
 */
async function routesPart() {
  const w = await startMiniflare();
  const dir = mkdtempSync(join(tmpdir(), "sealpost-wrk-"));
  try {
    const s = await seed(w, mail, "routes");
    const openLua = join(dir, "open.lua");
    const openBody = JSON.stringify({ token: s.token });
    writeFileSync(openLua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(openBody)}\n`);
    const listUrl = `${w.base}/api/v1/portal/documents`;
    const forgedLua = join(dir, "forged.lua");
    const forgedBody = JSON.stringify({ token: s.token.slice(0, -6) + (s.token.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA") });
    writeFileSync(forgedLua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(forgedBody)}\n`);
    const ghostCookie = `__Host-sealpost_session=ghost.${"A".repeat(43)}`;
    const docUrl = `${w.base}/api/v1/portal/documents/${s.mbId}/content`;
    const isJson = (buf) => { try { return JSON.parse(buf.toString()); } catch { return null; } };
    const health = {
      key: "health", name: "GET /health", url: `${w.base}/health`,
      check: (st, b) => (st === 200 && b.toString() === "ok") || "not 200 ok",
    };
    const routes = [
      health,
      {
        key: "open", name: "link open (POST /api/v1/portal/open)", target: 0.65, url: `${w.base}/api/v1/portal/open`, script: openLua,
        req: { method: "POST", body: openBody, headers: { "content-type": "application/json" } },
        check: (st, b) => (st === 200 && isJson(b)?.outcome === "challenge") || "not a 200 challenge",
      },
      {
        key: "list", name: "document list (GET /api/v1/portal/documents)", target: 0.65, url: listUrl, headers: [`Cookie: ${s.cookie}`],
        check: (st, b) => (st === 200 && Array.isArray(isJson(b)?.documents)) || "not a 200 list",
      },
      {
        key: "doc", name: "1 MiB document (GET /api/v1/portal/documents/{id}/content)", target: 0.18, url: docUrl, headers: [`Cookie: ${s.cookie}`],
        check: (st, b) => (st === 200 && b.length === 1 << 20) || `not 200 with 1 MiB (${b.length} bytes)`,
      },
      // Where the time goes (no targets; they answer 404 by design): the Worker alone reading a
      // body and checking an Ed25519 signature, and one round trip to a practice's Durable
      // Object that reads one row and writes nothing.
      {
        key: "forged", name: "probe: forged link (Worker only: body + signature check)", url: `${w.base}/api/v1/portal/open`, script: forgedLua,
        req: { method: "POST", body: forgedBody, headers: { "content-type": "application/json" } }, expectStatus: 404,
        check: (st, b) => (st === 404 && isJson(b)?.code === "link_invalid") || "not a 404 link_invalid",
      },
      {
        key: "roundtrip", name: "probe: unknown practice (Worker → Durable Object → 404)", url: listUrl, headers: [`Cookie: ${ghostCookie}`], expectStatus: 404,
        check: (st) => st === 404 || "not a 404",
      },
      { ...health, key: "health2", name: "GET /health (again, last)" },
    ];
    const runs = [];
    for (const rt of routes) {
      const headers = Object.fromEntries(((rt.headers ?? []).map((h) => h.split(/:\s*/, 2))));
      const req = { url: rt.url, ...(rt.req ?? {}), headers: { ...headers, ...(rt.req?.headers ?? {}) } };
      const before = await probe(req, rt.check);
      // A probe answers 404 by design: its ≥ 400 count is what it measures, not an error.
      const expected = rt.expectStatus != null;
      if (WARMUP_SECONDS > 0) await wrkMeasured({ url: rt.url, script: rt.script, headers: rt.headers, seconds: WARMUP_SECONDS, pids: w.pids });
      const r = await wrkMeasured({ url: rt.url, script: rt.script, headers: rt.headers, seconds: LOAD_SECONDS, pids: w.pids });
      const after = await probe(req, rt.check);
      // The printed command hides the session cookie and names the Lua file by what it holds.
      const command = r.command.replace(s.cookie, "<session cookie>").replace(openLua, "open.lua");
      if (expected) { r.errors = r.socketErrors ?? 0; }
      runs.push({ key: rt.key, name: rt.name, target: rt.target, ...r, command, probe: { before, after } });
      log("routes", rt.name, r.rps.toFixed(1), "req/s p50", r.p50, "p99", r.p99, "errors", r.errors, "workerd", r.workerdMsPerRequest.toFixed(3), "ms/req", before, after);
    }
    const hs = runs.filter((r) => r.key.startsWith("health")).map((r) => r.rps);
    const healthRps = hs.reduce((a, b) => a + b, 0) / hs.length;
    const hc = runs.filter((r) => r.key.startsWith("health")).map((r) => r.workerdMsPerRequest);
    const healthCpuMs = hc.reduce((a, b) => a + b, 0) / hc.length;
    for (const r of runs) if (r.target != null) {
      r.ratio = r.rps / healthRps;
      // The same comparison in workerd CPU per request: less sensitive to other work on the
      // machine taking cores away mid-run (it does not see waits on storage).
      r.cpuRatio = healthCpuMs / r.workerdMsPerRequest;
      // A route with errors has no honest ratio: flagged, not averaged in.
      r.flag = r.errors > 0 || r.probe.before !== "200 ok" || r.probe.after !== "200 ok"
        ? `ERRORS: ${r.non2xx} responses ≥ 400, ${r.socketErrors} socket errors; probes ${r.probe.before} / ${r.probe.after}` : null;
    }
    const out = {
      nproc: NPROC, connections: CONNECTIONS, loadSeconds: LOAD_SECONDS, warmupSeconds: WARMUP_SECONDS,
      workerdPids: w.pids.length, healthRps, healthCpuMs, runs, doStorage: DO_STORAGE, practiceSetup: w.practiceSetup,
      openLua: readFileSync(openLua, "utf8").replace(s.token, "<token>"),
      buildRoot, buildCommit: (() => { try { return execFileSync("git", ["-C", buildRoot, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(); } catch { return "n/a"; } })(),
    };
    log("routes ratios", runs.filter((r) => r.ratio != null).map((r) => `${r.key} ${(r.ratio * 100).toFixed(1)} %${r.flag ? " " + r.flag : ""}`).join("; "));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await w.mf.dispose();
  }
}

/**
 * Part `tenants` (multi-practice; needs the operator API): 1,000 practices created through
 * `POST /api/v1/operator/practices`; 100 of them seeded with one patient and one shared
 * document; then the same mixed load (link opens and document lists, 50/50) spread over the
 * 100 practices and concentrated on 1, same duration, with workerd's RSS sampled before,
 * during and after each. Skipped (with the reason in the report) when the route answers 404.
 */
async function tenantsPart() {
  const PRACTICES = Number(process.env.BENCH_PRACTICES ?? 1000);
  const SEEDED = Math.min(PRACTICES, Number(process.env.BENCH_SEEDED_PRACTICES ?? 100));
  const operatorKey = randomBytes(16).toString("hex");
  const w = await startMiniflare({ OPERATOR_API_KEY: operatorKey }, { practice: false });
  const dir = mkdtempSync(join(tmpdir(), "sealpost-wrk-"));
  const rss = () => rssMiB(w.pids);
  try {
    const pid = (i) => `p${String(i + 1).padStart(4, "0")}`;
    const create = async (i) => {
      const r = await fetch(`${w.base}/api/v1/operator/practices`, {
        method: "POST",
        headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
        body: JSON.stringify({ id: pid(i), name: `Practice ${i + 1}` }),
      });
      const text = await r.text();
      let json = null; try { json = JSON.parse(text); } catch {}
      return { status: r.status, json, text };
    };
    const first = await create(0);
    if (first.status === 404) {
      const skipped = `POST /api/v1/operator/practices answered 404 (${first.text.slice(0, 120)}): this build has no operator API yet, so there is nothing to measure; the part runs as soon as the route exists.`;
      log("tenants skipped:", skipped);
      return { skipped, buildRoot };
    }
    if (first.status !== 201 || !first.json?.api_key) throw new Error(`create practice ${pid(0)}: ${first.status} ${first.text.slice(0, 300)}`);
    const rssIdle = rss();
    const keys = [first.json.api_key];
    const failures = [];
    const t0 = performance.now();
    await pool(PRACTICES - 1, 8, async (k) => {
      const r = await create(k + 1);
      if (r.status === 201 && r.json?.api_key) keys[k + 1] = r.json.api_key;
      else failures.push(`${pid(k + 1)}: ${r.status} ${r.text.slice(0, 80)}`);
    });
    const createSeconds = (performance.now() - t0) / 1000;
    const rssAfterCreate = rss();
    log("tenants: created", PRACTICES - failures.length, "of", PRACTICES, "in", createSeconds.toFixed(1), "s; errors", failures.length);
    if (failures.length) throw new Error(`practice creation failed ${failures.length}×: ${failures.slice(0, 3).join("; ")}`);

    // Seed 100: the same steps as `seed` on the single practice (patient, document, share by
    // secure link, date-of-birth verification), with each practice's own clinic API key.
    const t1 = performance.now();
    const seeded = await pool(SEEDED, 4, async (i) => {
      const clinic = clinicClient(w.base, keys[i]);
      const patient = `pat-${pid(i)}`, email = `${pid(i)}@tenants.example`;
      const doc = { ...demoDocuments()[0], id: `${pid(i)}-doc` };
      must(await clinic.upsertPatient(patient, { ...demoPatient.body, email }), `${pid(i)} patient`);
      must(await clinic.uploadDocument(patient, doc), `${pid(i)} upload`);
      must(await clinic.share({ patient_id: patient, document_ids: [doc.id], method: "secure_link", staff: "bench" }), `${pid(i)} share`);
      const link = mail.latestLink(email);
      if (!link) throw new Error(`${pid(i)}: no link mailed to ${email}`);
      const token = tokenOf(link);
      const v = await post(w.base, "/verify/birthday", { token, day: "7", month: "3", year: "1984" });
      if (v.status !== 200) throw new Error(`${pid(i)} verify ${v.status} ${await v.text()}`);
      await v.arrayBuffer();
      return { token, cookie: v.headers.get("set-cookie").split(";")[0] };
    });
    const seedSeconds = (performance.now() - t1) / 1000;
    log("tenants: seeded", SEEDED, "in", seedSeconds.toFixed(1), "s");

    // One Lua script per load: requests alternate open, list, open, list… over the practices
    // given (1 or 100), so both loads do the same work per request and differ only in spread.
    const mixedLua = (name, set) => {
      const p = join(dir, `${name}.lua`);
      const lua = [
        `local sets = {`,
        ...set.map((x) => `  { ${JSON.stringify(JSON.stringify({ token: x.token }))}, ${JSON.stringify(x.cookie)} },`),
        `}`,
        `local reqs = {}`,
        `-- In init: wrk.format takes Host from wrk.host, which is not set yet when the file loads.`,
        `init = function(args)`,
        `  for _, s in ipairs(sets) do`,
        `    reqs[#reqs + 1] = wrk.format("POST", "/api/v1/portal/open", { ["Content-Type"] = "application/json" }, s[1])`,
        `    reqs[#reqs + 1] = wrk.format("GET", "/api/v1/portal/documents", { ["Cookie"] = s[2] }, nil)`,
        `  end`,
        `end`,
        `local i = 0`,
        `request = function() i = i % #reqs + 1; return reqs[i] end`,
      ].join("\n");
      writeFileSync(p, lua + "\n");
      return p;
    };
    const loads = [
      { key: "health", name: "GET /health (yardstick)", url: `${w.base}/health` },
      { key: "one", name: "mixed load on 1 practice", url: `${w.base}/`, script: mixedLua("one", seeded.slice(0, 1)) },
      { key: "spread", name: `mixed load over ${SEEDED} practices`, url: `${w.base}/`, script: mixedLua("spread", seeded) },
    ];
    const runs = [];
    for (const l of loads) {
      if (WARMUP_SECONDS > 0) await wrkMeasured({ url: l.url, script: l.script, seconds: WARMUP_SECONDS, pids: w.pids });
      await sleep(1000);
      const before = rss();
      const during = [];
      const r = await wrkMeasured({ url: l.url, script: l.script, seconds: LOAD_SECONDS, pids: w.pids, sample: () => during.push(rss()) });
      await sleep(2000);
      const after = rss();
      const rssOut = { before, duringMin: Math.min(...during), duringMedian: median(during), duringMax: Math.max(...during), after, samples: during.length };
      runs.push({ key: l.key, name: l.name, ...r, command: r.command.replace(dir + "/", ""), rss: rssOut });
      log("tenants", l.name, r.rps.toFixed(1), "req/s errors", r.errors, "rss", JSON.stringify(rssOut));
    }
    const h = runs[0].rps;
    for (const r of runs.slice(1)) r.ratio = r.rps / h;
    // Does what grew come back once idle (V8 collecting late), or stay (held)?
    await sleep(10_000);
    const rssSettled = rss();
    log("tenants: rss 10 s after the last load", rssSettled.toFixed(1));
    return {
      practices: PRACTICES, seeded: SEEDED, createSeconds, seedSeconds, rssIdle, rssAfterCreate, rssSettled,
      nproc: NPROC, connections: CONNECTIONS, loadSeconds: LOAD_SECONDS, workerdPids: w.pids.length, runs, doStorage: DO_STORAGE,
      spreadVsOne: runs[2].rps / runs[1].rps, buildRoot,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await w.mf.dispose();
  }
}

/**
 * Part `phone`: the portal on a throttled phone (scripts/bench/phone.mjs), served by the Worker
 * in workerd through Miniflare's API.
 */
async function phone() {
  const { phonePart } = await import("./phone.mjs");
  const { launchBrowser } = await import("../../tests/support/browser.mjs");
  // The portal's files as wrangler.toml's [assets] serves them: the Worker first, then the
  // ASSETS binding, unknown paths answered with index.html.
  const app = await startMiniflare({}, { options: { assets: {
    directory: join(snap, "portal", "dist"), binding: "ASSETS",
    routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
    assetConfig: { not_found_handling: "single-page-application" },
  } } });
  const browser = await launchBrowser();
  try {
    let n = 0;
    const newLink = async () => {
      const id = `phone-${n++}`;
      const email = `${id}@example.com`;
      must(await app.clinic.upsertPatient(id, { ...demoPatient.body, email }), "patient");
      const docs = demoDocuments().slice(0, 3).map((d) => ({ ...d, id: `${id}-${d.id}` }));
      for (const d of docs) must(await app.clinic.uploadDocument(id, d), "upload");
      must(await app.clinic.share({ patient_id: id, document_ids: docs.map((d) => d.id), method: "secure_link", staff: "bench" }), "share");
      return `${app.base}/open#${tokenOf(mail.latestLink(email))}`;
    };
    return await phonePart({
      browser, base: app.base, newLink, invalidLink: `${app.base}/open#eyJhbGciOiJFZERTQSJ9.e30.forged`,
      dist: join(snap, "portal", "dist"), log,
    });
  } finally {
    await browser.close();
    await app.mf.dispose();
  }
}

const result = {};
const mail = await startFakeMail();
try {
  // Cold start: spawn → first 200, three times.
  if (want("cold")) {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const app = await startWorker(mail.base);
      times.push(app.coldMs);
      await app.stop();
    }
    result.coldStart = { runs: times, median: median(times) };
    log("cold start", times);
  }

  if (want("origin")) result.origin = await streamWithoutInspector();
  if (want("attachment")) result.attachment = await attachmentPart();
  // Both in workerd through Miniflare's API (no wrangler, no inspector); `tenants` returns a
  // `skipped` reason while the operator API does not exist.
  if (want("routes")) result.routes = await routesPart();
  if (want("phone")) result.phone = await phone();
  if (want("tenants")) result.tenants = await tenantsPart();

  if (!["cpu", "load", "bulk", "stream"].some(want)) {
    console.log(JSON.stringify(result, null, 2));
    await mail.stop();
    process.exit(0);
  }
  const app = await startWorker(mail.base);
  try {
    await beginPractice(app, app.operatorKey);
    const s = await seed(app, mail, "bench");
    const pids = app.workerd();
    result.workerdPids = pids.length;
    // Warm up.
    for (let i = 0; i < 20; i++) await (await post(app.base, "/open", { token: s.token })).arrayBuffer();

    if (want("cpu")) {
      const kinds = {
        "open link (POST /open)": () => post(app.base, "/open", { token: s.token }),
        "verify (POST /verify/birthday)": () => post(app.base, "/verify/birthday", { token: s.token, day: "7", month: "3", year: "1984" }),
        "list (GET /documents)": () => fetch(`${app.base}/api/v1/portal/documents`, { headers: { cookie: s.cookie } }),
        "1 MB document (GET content)": () => fetch(`${app.base}/api/v1/portal/documents/${s.mbId}/content`, { headers: { cookie: s.cookie } }),
      };
      result.cpu = [];
      for (const [name, fn] of Object.entries(kinds)) {
        const n = name.startsWith("1 MB") ? 100 : 300;
        for (let i = 0; i < 10; i++) await (await fn()).arrayBuffer();
        const c0 = cpuSeconds(pids);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) { const r = await fn(); await r.arrayBuffer(); if (r.status !== 200) throw new Error(`${name}: ${r.status}`); }
        const wall = (performance.now() - t0) / n;
        const cpu = ((cpuSeconds(pids) - c0) * 1000) / n;
        result.cpu.push({ name, n, cpuMs: cpu, wallMs: wall });
        log("cpu", name, cpu.toFixed(3), "ms");
      }
    }

    if (want("load")) {
      const dir = mkdtempSync(join(tmpdir(), "sealpost-wrk-"));
      const lua = (name, body) => {
        const p = join(dir, `${name}.lua`);
        writeFileSync(p, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(JSON.stringify(body))}\n`);
        return p;
      };
      const targets = [
        ["open link", `${app.base}/api/v1/portal/open`, lua("open", { token: s.token }), []],
        ["verify (birthday)", `${app.base}/api/v1/portal/verify/birthday`, lua("verify", { token: s.token, day: "7", month: "3", year: "1984" }), []],
        ["list documents", `${app.base}/api/v1/portal/documents`, null, [`Cookie: ${s.cookie}`]],
      ];
      result.load = [];
      for (const [name, url, script, headers] of targets) {
        for (const c of [1, 10, 100]) {
          const r = wrk(url, c, LOAD_SECONDS, script, headers);
          result.load.push({ name, ...r });
          log("load", name, c, r.rps, r.p50, r.p99, "errors", r.errors);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }

    if (want("bulk")) {
      // 1,000 link opens (20 at a time) and 100 concurrent downloads of the 1 MB document.
      const t0 = performance.now();
      const failures = [];
      const opens = await pool(1000, 20, async () => {
        try {
          const r = await post(app.base, "/open", { token: s.token });
          const j = await r.json();
          if (r.status !== 200 || j.outcome !== "challenge") failures.push(`${r.status} ${j.code}`);
          return r.status === 200 && j.outcome === "challenge";
        } catch (e) { failures.push(String(e.cause ?? e)); return false; }
      });
      const openMs = performance.now() - t0;
      const t1 = performance.now();
      const downloads = await Promise.all(Array.from({ length: 100 }, async () => {
        try {
          const r = await fetch(`${app.base}/api/v1/portal/documents/${s.mbId}/content`, { headers: { cookie: s.cookie } });
          const b = await r.arrayBuffer();
          if (r.status !== 200 || b.byteLength !== 1 << 20) failures.push(`download ${r.status} ${b.byteLength}`);
          return r.status === 200 && b.byteLength === 1 << 20;
        } catch (e) { failures.push(String(e.cause ?? e)); return false; }
      }));
      const dlMs = performance.now() - t1;
      result.bulk = {
        opens: { n: 1000, ok: opens.filter(Boolean).length, errors: opens.filter((x) => !x).length, seconds: openMs / 1000 },
        downloads: { n: 100, ok: downloads.filter(Boolean).length, errors: downloads.filter((x) => !x).length, seconds: dlMs / 1000 },
        failures: [...new Set(failures)].slice(0, 5),
      };
      log("bulk", JSON.stringify(result.bulk));
      if (result.bulk.opens.errors || result.bulk.downloads.errors) process.exitCode = 1;
    }

    if (want("stream")) {
      // The largest document the clinic API accepts (100 MiB, MAX_UPLOAD_BYTES in
      // edge/src/routes/clinic.rs), uploaded into local R2 and read back through the Worker;
      // the baseline is the same file served from disk by a plain Node server on loopback.
      const size = Number(process.env.BENCH_STREAM_BYTES ?? 100 * 1024 * 1024);
      const dir = mkdtempSync(join(tmpdir(), "sealpost-stream-"));
      const file = join(dir, "big.bin");
      const fd = openSync(file, "w");
      const block = randomBytes(1 << 20);
      for (let off = 0; off < size; off += block.length) writeSync(fd, block, 0, Math.min(block.length, size - off));
      closeSync(fd);
      const id = "bench-big";
      const tu = performance.now();
      const up = await fetch(`${app.base}/api/v1/clinic/patients/bench/documents/${id}?kind=lab&title=Big&date=2026-11-01`, {
        method: "PUT", duplex: "half", body: Readable.toWeb(createReadStream(file)),
        headers: { authorization: `Bearer ${app.apiKey}`, "content-type": "application/octet-stream", "content-length": String(size) },
      });
      const upText = await up.text();
      if (up.status >= 300) throw new Error(`big upload ${up.status} ${upText}`);
      const uploadS = (performance.now() - tu) / 1000;
      must(await app.clinic.share({ patient_id: "bench", document_ids: [id], method: "secure_link", staff: "bench" }), "share big");
      const direct = createServer((req, res) => { res.writeHead(200, { "content-length": size }); createReadStream(file).pipe(res); });
      await new Promise((r) => direct.listen(0, "127.0.0.1", r));
      const rssBefore = rssMiB(pids);
      let peak = rssBefore;
      const timer = setInterval(() => { peak = Math.max(peak, rssMiB(pids)); }, 25);
      const viaWorker = [];
      for (let i = 0; i < 3; i++) viaWorker.push(await drain(`${app.base}/api/v1/portal/documents/${id}/content`, size, { cookie: s.cookie }));
      clearInterval(timer);
      await sleep(500);
      const rssAfter = rssMiB(pids);
      const directS = [];
      for (let i = 0; i < 3; i++) directS.push(await drain(`http://127.0.0.1:${direct.address().port}/`, size));
      await new Promise((r) => direct.close(r));
      rmSync(dir, { recursive: true, force: true });
      const mbps = (secs) => size / (1 << 20) / secs;
      result.stream = {
        bytes: size, uploadMiBs: mbps(uploadS),
        workerMiBs: mbps(median(viaWorker)), directMiBs: mbps(median(directS)),
        ratio: median(directS) / median(viaWorker),
        rss: { before: rssBefore, peak, after: rssAfter },
      };
      log("stream", JSON.stringify(result.stream));
    }
  } finally {
    await app.stop();
  }
} finally {
  await mail.stop();
}
console.log(JSON.stringify(result, null, 2));
