//go:build unix

// Command stytch-desktop-open is the stytch-desktop:// scheme handler the
// desktop entry launches (Exec=…/stytch-desktop-open %u). It hands the link to
// the running app over D-Bus (app/handoff, the same code the app runs first)
// and exits; when no instance runs it becomes the app (exec of the
// stytch-desktop binary beside it, same argv and environment), so a cold
// start by link still works.
//
// Why a separate binary: the app links ~170 libraries (GTK, WebKitGTK, ICU)
// that Debian builds with BIND_NOW, so the dynamic loader spends 55-75 ms
// before the app's main runs, on every click of a link. This program is pure
// Go without cgo (statically linked, nothing for ld.so to do): it must never
// import Wails or anything else that links GTK.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"stytch-desktop/app/handoff"
	"stytch-desktop/app/trace"
)

func main() {
	trace.Mark("main")
	// Its lines land in the same place as the app's (the launcher's stderr):
	// say which program wrote them.
	logger := handoff.NewLogger().With("program", handoff.HandlerName)
	os.Exit(run(os.Args, os.Environ(), deps{
		forward:    func(args []string) (bool, error) { return handoff.Forward(args, logger) },
		executable: executable,
		stat:       os.Stat,
		exec:       syscall.Exec,
		stderr:     os.Stderr,
	}))
}

// deps are the outside world, replaceable in tests.
type deps struct {
	forward    func(args []string) (bool, error)           // handoff.Forward
	executable func() (string, error)                      // this program, symlinks resolved
	stat       func(string) (fs.FileInfo, error)           // os.Stat
	exec       func(path string, argv, env []string) error // syscall.Exec: returns only on failure
	stderr     io.Writer
}

// Exit statuses when the app cannot be started (the shell's conventions).
const (
	exitNotExecutable = 126
	exitNotFound      = 127
)

// run forwards argv[1:] or execs the app, or refuses a link the running
// instance refused or that is too large to hand over; it returns only when
// neither forward nor exec happened (or, in tests, when exec is a stand-in that returns nil). Error
// text names paths only, never the arguments: a link carries a token.
func run(argv, env []string, d deps) int {
	var args []string
	if len(argv) > 0 {
		args = argv[1:]
	}
	forwarded, err := d.forward(args)
	if err != nil {
		// Too large, or the running instance said no: starting the app for
		// it would make a second instance. The error names sizes, not the link.
		fmt.Fprintf(d.stderr, "stytch-desktop-open: %v; nothing was started\n", err)
		return handoff.ExitRefused
	}
	if forwarded {
		return 0
	}
	self, err := d.executable()
	if err != nil {
		fmt.Fprintf(d.stderr, "stytch-desktop-open: no running instance took the link, and the app cannot be located: %v\n", err)
		return exitNotFound
	}
	app := handoff.Beside(self, handoff.AppName)
	st, err := d.stat(app)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(d.stderr, "stytch-desktop-open: no running instance took the link, and the app %s is missing (reinstall stytch-desktop)\n", app)
		return exitNotFound
	case err != nil:
		fmt.Fprintf(d.stderr, "stytch-desktop-open: no running instance took the link, and the app %s cannot be read: %v\n", app, err)
		return exitNotFound
	case !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0:
		fmt.Fprintf(d.stderr, "stytch-desktop-open: no running instance took the link, and %s is not an executable file (reinstall stytch-desktop)\n", app)
		return exitNotExecutable
	case sameFile(d, self, st):
		// A copy of this handler installed under the app's name would exec
		// itself forever.
		fmt.Fprintf(d.stderr, "stytch-desktop-open: %s is this handler, not the app (reinstall stytch-desktop)\n", app)
		return exitNotExecutable
	}
	// argv[0] is the app's path, as if the OS had started it directly (the
	// app and tools that look for it by its command line see the usual one).
	if err := d.exec(app, append([]string{app}, args...), env); err != nil {
		fmt.Fprintf(d.stderr, "stytch-desktop-open: start %s: %v\n", app, err)
		return exitNotExecutable
	}
	return 0
}

func sameFile(d deps, self string, app fs.FileInfo) bool {
	st, err := d.stat(self)
	return err == nil && os.SameFile(st, app)
}

// executable is this program's path with symlinks resolved, so that a
// symlink to the handler (e.g. the launcher link app/schemereg makes for
// paths that need quoting) still finds the app beside the real file.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}
