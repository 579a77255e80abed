package schemereg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The XDG logic below is plain Go and compiles on every OS; Check and Ensure
// only call it on Linux.

// deps are the outside-world hooks Ensure uses, replaceable in tests.
type deps struct {
	lookPath func(string) (string, error) // finds xdg-mime, update-desktop-database
	tempDir  string                       // binaries in here are dev builds
	wailsDev bool                         // built with `wails dev`
}

func defaultDeps() deps {
	return deps{lookPath: exec.LookPath, tempDir: resolve(os.TempDir()), wailsDev: wailsDevBuild}
}

func check(_ context.Context, env xdgEnv, r Registration) (Status, error) {
	mime := "x-scheme-handler/" + r.Scheme
	id, path, err := env.defaultHandler(mime)
	if err != nil {
		return Status{Reason: err.Error()}, fmt.Errorf("schemereg: find default handler for %s: %w", mime, err)
	}
	if id == "" {
		return Status{Reason: fmt.Sprintf("no default handler for %s:// links", r.Scheme)}, nil
	}
	st := Status{Handler: id}
	e, err := readDesktopEntry(path)
	if err != nil {
		st.Reason = err.Error()
		return st, fmt.Errorf("schemereg: read handler: %w", err)
	}
	program, passesURL, err := execProgram(e.Exec)
	if err != nil {
		st.Reason = fmt.Sprintf("%s:// opens %s, whose Exec line is unusable: %v", r.Scheme, id, err)
		return st, nil
	}
	st.HandlerExec = programPath(program)
	want := resolve(r.Exec)
	switch {
	case e.Type != "" && e.Type != "Application":
		st.Reason = fmt.Sprintf("%s:// opens %s, which is not an application (Type=%s)", r.Scheme, id, e.Type)
	case st.HandlerExec != want:
		st.Reason = fmt.Sprintf("%s:// opens %s → %s, not %s", r.Scheme, id, st.HandlerExec, want)
	case !passesURL:
		st.Reason = fmt.Sprintf("%s:// opens %s → %s, but its Exec line passes no URL (%%u)", r.Scheme, id, st.HandlerExec)
	default:
		st.OK = true
		st.Reason = fmt.Sprintf("%s:// opens %s → %s", r.Scheme, id, st.HandlerExec)
	}
	return st, nil
}

// programPath resolves an Exec program to the file it runs: through PATH if
// it is a bare name, then through symlinks. Unresolvable names come back
// as written.
func programPath(program string) string {
	if !strings.Contains(program, "/") {
		p, err := exec.LookPath(program)
		if err != nil {
			return program
		}
		program = p
	}
	return resolve(program)
}

func ensure(ctx context.Context, env xdgEnv, r Registration, d deps) (Status, error) {
	before, err := check(ctx, env, r)
	if err != nil || before.OK {
		return before, err
	}
	if reason := devBinaryReason(r.Exec, d.tempDir, d.wailsDev); reason != "" {
		before.Reason = fmt.Sprintf("not registering %s:// for %s (%s); %s", r.Scheme, r.Exec, reason, before.Reason)
		return before, nil
	}
	fail := func(op string, err error) (Status, error) {
		before.Reason = fmt.Sprintf("could not register %s:// to %s: %s: %v", r.Scheme, r.Exec, op, err)
		return before, fmt.Errorf("schemereg: ensure: %s: %w", op, err)
	}
	if st, err := os.Stat(r.Exec); err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fail("check executable", fmt.Errorf("%s is not an executable file", r.Exec))
	}
	program, err := launcher(env, r)
	if err != nil {
		return fail("create launcher symlink", err)
	}
	content, err := renderDesktopEntry(r, program)
	if err != nil {
		return fail("render desktop entry", err)
	}
	appsDir := filepath.Join(env.dataHome, "applications")
	if err := userLevel(appsDir); err != nil {
		return fail("choose applications dir", err)
	}
	if _, err := writeFileAtomic(filepath.Join(appsDir, r.DesktopID), content, 0o644); err != nil {
		return fail("write desktop entry", err)
	}

	var notes []string
	// Refreshes mimeinfo.cache in the user's dir; launchers that only read
	// the cache (not mimeapps.list defaults) need it. Optional.
	if err := runTool(ctx, d, "update-desktop-database", appsDir); err != nil && !errors.Is(err, errToolMissing) {
		notes = append(notes, err.Error())
	}
	mime := "x-scheme-handler/" + r.Scheme
	if err := runTool(ctx, d, "xdg-mime", "default", r.DesktopID, mime); err != nil && !errors.Is(err, errToolMissing) {
		notes = append(notes, err.Error())
	}
	after, err := check(ctx, env, r)
	if err != nil {
		return fail("verify", err)
	}
	if !after.OK {
		// xdg-mime is missing, failed, or wrote a file that a desktop-specific
		// list (e.g. ~/.config/gnome-mimeapps.list) shadows: set it ourselves.
		if err := setUserDefault(env, mime, r.DesktopID); err != nil {
			return fail("write mimeapps.list", err)
		}
		if after, err = check(ctx, env, r); err != nil {
			return fail("verify", err)
		}
	}
	if !after.OK {
		return fail("verify", errors.New(after.Reason))
	}
	after.Repaired = true
	after.Reason = fmt.Sprintf("registered %s:// to %s (was: %s)", r.Scheme, r.Exec, describe(before))
	if len(notes) > 0 {
		after.Reason += "; warnings: " + strings.Join(notes, "; ")
	}
	return after, nil
}

