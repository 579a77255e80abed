#!/usr/bin/env bash
# Runs app/keychain's tests against a real gnome-keyring, in throw-away D-Bus
# sessions and a throw-away keyring directory, without a display (so no
# unlock prompt can appear and hang). Scenarios, each on its own bus:
#
#   unlocked           gnome-keyring unlocked with a test password: the
#                      Store contract, secret-tool cross-checks, timings;
#                      plus all the hermetic tests of the package
#   locked             the same keyring on disk, daemon D-Bus-activated but
#                      never unlocked: every call must be ErrLocked
#   locked-new         a fresh directory with no keyring, never unlocked
#   no-secret-service  a bus on which nothing provides org.freedesktop.secrets:
#                      every call must be ErrUnavailable
#
# Needs gnome-keyring-daemon, secret-tool, dbus-run-session (Debian packages
# gnome-keyring libsecret-tools dbus; the Makefile installs them). Installs
# nothing. Exits non-zero if any scenario fails.
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
for tool in go gnome-keyring-daemon secret-tool dbus-run-session; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
	echo "test-keyring: missing: ${missing[*]}" >&2
	echo "test-keyring: install with: apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus" >&2
	exit 2
fi

KR=$(mktemp -d "${TMPDIR:-/tmp}/test-keyring.XXXXXX")
trap 'rm -rf "$KR"' EXIT
mkdir -m 700 "$KR/run" "$KR/run-new" "$KR/data" "$KR/data-new" "$KR/config" "$KR/cache" "$KR/no-services"

echo "test-keyring: building the test binary (-race)"
go test -c -race -o "$KR/keychain.test" ./app/keychain
go test -c -race -o "$KR/app.test" ./app

# A session bus like the standard one but with no service directories, so
# nothing can be activated as org.freedesktop.secrets.
cat >"$KR/no-secrets-bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$KR/run</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$KR/no-services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

SEEDED="stytch-desktop-test-seeded-$$"
failed=()

# session NAME DATA RUNDIR [dbus-run-session options] -- COMMAND
# Runs COMMAND on a new session bus with no display and the XDG directories
# pointing into $KR. The variables are set before dbus-run-session because
# daemons the bus activates inherit the bus's environment, not ours.
session() {
	local name=$1 data=$2 run=$3
	shift 3
	echo
	echo "=== test-keyring: scenario $name"
	local start=$SECONDS
	set +e
	env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS \
		XDG_DATA_HOME="$data" XDG_RUNTIME_DIR="$run" \
		XDG_CONFIG_HOME="$KR/config" XDG_CACHE_HOME="$KR/cache" \
		KR="$KR" SEEDED="$SEEDED" \
		dbus-run-session "$@" 2>&1 | tee "$KR/$name.log" | grep -v -e 'Failed to set fd limit' -e '^=== RUN'
	local rc=${PIPESTATUS[0]}
	set -e
	echo "=== test-keyring: scenario $name exit $rc ($((SECONDS - start))s)"
	if ((rc != 0)); then failed+=("$name"); fi
}

# shellcheck disable=SC2016 # expanded inside the session
session unlocked "$KR/data" "$KR/run" -- bash -c '
	set -euo pipefail
	printf %s test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	KEYCHAIN_REAL=1 "$KR/keychain.test" -test.v -test.count=1 -test.timeout=180s
	KEYCHAIN_REAL=1 "$KR/app.test" -test.v -test.count=1 -test.timeout=120s -test.run "^TestRealKeychain$"
	# An item for the locked scenario to find (or rather, not be allowed to read).
	printf %s seeded-value | secret-tool store --label=seed service "$SEEDED" username session
	secret-tool lookup service "$SEEDED" username session >/dev/null
'

# The keyring written above is on disk, locked. Nothing unlocks it: the first
# call D-Bus-activates gnome-keyring, whose prompt cannot open without a display.
# shellcheck disable=SC2016
session locked "$KR/data" "$KR/run" -- bash -c '
	set -e
	KEYCHAIN_REAL=1 KEYCHAIN_REAL_SCENARIO=locked KEYCHAIN_REAL_SEEDED_SERVICE="$SEEDED" \
		"$KR/keychain.test" -test.v -test.count=1 -test.timeout=60s -test.run "^TestRealLocked$"
	KEYCHAIN_REAL=1 KEYCHAIN_REAL_SCENARIO=locked \
		"$KR/app.test" -test.v -test.count=1 -test.timeout=120s -test.run "^TestRealKeychain$"
'

# No keyring exists yet: creating the default one needs a prompt too.
# shellcheck disable=SC2016
session locked-new "$KR/data-new" "$KR/run-new" -- bash -c '
	KEYCHAIN_REAL=1 KEYCHAIN_REAL_SCENARIO=locked KEYCHAIN_REAL_SEEDED_SERVICE="$SEEDED" \
		"$KR/keychain.test" -test.v -test.count=1 -test.timeout=60s -test.run "^TestRealLocked$"
'

# shellcheck disable=SC2016
session no-secret-service "$KR/data" "$KR/run" --config-file="$KR/no-secrets-bus.conf" -- bash -c '
	KEYCHAIN_REAL=1 KEYCHAIN_REAL_SCENARIO=no-secret-service \
		"$KR/keychain.test" -test.v -test.count=1 -test.timeout=60s -test.run "^TestReal(NoSecretService|SecretServiceNeverAnswers)$" &&
	KEYCHAIN_REAL=1 KEYCHAIN_REAL_SCENARIO=no-secret-service \
		"$KR/app.test" -test.v -test.count=1 -test.timeout=120s -test.run "^TestRealKeychain$"
'

echo
echo "=== test-keyring: timings"
grep -h 'timing' "$KR"/*.log | sed 's/^ *//' || true

# Every daemon started above belongs to a bus that has ended; say so if one
# is still around (they exit on their own when their bus goes away).
sleep 0.5
for p in /proc/[0-9]*; do
	if grep -qsF "XDG_RUNTIME_DIR=$KR/" "$p/environ" 2>/dev/null && [[ "$(cat "$p/stat" 2>/dev/null | awk '{print $3}')" != Z ]]; then
		echo "test-keyring: warning: process ${p#/proc/} from a test session is still running: $(tr '\0' ' ' <"$p/cmdline")" >&2
	fi
done

if ((${#failed[@]})); then
	echo "test-keyring: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "test-keyring: all scenarios passed"
