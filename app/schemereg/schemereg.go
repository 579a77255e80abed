// Package schemereg checks and repairs the Linux registration of the app's
// URL scheme (stytch-desktop://) for the current user.
//
// Wails v2 does nothing for this on Linux (no .desktop file, wails.json
// "protocols" is ignored), and "the sign-in link does nothing" is the most
// common complaint about desktop apps that use custom schemes on Linux. So the
// app checks at every start that the scheme opens *this* app — its small link
// handler (cmd/stytch-desktop-open) when that sits beside the binary, else the
// binary itself (LaunchTarget) — and, if it does not (never installed,
// AppImage moved, another build took over, the handler added or removed),
// writes a user-level desktop entry and makes it the default handler.
//
// Only user-level files are written ($XDG_DATA_HOME/applications and
// $XDG_CONFIG_HOME/mimeapps.list); system-wide files (/usr/share, /etc) are
// never touched. On other operating systems the scheme is registered by the
// installer (Windows) or the bundle's Info.plist (macOS), and every function
// here is a no-op that says so.
//
// Call Ensure once at start, off the UI thread; it costs ~0.1 ms when the
// registration is already right and ~25 ms (two helper commands) when it
// repairs it:
//
//	go func() {
//		st, err := schemereg.Ensure(ctx, schemereg.Registration{}) // defaults: this app
//		if err != nil {
//			log.Warn("scheme registration", "status", st.Reason, "err", err)
//			return
//		}
//		log.Info("scheme registration", "status", st.Reason)
//	}()
package schemereg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/handoff"
)

const (
	// DefaultScheme is the URL scheme sign-in links use.
	DefaultScheme = deeplink.DefaultScheme
	// DefaultDesktopID is the desktop file ID (file name) of the entry.
	DefaultDesktopID = "stytch-desktop.desktop"

	// commandTimeout bounds every external command (xdg-mime is a shell
	// script that may probe D-Bus or X11; none of it may hang the app start).
	commandTimeout = 5 * time.Second
)

// Registration says which scheme should open which program. Zero fields take
// the defaults: DefaultScheme, DefaultDesktopID and
// LaunchTarget(CurrentExecutable()): the link handler beside this binary if
// there is one, else this binary.
type Registration struct {
	Scheme    string // "stytch-desktop"
	DesktopID string // "stytch-desktop.desktop"
	Exec      string // absolute path to the program the scheme should launch
}

// Status is the outcome of Check or Ensure.
type Status struct {
	// OK: the scheme's default handler launches Exec and passes it the URL
	// (or the OS needs no registration).
	OK bool
	// Handler is the desktop ID currently registered as the default handler,
	// "" when there is none.
	Handler string
	// HandlerExec is the program the Handler's Exec line launches (symlinks
	// resolved when possible), "" when unknown.
	HandlerExec string
	// Repaired: Ensure changed the registration.
	Repaired bool
	// Reason is a single line for the log, e.g.
	// "registered stytch-desktop:// to /opt/app/stytch-desktop (was: other.desktop → /usr/bin/other)".
	Reason string
}

// Check reports whether the scheme opens r.Exec for the current user. It reads
// the XDG mimeapps.list files and desktop entries itself (the way GIO and
// xdg-mime's generic mode resolve a default) and runs no commands.
func Check(ctx context.Context, r Registration) (Status, error) {
	if runtime.GOOS != "linux" {
		return notNeeded(), nil
	}
	r, err := r.withDefaults()
	if err != nil {
		return Status{Reason: err.Error()}, fmt.Errorf("schemereg: check: %w", err)
	}
	env, err := currentEnv()
	if err != nil {
		return Status{Reason: err.Error()}, fmt.Errorf("schemereg: check: %w", err)
	}
	return check(ctx, env, r)
}

// Ensure makes the scheme open r.Exec for the current user if Check says it
// does not, and leaves a correct registration untouched (no file is
// rewritten). Binaries built by `go run`, `go test` or `wails dev` are never
// registered (see IsDevBinary): Ensure then only reports. It returns an
// error when the registration could not be made to take effect; the Status
// still carries a loggable Reason.
func Ensure(ctx context.Context, r Registration) (Status, error) {
	if runtime.GOOS != "linux" {
		return notNeeded(), nil
	}
	r, err := r.withDefaults()
	if err != nil {
		return Status{Reason: err.Error()}, fmt.Errorf("schemereg: ensure: %w", err)
	}
	env, err := currentEnv()
	if err != nil {
		return Status{Reason: err.Error()}, fmt.Errorf("schemereg: ensure: %w", err)
	}
	return ensure(ctx, env, r, defaultDeps())
}

