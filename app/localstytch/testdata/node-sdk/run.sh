#!/usr/bin/env bash
# Runs Stytch's official Node SDK (pinned in package.json) against the local
# Stytch emulator. Needs node >= 18 and npm registry access for `npm ci`.
# Usage (from anywhere): app/localstytch/testdata/node-sdk/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
port="${EMULATOR_PORT:-18787}"

cd "$here"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >/dev/null; else npm install --no-audit --no-fund >/dev/null; fi

bin="$(mktemp -d)/stytch-emulator"
(cd "$root" && go build -o "$bin" ./cmd/stytch-emulator)
"$bin" --addr "127.0.0.1:$port" --seed >/dev/null &
emu=$!
trap 'kill "$emu" 2>/dev/null; wait "$emu" 2>/dev/null; rm -rf "$(dirname "$bin")"' EXIT

for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/v1/b2b/sessions/jwks/project-test-00000000-0000-4000-8000-000000000000" >/dev/null 2>&1 && break
  sleep 0.1
done

EMULATOR_URL="http://127.0.0.1:$port" \
PROJECT_ID="project-test-00000000-0000-4000-8000-000000000000" \
SECRET="secret-test-local-emulator-not-a-real-secret" \
PUBLIC_TOKEN="public-token-test-00000000-0000-4000-8000-000000000000" \
  node check.js
