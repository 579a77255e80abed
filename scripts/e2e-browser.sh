#!/usr/bin/env bash
# Browser end-to-end test: `wails dev` serves the real app (real Go backend,
# local mode by default; E2E_MODE=broker, see below) at http://localhost:34115 and Playwright drives
# Debian's Chromium through the sign-in flows (e2e/browser/flows.test.js).
#
# Usage: scripts/e2e-browser.sh [ARTIFACT_DIR]   (default test-artifacts/browser)
#
# E2E_MODE=local (the default) runs the app's in-process local API.
# E2E_MODE=broker runs the app in broker mode, as employees get it: the
# standalone local API (cmd/stytch-emulator) holds the secret, the Stytch
# broker (cmd/stytch-broker) sits in front of it, and the app has only
# STYTCH_BROKER_URL + STYTCH_PROJECT_ID (make test-browser-broker; only the
# core sign-in flows, E2E_TESTS: SSO/OAuth start at Stytch itself in broker
# mode, which a test cannot reach).
#
# Needs: frontend/dist already built (`make frontend`), the Wails CLI, and the
# apt packages xvfb xauth dbus gnome-keyring libsecret-tools xdg-utils
# desktop-file-utils libglib2.0-bin chromium.
#
# Everything runs in throw-away XDG dirs under one private session bus and
# Xvfb display, with a fresh unlocked gnome-keyring, so the test never sees
# (or leaves behind) the user's own sessions, keyring or scheme handlers.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E_DIR="$ROOT/e2e/browser"

# wails dev listens on fixed ports (34115, Vite's 5173): two runs on one
# machine (two checkouts, a developer and CI) would take each other's. The
# outer half holds this lock for its whole run; the inner half inherits it.
if [[ "${1:-}" != "--inner" ]]; then
	exec 8>"${TMPDIR:-/tmp}/stytch-desktop-e2e-browser.lock"
	flock -w 900 8 || echo "e2e-browser: another run still holds the lock after 15 min; going on" >&2
fi

# ---------------------------------------------------------------------------
# Inner half: runs inside dbus-run-session + xvfb-run.
# ---------------------------------------------------------------------------
if [[ "${1:-}" == "--inner" ]]; then
	# A fresh keyring dir, so the password always matches and nothing prompts
	# (a prompt would block go-keyring forever).
	printf %s e2e-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null

	# Register the stytch-desktop:// scheme in the throw-away XDG_DATA_HOME.
	# The handler does what a second instance of the app does: hand the link
	# to the running instance over D-Bus (Wails' SingleInstanceLock, UniqueId
	# io.stytch-desktop.signin). The dev binary itself (build/bin/
	# stytch-desktop-dev-linux-amd64) as handler started but never delivered
	# the link here, so the message is sent directly.
	apps="$XDG_DATA_HOME/applications"
	mkdir -p "$apps" "$E2E_TMP/bin"
	handler="$E2E_TMP/bin/stytch-desktop-open"
	cat >"$handler" <<'EOF'
#!/bin/sh
# Test-only scheme handler: forwards one link to the running app.
case "$1" in
*'"'* | *'\'*) echo "stytch-desktop-open: refusing a link with quotes or backslashes" >&2; exit 2 ;;
esac
id=org.wails_app_io_stytch_desktop_signin.SingleInstance
exec dbus-send --session --print-reply=literal --dest="$id" \
	/org/wails_app_io_stytch_desktop_signin/SingleInstance "$id.SendMessage" \
	"string:{\"Args\":[\"$1\"],\"WorkingDirectory\":\"/\"}" >/dev/null
EOF
	chmod +x "$handler"
	template="$ROOT/build/linux/stytch-desktop.desktop"
	if [[ -f "$template" ]]; then
		sed "s|@EXEC@|$handler|" "$template" >"$apps/stytch-desktop.desktop"
	else
		cat >"$apps/stytch-desktop.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=stytch-desktop
