package schemereg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// sandbox points every XDG variable (and HOME) at throw-away directories so
// that neither this package nor xdg-mime/gio can see or touch the real
// user's files.
type sandbox struct {
	root, data, config, sysData, sysConfig string
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("XDG registration is Linux-only")
	}
	root := t.TempDir()
	s := sandbox{
		root:      root,
		data:      filepath.Join(root, "data"),
		config:    filepath.Join(root, "config"),
		sysData:   filepath.Join(root, "sysdata"),
		sysConfig: filepath.Join(root, "sysconfig"),
	}
	for _, d := range []string{s.data, s.config, s.sysData, s.sysConfig, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Setenv("XDG_DATA_HOME", s.data)
	t.Setenv("XDG_CONFIG_HOME", s.config)
	t.Setenv("XDG_DATA_DIRS", s.sysData)
	t.Setenv("XDG_CONFIG_DIRS", s.sysConfig)
	// Make xdg-mime take its generic (mimeapps.list) path and keep gio off
	// any real session: no desktop, no display, no session bus.
	for _, k := range []string{"XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "KDE_SESSION_VERSION",
		"GNOME_DESKTOP_SESSION_ID", "MATE_DESKTOP_SESSION_ID", "XDG_MENU_PREFIX", "DISPLAY", "WAYLAND_DISPLAY",
		"DBUS_SESSION_BUS_ADDRESS", "APPIMAGE", "APPDIR"} {
		t.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)
	}
	return s
}

func (s sandbox) env(t *testing.T) xdgEnv {
	t.Helper()
	env, err := currentEnv()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// testDeps are the real tools, but with the dev-binary guard off: every
// binary in these tests lives in t.TempDir().
func testDeps() deps { return deps{lookPath: exec.LookPath} }

func writeExe(t *testing.T, path string) {
	t.Helper()
	writeFile(t, path, "#!/bin/sh\nexit 0\n", 0o755)
}

func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (s sandbox) reg(t *testing.T, name string) Registration {
	exe := filepath.Join(s.root, "apps", name, "stytch-desktop")
	writeExe(t, exe)
	return Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: exe}
}

// xdgMimeDefault asks xdg-mime (an independent implementation of the lookup)
// for the default; "" with ok=false when xdg-mime is not installed.
func xdgMimeDefault(t *testing.T) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("xdg-mime"); err != nil {
		t.Log("xdg-mime not installed: cross-check skipped")
		return "", false
	}
	out, err := exec.Command("xdg-mime", "query", "default", "x-scheme-handler/"+DefaultScheme).Output()
	if err != nil {
		t.Fatalf("xdg-mime query default: %v", err)
	}
	return strings.TrimSpace(string(out)), true
}

func validateDesktopFile(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("desktop-file-validate"); err != nil {
		t.Log("desktop-file-validate not installed: validity not checked")
		return
	}
	if out, err := exec.Command("desktop-file-validate", path).CombinedOutput(); err != nil {
		t.Fatalf("desktop-file-validate %s: %v\n%s", path, err, out)
	}
}

// otherHandler installs another app as the scheme's default.
func (s sandbox) otherHandler(t *testing.T, dir, exec string) {
	writeFile(t, filepath.Join(dir, "applications", "other.desktop"),
		"[Desktop Entry]\nType=Application\nName=Other\nExec="+exec+" %u\nMimeType=x-scheme-handler/stytch-desktop;\n", 0o644)
}

const userMimeapps = `# my associations
[Default Applications]
text/html=firefox.desktop
x-scheme-handler/stytch-desktop=other.desktop
image/png=eog.desktop;

[Added Associations]
x-scheme-handler/stytch-desktop=other.desktop;
application/pdf=evince.desktop;
`

