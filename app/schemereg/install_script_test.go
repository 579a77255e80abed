package schemereg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests run scripts/install-linux.sh in the sandbox and check that
// what it installs is exactly what Check accepts, so the first install and
// the app's start-up check never disagree (and Ensure leaves it alone).

func runInstallScript(t *testing.T, script string, env []string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("install-linux.sh output:\n%s", out)
	return string(out), err
}

func repoScript(t *testing.T) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "scripts", "install-linux.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInstallScript(t *testing.T) {
	s := newSandbox(t)
	src := filepath.Join(s.root, "build-output", "stytch-desktop")
	writeExe(t, src)
	if _, err := runInstallScript(t, repoScript(t), nil, src); err != nil {
		t.Fatalf("install-linux.sh: %v", err)
	}
	dest := filepath.Join(os.Getenv("HOME"), ".local", "bin", "stytch-desktop")
	if got, want := readFile(t, dest), readFile(t, src); got != want {
		t.Fatal("installed binary differs from the source")
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("binary mode: %v, %v", fi, err)
	}
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	validateDesktopFile(t, desktop)
	want, err := renderDesktopEntry(Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: dest}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, desktop); got != string(want) {
		t.Fatalf("script and package render different entries:\n%s\nvs\n%s", got, want)
	}
	r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: dest}
	if st, err := check(context.Background(), s.env(t), r); err != nil || !st.OK {
		t.Fatalf("check after install: %+v, %v", st, err)
	}
	if st, err := ensure(context.Background(), s.env(t), r, testDeps()); err != nil || st.Repaired {
		t.Fatalf("ensure after install changed something: %+v, %v", st, err)
	}
	// Running it again (an update) succeeds and changes nothing that matters.
	if _, err := runInstallScript(t, repoScript(t), nil, src); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if st, err := check(context.Background(), s.env(t), r); err != nil || !st.OK {
		t.Fatalf("check after reinstall: %+v, %v", st, err)
	}
}

func TestInstallScriptPrefixWithBlanksAndIcon(t *testing.T) {
	s := newSandbox(t)
	// A copy of the repository layout, with an icon.
	repo := filepath.Join(s.root, "repo")
	script := filepath.Join(repo, "scripts", "install-linux.sh")
	writeFile(t, script, readFile(t, repoScript(t)), 0o755)
	writeFile(t, filepath.Join(repo, "build", "linux", DefaultDesktopID), desktopTemplate, 0o644)
	writeFile(t, filepath.Join(repo, "build", "appicon.png"), "not really a png", 0o644)
	src := filepath.Join(s.root, "src", "stytch-desktop")
	writeExe(t, src)

	prefix := filepath.Join(s.root, `My Programs $x "q"`)
	out, err := runInstallScript(t, script, []string{"PREFIX=" + prefix}, src)
	if err != nil {
		t.Fatalf("install-linux.sh: %v", err)
	}
	if !strings.Contains(out, "needs quoting") {
		t.Error("no warning about the quoted Exec path")
	}
	dest := filepath.Join(prefix, "bin", "stytch-desktop")
	icon := filepath.Join(s.data, "icons", "hicolor", "512x512", "apps", "stytch-desktop.png")
	if readFile(t, icon) != "not really a png" {
		t.Fatal("icon not installed")
	}
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	validateDesktopFile(t, desktop)
	wantExec, _ := execValue(dest)
	if !strings.Contains(readFile(t, desktop), "\nExec="+wantExec+" %u\n") {
		t.Fatalf("want Exec=%s in\n%s", wantExec, readFile(t, desktop))
	}
	r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: dest}
	if st, err := check(context.Background(), s.env(t), r); err != nil || !st.OK {
		t.Fatalf("check after install: %+v, %v", st, err)
	}
}

func TestInstallScriptRefuses(t *testing.T) {
	for _, tc := range []struct{ name, prefix string }{
		{"percent in path", "100%"},
		{"relative prefix", "relative"},
		{"system prefix", "/usr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			src := filepath.Join(s.root, "src", "stytch-desktop")
			writeExe(t, src)
			prefix := tc.prefix
			if tc.name == "percent in path" {
				prefix = filepath.Join(s.root, prefix)
			}
			if _, err := runInstallScript(t, repoScript(t), []string{"PREFIX=" + prefix}, src); err == nil {
				t.Fatal("script succeeded")
			}
			if _, err := os.Stat(filepath.Join(s.data, "applications", DefaultDesktopID)); err == nil {
				t.Fatal("desktop entry installed anyway")
			}
		})
	}
	s := newSandbox(t)
	if _, err := runInstallScript(t, repoScript(t), nil, filepath.Join(s.root, "missing")); err == nil {
		t.Fatal("script accepted a missing binary")
	}
}

// With the link handler beside the binary (make build's layout), the script
// installs both and the entry starts the handler, which is what the app's
// start-up check wants too (LaunchTarget); installing a build without the
// handler later removes the old one and the entry starts the app again.
func TestInstallScriptWithHandler(t *testing.T) {
	s := newSandbox(t)
	ctx := context.Background()
	srcDir := filepath.Join(s.root, "build-output")
	src := filepath.Join(srcDir, "stytch-desktop")
	writeExe(t, src)
	writeFile(t, filepath.Join(srcDir, "stytch-desktop-open"), "#!/bin/sh\necho handler\n", 0o755)
	if _, err := runInstallScript(t, repoScript(t), nil, src); err != nil {
		t.Fatalf("install-linux.sh: %v", err)
	}
	bin := filepath.Join(os.Getenv("HOME"), ".local", "bin")
	dest, handler := filepath.Join(bin, "stytch-desktop"), filepath.Join(bin, "stytch-desktop-open")
	if got := readFile(t, handler); got != "#!/bin/sh\necho handler\n" {
		t.Fatalf("installed handler = %q", got)
	}
	if fi, err := os.Stat(handler); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("handler mode: %v, %v", fi, err)
	}
	if LaunchTarget(dest) != handler {
		t.Fatalf("LaunchTarget(%s) = %s", dest, LaunchTarget(dest))
	}
	desktop := filepath.Join(s.data, "applications", DefaultDesktopID)
	validateDesktopFile(t, desktop)
	r := Registration{Scheme: DefaultScheme, DesktopID: DefaultDesktopID, Exec: LaunchTarget(dest)}
	want, err := renderDesktopEntry(r, handler)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, desktop); got != string(want) {
		t.Fatalf("script and package render different entries:\n%s\nvs\n%s", got, want)
	}
	if st, err := ensure(ctx, s.env(t), r, testDeps()); err != nil || !st.OK || st.Repaired {
		t.Fatalf("ensure after install: %+v, %v", st, err)
	}

	// A build without the handler replaces it.
	if err := os.Remove(filepath.Join(srcDir, "stytch-desktop-open")); err != nil {
		t.Fatal(err)
	}
	if _, err := runInstallScript(t, repoScript(t), nil, src); err != nil {
		t.Fatalf("install-linux.sh without handler: %v", err)
	}
	if _, err := os.Stat(handler); err == nil {
		t.Fatal("the old handler is still installed")
	}
	if !strings.Contains(readFile(t, desktop), "\nExec="+dest+" %u\n") {
		t.Fatalf("want Exec=%s in\n%s", dest, readFile(t, desktop))
	}
	r.Exec = LaunchTarget(dest)
	if st, err := ensure(ctx, s.env(t), r, testDeps()); err != nil || !st.OK || st.Repaired || r.Exec != dest {
		t.Fatalf("ensure after reinstall: %+v, %v (exec %s)", st, err, r.Exec)
	}
}