// launcher returns the program path to put into Exec. Paths that need
// quoting or '%'-escaping are valid per the spec but break real launchers:
// xdg-open's generic mode takes the first blank-separated word of Exec, and
// GLib checks that the program exists *before* undoing "%%", so it ignores
// the entry. For those, Exec gets a plain-named symlink to r.Exec in the
// user's data dir (Check resolves it, so it still compares equal).
func launcher(env xdgEnv, r Registration) (string, error) {
	if !needsLauncher(r.Exec) {
		return r.Exec, nil
	}
	base := strings.TrimSuffix(r.DesktopID, ".desktop")
	link := filepath.Join(env.dataHome, base, "bin", base)
	if needsLauncher(link) {
		// The data dir itself needs quoting: quoted Exec still works with
		// GLib (GNOME, Firefox, Chromium) but not with generic xdg-open.
		if strings.ContainsRune(r.Exec, '%') {
			return "", fmt.Errorf("%s contains '%%', which GLib-based launchers cannot start, and %s cannot hold a plain-named symlink", r.Exec, env.dataHome)
		}
		return r.Exec, nil
	}
	if err := userLevel(link); err != nil {
		return "", err
	}
	if err := symlinkAtomic(r.Exec, link); err != nil {
		return "", err
	}
	return link, nil
}

func needsLauncher(p string) bool { return strings.ContainsAny(p, execReserved+"%") }

// symlinkAtomic points link at target, replacing an existing link in one
// rename; an already-correct link is left alone.
func symlinkAtomic(target, link string) error {
	if cur, err := os.Readlink(link); err == nil && cur == target {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(link), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(link), "."+filepath.Base(link)+".tmp-*")
	if err != nil {
		return fmt.Errorf("reserve temp name: %w", err)
	}
	name := tmp.Name()
	tmp.Close()
	os.Remove(name) // only the unique name was needed
	if err := os.Symlink(target, name); err != nil {
		return fmt.Errorf("symlink %s: %w", name, err)
	}
	if err := os.Rename(name, link); err != nil {
		os.Remove(name)
		return fmt.Errorf("rename to %s: %w", link, err)
	}
	return nil
}

func describe(s Status) string {
	switch {
	case s.Handler == "":
		return "no handler"
	case s.HandlerExec == "":
		return s.Handler
	}
	return s.Handler + " → " + s.HandlerExec
}

// setUserDefault writes the default into $XDG_CONFIG_HOME/mimeapps.list and
// into any desktop-specific list there that already names a default for
// mime (it would take precedence).
func setUserDefault(env xdgEnv, mime, id string) error {
	files := []string{filepath.Join(env.configHome, "mimeapps.list")}
	for _, desk := range env.desktops {
		f := filepath.Join(env.configHome, desk+"-mimeapps.list")
		if ids, err := readDefaults(f, mime); err == nil && len(ids) > 0 {
			files = append(files, f)
		}
	}
	for _, f := range files {
		// Dotfile managers symlink mimeapps.list: edit the target instead
		// of replacing the link with a file.
		target := f
		if resolved, err := filepath.EvalSymlinks(f); err == nil {
			target = resolved
		}
		if err := userLevel(target); err != nil {
			return err
		}
		old, err := readSmallFile(target)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read %s: %w", target, err)
		}
		perm := fs.FileMode(0o644)
		if st, err := os.Stat(target); err == nil {
			perm = st.Mode().Perm()
		}
		if _, err := writeFileAtomic(target, []byte(setDefault(string(old), mime, id)), perm); err != nil {
			return err
		}
	}
	return nil
}

// systemRoots are trees Ensure never writes into, whatever XDG_DATA_HOME or
// XDG_CONFIG_HOME say (e.g. a root shell with XDG_DATA_HOME=/usr/share).
var systemRoots = []string{"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/dev", "/proc", "/sys", "/opt"}

// userLevel refuses paths in system trees, lexically and after resolving
// the symlinks of the longest existing prefix.
func userLevel(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("refusing relative path %s", path)
	}
	candidates := []string{filepath.Clean(path)}
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			rel, _ := filepath.Rel(p, filepath.Clean(path))
			candidates = append(candidates, filepath.Join(r, rel))
			break
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	for _, c := range candidates {
		if c == "/" {
			return errors.New("refusing to write to /")
		}
		for _, root := range systemRoots {
			if within(c, root) {
				return fmt.Errorf("refusing to write system-wide path %s", c)
			}
		}
	}
	return nil
}

// writeFileAtomic replaces path with data via a temp file in the same
// directory and rename, so readers (launchers, a concurrent instance) never
// see a half-written file. It does nothing when path already holds exactly
// data with perm, and reports whether it wrote.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() && st.Mode().Perm() == perm {
			return false, nil
		}
	}
	dir := filepath.Dir(path)
	// XDG spec: create missing base directories with mode 0700.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return false, fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("rename to %s: %w", path, err)
	}
	return true, nil
}

var errToolMissing = errors.New("not installed")

// runTool runs an optional helper with a timeout. Its output only goes into
// errors (it never contains secrets: the arguments are paths and IDs).
func runTool(ctx context.Context, d deps, name string, args ...string) error {
	path, err := d.lookPath(name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, errToolMissing)
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	// A grandchild that keeps the output pipe open must not hold us past
	// the timeout.
	cmd.WaitDelay = commandTimeout / 5
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s", commandTimeout)
		}
		if msg != "" {
			return fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