func TestCheckEmpty(t *testing.T) {
	s := newSandbox(t)
	st, err := check(context.Background(), s.env(t), s.reg(t, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if st.OK || st.Handler != "" || st.Repaired || !strings.Contains(st.Reason, "no default handler") {
		t.Fatalf("empty sandbox: %+v", st)
	}
}

func TestEnsureRegisters(t *testing.T) {
	s := newSandbox(t)
	r := s.reg(t, "a")
	start := time.Now()
	st, err := ensure(context.Background(), s.env(t), r, testDeps())
	if err != nil {
		t.Fatalf("ensure: %v (%+v)", err, st)
	}
	t.Logf("%s (took %v)", st.Reason, time.Since(start))
	if !st.OK || !st.Repaired || st.Handler != DefaultDesktopID || st.HandlerExec != r.Exec {
		t.Fatalf("status %+v", st)
	}
	if want := "registered stytch-desktop:// to " + r.Exec + " (was: no handler)"; st.Reason != want {
		t.Fatalf("reason %q, want %q", st.Reason, want)
	}
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	fi, err := os.Stat(desktop)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("desktop file mode %v", fi.Mode())
	}
	validateDesktopFile(t, desktop)
	if !strings.Contains(readFile(t, desktop), "\nExec="+r.Exec+" %u\n") {
		t.Fatalf("desktop file:\n%s", readFile(t, desktop))
	}
	if got, ok := xdgMimeDefault(t); ok && got != DefaultDesktopID {
		t.Fatalf("xdg-mime query default = %q", got)
	}
	// No temp files left behind by the atomic writes.
	for _, dir := range []string{filepath.Join(s.data, "applications"), s.config} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("left-over temp file %s/%s", dir, e.Name())
			}
		}
	}
	// Nothing outside the sandbox's user dirs was written.
	for _, dir := range []string{s.sysData, s.sysConfig} {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("system dir %s was written to", dir)
		}
	}
	if st, err := check(context.Background(), s.env(t), r); err != nil || !st.OK {
		t.Fatalf("check after ensure: %+v, %v", st, err)
	}
}

func TestEnsureRepairsOtherHandler(t *testing.T) {
	for _, where := range []string{"user", "system"} {
		t.Run(where, func(t *testing.T) {
			s := newSandbox(t)
			other := filepath.Join(s.root, "other", "bin")
			writeExe(t, other)
			if where == "user" {
				s.otherHandler(t, s.data, other)
				writeFile(t, filepath.Join(s.config, "mimeapps.list"), userMimeapps, 0o600)
			} else { // a system-wide default that must be overridden, not edited
				s.otherHandler(t, s.sysData, other)
				writeFile(t, filepath.Join(s.sysData, "applications", "mimeapps.list"), userMimeapps, 0o644)
			}
			before, err := check(context.Background(), s.env(t), s.reg(t, "a"))
			if err != nil || before.OK || before.Handler != "other.desktop" || before.HandlerExec != other {
				t.Fatalf("before: %+v, %v", before, err)
			}
			r := s.reg(t, "a")
			st, err := ensure(context.Background(), s.env(t), r, testDeps())
			if err != nil {
				t.Fatalf("ensure: %v (%+v)", err, st)
			}
			t.Log(st.Reason)
			want := "registered stytch-desktop:// to " + r.Exec + " (was: other.desktop → " + other + ")"
			if !st.OK || !st.Repaired || st.Reason != want {
				t.Fatalf("status %+v, want reason %q", st, want)
			}
			if got, ok := xdgMimeDefault(t); ok && got != DefaultDesktopID {
				t.Fatalf("xdg-mime query default = %q", got)
			}
			if where == "system" {
				if got := readFile(t, filepath.Join(s.sysData, "applications", "mimeapps.list")); got != userMimeapps {
					t.Fatalf("system mimeapps.list changed:\n%s", got)
				}
				return
			}
			list := readFile(t, filepath.Join(s.config, "mimeapps.list"))
			for _, keep := range []string{"# my associations", "text/html=firefox.desktop", "image/png=eog.desktop;",
				"[Added Associations]", "application/pdf=evince.desktop;"} {
				if !strings.Contains(list, keep) {
					t.Errorf("mimeapps.list lost %q:\n%s", keep, list)
				}
			}
			if strings.Contains(list, "[Default Applications]\ntext/html=firefox.desktop\nx-scheme-handler/stytch-desktop=other.desktop") {
				t.Errorf("default not replaced:\n%s", list)
			}
		})
	}
}

