#!/usr/bin/env bash
# Installs stytch-desktop for the current user and registers it as the handler
# of stytch-desktop:// links. Writes nothing outside the user's directories.
#
#   scripts/install-linux.sh path/to/stytch-desktop
#
# When the link handler stytch-desktop-open (make build puts it beside the
# app) sits next to BINARY, it is installed too and the desktop entry starts
# it: it hands a link to the running app without loading GTK, or starts the
# app. Otherwise the entry starts the app binary itself.
#
# Environment:
#   PREFIX         where bin/ goes (default: ~/.local → ~/.local/bin/stytch-desktop)
#   XDG_DATA_HOME  where applications/ and icons/ go (default: ~/.local/share)
#
# Safe to run again (e.g. after building a new version). The app itself checks
# the registration at every start and repairs it (app/schemereg), so this
# script is the first install, not the only line of defence.
set -euo pipefail

app=stytch-desktop
scheme=stytch-desktop
desktop_id=$app.desktop

die() { echo "install-linux: $*" >&2; exit 1; }
say() { echo "install-linux: $*"; }

[ $# -eq 1 ] || { echo "usage: $0 BINARY" >&2; exit 2; }
src=$1
[ -f "$src" ] && [ -x "$src" ] || die "$src is not an executable file"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
template=$root/build/linux/$desktop_id
icon_src=$root/build/appicon.png
[ -f "$template" ] || die "desktop entry template $template not found"

[ -n "${HOME:-}" ] || die "HOME is not set"
# The XDG spec says relative values must be ignored.
data_home=${XDG_DATA_HOME:-}
case $data_home in /*) ;; *) data_home=$HOME/.local/share ;; esac
prefix=${PREFIX:-$HOME/.local}
case $prefix in /*) ;; *) die "PREFIX must be an absolute path" ;; esac

bin_dir=$prefix/bin
apps_dir=$data_home/applications
icon_dir=$data_home/icons/hicolor/512x512/apps
dest=$bin_dir/$app
handler=$app-open
handler_src=$(dirname -- "$src")/$handler
handler_dest=$bin_dir/$handler
# What the desktop entry starts (app/schemereg.LaunchTarget decides the same
# at every app start, so the two never disagree).
launch=$dest
if [ -f "$handler_src" ] && [ -x "$handler_src" ]; then
  launch=$handler_dest
fi

for d in "$bin_dir" "$apps_dir"; do
  case $d in
    /usr|/usr/*|/etc|/etc/*) die "refusing to write system-wide directory $d (this is a per-user install)" ;;
  esac
done
[ "$(id -u)" -ne 0 ] || say "note: running as root installs for root only ($HOME)"

# Exec value for the desktop entry (Desktop Entry spec, "The Exec key").
case $launch in
  *$'\n'*|*$'\r'*) die "install path contains a line break" ;;
  # GLib (GNOME, Firefox, Chromium) checks the program exists before undoing
  # the spec's %% escape, so such an entry is silently ignored.
  *%*) die "install path $launch contains '%', which desktop launchers cannot start; set PREFIX" ;;
esac
if [[ $launch =~ ^[A-Za-z0-9/._+,:@=-]+$ ]]; then
  exec_value=$launch
else
  # Quote, backslash-escape " ` $ \ inside the quotes, then double every
  # backslash because Exec is also a string value with its own escapes.
  q=${launch//\\/\\\\}
  q=${q//\"/\\\"}
  q=${q//\`/\\\`}
  q=${q//\$/\\\$}
  q="\"$q\""
  exec_value=${q//\\/\\\\}
  say "warning: $launch needs quoting in the desktop entry; xdg-open without a desktop environment cannot parse that (set PREFIX to a path without blanks or shell characters)"
fi

# Atomic replace: copy next to the target and rename, so a running copy keeps
# its (old) file and a half-copied binary is never visible.
mkdir -p "$bin_dir"
tmp=$(mktemp "$bin_dir/.$app.XXXXXX")
trap 'rm -f "$tmp" "${tmp_handler:-}" "${tmp_desktop:-}"' EXIT
cp -- "$src" "$tmp"
chmod 0755 "$tmp"
mv -f -- "$tmp" "$dest"
say "installed binary      $dest"
if [ "$launch" = "$handler_dest" ]; then
  tmp_handler=$(mktemp "$bin_dir/.$handler.XXXXXX")
  cp -- "$handler_src" "$tmp_handler"
  chmod 0755 "$tmp_handler"
  mv -f -- "$tmp_handler" "$handler_dest"
  say "installed handler     $handler_dest"
elif [ -e "$handler_dest" ]; then
  # A handler from an earlier install would outlive this app and be
  # registered again by its start-up check; it is ours, so it goes.
  rm -f -- "$handler_dest"
  say "removed old handler   $handler_dest (none beside $src)"
fi

template_text=$(<"$template")
[[ $template_text == *@EXEC@* ]] || die "template $template has no @EXEC@ placeholder"
mkdir -p "$apps_dir"
tmp_desktop=$(mktemp "$apps_dir/.$desktop_id.XXXXXX")
# Quoted replacement: no '&' or '\' interpretation (bash 5.2 patsub_replacement).
printf '%s\n' "${template_text//@EXEC@/"$exec_value"}" >"$tmp_desktop"
chmod 0644 "$tmp_desktop"
if command -v desktop-file-validate >/dev/null; then
  # It wants the real file name; validate a copy outside the applications
  # dir so launchers never see a temp entry. Hints are not errors.
  check_dir=$(mktemp -d)
  cp -- "$tmp_desktop" "$check_dir/$desktop_id"
  desktop-file-validate "$check_dir/$desktop_id" || { rm -rf "$check_dir"; die "desktop entry failed desktop-file-validate"; }
  rm -rf "$check_dir"
fi
mv -f -- "$tmp_desktop" "$apps_dir/$desktop_id"
say "installed entry       $apps_dir/$desktop_id (Exec=$exec_value %u)"

if [ -f "$icon_src" ]; then
  mkdir -p "$icon_dir"
  install -m 0644 -- "$icon_src" "$icon_dir/$app.png"
  say "installed icon        $icon_dir/$app.png"
  if command -v gtk-update-icon-cache >/dev/null && [ -f "$data_home/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
  fi
else
  say "no icon               ($icon_src not found)"
fi

if command -v update-desktop-database >/dev/null; then
  update-desktop-database "$apps_dir"
  say "updated               $apps_dir/mimeinfo.cache"
else
  say "skipped               update-desktop-database (not installed; apt-get install desktop-file-utils)"
fi

if command -v xdg-mime >/dev/null; then
  xdg-mime default "$desktop_id" "x-scheme-handler/$scheme"
  got=$(xdg-mime query default "x-scheme-handler/$scheme" || true)
  say "default handler       $scheme:// → ${got:-<none>}"
  [ "$got" = "$desktop_id" ] || say "warning: xdg-mime reports '${got:-nothing}' as the handler; the app repairs this at start"
else
  say "skipped               xdg-mime (not installed; apt-get install xdg-utils); the app registers itself at first start"
fi

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "note: $bin_dir is not on PATH (the desktop entry uses the full path, so links still work)" ;;
esac
