#!/usr/bin/env bash
# Command 1: installs what is missing, builds everything, and runs Sealpost locally on
# loopback with demo data (one practice, one patient, three documents shared by link).
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
# Local secrets, made once: a random clinic API key and link-signing key.
if [ ! -f edge/.dev.vars ]; then
  node -e '
    const c = require("node:crypto");
    console.log("CLINIC_API_KEY=" + c.randomBytes(24).toString("hex"));
    console.log("LINK_SIGNING_KEY=" + c.randomBytes(32).toString("base64url"));
    console.log("LINK_SIGNING_KID=dev-1");
  ' > edge/.dev.vars
fi
API_KEY=$(sed -n 's/^CLINIC_API_KEY=//p' edge/.dev.vars)

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
node scripts/seed-demo.mjs "$ORIGIN" "$API_KEY"

cat <<TXT

  Sealpost is running on $ORIGIN with demo data.

  1. Open the dev outbox:  $ORIGIN/dev/outbox
  2. Click the link in the newest email (it opens the portal).
  3. Enter the demo patient's date of birth: 7 3 1984.
  4. Open or download the documents.
  5. The clinic console (local development identity, admin): $ORIGIN/console

  Clinic API key (local only): $API_KEY   (in edge/.dev.vars)
  Stop with Ctrl-C.
TXT
wait $wrangler_pid
