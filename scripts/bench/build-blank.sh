#!/usr/bin/env bash
# Builds the floor make bench compares stytch-desktop with: a blank app from
# the svelte-ts template bundled in the Wails CLI (no network for the
# template; npm for its packages), built with our flags (wails build -clean
# -trimpath). The only change to the template: it reports its first painted,
# focused screen the way we do (blank/trace.go.in, blank/main-trace.ts).
#
#   scripts/bench/build-blank.sh OUT_DIR     -> OUT_DIR/blank/build/bin/blank
# Rebuilds only when the binary is missing or this script's inputs changed.
set -euo pipefail
OUT=${1:?usage: build-blank.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WAILS=${WAILS:-$(go env GOPATH)/bin/wails}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
stamp=$(cat "$0" "$HERE"/blank/* | sha256sum | cut -c1-16)-$("$WAILS" version 2>/dev/null | sed -n 1p | tr -dc 'a-z0-9.')
BIN=$OUT/blank/build/bin/blank
if [[ -x "$BIN" && "$(cat "$OUT/stamp" 2>/dev/null)" == "$stamp" ]]; then
	echo "$BIN"
	exit 0
fi
rm -rf "$OUT/blank" "$OUT/stamp"
(cd "$OUT" && "$WAILS" init -n blank -t svelte-ts -d "$OUT/blank" >"$OUT/init.log" 2>&1) || {
	cat "$OUT/init.log" >&2
	exit 1
}
cp "$HERE/blank/trace.go.in" "$OUT/blank/trace.go"
cat "$HERE/blank/main-trace.ts" >>"$OUT/blank/frontend/src/main.ts"
(cd "$OUT/blank" && "$WAILS" build -clean -trimpath >"$OUT/build.log" 2>&1) || {
	tail -30 "$OUT/build.log" >&2
	exit 1
}
echo "$stamp" >"$OUT/stamp"
echo "$BIN"