func notNeeded() Status {
	return Status{OK: true, Reason: fmt.Sprintf(
		"URL scheme registration is not needed on this OS (%s): the installer or app bundle registers it", runtime.GOOS)}
}

// CurrentExecutable returns the path a desktop entry should launch to start
// this program again: os.Executable with symlinks resolved, or, inside an
// AppImage, the AppImage file itself (the binary's own path is a per-run
// mount under /tmp that is gone after exit).
func CurrentExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	// APPIMAGE is inherited by every child of an AppImage app, so trust it
	// only when this binary really runs from that AppImage's mount (APPDIR).
	if img, dir := os.Getenv("APPIMAGE"), os.Getenv("APPDIR"); filepath.IsAbs(img) && filepath.IsAbs(dir) && within(exe, resolve(dir)) {
		if resolved, err := filepath.EvalSymlinks(img); err == nil {
			return resolved, nil
		}
	}
	return exe, nil
}

// LaunchTarget returns the program links should start for the app binary
// app: the forward-only handler beside it (cmd/stytch-desktop-open, built by
// make build) when app is named stytch-desktop and the handler is an
// executable file there, since it hands a link to the running app without
// loading GTK (~60 ms less per click); otherwise app itself (`go run`,
// tests, a renamed build, an install without the handler). The handler
// starts the binary named stytch-desktop beside it when no instance runs, so
// it is only right for an app of that name.
func LaunchTarget(app string) string {
	if filepath.Base(app) != handoff.AppName {
		return app
	}
	h := handoff.Beside(app, handoff.HandlerName)
	if st, err := os.Stat(h); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
		return h
	}
	return app
}

// IsDevBinary reports whether exe is a throw-away development build that
// must not become the user's handler (a `wails dev` build, or a `go run` /
// `go test` binary in the Go build cache or the temp dir), and why.
func IsDevBinary(exe string) (bool, string) {
	reason := devBinaryReason(exe, resolve(os.TempDir()), wailsDevBuild)
	return reason != "", reason
}

func devBinaryReason(exe, tempDir string, wailsDev bool) string {
	switch {
	case wailsDev:
		return "built by `wails dev`"
	case strings.Contains(filepath.ToSlash(exe), "/go-build"):
		return "a `go run`/`go test` build"
	case tempDir != "" && within(exe, tempDir):
		return "inside the temp directory " + tempDir
	}
	return ""
}

// within reports whether path is dir or inside it (lexically).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve returns p with symlinks resolved, or p cleaned if that fails.
func resolve(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

func (r Registration) withDefaults() (Registration, error) {
	if r.Scheme == "" {
		r.Scheme = DefaultScheme
	}
	if r.DesktopID == "" {
		r.DesktopID = DefaultDesktopID
	}
	if r.Exec == "" {
		exe, err := CurrentExecutable()
		if err != nil {
			return r, err
		}
		r.Exec = LaunchTarget(exe)
	}
	if err := validScheme(r.Scheme); err != nil {
		return r, err
	}
	if err := validDesktopID(r.DesktopID); err != nil {
		return r, err
	}
	if err := validExecPath(r.Exec); err != nil {
		return r, err
	}
	r.Exec = filepath.Clean(r.Exec)
	return r, nil
}

// validScheme accepts RFC 3986 schemes, lower case only: MIME types in
// mimeapps.list are matched byte for byte.
func validScheme(s string) error {
	if s == "" {
		return errors.New("empty URL scheme")
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')
		if !ok {
			return fmt.Errorf("invalid URL scheme %q (want lower-case RFC 3986 scheme)", s)
		}
	}
	return nil
}

// validDesktopID accepts a plain file name "name.desktop" (no subdirectory
// prefixes) made of characters that are safe in a file name and in the
// ';'-separated lists of mimeapps.list.
func validDesktopID(id string) error {
	name, ok := strings.CutSuffix(id, ".desktop")
	if !ok || name == "" || name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("invalid desktop ID %q (want name.desktop)", id)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("invalid desktop ID %q (want [A-Za-z0-9._-]+.desktop)", id)
		}
	}
	return nil
}

// validExecPath rejects what cannot be written into an Exec key faithfully:
// relative paths, invalid UTF-8 (desktop files are UTF-8) and control
// characters (a newline would end the key and start a new, attacker-chosen
// one).
func validExecPath(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("executable path %q is not absolute", p)
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("executable path %q is not valid UTF-8", p)
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("executable path %q contains a control character", p)
		}
	}
	return nil
}