func TestEnsureRepairsMovedBinary(t *testing.T) {
	s := newSandbox(t)
	old := s.reg(t, "old")
	if _, err := ensure(context.Background(), s.env(t), old, testDeps()); err != nil {
		t.Fatal(err)
	}
	moved := s.reg(t, "new")
	st, err := ensure(context.Background(), s.env(t), moved, testDeps())
	if err != nil || !st.OK || !st.Repaired {
		t.Fatalf("%+v, %v", st, err)
	}
	if want := "(was: " + DefaultDesktopID + " → " + old.Exec + ")"; !strings.HasSuffix(st.Reason, want) {
		t.Fatalf("reason %q, want suffix %q", st.Reason, want)
	}
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	validateDesktopFile(t, desktop)
	if want := "\nExec=" + moved.Exec + " %u\n"; !strings.Contains(readFile(t, desktop), want) {
		t.Fatalf("want %q in\n%s", want, readFile(t, desktop))
	}
}

// Paths that need Exec quoting get a plain-named launcher symlink (generic
// xdg-open cannot parse quotes, GLib cannot start "%%" paths); when even the
// data dir needs quoting, the spec's quoting is used.
func TestEnsureExecPathWithSpaces(t *testing.T) {
	for _, tc := range []struct {
		name, dir   string
		dataSpace   bool
		wantExec    func(s sandbox, exe string) string
		wantFailure bool
	}{
		{name: "launcher symlink", dir: "My Apps/stytch (beta)",
			wantExec: func(s sandbox, _ string) string {
				return filepath.Join(s.data, "stytch-desktop", "bin", "stytch-desktop")
			}},
		{name: "launcher symlink for percent", dir: "100%",
			wantExec: func(s sandbox, _ string) string {
				return filepath.Join(s.data, "stytch-desktop", "bin", "stytch-desktop")
			}},
		{name: "quoted when data dir has a space", dir: "My Apps", dataSpace: true,
			wantExec: func(_ sandbox, exe string) string { return `"` + exe + `"` }},
		{name: "percent impossible when data dir has a space", dir: "100%", dataSpace: true, wantFailure: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			if tc.dataSpace {
				s.data = filepath.Join(s.root, "data dir")
				t.Setenv("XDG_DATA_HOME", s.data)
			}
			exe := filepath.Join(s.root, tc.dir, "stytch-desktop")
			writeExe(t, exe)
			r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: exe}
			st, err := ensure(context.Background(), s.env(t), r, testDeps())
			if tc.wantFailure {
				if err == nil || st.OK {
					t.Fatalf("want failure, got %+v", st)
				}
				t.Log(err)
				return
			}
			if err != nil || !st.OK || !st.Repaired || st.HandlerExec != exe {
				t.Fatalf("%+v, %v", st, err)
			}
			desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
			validateDesktopFile(t, desktop)
			if want := "\nExec=" + tc.wantExec(s, exe) + " %u\n"; !strings.Contains(readFile(t, desktop), want) {
				t.Fatalf("want %q in\n%s", want, readFile(t, desktop))
			}
			// xdg-mime's generic mode word-splits XDG_DATA_HOME and finds
			// nothing when it holds a blank (an xdg-utils 1.1.3 limitation);
			// GLib copes, see TestOpenLinkEndToEnd.
			if got, ok := xdgMimeDefault(t); ok && !tc.dataSpace && got != DefaultDesktopID {
				t.Fatalf("xdg-mime query default = %q", got)
			}
			// Idempotent, launcher included.
			if st, err := ensure(context.Background(), s.env(t), r, testDeps()); err != nil || st.Repaired {
				t.Fatalf("second ensure: %+v, %v", st, err)
			}
		})
	}
}

func TestEnsureLeavesCorrectAlone(t *testing.T) {
	s := newSandbox(t)
	r := s.reg(t, "a")
	if _, err := ensure(context.Background(), s.env(t), r, testDeps()); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(s.data, "applications", DefaultDesktopID), filepath.Join(s.config, "mimeapps.list")}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range files {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	st, err := ensure(context.Background(), s.env(t), r, testDeps())
	if err != nil || !st.OK || st.Repaired {
		t.Fatalf("second ensure: %+v, %v", st, err)
	}
	t.Logf("no-op ensure took %v", time.Since(start))
	if want := "stytch-desktop:// opens " + DefaultDesktopID + " → " + r.Exec; st.Reason != want {
		t.Fatalf("reason %q, want %q", st.Reason, want)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(past) {
			t.Errorf("%s rewritten (mtime %v)", f, fi.ModTime())
		}
	}
}

