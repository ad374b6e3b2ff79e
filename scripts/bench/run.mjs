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
cpSync(join(root, "edge", "wrangler.toml"), join(snap, "edge", "wrangler.toml"));
cpSync(join(root, "edge", "build"), join(snap, "edge", "build"), { recursive: true, filter: (src) => !src.includes(".tmp") });
cpSync(join(root, "portal", "dist"), join(snap, "portal", "dist"), { recursive: true });
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
  const state = mkdtempSync(join(tmpdir(), "sealpost-bench-"));
  const vars = {
    PORTAL_ORIGIN: base, CLINIC_API_KEY: apiKey, LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
    LINK_SIGNING_KID: "bench-1", MAIL_API_BASE: mailBase, MAIL_API_KEY, SMS_API_BASE: mailBase,
    SMS_ACCOUNT_SID: SMS_SID, SMS_AUTH_TOKEN: SMS_TOKEN, SMS_FROM: "+447700900000", DEV_MODE: "false",
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
    base, apiKey, coldMs, clinic: clinicClient(base, apiKey),
    workerd: () => workerdPids(child.pid),
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(state, { recursive: true, force: true });
    },
  };
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
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  const ms = (v) => { const m = /([\d.]+)(us|ms|s)/.exec(v); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
  const pct = (p) => ms((new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out) ?? [])[1] ?? "");
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { connections, rps, p50: pct(50), p99: pct(99), total, errors };
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
  const apiKey = randomBytes(16).toString("hex");
  const mf = startWorkerd(join(snap, "edge"), {
    PORTAL_ORIGIN: "http://127.0.0.1:8787", CLINIC_API_KEY: apiKey, LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
    LINK_SIGNING_KID: "bench-1", MAIL_API_BASE: mail.base, MAIL_API_KEY, DEV_MODE: "false",
    PRACTICE_NAME: "Bench Surgery", MAIL_FROM: "no-reply@bench.example",
    ORIGIN_BASE_URL: `${originBase}/`, ORIGIN_BEARER_TOKEN: token, ORIGIN_TIMEOUT_SECONDS: "10",
  });

  const base = (await mf.ready).origin;
  const allWorkerd = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try { return readFileSync(`/proc/${p}/stat`, "utf8").includes("(workerd)"); } catch { return false; }
  });
  // Only the workerd this Miniflare started (none other runs during this part).
  const pids = allWorkerd();
  try {
    const app = { base, apiKey, clinic: clinicClient(base, apiKey) };
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

  if (!["cpu", "load", "bulk", "stream", "portal"].some(want)) {
    console.log(JSON.stringify(result, null, 2));
    await mail.stop();
    process.exit(0);
  }
  const app = await startWorker(mail.base);
  try {
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

    if (want("portal")) {
      const { launchBrowser } = await import("../../tests/support/browser.mjs");
      const browser = await launchBrowser();
      const runs = [];
      try {
        for (let i = 0; i < 5; i++) {
          const email = `portal-${i}@example.com`;
          must(await app.clinic.upsertPatient(`portal-${i}`, { ...demoPatient.body, email }), "patient");
          const doc = { ...demoDocuments()[0], id: `portal-${i}-doc` };
          must(await app.clinic.uploadDocument(`portal-${i}`, doc), "upload");
          must(await app.clinic.share({ patient_id: `portal-${i}`, document_ids: [doc.id], method: "secure_link", staff: "bench" }), "share");
          const link = mail.latestLink(email);
          const context = await browser.newContext({ viewport: { width: 412, height: 823 }, isMobile: true, hasTouch: true, locale: "en-GB", deviceScaleFactor: 1.75 });
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send("Network.enable");
          await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
          await cdp.send("Network.emulateNetworkConditions", {
            offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
          });
          await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
          await page.addInitScript(() => {
            window.__lcp = 0;
            new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lcp = e.startTime; })
              .observe({ type: "largest-contentful-paint", buffered: true });
          });
          const t0 = Date.now();
          await page.goto(link, { waitUntil: "commit" });
          await page.waitForFunction(() => {
            const el = document.querySelector("#dob-day");
            return el && !el.disabled && el.offsetParent !== null;
          }, null, { timeout: 120_000, polling: 50 });
          const usable = Date.now() - t0;
          await sleep(300);
          const lcp = await page.evaluate(() => window.__lcp);
          runs.push({ usableMs: usable, lcpMs: lcp });
          log("portal", usable, lcp);
          await context.close();
        }
      } finally {
        await browser.close();
      }
      result.portal = { runs, usableMedian: median(runs.map((r) => r.usableMs)), lcpMedian: median(runs.map((r) => r.lcpMs)) };
    }
  } finally {
    await app.stop();
  }
} finally {
  await mail.stop();
}
console.log(JSON.stringify(result, null, 2));
