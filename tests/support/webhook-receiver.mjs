// A clinic's webhook receiver, for the end-to-end tests: it verifies every delivery the way a
// clinic's own code would (Standard Webhooks: docs/SECURITY.md, "Webhooks"), de-duplicates on
// the event id, and records what it accepted. It can be told to fail (answer 500) for the next
// n deliveries, and to run its clock ahead (to show a replayed delivery is refused).
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a delivery's timestamp may be from the receiver's clock. */
export const TOLERANCE_SECONDS = 5 * 60;

/**
 * What a receiver checks, mirroring `sealpost_shared::webhook::verify`: the timestamp within
 * five minutes of `nowSecs`, and one `v1` signature equal to base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under the secret (base64 after `whsec_`; other secrets as bytes).
 * Returns null when it verifies, else why not.
 */
export function verifyDelivery(secret, headers, body, nowSecs = Math.floor(Date.now() / 1000)) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return "missing headers";
  const t = Number(timestamp);
  if (!Number.isInteger(t)) return "bad timestamp";
  if (nowSecs - t > TOLERANCE_SECONDS) return "too old";
  if (t - nowSecs > TOLERANCE_SECONDS) return "too new";
  const key = secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret);
  const expected = Buffer.from(createHmac("sha256", key).update(`${id}.${t}.${body}`).digest("base64"));
  const ok = signatures.split(" ").some((s) => {
    if (!s.startsWith("v1,")) return false;
    const given = Buffer.from(s.slice(3));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return ok ? null : "bad signature";
}

export async function startWebhookReceiver() {
  const state = { secret: "", failNext: 0, skewSeconds: 0 };
  /** Every request, whatever became of it: { id, status, why }. */
  const attempts = [];
  /** Accepted deliveries, first time each id was seen: { id, timestamp, headers, body, payload }. */
  const deliveries = [];
  const seen = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const answer = (status, why) => {
        attempts.push({ id: req.headers["webhook-id"], status, why });
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(why ?? "ok");
      };
      if (req.method !== "POST" || req.url !== "/sealpost") return answer(404, "not found");
      if (req.headers["content-type"] !== "application/json") return answer(400, "not JSON");
      const now = Math.floor(Date.now() / 1000) + state.skewSeconds;
      const why = verifyDelivery(state.secret, req.headers, body, now);
      if (why) return answer(400, why);
      if (state.failNext > 0) {
        state.failNext -= 1;
        return answer(500, "receiver down");
      }
      const id = req.headers["webhook-id"];
      // Verified: a retry of an event already processed is acknowledged and not processed again.
      if (!seen.has(id)) {
        seen.add(id);
        deliveries.push({
          id,
          timestamp: req.headers["webhook-timestamp"],
          headers: {
            "content-type": req.headers["content-type"],
            "webhook-id": id,
            "webhook-timestamp": req.headers["webhook-timestamp"],
            "webhook-signature": req.headers["webhook-signature"],
          },
          body,
          payload: JSON.parse(body),
        });
      }
      answer(200);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/sealpost`;
  return {
    url,
    attempts,
    deliveries,
    setSecret: (secret) => (state.secret = secret),
    /** The secret it verifies with (the one the practice showed once). */
    get secret() {
      return state.secret;
    },
    failNext: (n) => (state.failNext = n),
    setSkew: (seconds) => (state.skewSeconds = seconds),
    /** Waits until `predicate()` holds (polling), or fails after `ms`. */
    async until(predicate, ms = 20_000, what = "webhook deliveries") {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(attempts)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}
