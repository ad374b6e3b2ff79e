// Turns the outputs of scripts/bench.sh (criterion text, run.mjs JSON) into docs/BENCHMARKS.md.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { execSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import os from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The tree whose build was measured (BENCH_ROOT in bench.sh/run.mjs; default this one).
const buildRoot = process.env.BENCH_ROOT ?? root;
const work = process.argv[2];
const sh = (c, cwd = root) => { try { return execSync(c, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "n/a"; } };
const run = Object.assign({}, ...readdirSync(work).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(work, f), "utf8"))));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const f1 = (x) => (x == null || Number.isNaN(x) ? "n/a" : x.toFixed(1));
const f2 = (x) => (x == null || Number.isNaN(x) ? "n/a" : x.toFixed(2));
const L = [];
const p = (s = "") => L.push(s);

// Machine and tools.
const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
p("# Sealpost benchmarks");
p();
p(`Written by \`${process.env.BENCH_COMMAND ?? "bash scripts/bench.sh"}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC at commit \`${sh("git rev-parse --short HEAD", buildRoot)}\`${buildRoot !== root ? ` (the build in \`${buildRoot}\`, measured with the driver at \`${sh("git rev-parse --short HEAD")}\`)` : ""}. A report, not a test.`);
p("Everything runs on one machine over loopback: the load generator, Node and workerd share the same cores,");
p("so **absolute numbers are only comparable on this machine; quote ratios**. Medians unless stated.");
p();
p("## Machine and tools");
p();
p("| | |");
p("|---|---|");
p(`| CPU | ${cpu} × ${sh("nproc")} (nproc) |`);
p(`| memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`);
p(`| OS | ${sh("uname -sr")} |`);
p(`| rustc | ${sh("rustc --version")} |`);
p(`| node | ${process.version} |`);
p(`| wrangler | ${sh("node_modules/.bin/wrangler --version").split("\n").pop()} |`);
p(`| workerd | ${sh("node -e \"console.log(require('miniflare/package.json').version)\"") } (miniflare; workerd ${sh("node -e \"console.log(require('workerd/package.json').version)\"")}) |`);
p(`| wrk | ${sh("wrk -v 2>&1 | head -1") || sh("wrk -v | head -1")} |`);
p(`| chromium | ${sh("chromium --version")} |`);
p();

// Sizes.
p("## Sizes");
p();
const dist = join(buildRoot, "portal", "dist");
const files = ["index.html", ...readdirSync(dist).filter((f) => /\.(js|css)$/.test(f)),
  ...readdirSync(join(dist, "pkg")).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => `pkg/${f}`)];
const size = (path) => {
  const b = readFileSync(path);
  return { raw: b.length, gz: gzipSync(b, { level: 9 }).length,
    br: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
};
p("Portal first load (what a phone downloads to show the date-of-birth form; gzip -9, brotli -q 11):");
p();
p("| file | raw | gzip | brotli |");
p("|---|---:|---:|---:|");
const tot = { raw: 0, gz: 0, br: 0 };
for (const f of files) {
  const s = size(join(dist, f));
  for (const k in tot) tot[k] += s[k];
  p(`| \`${f}\` | ${kb(s.raw)} | ${kb(s.gz)} | ${kb(s.br)} |`);
}
p(`| **total** | **${kb(tot.raw)}** | **${kb(tot.gz)}** | **${kb(tot.br)}** |`);
p();
const w = size(join(buildRoot, "edge", "build", "index_bg.wasm"));
const js = size(join(buildRoot, "edge", "build", "index.js"));
p(`Worker: \`edge/build/index_bg.wasm\` ${kb(w.raw)} raw, **${kb(w.gz)} gzip** (+ \`index.js\` ${kb(js.raw)} raw, ${kb(js.gz)} gzip).`);
p(`Cloudflare's Worker size limit is 3 MB (Free) / 10 MB (Paid) after compression: the Worker uses ${((w.gz + js.gz) / (3 * 1024 * 1024) * 100).toFixed(0)} % of the Free limit.`);
p();

