// Part `phone` of scripts/bench.sh: the built portal, served by the Worker in workerd
// (Miniflare's API, no inspector), opened from an emailed link in headless Chromium throttled
// like a slow phone over CDP (GUIDE §6, issue 13):
//   Network.emulateNetworkConditions 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up;
//   Emulation.setCPUThrottlingRate 4; Network.setCacheDisabled; a 390×844 viewport.
// Each run opens a fresh link and records, in the page's own clock (ms from navigation start):
//   usable     the first control of the state is visible and enabled (`#dob-day` for the
//              date-of-birth check, the button or heading for the other states);
//   app        the Leptos app has mounted (`<html data-app="ready">`, set by the app);
//   FCP, LCP   from PerformanceObserver;
//   documents  from pressing Continue (right date of birth) until the first document link is
//              visible;
// plus every response's bytes on the wire (CDP `encodedDataLength`: headers + encoded body) and
// when it finished. A second-visit run keeps the cache and reopens a link in the same context:
// what it downloads again is what is not cached.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const RUNS = Number(process.env.BENCH_PHONE_RUNS ?? 5);
export const PROFILE = {
  latencyMs: 150, downKbit: 1600, upKbit: 750, cpu: 4, viewport: { width: 390, height: 844 },
};

/** Installed before any page script: watches for the state's first control and the app. */
function observer(target) {
  window.__bench = { usable: null, app: null, docsStart: null, docs: null, lcp: 0, fcp: null };
  const visible = (el) => el && !el.disabled && el.getAttribute("aria-disabled") !== "true" && el.getClientRects().length > 0;
  const check = () => {
    const b = window.__bench;
    const now = performance.now();
    if (b.usable === null) {
      // The state's first control (or, for a page that only informs, its heading).
      const first = [...document.querySelectorAll(target.selector)].find((el) => !target.text || el.textContent.includes(target.text));
      if (visible(first)) b.usable = now;
    }
    // A build without a pre-painted page (no `data-prepaint` on <html>) is the app from the start.
    const pre = document.documentElement.hasAttribute("data-prepaint");
    if (b.app === null && (document.documentElement.dataset.app === "ready" || (!pre && b.usable !== null))) b.app = now;
    if (b.docsStart !== null && b.docs === null && visible(document.querySelector(".document__link"))) b.docs = now;
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  const frame = () => { check(); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__bench.lcp = e.startTime; })
    .observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === "first-contentful-paint") window.__bench.fcp = e.startTime; })
    .observe({ type: "paint", buffered: true });
}

const DOB = { selector: "#dob-day" };
const INVALID = { selector: "main h1", text: "not valid" };

async function throttledPage(browser, { cacheDisabled = true, context = null, target = DOB } = {}) {
  const ctx = context ?? await browser.newContext({ viewport: PROFILE.viewport, isMobile: true, hasTouch: true, locale: "en-GB", deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: PROFILE.latencyMs,
    downloadThroughput: (PROFILE.downKbit * 1000) / 8, uploadThroughput: (PROFILE.upKbit * 1000) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: PROFILE.cpu });
  // Bytes on the wire per response, and when each finished (CDP's monotonic clock; converted to
  // the page's clock through the navigation request's own timestamp).
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (e) => requests.set(e.requestId, { url: e.request.url, method: e.request.method, start: e.timestamp }));
  cdp.on("Network.responseReceived", (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(r, { status: e.response.status, encoding: h["content-encoding"] ?? "", cacheControl: h["cache-control"] ?? "",
      fromCache: e.response.fromDiskCache || e.response.fromMemoryCache });
  });
  cdp.on("Network.requestServedFromCache", (e) => { const r = requests.get(e.requestId); if (r) r.fromCache = true; });
  cdp.on("Network.loadingFinished", (e) => { const r = requests.get(e.requestId); if (r) { r.bytes = e.encodedDataLength; r.end = e.timestamp; } });
  await page.addInitScript(observer, target);
  return { ctx, page, requests };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(page, what, timeout = 60_000) {
  await page.waitForFunction((k) => window.__bench?.[k] !== null, what, { timeout, polling: 50 });
}