func TestEnsureWithoutXdgMime(t *testing.T) {
	s := newSandbox(t)
	s.otherHandler(t, s.data, "/usr/bin/other-app")
	writeFile(t, filepath.Join(s.config, "mimeapps.list"), userMimeapps, 0o600)
	d := testDeps()
	var asked []string
	d.lookPath = func(name string) (string, error) {
		asked = append(asked, name)
		return "", exec.ErrNotFound
	}
	r := s.reg(t, "a")
	st, err := ensure(context.Background(), s.env(t), r, d)
	if err != nil || !st.OK || !st.Repaired {
		t.Fatalf("%+v, %v", st, err)
	}
	if strings.Join(asked, ",") != "update-desktop-database,xdg-mime" {
		t.Fatalf("tools looked up: %q", asked)
	}
	want := strings.Replace(userMimeapps, "x-scheme-handler/stytch-desktop=other.desktop\n", "x-scheme-handler/stytch-desktop="+DefaultDesktopID+"\n", 1)
	list := filepath.Join(s.config, "mimeapps.list")
	if got := readFile(t, list); got != want {
		t.Fatalf("mimeapps.list:\n%s\nwant:\n%s", got, want)
	}
	if fi, _ := os.Stat(list); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mimeapps.list mode changed to %v", fi.Mode())
	}
	if got, ok := xdgMimeDefault(t); ok && got != DefaultDesktopID {
		t.Fatalf("xdg-mime query default = %q", got)
	}
}

func TestEnsureFixesShadowingDesktopList(t *testing.T) {
	s := newSandbox(t)
	t.Setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
	s.otherHandler(t, s.data, "/usr/bin/other-app")
	// gnome-mimeapps.list outranks mimeapps.list, which is all xdg-mime writes.
	writeFile(t, filepath.Join(s.config, "gnome-mimeapps.list"), userMimeapps, 0o644)
	r := s.reg(t, "a")
	st, err := ensure(context.Background(), s.env(t), r, testDeps())
	if err != nil || !st.OK || !st.Repaired {
		t.Fatalf("%+v, %v", st, err)
	}
	if got := readFile(t, filepath.Join(s.config, "gnome-mimeapps.list")); !strings.Contains(got, "x-scheme-handler/stytch-desktop="+DefaultDesktopID+"\n") ||
		!strings.Contains(got, "application/pdf=evince.desktop;") {
		t.Fatalf("gnome-mimeapps.list:\n%s", got)
	}
}

func TestEnsureMimeappsSymlink(t *testing.T) {
	s := newSandbox(t)
	target := filepath.Join(s.root, "dotfiles", "mimeapps.list")
	writeFile(t, target, userMimeapps, 0o644)
	if err := os.Symlink(target, filepath.Join(s.config, "mimeapps.list")); err != nil {
		t.Fatal(err)
	}
	s.otherHandler(t, s.data, "/usr/bin/other-app")
	d := testDeps()
	d.lookPath = func(string) (string, error) { return "", exec.ErrNotFound } // our own writer
	if st, err := ensure(context.Background(), s.env(t), s.reg(t, "a"), d); err != nil || !st.OK {
		t.Fatalf("%+v, %v", st, err)
	}
	if fi, err := os.Lstat(filepath.Join(s.config, "mimeapps.list")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("symlink replaced by a file")
	}
	if !strings.Contains(readFile(t, target), "x-scheme-handler/stytch-desktop="+DefaultDesktopID+"\n") {
		t.Fatal("symlink target not updated")
	}
}

