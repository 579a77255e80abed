package schemereg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenLinkEndToEnd registers a stand-in for the app with Ensure and
// then opens a sign-in link the way a browser or mail client would, with
// the real launchers. It proves the whole chain: desktop file + Exec
// quoting + default association → the handler receives the exact URL, as
// one argument (the '&' in it would split a command run through a shell).
func TestOpenLinkEndToEnd(t *testing.T) {
	const link = "stytch-desktop://auth/callback?stytch_token_type=discovery&token=abc"
	for _, tc := range []struct {
		name      string
		tool      string
		args      []string
		env       []string
		dataSpace bool // XDG_DATA_HOME with a blank: no launcher symlink, quoted Exec
	}{
		// GIO is what GNOME, Firefox and Chromium use; it starts the
		// handler detached and returns at once.
		{name: "gio open", tool: "gio", args: []string{"open", link}},
		{name: "gio open, quoted Exec", tool: "gio", args: []string{"open", link}, dataSpace: true},
		// xdg-open with no desktop detected reads the default itself and runs
		// the handler in the foreground, but only when it believes there is
		// a display; the handler here needs none, so a dummy value will do.
		{name: "xdg-open generic", tool: "xdg-open", args: []string{link}, env: []string{"DISPLAY=:no-such-display"}},
		// On GNOME, xdg-open hands over to gio.
		{name: "xdg-open GNOME", tool: "xdg-open", args: []string{link}, env: []string{"XDG_CURRENT_DESKTOP=GNOME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			if _, err := exec.LookPath(tc.tool); err != nil {
				t.Skipf("%s not installed (apt-get install libglib2.0-bin xdg-utils)", tc.tool)
			}
			if tc.dataSpace {
				s.data = filepath.Join(s.root, "data dir")
				t.Setenv("XDG_DATA_HOME", s.data)
			}
			// The handler lives in a directory whose name needs Exec quoting,
			// to prove the escaping (or the launcher symlink) works with real
			// launchers.
			out := filepath.Join(s.root, "received-url")
			handler := filepath.Join(s.root, `My Apps $HOME "x" \y`, "stytch-desktop")
			if !tc.dataSpace {
				handler = filepath.Join(s.root, `My Apps $HOME 100% "x" \y`, "stytch-desktop")
			}
			writeFile(t, handler, "#!/bin/sh\nprintf '%s' \"$1\" > '"+out+"'\n", 0o755)
			r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: handler}
			st, err := ensure(context.Background(), s.env(t), r, testDeps())
			if err != nil || !st.OK {
				t.Fatalf("ensure: %+v, %v", st, err)
			}
			t.Logf("Exec line: %s", execLine(t, filepath.Join(s.data, "applications", DefaultDesktopID)))

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, tc.tool, tc.args...)
			// The sandbox already cleared DISPLAY and DBUS_SESSION_BUS_ADDRESS:
			// this runs like a headless CI job.
			cmd.Env = append(os.Environ(), tc.env...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tc.tool, err, b)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				got, err := os.ReadFile(out)
				if err == nil && len(got) > 0 {
					if string(got) != link {
						t.Fatalf("handler received %q, want %q", got, link)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("handler not started within 5s (read: %v); desktop file:\n%s", err,
						readFile(t, filepath.Join(s.data, "applications", DefaultDesktopID)))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func execLine(t *testing.T, path string) string {
	for _, l := range strings.Split(readFile(t, path), "\n") {
		if strings.HasPrefix(l, "Exec=") {
			return l
		}
	}
	return ""
}