/** What a run downloaded: one row per response, times in ms from navigation start. */
function files(requests, base) {
  const all = [...requests.values()].filter((r) => r.bytes !== undefined);
  const nav = all.find((r) => r.url.includes("/open")) ?? all[0];
  return all.map((r) => ({
    path: r.url.startsWith(base) ? r.url.slice(base.length).replace(/#.*/, "") : r.url,
    method: r.method, status: r.status, bytes: r.bytes, encoding: r.encoding, cacheControl: r.cacheControl,
    fromCache: Boolean(r.fromCache), endMs: (r.end - nav.start) * 1000,
  }));
}

/** Brotli (q 11) and gzip (-9) of each file in the built dist, for the bytes-by-file table. */
export function distSizes(dist, paths) {
  const out = {};
  for (const p of paths) {
    const f = join(dist, p.replace(/^\//, "").replace(/\?.*/, ""));
    if (!p.startsWith("/") || p.startsWith("/api/") || !existsSync(f) || p === "/open" || p === "/documents") continue;
    const b = readFileSync(f);
    out[p] = { raw: b.length, gz: gzipSync(b, { level: 9 }).length,
      br: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
  }
  const html = join(dist, "index.html");
  if (existsSync(html)) {
    const b = readFileSync(html);
    out["/open"] = { raw: b.length, gz: gzipSync(b, { level: 9 }).length,
      br: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length };
  }
  return out;
}

/**
 * `newLink(i)` returns a fresh `/open#<token>` URL of a patient whose check is the date of birth
 * (7 3 1984); `invalidLink` a forged one.
 */
export async function phonePart({ browser, base, newLink, invalidLink, dist, log }) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const link = await newLink(i);
    const { ctx, page, requests } = await throttledPage(browser);
    try {
      await page.goto(link, { waitUntil: "commit" });
      await until(page, "usable");
      await until(page, "app");
      await sleep(200);
      const before = await page.evaluate(() => ({ ...window.__bench }));
      const challengeFiles = files(requests, base);
      await page.fill("#dob-day", "7");
      await page.fill("#dob-month", "3");
      await page.fill("#dob-year", "1984");
      await page.evaluate(() => { window.__bench.docsStart = performance.now(); });
      await page.click("button[type=submit]");
      await until(page, "docs");
      const after = await page.evaluate(() => ({ ...window.__bench }));
      const run = {
        usableMs: before.usable, appMs: before.app, fcpMs: before.fcp, lcpMs: before.lcp,
        documentsMs: after.docs - after.docsStart,
        files: challengeFiles,
        criticalBytes: challengeFiles.filter((f) => f.endMs <= before.usable).reduce((a, f) => a + f.bytes, 0),
        totalBytes: challengeFiles.reduce((a, f) => a + f.bytes, 0),
      };
      runs.push(run);
      log("phone", `usable ${run.usableMs.toFixed(0)} app ${run.appMs.toFixed(0)} fcp ${run.fcpMs?.toFixed(0)} lcp ${run.lcpMs.toFixed(0)} documents ${run.documentsMs.toFixed(0)} bytes ${run.criticalBytes}/${run.totalBytes}`);
    } finally {
      await ctx.close();
    }
  }
  // A link that is not valid: the page says so (its heading is the first thing to read).
  const invalid = [];
  for (let i = 0; i < RUNS; i++) {
    const { ctx, page } = await throttledPage(browser, { target: INVALID });
    try {
      await page.goto(invalidLink, { waitUntil: "commit" });
      await until(page, "usable");
      const b = await page.evaluate(() => ({ ...window.__bench }));
      invalid.push({ usableMs: b.usable, fcpMs: b.fcp });
    } finally {
      await ctx.close();
    }
  }
  log("phone invalid link", invalid.map((r) => r.usableMs.toFixed(0)).join(" "));
  // Second visit: same browser profile with its cache, a second link opened after the first.
  const ctx = await browser.newContext({ viewport: PROFILE.viewport, isMobile: true, hasTouch: true, locale: "en-GB" });
  let second;
  try {
    const first = await throttledPage(browser, { cacheDisabled: false, context: ctx });
    await first.page.goto(await newLink(RUNS), { waitUntil: "commit" });
    await until(first.page, "app");
    await sleep(300);
    await first.page.close();
    const again = await throttledPage(browser, { cacheDisabled: false, context: ctx });
    await again.page.goto(await newLink(RUNS + 1), { waitUntil: "commit" });
    await until(again.page, "usable");
    await until(again.page, "app");
    await sleep(300);
    const b = await again.page.evaluate(() => ({ ...window.__bench }));
    const f = files(again.requests, base);
    second = { usableMs: b.usable, appMs: b.app, files: f,
      downloaded: f.filter((x) => !x.fromCache).map((x) => x.path),
      bytes: f.filter((x) => !x.fromCache).reduce((a, x) => a + x.bytes, 0) };
    log("phone second visit", JSON.stringify({ usable: second.usableMs, bytes: second.bytes, downloaded: second.downloaded }));
  } finally {
    await ctx.close();
  }
  const paths = [...new Set(runs.flatMap((r) => r.files.map((f) => f.path)))];
  const pick = (k) => median(runs.map((r) => r[k]));
  return {
    profile: PROFILE, runs, invalid, second,
    usableMedian: pick("usableMs"), appMedian: pick("appMs"), fcpMedian: pick("fcpMs"), lcpMedian: pick("lcpMs"),
    documentsMedian: pick("documentsMs"), criticalBytesMedian: pick("criticalBytes"), totalBytesMedian: pick("totalBytes"),
    invalidUsableMedian: median(invalid.map((r) => r.usableMs)),
    sizes: distSizes(dist, paths),
  };
}
