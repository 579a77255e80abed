//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const link = "stytch-desktop://auth/callback?stytch_token_type=discovery&token=secret-looking-token"

// recorder stands in for the running instance and for syscall.Exec.
type recorder struct {
	forwardTo bool  // a running instance takes the hand-off
	refuse    error // the hand-off is refused (too large, or the instance said no)
	forwarded [][]string
	execs     [][]string // path, then argv
	envs      [][]string
	execErr   error
}

func (r *recorder) deps(self string, stderr *bytes.Buffer) deps {
	return deps{
		forward: func(args []string) (bool, error) {
			r.forwarded = append(r.forwarded, args)
			return r.forwardTo, r.refuse
		},
		executable: func() (string, error) { return self, nil },
		stat:       os.Stat,
		exec: func(path string, argv, env []string) error {
			r.execs = append(r.execs, append([]string{path}, argv...))
			r.envs = append(r.envs, env)
			return r.execErr
		},
		stderr: stderr,
	}
}

// install lays out dir/stytch-desktop-open and, if app is set, dir/stytch-desktop.
func install(t *testing.T, app string, perm os.FileMode) (dir, self string) {
	t.Helper()
	dir = t.TempDir()
	self = filepath.Join(dir, "stytch-desktop-open")
	if err := os.WriteFile(self, []byte("handler"), 0o755); err != nil {
		t.Fatal(err)
	}
	if app != "" {
		if err := os.WriteFile(filepath.Join(dir, "stytch-desktop"), []byte(app), perm); err != nil {
			t.Fatal(err)
		}
	}
	return dir, self
}

func TestRun(t *testing.T) {
	env := []string{"HOME=/home/u", "XDG_CONFIG_HOME=/home/u/.config"}
	for _, tc := range []struct {
		name      string
		argv      []string
		running   bool
		app       string // content of the sibling app; "" = missing
		perm      os.FileMode
		selfIsApp bool // the "app" is a hard link to this handler
		execErr   error
		refuse    error
		wantCode  int
		wantExec  bool
		wantErr   string // on stderr
	}{
		{name: "running instance takes the link", argv: []string{"h", link}, running: true, app: "app", perm: 0o755},
		{name: "running instance, app missing does not matter", argv: []string{"h", link}, running: true},
		{name: "no instance: exec the app with the same arguments", argv: []string{"h", link}, app: "app", perm: 0o755, wantExec: true},
		{name: "no instance, no arguments", argv: []string{"h"}, app: "app", perm: 0o755, wantExec: true},
		{name: "no instance, several arguments kept in order", argv: []string{"h", "a", "", "b c"}, app: "app", perm: 0o755, wantExec: true},
		{name: "app missing", argv: []string{"h", link}, wantCode: exitNotFound, wantErr: "is missing"},
		{name: "app not executable", argv: []string{"h", link}, app: "app", perm: 0o644, wantCode: exitNotExecutable, wantErr: "not an executable file"},
		{name: "app is this handler", argv: []string{"h", link}, selfIsApp: true, wantCode: exitNotExecutable, wantErr: "is this handler"},
		{name: "exec fails", argv: []string{"h", link}, app: "app", perm: 0o755, execErr: errors.New("exec format error"),
			wantExec: true, wantCode: exitNotExecutable, wantErr: "exec format error"},
		// A refused link starts nothing, app present or not: a second
		// instance is what the lock prevents (issue 22 #6).
		{name: "refused link: nothing started", argv: []string{"h", link}, app: "app", perm: 0o755,
			refuse: errors.New("the link was refused: hand-off too large"), wantCode: 65, wantErr: "nothing was started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, self := install(t, tc.app, tc.perm)
			app := filepath.Join(dir, "stytch-desktop")
			if tc.selfIsApp {
				if err := os.Link(self, app); err != nil {
					t.Fatal(err)
				}
			}
			r := &recorder{forwardTo: tc.running, execErr: tc.execErr, refuse: tc.refuse}
			var stderr bytes.Buffer
			if code := run(tc.argv, env, r.deps(self, &stderr)); code != tc.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if want := [][]string{tc.argv[1:]}; !reflect.DeepEqual(r.forwarded, want) {
				t.Errorf("forwarded %q, want %q", r.forwarded, want)
			}
			if !tc.wantExec {
				if len(r.execs) != 0 {
					t.Fatalf("exec'd %q", r.execs)
				}
			} else {
				want := append([]string{app, app}, tc.argv[1:]...)
				if len(r.execs) != 1 || !reflect.DeepEqual(r.execs[0], want) {
					t.Fatalf("exec %q, want %q", r.execs, want)
				}
				if !reflect.DeepEqual(r.envs[0], env) {
					t.Errorf("exec env %q, want %q", r.envs[0], env)
				}
			}
			if tc.wantErr == "" && stderr.Len() != 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantErr)
			}
			if strings.Contains(stderr.String(), "secret-looking-token") {
				t.Errorf("stderr carries the link: %q", stderr.String())
			}
		})
	}
}

func TestRunCannotLocateItself(t *testing.T) {
	var stderr bytes.Buffer
	r := &recorder{}
	d := r.deps("", &stderr)
	d.executable = func() (string, error) { return "", errors.New("no /proc") }
	if code := run([]string{"h", link}, nil, d); code != exitNotFound || len(r.execs) != 0 {
		t.Fatalf("exit %d, execs %q", code, r.execs)
	}
	if !strings.Contains(stderr.String(), "cannot be located") {
		t.Errorf("stderr %q", stderr.String())
	}
}
