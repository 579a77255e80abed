#!/usr/bin/env bash
# Stytch's official Node SDK through the Stytch broker: the emulator holds
# the real (local) secret, the broker holds it too, and the SDK gets a WRONG
# secret, so every call that works proves the broker, not the caller,
# authenticated it. Also checks that administration routes are refused.
# Usage (from anywhere): app/broker/testdata/node-sdk.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
sdk="$root/app/localstytch/testdata/node-sdk"   # check.js and the pinned SDK
emu_port="${EMULATOR_PORT:-18797}"
broker_port="${BROKER_PORT:-18798}"
project=project-test-00000000-0000-4000-8000-000000000000

(cd "$sdk" && npm ci --no-audit --no-fund >/dev/null)

tmp="$(mktemp -d)"
(cd "$root" && go build -o "$tmp/stytch-emulator" ./cmd/stytch-emulator && go build -o "$tmp/stytch-broker" ./cmd/stytch-broker)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

"$tmp/stytch-emulator" --addr "127.0.0.1:$emu_port" --seed >/dev/null &
pids+=($!)
STYTCH_SECRET=secret-test-local-emulator-not-a-real-secret "$tmp/stytch-broker" \
  --addr "127.0.0.1:$broker_port" --metrics-addr "" --project-id "$project" \
  --upstream "http://127.0.0.1:$emu_port" --redirect-url stytch-desktop://auth/callback \
  --allow-organization-create >"$tmp/broker.log" 2>&1 &
pids+=($!)

for url in "http://127.0.0.1:$emu_port" "http://127.0.0.1:$broker_port"; do
  for _ in $(seq 1 100); do
    curl -fsS "$url/v1/b2b/sessions/jwks/$project" >/dev/null 2>&1 && break
    sleep 0.1
  done
done

(cd "$sdk" && EMULATOR_URL="http://127.0.0.1:$emu_port" API_URL="http://127.0.0.1:$broker_port" BROKER=1 \
  ADMIN_SECRET=secret-test-local-emulator-not-a-real-secret PROJECT_ID="$project" PUBLIC_TOKEN=public-token-test-00000000-0000-4000-8000-000000000000 SECRET="secret-test-WRONG-the-broker-holds-the-real-one" node check.js)

# The broker's log names routes, never the secret.
if grep -q "secret-test-local-emulator" "$tmp/broker.log"; then
  echo "node-sdk via broker: FAILED: the broker logged its secret" >&2
  exit 1
fi
