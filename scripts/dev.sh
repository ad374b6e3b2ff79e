#!/usr/bin/env bash
# Command 1: installs what is missing, builds everything, and runs Sealpost locally on
# loopback with demo data: two practices side by side, each with a patient and three
# documents shared by link.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}
ORIGIN="http://127.0.0.1:$PORT"

bash scripts/setup.sh
bash scripts/build-portal.sh
bash scripts/build-console.sh
bash scripts/build-edge.sh

# edge/wrangler.toml is production-shaped; the development switches (the outbox instead of a
# mail provider, the dev identity) are passed here with --var and only work on loopback.
# Local secrets, made once: a random operator key, link-signing key and settings key (a checkout
# from before practices existed gets the ones it lacks added).
if [ ! -f edge/.dev.vars ]; then
  node -e '
    const c = require("node:crypto");
    console.log("LINK_SIGNING_KEY=" + c.randomBytes(32).toString("base64url"));
    console.log("LINK_SIGNING_KID=dev-1");
  ' > edge/.dev.vars
fi
grep -q '^OPERATOR_API_KEY=' edge/.dev.vars ||
  node -e 'console.log("OPERATOR_API_KEY=" + require("node:crypto").randomBytes(24).toString("hex"))' >> edge/.dev.vars
grep -q '^SETTINGS_KEY=' edge/.dev.vars ||
  node -e 'console.log("SETTINGS_KEY=" + require("node:crypto").randomBytes(32).toString("base64url"))' >> edge/.dev.vars
OPERATOR_KEY=$(sed -n 's/^OPERATOR_API_KEY=//p' edge/.dev.vars)

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
(cd edge && exec ../node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$PORT" \
  --var "PORTAL_ORIGIN:$ORIGIN" --var "DEV_MODE:true" --var "MAIL_API_BASE:" \
  --persist-to ../.wrangler/state) &
wrangler_pid=$!
trap 'kill $wrangler_pid 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$ORIGIN/" 2>/dev/null && break
  kill -0 $wrangler_pid 2>/dev/null || { echo "wrangler exited" >&2; exit 1; }
  sleep 0.5
done
# Two practices (created once; their first API keys are kept in .wrangler/dev-practices.json,
# since the operator API shows a key only once), each seeded with the demo patient's documents.
node scripts/seed-demo.mjs "$ORIGIN" "$OPERATOR_KEY" .wrangler/dev-practices.json

cat <<TXT

  Sealpost is running on $ORIGIN with two demo practices.

  1. Open a practice's dev outbox (above), click the link in the newest email.
  2. Enter the demo patient's date of birth: 7 3 1984.
  3. Open or download the documents.
  4. The clinic console (local development identity, admin in both): $ORIGIN/console
     (it asks which practice first).

  Operator API key (local only, in edge/.dev.vars): $OPERATOR_KEY
  Stop with Ctrl-C.
TXT
wait $wrangler_pid