func TestCheckHandlerVariants(t *testing.T) {
	q := func(p string) string {
		v, err := execValue(p)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		exec   func(self string) string // Exec line of our entry
		extra  string
		ok     bool
		reason string
	}{
		{name: "no URL field code", exec: func(self string) string { return q(self) }, reason: "passes no URL"},
		{name: "other program", exec: func(string) string { return "/usr/bin/true %u" }, reason: "not "},
		{name: "via symlink", exec: func(self string) string { return q(filepath.Join(filepath.Dir(self), "link")) + " %u" }, ok: true},
		{name: "env wrapper", exec: func(self string) string { return "env GDK_BACKEND=x11 " + q(self) + " %U" }, ok: true},
		{name: "hidden", exec: func(self string) string { return q(self) + " %u" }, extra: "Hidden=true\n", reason: "no default handler"},
		{name: "not an application", exec: func(self string) string { return q(self) + " %u" }, extra: "Type=Link\n", reason: "not an application"},
		{name: "broken quoting", exec: func(self string) string { return `"` + self + " %u" }, reason: "unusable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			r := s.reg(t, "a")
			if err := os.Symlink(r.Exec, filepath.Join(filepath.Dir(r.Exec), "link")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(s.data, "applications", DefaultDesktopID),
				"[Desktop Entry]\nName=x\nExec="+tc.exec(r.Exec)+"\n"+tc.extra+"MimeType=x-scheme-handler/stytch-desktop;\n", 0o644)
			writeFile(t, filepath.Join(s.config, "mimeapps.list"), "[Default Applications]\nx-scheme-handler/stytch-desktop="+DefaultDesktopID+"\n", 0o644)
			st, err := check(context.Background(), s.env(t), r)
			if err != nil {
				t.Fatal(err)
			}
			if st.OK != tc.ok || !strings.Contains(st.Reason, tc.reason) {
				t.Fatalf("%+v; want ok=%v reason containing %q", st, tc.ok, tc.reason)
			}
			if tc.ok {
				return
			}
			// Ensure repairs every broken variant.
			if st, err := ensure(context.Background(), s.env(t), r, testDeps()); err != nil || !st.OK || !st.Repaired {
				t.Fatalf("ensure: %+v, %v", st, err)
			}
		})
	}
}

func TestCheckDefaultFallsThroughUninstalled(t *testing.T) {
	s := newSandbox(t)
	r := s.reg(t, "a")
	if _, err := ensure(context.Background(), s.env(t), r, testDeps()); err != nil {
		t.Fatal(err)
	}
	// A higher-precedence list naming an app that is not installed does not
	// count; our entry further down still wins.
	writeFile(t, filepath.Join(s.config, "mimeapps.list"),
		"[Default Applications]\nx-scheme-handler/stytch-desktop=gone.desktop;"+DefaultDesktopID+"\n", 0o644)
	if st, err := check(context.Background(), s.env(t), r); err != nil || !st.OK {
		t.Fatalf("%+v, %v", st, err)
	}
}

func TestEnsureSkipsDevBinary(t *testing.T) {
	s := newSandbox(t)
	// Public Ensure with real deps: the binary is in the temp dir.
	r := s.reg(t, "a")
	st, err := Ensure(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if st.OK || st.Repaired || !strings.Contains(st.Reason, "not registering stytch-desktop://") ||
		!wailsDevBuild && !strings.Contains(st.Reason, "temp directory") {
		t.Fatalf("%+v", st)
	}
	t.Log(st.Reason)
	for _, dir := range []string{filepath.Join(s.data, "applications"), s.config} {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("dev build wrote into %s", dir)
		}
	}
	// The zero Registration means "this test binary", a go-build binary.
	if st, err = Ensure(context.Background(), Registration{}); err != nil || st.Repaired || !strings.Contains(st.Reason, "not registering") {
		t.Fatalf("%+v, %v", st, err)
	}
}

func TestEnsureRefusesSystemDataHome(t *testing.T) {
	s := newSandbox(t)
	env := s.env(t)
	env.dataHome = "/usr/share"
	st, err := ensure(context.Background(), env, s.reg(t, "a"), testDeps())
	if err == nil || st.OK || !strings.Contains(err.Error(), "system-wide") {
		t.Fatalf("%+v, %v", st, err)
	}
}

func TestEnsureRejectsMissingBinary(t *testing.T) {
	s := newSandbox(t)
	r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: filepath.Join(s.root, "nope")}
	if st, err := ensure(context.Background(), s.env(t), r, testDeps()); err == nil || st.OK {
		t.Fatalf("%+v, %v", st, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.data, "applications")); len(entries) != 0 {
		t.Fatal("desktop file written for a missing binary")
	}
}

func TestRunToolTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /bin/sh")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "slow"), "#!/bin/sh\nsleep 30\n", 0o755)
	d := deps{lookPath: func(string) (string, error) { return filepath.Join(dir, "slow"), nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := runTool(ctx, d, "slow")
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("err=%v after %v", err, time.Since(start))
	}
	if err := runTool(context.Background(), deps{lookPath: func(string) (string, error) { return "", exec.ErrNotFound }}, "x"); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("missing tool: %v", err)
	}
}
