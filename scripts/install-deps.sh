#!/usr/bin/env bash
# Installs what building and testing stytch-desktop needs on Debian/Ubuntu,
# skipping whatever is already there. Safe to run again.
#   scripts/install-deps.sh [core|desktop|all]
set -euo pipefail
set_name=${1:-all}

core_pkgs=(gnome-keyring libsecret-tools dbus redis-server)  # redis-server: the broker's shared-limit tests
desktop_pkgs=(libgtk-3-dev libwebkit2gtk-4.0-dev xvfb xauth x11-utils xdotool imagemagick xdg-utils desktop-file-utils libglib2.0-bin chromium curl jq)

pkgs=("${core_pkgs[@]}")
case "$set_name" in
  core) ;;
  desktop|all) pkgs+=("${desktop_pkgs[@]}") ;;
  *) echo "usage: $0 [core|desktop|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "missing packages: ${missing[*]} (install them with your package manager)" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo ">> apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$set_name" != core ]; then
  gobin=$(go env GOPATH)/bin
  # Captured, not piped into grep -q: grep exiting at the first line made
  # wails die of SIGPIPE, pipefail failed the test, and the CLI was
  # reinstalled on every run.
  wails_version=$("$gobin/wails" version 2>/dev/null || true)
  if [[ "$wails_version" != *v2.11.0* ]]; then
    echo ">> go install wails CLI v2.11.0"
    go install github.com/wailsapp/wails/v2/cmd/wails@v2.11.0
  fi
fi

# npm ci only when node_modules does not match package-lock.json: the lock
# file's hash is kept in node_modules after each install (npm ci starts by
# deleting node_modules, so a failed install leaves no stale mark).
lock_sum=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
lock_mark=frontend/node_modules/.package-lock.sha256
if [ ! -d frontend/node_modules ] || [ "$(cat "$lock_mark" 2>/dev/null)" != "$lock_sum" ]; then
  echo ">> npm ci (frontend)"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$lock_mark"
fi