Exec=$handler %u
Terminal=false
MimeType=x-scheme-handler/stytch-desktop;
EOF
	fi
	# The "system browser" the app opens for SSO and OAuth (Wails
	# BrowserOpenURL → xdg-open): a recorder that writes the URL where the
	# test reads it and opens it in Playwright's Chromium, as the user's
	# browser would.
	export E2E_OPENED_URLS="$E2E_TMP/opened-urls"
	: >"$E2E_OPENED_URLS"
	recorder="$E2E_TMP/bin/e2e-system-browser"
	printf '#!/bin/sh\n# Test-only system browser: records the URL the app asked to open.\nprintf "%%s\\n" "$1" >>"%s"\n' "$E2E_OPENED_URLS" >"$recorder"
	chmod +x "$recorder"
	printf '[Desktop Entry]\nType=Application\nName=e2e system browser\nExec=%s %%u\nTerminal=false\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n' \
		"$recorder" >"$apps/e2e-system-browser.desktop"
	update-desktop-database "$apps"
	xdg-mime default stytch-desktop.desktop x-scheme-handler/stytch-desktop
	xdg-mime default e2e-system-browser.desktop x-scheme-handler/http
	xdg-mime default e2e-system-browser.desktop x-scheme-handler/https

	# The node test starts, restarts and stops `wails dev` itself (part B
	# restarts it); it records the process group here so a crash of the test
	# can't leave `wails dev`, Vite or the app running.
	export E2E_WAILS_PGID_FILE="$E2E_TMP/wails-dev.pgid"
	export E2E_WAILS_LOG="$E2E_TMP/wails-dev.log"
	export E2E_ROOT="$ROOT"
	cleanup_inner() {
		[[ -s "$E2E_WAILS_PGID_FILE" ]] || return 0
		local pgid
		local -a left=()
		while read -r pgid; do
			[[ "$pgid" =~ ^[0-9]+$ ]] && kill -0 -- "-$pgid" 2>/dev/null && left+=("$pgid")
		done <"$E2E_WAILS_PGID_FILE"
		((${#left[@]})) || return 0
		for pgid in "${left[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
		sleep 2
		for pgid in "${left[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
	}
	trap cleanup_inner EXIT
	status=0
	pattern=()
	# Broker mode runs the core sign-in flows (the others are listed as
	# skipped, with node's reason, not hidden).
	[[ "$E2E_MODE" == broker ]] && pattern=(--test-name-pattern "${E2E_TESTS:-^(A|B|C|D|D2|D3|E)\. }")
	(cd "$E2E_DIR" && node --test --test-concurrency=1 --test-reporter=spec "${pattern[@]}" flows.test.js) || status=$?
	if [[ $status -ne 0 && -f "$E2E_WAILS_LOG" ]]; then
		echo "---- last 40 lines of the wails dev log ----" >&2
		tail -n 40 "$E2E_WAILS_LOG" >&2
	fi
	exit "$status"
fi

# ---------------------------------------------------------------------------
# Outer half: checks, throw-away dirs, then the inner half under a private
# session bus and display.
# ---------------------------------------------------------------------------
ARTIFACTS=${1:-test-artifacts/browser}
mkdir -p "$ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)

WAILS=${WAILS:-$(go env GOPATH)/bin/wails}
missing=()
for tool in dbus-run-session xvfb-run gnome-keyring-daemon secret-tool gio xdg-mime update-desktop-database node npm; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -x /usr/bin/chromium ]] || missing+=(/usr/bin/chromium)
[[ -x "$WAILS" ]] || missing+=("$WAILS")
if ((${#missing[@]})); then
	echo "e2e-browser: missing: ${missing[*]} (run: make deps)" >&2
	exit 2
fi
# -s below skips the frontend build, so the real build must already be there.
if [[ ! -d "$ROOT/frontend/dist/assets" ]]; then
	echo "e2e-browser: frontend/dist is not built; run 'make frontend' first" >&2
	exit 2
fi
for port in 34115; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "e2e-browser: port $port is already in use (another wails dev?)" >&2
		exit 2
	fi
done
if [[ ! -d "$E2E_DIR/node_modules/playwright-core" ]]; then
	(cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

E2E_TMP=$(mktemp -d -t stytch-e2e-browser.XXXXXX)
cleanup() { rm -rf "$E2E_TMP"; }
trap cleanup EXIT
mkdir -m 700 "$E2E_TMP/cache" "$E2E_TMP/data" "$E2E_TMP/config" "$E2E_TMP/run"
# Go's build cache stays the caller's: it is content-addressed (no user
# state), and an empty one under the throw-away XDG_CACHE_HOME below makes
# `wails dev` compile everything from scratch, past its start-up deadline on
# a loaded machine.
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
# Set before dbus-run-session: daemons the bus activates inherit its
# environment, not ours.
export XDG_CACHE_HOME="$E2E_TMP/cache" XDG_DATA_HOME="$E2E_TMP/data" \
	XDG_CONFIG_HOME="$E2E_TMP/config" XDG_RUNTIME_DIR="$E2E_TMP/run"
export E2E_TMP E2E_ARTIFACTS="$ARTIFACTS" E2E_WAILS="$WAILS"
# No accessibility bus: it only adds daemons and log noise under Xvfb.
export NO_AT_BRIDGE=1
# No STYTCH_* from the caller's shell may leak in.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^STYTCH_' || true)

export E2E_MODE=${E2E_MODE:-local}
case "$E2E_MODE" in
local) ;;
broker)
	# The local API and the broker as separate processes (the API's state
	# outlives the app's restart in part B), on free loopback ports, stopped
	# by PID on exit. The broker has the secret; the app never sees it.
	project=project-test-00000000-0000-4000-8000-000000000000
	(cd "$ROOT" && go build -o "$E2E_TMP/bin-stytch-emulator" ./cmd/stytch-emulator && go build -o "$E2E_TMP/bin-stytch-broker" ./cmd/stytch-broker)
	# Port 0: each prints the address it got.
	wait_for() { # FILE REGEX: prints the first match, waiting up to 20 s
		for _ in $(seq 1 200); do
			m=$(grep -oE "$2" "$1" 2>/dev/null | head -n1) && [[ -n "$m" ]] && { echo "$m"; return 0; }
			sleep 0.1
		done
		echo "e2e-browser: no match for $2 in $1:" >&2
		cat "$1" >&2
		return 1
	}
	pids=()
	cleanup() {
		for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
		cp "$E2E_TMP/broker.log" "$ARTIFACTS/broker.log" 2>/dev/null || true
		rm -rf "$E2E_TMP"
	}
	"$E2E_TMP/bin-stytch-emulator" --addr 127.0.0.1:0 --seed >"$E2E_TMP/emulator.log" 2>&1 &
	pids+=($!)
	api_url=$(wait_for "$E2E_TMP/emulator.log" 'http://127\.0\.0\.1:[0-9]+' )
	STYTCH_SECRET=secret-test-local-emulator-not-a-real-secret "$E2E_TMP/bin-stytch-broker" \
		--addr 127.0.0.1:0 --metrics-addr "" --project-id "$project" \
		--upstream "$api_url" --redirect-url stytch-desktop://auth/callback \
		--allow-organization-create >"$E2E_TMP/broker.log" 2>&1 &
	pids+=($!)
	broker_url=$(wait_for "$E2E_TMP/broker.log" '"api":"http://127\.0\.0\.1:[0-9]+' | cut -d'"' -f4)
	api_port=${api_url##*:}
	export STYTCH_BROKER_URL="$broker_url" STYTCH_PROJECT_ID="$project"
	# SSO and OAuth: the browser goes to Stytch's public endpoints, here the
	# standalone local API's, with the project's public token (public by design).
	export STYTCH_PUBLIC_TOKEN=public-token-test-00000000-0000-4000-8000-000000000000 STYTCH_PUBLIC_API_URL="$api_url"
	export E2E_API_PORT="$api_port" E2E_KEYCHAIN_SERVICE="stytch-desktop:$project"
	;;
*) echo "e2e-browser: E2E_MODE must be broker or local" >&2; exit 2 ;;
esac

start=$(date +%s)
status=0
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" --inner || status=$?
echo "e2e-browser ($E2E_MODE mode): $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $(($(date +%s) - start)) s; screenshots in $ARTIFACTS"
exit "$status"
