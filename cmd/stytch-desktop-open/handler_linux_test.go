package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/handoff"
	"stytch-desktop/app/singleinstance"
	"stytch-desktop/app/singleinstance/dbustest"
)

// These tests run the real handler binary (built as make build builds it)
// beside a stand-in app, with a real dbus-daemon.

// buildHandler builds this command into dir as make build does (no cgo).
func buildHandler(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, handoff.HandlerName)
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// standInApp writes dir/stytch-desktop: it records its argv (NUL-separated)
// and one environment variable into record.
func standInApp(t *testing.T, dir, record string) {
	t.Helper()
	script := "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" \"env=$HANDLER_TEST_MARK\" > '" + record + "'\n"
	if err := os.WriteFile(filepath.Join(dir, handoff.AppName), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func privateBus(t *testing.T) { dbustest.PrivateBus(t) }

func noBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no bus socket in it
}

func runHandler(t *testing.T, bin string, args ...string) (code int, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HANDLER_TEST_MARK=kept")
	var errb strings.Builder
	cmd.Stderr = &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, errb.String()
}

func readRecord(t *testing.T, record string) []string {
	t.Helper()
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("the app was not started: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

func TestHandlerBinary(t *testing.T) {
	dir := t.TempDir()
	bin := buildHandler(t, dir)
	app := filepath.Join(dir, handoff.AppName)
	args := []string{link, "second arg", ""}

	t.Run("no session bus: becomes the app", func(t *testing.T) {
		noBus(t)
		record := filepath.Join(t.TempDir(), "record")
		standInApp(t, dir, record)
		if code, stderr := runHandler(t, bin, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := append(append([]string{app}, args...), "env=kept")
		if got := readRecord(t, record); !reflect.DeepEqual(got, want) {
			t.Fatalf("app got %q, want %q", got, want)
		}
	})

	t.Run("bus but no instance: becomes the app", func(t *testing.T) {
		privateBus(t)
		record := filepath.Join(t.TempDir(), "record")
		standInApp(t, dir, record)
		if code, stderr := runHandler(t, bin, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := readRecord(t, record); !reflect.DeepEqual(got[1:len(got)-1], args) {
			t.Fatalf("app got %q, want %q", got, args)
		}
	})

	t.Run("instance running: forwards, app not started", func(t *testing.T) {
		privateBus(t)
		record := filepath.Join(t.TempDir(), "record")
		standInApp(t, dir, record)
		got := make(chan []string, 1)
		inst, err := singleinstance.Claim(handoff.ID, func(a []string) { got <- a })
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		code, stderr := runHandler(t, bin, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		select {
		case a := <-got:
			if !reflect.DeepEqual(a, args) {
				t.Fatalf("instance got %q, want %q", a, args)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("nothing reached the instance")
		}
		if _, err := os.Stat(record); err == nil {
			t.Fatal("the app was started although an instance took the link")
		}
	})

	// A link over the hand-off limit starts nothing, whether an instance
	// runs or not, and reaches no instance (issue 22 #6). One argument is at
	// most 128 KiB on Linux, so 1 MiB comes as sixteen.
	huge := "stytch-desktop://auth/callback?token=" + strings.Repeat("x", 64<<10)
	for _, tc := range []struct {
		name    string
		args    []string
		running bool
	}{
		{"64 KiB link, no instance", []string{huge}, false},
		{"64 KiB link, instance running", []string{huge}, true},
		{"1 MiB of arguments, instance running", func() []string {
			var a []string
			for range 16 {
				a = append(a, huge)
			}
			return a
		}(), true},
	} {
		t.Run(tc.name+": refused, nothing started", func(t *testing.T) {
			privateBus(t)
			record := filepath.Join(t.TempDir(), "record")
			standInApp(t, dir, record)
			got := make(chan []string, 1)
			if tc.running {
				inst, err := singleinstance.Claim(handoff.ID, func(a []string) { got <- a })
				if err != nil {
					t.Fatal(err)
				}
				defer inst.Close()
			}
			start := time.Now()
			code, stderr := runHandler(t, bin, tc.args...)
			if code != handoff.ExitRefused || !strings.Contains(stderr, "too large") || !strings.Contains(stderr, "nothing was started") {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %v", d)
			}
			if strings.Contains(stderr, "xxxxxxxx") {
				t.Fatalf("stderr carries the link: %.200q", stderr)
			}
			if _, err := os.Stat(record); err == nil {
				t.Fatal("the app was started for a refused link")
			}
			select {
			case a := <-got:
				t.Fatalf("the instance got %d args", len(a))
			default:
			}
		})
	}

	t.Run("no instance, app missing", func(t *testing.T) {
		noBus(t)
		if err := os.Remove(app); err != nil {
			t.Fatal(err)
		}
		code, stderr := runHandler(t, bin, args...)
		if code != exitNotFound || !strings.Contains(stderr, app+" is missing") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if strings.Contains(stderr, "secret-looking-token") {
			t.Fatalf("stderr carries the link: %q", stderr)
		}
	})

	// Reached through a symlink (app/schemereg's launcher link for paths that
	// need quoting): the app is found beside the real file.
	t.Run("through a symlink", func(t *testing.T) {
		noBus(t)
		record := filepath.Join(t.TempDir(), "record")
		standInApp(t, dir, record)
		link := filepath.Join(t.TempDir(), "stytch-desktop")
		if err := os.Symlink(bin, link); err != nil {
			t.Fatal(err)
		}
		if code, stderr := runHandler(t, link, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := readRecord(t, record); got[0] != app {
			t.Fatalf("started %q, want %q", got[0], app)
		}
	})

	// The point of the handler: nothing for the dynamic loader to do.
	t.Run("statically linked", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Fatal("the handler has a program interpreter: it is dynamically linked")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Fatalf("the handler links %q", libs)
		}
	})
}

// The handler must never depend on Wails or on any package with C code
// (GTK and WebKit come in through cgo): its start-up cost is why it exists.
// The standard library's optional cgo (net, os/user) is off in its build.
func TestHandlerDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{.ImportPath}} {{if and .CgoFiles (not .Standard)}}cgo{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		n++
		dep, cgo, _ := strings.Cut(line, " ")
		if strings.Contains(dep, "wailsapp") || dep == "stytch-desktop" || cgo == "cgo" {
			t.Errorf("the handler depends on %s %s", dep, cgo)
		}
	}
	if n < 10 {
		t.Fatalf("go list printed %d packages: %s", n, out)
	}
}
