package schemereg

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// xdgEnv is the XDG Base Directory view of the current user, resolved once
// so that the lookup logic is a pure function of it (and testable).
type xdgEnv struct {
	dataHome   string   // $XDG_DATA_HOME or ~/.local/share
	configHome string   // $XDG_CONFIG_HOME or ~/.config
	dataDirs   []string // $XDG_DATA_DIRS or /usr/local/share:/usr/share
	configDirs []string // $XDG_CONFIG_DIRS or /etc/xdg
	desktops   []string // $XDG_CURRENT_DESKTOP, lower-cased
}

func currentEnv() (xdgEnv, error) {
	var env xdgEnv
	home := func() (string, error) {
		h, err := os.UserHomeDir()
		if err != nil || !filepath.IsAbs(h) {
			return "", fmt.Errorf("no usable home directory for XDG defaults: %v", err)
		}
		return h, nil
	}
	// The spec says relative paths in these variables are invalid and must
	// be ignored.
	env.dataHome = os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(env.dataHome) {
		h, err := home()
		if err != nil {
			return env, err
		}
		env.dataHome = filepath.Join(h, ".local", "share")
	}
	env.configHome = os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(env.configHome) {
		h, err := home()
		if err != nil {
			return env, err
		}
		env.configHome = filepath.Join(h, ".config")
	}
	env.dataDirs = absList(os.Getenv("XDG_DATA_DIRS"), "/usr/local/share:/usr/share")
	env.configDirs = absList(os.Getenv("XDG_CONFIG_DIRS"), "/etc/xdg")
	for _, d := range strings.Split(os.Getenv("XDG_CURRENT_DESKTOP"), ":") {
		if d = strings.TrimSpace(d); d != "" {
			env.desktops = append(env.desktops, strings.ToLower(d))
		}
	}
	return env, nil
}

func absList(v, def string) []string {
	var out []string
	for _, d := range strings.Split(v, ":") {
		if filepath.IsAbs(d) {
			out = append(out, filepath.Clean(d))
		}
	}
	if len(out) == 0 {
		return absList(def, "")
	}
	return out
}

// mimeappsFiles lists the mimeapps.list files in decreasing precedence
// (Association between MIME types and applications spec, "File name and
// location"): per directory, the desktop-specific files come first.
func (env xdgEnv) mimeappsFiles() []string {
	dirs := []string{env.configHome}
	dirs = append(dirs, env.configDirs...)
	dirs = append(dirs, filepath.Join(env.dataHome, "applications"))
	for _, d := range env.dataDirs {
		dirs = append(dirs, filepath.Join(d, "applications"))
	}
	var files []string
	for _, d := range dirs {
		for _, desk := range env.desktops {
			files = append(files, filepath.Join(d, desk+"-mimeapps.list"))
		}
		files = append(files, filepath.Join(d, "mimeapps.list"))
	}
	return files
}

// findDesktopFile returns the path of the desktop file with this ID that
// wins (the user's data dir shadows system ones), or "" if none exists.
func (env xdgEnv) findDesktopFile(id string) string {
	for _, d := range append([]string{env.dataHome}, env.dataDirs...) {
		p := filepath.Join(d, "applications", id)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// defaultHandler finds the default application for mime: the first ID,
// from the highest-precedence mimeapps.list that names one, whose desktop
// file is installed and not Hidden. It returns "" when no explicit default
// is set; it does not fall back to "any app declaring the type", because
// which one a launcher then picks is not well defined.
func (env xdgEnv) defaultHandler(mime string) (id, desktopPath string, err error) {
	for _, f := range env.mimeappsFiles() {
		ids, err := readDefaults(f, mime)
		if err != nil {
			return "", "", err
		}
		for _, id := range ids {
			p := env.findDesktopFile(id)
			if p == "" {
				continue
			}
			e, err := readDesktopEntry(p)
			if err != nil {
				return "", "", err
			}
			if e.Hidden { // "Hidden=true" means the entry was deleted
				continue
			}
			return id, p, nil
		}
	}
	return "", "", nil
}

// readDefaults returns the desktop IDs of the [Default Applications] entry
// for mime in one mimeapps.list; a missing file has none.
func readDefaults(path, mime string) ([]string, error) {
	data, err := readSmallFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	group := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			group = strings.TrimSuffix(line[1:], "]")
			continue
		}
		if group != "Default Applications" {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == mime {
			return splitList(v), nil
		}
	}
	return nil, nil
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxDesktopFile))
}

// setDefault returns the mimeapps.list content with the [Default
// Applications] entry for mime set to id, every other line kept as it was
// (comments, other groups and entries, order).
func setDefault(content, mime, id string) string {
	entry := mime + "=" + id
	lines := strings.Split(content, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // re-added below
	}
	var out []string
	inDefault, done := false, false
	lastInGroup := -1 // index in out of the last non-blank line of the group
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			if inDefault && !done {
				out = insertAt(out, lastInGroup+1, entry)
				done = true
			}
			inDefault = strings.TrimSuffix(t[1:], "]") == "Default Applications"
			out = append(out, line)
			if inDefault {
				lastInGroup = len(out) - 1
			}
			continue
		}
		if inDefault {
			if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == mime {
				if done {
					continue // drop duplicates: the first one would win anyway
				}
				out = append(out, entry)
				done = true
				lastInGroup = len(out) - 1
				continue
			}
			if t != "" {
				out = append(out, line)
				lastInGroup = len(out) - 1
				continue
			}
		}
		out = append(out, line)
	}
	switch {
	case inDefault && !done:
		out = insertAt(out, lastInGroup+1, entry)
	case !done:
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
			out = append(out, "")
		}
		out = append(out, "[Default Applications]", entry)
	}
	return strings.Join(out, "\n") + "\n"
}

func insertAt(s []string, i int, v string) []string {
	s = append(s, "")
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}