// Cold start and CPU.
p("## Worker in workerd (wrangler dev --local, prebuilt)");
p();
if (run.coldStart) {
  p(`**Cold start**: spawning \`wrangler dev\` (prebuilt Worker, fresh \`--persist-to\` state) to the first 200 on \`/\` (polled every 20 ms): median **${(run.coldStart.median / 1000).toFixed(2)} s** of ${run.coldStart.runs.map((x) => (x / 1000).toFixed(2)).join(", ")} s. This is wrangler's start-up, not Cloudflare's isolate cold start (which loads the same wasm in a few ms).`);
  p();
}
if (run.cpu) {
  p(`**CPU per request.** Method: workerd has no per-request CPU accounting in local mode, so this is the CPU time (utime + stime from \`/proc/<pid>/stat\`) of the ${run.workerdPids} workerd processes under \`wrangler dev\`, over N sequential requests, divided by N. It includes workerd's HTTP handling, the Durable Object's SQLite and local R2, so it is an upper bound on the Worker's own CPU (Cloudflare bills only the isolate).`);
  p();
  p("| request | N | CPU ms/request | wall ms/request |");
  p("|---|---:|---:|---:|");
  for (const c of run.cpu) p(`| ${c.name} | ${c.n} | ${f2(c.cpuMs)} | ${f2(c.wallMs)} |`);
  p();
}

