package schemereg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLaunchTarget(t *testing.T) {
	for _, tc := range []struct {
		name    string
		app     string // file name of the app binary
		handler string // "exe", "plain" (not executable), "dir", "" (absent)
		want    string // "handler" or "app"
	}{
		{name: "handler beside the app", app: "stytch-desktop", handler: "exe", want: "handler"},
		{name: "no handler (go run, tests, old install)", app: "stytch-desktop", want: "app"},
		{name: "handler not executable", app: "stytch-desktop", handler: "plain", want: "app"},
		{name: "handler is a directory", app: "stytch-desktop", handler: "dir", want: "app"},
		// The handler starts the stytch-desktop beside it: a build under
		// another name would get that one, not itself, on a cold start.
		{name: "app under another name", app: "stytch-desktop-company", handler: "exe", want: "app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			app := filepath.Join(dir, tc.app)
			writeExe(t, app)
			h := filepath.Join(dir, "stytch-desktop-open")
			switch tc.handler {
			case "exe":
				writeExe(t, h)
			case "plain":
				writeFile(t, h, "x", 0o644)
			case "dir":
				if err := os.Mkdir(h, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			want := app
			if tc.want == "handler" {
				want = h
			}
			if got := LaunchTarget(app); got != want {
				t.Fatalf("LaunchTarget(%s) = %s, want %s", app, got, want)
			}
		})
	}
}

// The start-up check with the handler: an entry that starts the app binary
// (an install from before the handler) is upgraded to the handler, and one
// that starts a handler that is gone goes back to the app binary.
func TestEnsureHandlerTarget(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	app := s.reg(t, "installed")
	handler := filepath.Join(filepath.Dir(app.Exec), "stytch-desktop-open")
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	execIs := func(want string) {
		t.Helper()
		validateDesktopFile(t, desktop)
		if line := "\nExec=" + want + " %u\n"; !strings.Contains(readFile(t, desktop), line) {
			t.Fatalf("want %q in\n%s", line, readFile(t, desktop))
		}
	}
	target := func() Registration {
		r := app
		r.Exec = LaunchTarget(app.Exec)
		return r
	}

	// Without the handler, the app binary is registered, as before.
	if st, err := ensure(ctx, s.env(t), target(), testDeps()); err != nil || !st.OK || !st.Repaired {
		t.Fatalf("%+v, %v", st, err)
	}
	execIs(app.Exec)

	// The handler appears (an update): the entry is repaired to it.
	writeExe(t, handler)
	st, err := ensure(ctx, s.env(t), target(), testDeps())
	if err != nil || !st.OK || !st.Repaired {
		t.Fatalf("upgrade: %+v, %v", st, err)
	}
	if want := "(was: " + DefaultDesktopID + " → " + app.Exec + ")"; !strings.HasSuffix(st.Reason, want) {
		t.Fatalf("reason %q, want suffix %q", st.Reason, want)
	}
	execIs(handler)
	if st, err := ensure(ctx, s.env(t), target(), testDeps()); err != nil || !st.OK || st.Repaired {
		t.Fatalf("second start changed a correct entry: %+v, %v", st, err)
	}
	if def, ok := xdgMimeDefault(t); ok && def != DefaultDesktopID {
		t.Fatalf("xdg-mime default = %q", def)
	}

	// The handler is removed: the entry goes back to the app binary.
	if err := os.Remove(handler); err != nil {
		t.Fatal(err)
	}
	if st, err := check(ctx, s.env(t), target()); err != nil || st.OK {
		t.Fatalf("check accepted an entry whose handler is gone: %+v, %v", st, err)
	}
	if st, err := ensure(ctx, s.env(t), target(), testDeps()); err != nil || !st.OK || !st.Repaired {
		t.Fatalf("downgrade: %+v, %v", st, err)
	}
	execIs(app.Exec)
}

// A handler in a directory whose name needs quoting gets the launcher
// symlink like the app would; the handler resolves its own path, so it still
// finds the app beside the real file (cmd/stytch-desktop-open's tests).
func TestEnsureHandlerInQuotedPath(t *testing.T) {
	s := newSandbox(t)
	dir := filepath.Join(s.root, "My Apps")
	app := filepath.Join(dir, "stytch-desktop")
	writeExe(t, app)
	writeExe(t, filepath.Join(dir, "stytch-desktop-open"))
	r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: LaunchTarget(app)}
	st, err := ensure(context.Background(), s.env(t), r, testDeps())
	if err != nil || !st.OK || !st.Repaired {
		t.Fatalf("%+v, %v", st, err)
	}
	if st.HandlerExec != filepath.Join(dir, "stytch-desktop-open") {
		t.Fatalf("registered %s", st.HandlerExec)
	}
}