// Load.
if (run.load) {
  p("## Load on loopback (wrk, ~10 s each)");
  p();
  p("POSTs use a wrk Lua script with the JSON body; `list` sends the session cookie. One patient, one link, one Durable Object (all requests of a practice go through its single Durable Object, so this is the per-practice ceiling, not a Cloudflare-wide one).");
  p();
  p("| endpoint | connections | requests/s | p50 ms | p99 ms | requests | errors |");
  p("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of run.load) p(`| ${r.name} | ${r.connections} | ${f1(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${r.total} | ${r.errors} |`);
  p();
}
if (run.bulk) {
  const b = run.bulk;
  p(`**Bursts**: ${b.opens.n} link opens (20 at a time): ${b.opens.ok} answered with the challenge, **${b.opens.errors} errors**, ${f1(b.opens.seconds)} s. ${b.downloads.n} concurrent downloads of a 1 MiB document: ${b.downloads.ok} complete and intact, **${b.downloads.errors} errors**, ${f1(b.downloads.seconds)} s.${b.failures?.length ? ` Failures: ${b.failures.join("; ")}.` : ""}`);
  p();
}

// Streaming.
if (run.stream) {
  const s = run.stream;
  p("## Streaming a large document");
  p();
  p(`A ${(s.bytes / 2 ** 20).toFixed(0)} MiB document (the clinic API's upload limit, \`MAX_UPLOAD_BYTES\` = 100 MiB, so a 200 MB upload is refused by design) uploaded through the clinic API into local R2 (${f1(s.uploadMiBs)} MiB/s), then downloaded three times through the Worker with a session cookie. Baseline ("direct"): the same file served from disk by a plain Node HTTP server on loopback.`);
  p();
  p("| | MiB/s |");
  p("|---|---:|");
  p(`| through the Worker (R2 → Durable Object → Worker → client) | ${f1(s.workerMiBs)} |`);
  p(`| direct (Node static server) | ${f1(s.directMiBs)} |`);
  p(`| **ratio Worker / direct** | **${f2(s.ratio)}** |`);
  p();
  const rise = s.rss.peak - s.rss.before, doc = s.bytes / 2 ** 20;
  p(`workerd resident memory (sum of its processes, sampled every 25 ms from \`/proc/<pid>/status\` VmRSS): before ${f1(s.rss.before)} MiB, peak ${f1(s.rss.peak)} MiB, after ${f1(s.rss.after)} MiB: +${f1(rise)} MiB while three downloads moved ${(3 * doc).toFixed(0)} MiB. ${rise < doc / 4 ? "Flat: the body is streamed." : rise < doc ? "Not flat, but below one document, so no download was buffered whole; the growth stays after the downloads end." : "**Not flat: the rise is as large as a whole document.**"} Measured under \`wrangler dev\`: see the next table for the same Worker without wrangler's inspector and proxy.`);
  p();
}

if (run.origin) {
  const o = run.origin;
  const row = (label, m) => {
    const doc = m.bytes / 2 ** 20;
    const first = m.rss.peaksAfterEach[0] - m.rss.before;
    const later = m.rss.peak - m.rss.peaksAfterEach[0];
    return `| ${label} | ${doc.toFixed(0)} MiB | ${f1(m.MiBs)} | ${f1(m.rss.before)} | ${m.rss.peaksAfterEach.map(f1).join(", ")} | +${f1(first)} | +${f2(later)} |`;
  };
  p("### Without the inspector: the Worker's own streaming");
  p();
  p(`Under \`wrangler dev\` (which attaches its DevTools inspector and proxy to workerd) workerd's memory grows with what passes through (above; and a 200 MiB download from an HTTP origin under \`wrangler dev\` grew workerd by 1.3 GiB at 6 MiB/s, measured once by hand on 2026-11-29). So the same Worker build is also run in workerd through Miniflare's API, with nothing attached, and measured with ${o.workerdPids} workerd process: a 200 MiB document on the clinic's HTTP origin (\`ORIGIN_BASE_URL\`; a Node server on loopback generating the bytes, bearer-authenticated) and a 100 MiB one uploaded into local R2, each downloaded three times with a session cookie while RSS is sampled every 25 ms.`);
  p();
  p("| source | size | MiB/s through the Worker | RSS before (MiB) | peak after each download (MiB) | growth, 1st download | growth, 2nd + 3rd |");
  p("|---|---:|---:|---:|---|---:|---:|");
  p(row("clinic HTTP origin → Worker", o.fromOrigin));
  p(row("local R2 → Worker", o.fromR2));
  p();
  const growth = o.fromOrigin.rss.peak - o.fromOrigin.rss.peaksAfterEach[0];
  p(`The origin read directly: ${f1(o.directMiBs)} MiB/s, so **Worker / direct = ${f2(o.fromOrigin.MiBs / o.directMiBs)}** for the HTTP origin. ${growth < 5 ? "**Flat**: after a one-off rise on the first download (warm-up), the second and third 200 MiB downloads add nothing measurable; memory does not grow with the document." : `Not flat: +${f1(growth)} MiB over the second and third downloads.`}`);
  p();
}

// Routes beside /health (part `routes`).
const pct = (x) => (x == null || Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(1)} %`);
const cpuCells = (r) => r.workerd.map((w) => `${f2(w.cpuSeconds)} s (${f2(w.cores)} cores)`).join(" + ");
if (run.routes) {
  const R = run.routes;
  p("## Routes beside `GET /health` (workerd via Miniflare, no inspector)");
  p();
  p(`The Worker${R.buildRoot !== root ? ` built in \`${R.buildRoot}\` (commit \`${R.buildCommit}\`)` : ""} in workerd started through Miniflare's API (\`tests/support/miniflare.mjs\`: no inspector, Miniflare's no-op log and \`logRequests: false\`; ${R.doStorage}), seeded as the other parts are${R.practiceSetup ? ` (${R.practiceSetup})` : ""}: one patient, the demo documents and a 1 MiB one shared by secure link, the link token taken from the fake mail provider, a session cookie from the date-of-birth verification. Then, route by route: a ${R.warmupSeconds} s wrk warm-up (discarded), then ${R.loadSeconds} s of wrk, ${R.connections} connections, on loopback. \`GET /health\` (answers \`ok\`, touches no Durable Object) runs first and again last; each ratio is the route's req/s over the mean of the two /health runs (${f1(R.healthRps)} req/s).`);
  p();
  p(`**Machine: ${R.nproc} cores (nproc), shared by wrk, workerd (${R.workerdPids} process${R.workerdPids === 1 ? "" : "es"}), this Node process and anything else running on the machine**, so absolute numbers drift from run to run; the ratios are the figures to quote. workerd runs the Worker and its Durable Object on one event-loop thread (V8's helper threads aside), so about 1.0 workerd core means workerd is the bottleneck; well below 1.0 means it waited: on storage, or for a core taken by something else. CPU columns: workerd's utime + stime from \`/proc/<pid>/stat\` before and after the ${R.loadSeconds} s run, per process; wrk's own CPU (bash \`times\`); "machine busy" from \`/proc/stat\` over the same interval (what it has beyond workerd + wrk is Node and other work).`);
  p();
  p("| route | req/s | p50 ms | p99 ms | requests | errors (≥ 400 / socket) | workerd CPU per process | workerd CPU ms/request | wrk cores | machine busy cores (of which not workerd or wrk); iowait cores | ratio to /health | target | CPU-cost ratio |");
  p("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|");
  for (const r of R.runs) {
    const ratio = r.ratio == null ? "—" : r.flag ? `**${pct(r.ratio)} ⚠ not valid**` : `**${pct(r.ratio)}**`;
    const target = r.target == null ? "yardstick" : `≥ ${pct(r.target)}: ${r.flag ? "**errors**" : r.ratio >= r.target ? "met" : "**not met**"}`;
    p(`| ${r.name} | ${f1(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${r.total} | ${r.non2xx} / ${r.socketErrors} | ${cpuCells(r)} | ${r.workerdMsPerRequest.toFixed(3)} | ${f2(r.wrkCores)} | ${f2(r.machineBusyCores)} (${f2(r.machineBusyCores - r.workerdCores - r.wrkCores)}); iowait ${f2(r.machineIowaitCores)} | ${ratio} | ${target} | ${r.cpuRatio == null ? "—" : pct(r.cpuRatio)} |`);
  }
  p();
  if (R.healthCpuMs != null) {
    p(`CPU-cost ratio: workerd CPU per /health request (mean of the two runs, ${R.healthCpuMs.toFixed(3)} ms) over the route's — what the req/s ratio would be if workerd were CPU-bound on every route. It barely moves when other work takes cores away mid-run, but it does not see time spent waiting (on storage); when it is far above the req/s ratio, the route waits rather than computes.`);
    p();
  }
  const bad = R.runs.filter((r) => r.errors > 0 || r.probe.before !== "200 ok" || r.probe.after !== "200 ok");
  p(bad.length
    ? `**Errors — these rows are not valid measurements:** ${bad.map((r) => `${r.name}: ${r.non2xx} responses ≥ 400, ${r.socketErrors} socket errors, probe before ${r.probe.before}, after ${r.probe.after}`).join("; ")}.`
    : "No errors: every route answered with status < 400 throughout (wrk counts responses ≥ 400 and socket errors), and one request checked before and after each run got the expected answer (`ok`; a 200 `challenge`; a 200 document list; 200 with exactly 1,048,576 bytes).");
  p();
  p(`/health drift within the run: ${R.runs.filter((r) => r.key.startsWith("health")).map((r) => f1(r.rps)).join(" then ")} req/s. Exact commands (\`BENCH_ONLY=routes BENCH_LOAD_SECONDS=${R.loadSeconds} node scripts/bench/run.mjs\` runs this part alone); \`open.lua\` is`);
  p();
  p("```lua");
  p(R.openLua.trim());
  p("```");
  p();
  p("```");
  for (const r of R.runs) p(r.command);
  p("```");
  p();
}

// Many practices (part `tenants`).
if (run.tenants) {
  const T = run.tenants;
  p("## Many practices (operator API)");
  p();
  if (T.skipped) {
    p(`**Not measured: ${T.skipped}**`);
    p();
    p("What it will do: create 1,000 practices (`POST /api/v1/operator/practices` with `OPERATOR_API_KEY`), seed 100 of them with one patient and one shared document each through their own clinic API keys, then run the same mixed load (link opens and document lists, alternating 50/50) spread over the 100 practices and concentrated on 1, same duration, beside `GET /health`, with workerd's RSS sampled before, during and after each load.");
    p();
  } else {
    p(`${T.practices} practices created through \`POST /api/v1/operator/practices\` in ${f1(T.createSeconds)} s (8 at a time); ${T.seeded} of them seeded with one patient and one shared document each through their own clinic API key (${f1(T.seedSeconds)} s). workerd RSS: ${f1(T.rssIdle)} MiB with 1 practice, ${f1(T.rssAfterCreate)} MiB after creating ${T.practices}. Then, beside \`GET /health\`: the same mixed load (requests alternate link open / document list, 50/50; a wrk Lua script cycling through each practice's token and session cookie) on 1 practice (\`p0001\`) and spread over ${T.seeded} (\`p0001\`…); ${T.loadSeconds} s each, ${T.connections} connections, after a warm-up. RSS: VmRSS of the ${T.workerdPids} workerd process${T.workerdPids === 1 ? "" : "es"} (\`/proc/<pid>/status\`), "before" 1 s after the warm-up, "during" every 250 ms of the load, "after" 2 s after it. ${T.doStorage}. ${T.nproc} cores shared by wrk, workerd and Node: quote ratios.`);
    p();
    p("| load | req/s | p50 ms | p99 ms | errors (≥ 400 / socket) | ratio to /health | workerd CPU ms/request | RSS before (MiB) | RSS during min / median / max | RSS after | growth: peak / after |");
    p("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
    for (const r of T.runs) {
      p(`| ${r.name} | ${f1(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${r.non2xx} / ${r.socketErrors}${r.errors ? " ⚠" : ""} | ${r.ratio == null ? "—" : pct(r.ratio)} | ${r.workerdMsPerRequest.toFixed(3)} | ${f1(r.rss.before)} | ${f1(r.rss.duringMin)} / ${f1(r.rss.duringMedian)} / ${f1(r.rss.duringMax)} | ${f1(r.rss.after)} | +${f1(r.rss.duringMax - r.rss.before)} / +${f1(r.rss.after - r.rss.before)} |`);
    }
    p();
    const hr = T.runs.find((r) => r.key === "health");
    if (hr) p(`Reference: under \`GET /health\` alone (no Durable Object, no practice) RSS went +${f1(hr.rss.after - hr.rss.before)} MiB; growth of that size under the mixed loads comes with requests, not with practices.${T.rssSettled != null ? ` 10 s after the last load: ${f1(T.rssSettled)} MiB (${T.rssSettled < T.runs[T.runs.length - 1].rss.after - 8 ? "some of it came back: V8 collecting late" : "it stayed"}).` : ""}`);
    p();
    const mixed = T.runs.filter((r) => r.key !== "health");
    const flat = mixed.every((r) => r.rss.duringMax - r.rss.before < 32 && r.rss.after - r.rss.before < 16);
    const errs = T.runs.filter((r) => r.errors > 0);
    p(`**Spread over ${T.seeded} / on 1 practice: ${f2(T.spreadVsOne)}×** req/s.${errs.length ? ` **Errors in: ${errs.map((r) => r.name).join(", ")}; those rows are not valid.**` : ""} RSS under load: ${flat ? "**flat** (rule: peak during a load < before + 32 MiB and after < before + 16 MiB)" : "**not flat** (rule: peak during a load < before + 32 MiB and after < before + 16 MiB)"}.`);
    p();
    p("```");
    for (const r of T.runs) p(r.command);
    p("```");
    p();
  }
}

// The phone profile (part `phone`, scripts/bench/phone.mjs).
if (run.phone) {
  const q = run.phone;
  const s2 = (ms) => (ms == null ? "n/a" : `${(ms / 1000).toFixed(2)} s`);
  const pr = q.profile;
  p("## Portal on a slow phone (issue 13's profile)");
  p();
  p(`The built portal served by the Worker (workerd through Miniflare's API, no inspector), opened from an emailed link (\`/open#<token>\`) in headless Chromium over CDP: \`Network.emulateNetworkConditions\` ${pr.latencyMs} ms latency, ${pr.downKbit / 1000} Mbit/s down, ${pr.upKbit} kbit/s up; \`Emulation.setCPUThrottlingRate\` ${pr.cpu}; cache disabled; ${pr.viewport.width}×${pr.viewport.height}. Times in the page's clock from navigation start. *Usable*: \`#dob-day\` visible and enabled; *app*: the Leptos app has mounted; *documents*: from pressing Continue to the first document link visible. ${q.runs.length} runs, medians.`);
  p();
  p("| | median | runs |");
  p("|---|---:|---|");
  const row = (name, k) => p(`| ${name} | **${s2(q[k + "Median"])}** | ${q.runs.map((r) => s2(r[k + "Ms"])).join(", ")} |`);
  row("date-of-birth form usable", "usable");
  row("FCP", "fcp");
  row("LCP", "lcp");
  row("Leptos app mounted", "app");
  row("documents list usable after Continue", "documents");
  p(`| invalid link: its heading shown | **${s2(q.invalidUsableMedian)}** | ${q.invalid.map((r) => s2(r.usableMs)).join(", ")} |`);
  p(`| bytes on the wire before usable | **${kb(q.criticalBytesMedian)}** | ${q.runs.map((r) => kb(r.criticalBytes)).join(", ")} |`);
  p(`| bytes on the wire, whole first load | **${kb(q.totalBytesMedian)}** | ${q.runs.map((r) => kb(r.totalBytes)).join(", ")} |`);
  p();
  const r0 = q.runs[Math.floor(q.runs.length / 2)];
  p("Bytes by file (one run; *wire* = CDP `encodedDataLength`, headers included, with the encoding the Worker chose; brotli -q 11 and gzip -9 of the built file, node's zlib):");
  p();
  p("| file | wire | encoding | finished at | brotli | gzip | raw | cache-control |");
  p("|---|---:|---|---:|---:|---:|---:|---|");
  for (const f of r0.files) {
    const sz = q.sizes[f.path];
    p(`| \`${f.method} ${f.path}\` | ${kb(f.bytes)} | ${f.encoding || "none"} | ${s2(f.endMs)} | ${sz ? kb(sz.br) : ""} | ${sz ? kb(sz.gz) : ""} | ${sz ? kb(sz.raw) : ""} | ${f.cacheControl} |`);
  }
  p();
  if (q.second) {
    p(`Second visit (cache kept, a second link opened after the first): usable at ${s2(q.second.usableMs)}; downloaded again ${kb(q.second.bytes)}: ${q.second.downloaded.map((x) => `\`${x}\``).join(", ")}.`);
    p();
  }
}

// Criterion (absent when bench.sh ran a subset of parts, BENCH_PARTS).
const crit = (() => { try { return readFileSync(join(work, "criterion.txt"), "utf8"); } catch { return null; } })();
if (crit !== null) {
const unit = { ps: 1e-12, ns: 1e-9, "µs": 1e-6, us: 1e-6, ms: 1e-3, s: 1 };
const rows = [...crit.matchAll(/^(\S+)\s*(?:\n\s*)?time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]/gm)];
p("## Security core, native (criterion, `shared/benches/core.rs`)");
p();
p("`cargo bench -p sealpost-shared --bench core`, release profile on this machine's native target (the Worker runs the same code as wasm in V8, typically 1.5–3× slower).");
p();
p("| operation | median time | ops/s |");
p("|---|---:|---:|");
for (const [, name, v, u] of rows) {
  const secs = Number(v) * unit[u];
  p(`| \`${name}\` | ${v} ${u} | ${Math.round(1 / secs).toLocaleString("en-GB")} |`);
}
p();
}
console.log(L.join("\n"));
