package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The configuration file holds the non-secret settings for an app that the OS
// starts without the user's environment: a link opened from the browser or
// the mail client cold-starts the app through the desktop entry, which never
// sees the shell's variables. Without the file such an app would silently
// fall back to local mode and fail the link.
const (
	// FileName is the file in the app's config directory
	// ($XDG_CONFIG_HOME/stytch-desktop/, usually ~/.config/stytch-desktop/).
	FileName = "config.json"
	// EnvMode names the mode explicitly (local, direct, broker). Optional: by
	// default the mode follows from which settings are present, but naming it
	// turns a missing secret into a clear error instead of local mode.
	EnvMode = "STYTCH_DESKTOP_MODE"
	// maxFileSize bounds what is read: the real file is a few hundred bytes.
	maxFileSize = 64 << 10
)

// secretKeys are names under which someone might try to put the secret in the
// file; they get an explanation rather than "unknown setting".
var secretKeys = []string{"secret", "project_secret", "stytch_secret", strings.ToLower(EnvSecret)}

// errSecretInFile explains why the secret is refused in the file.
var errSecretInFile = errors.New("the project secret must never be in a file: a file is copied by backups, " +
	"synced and readable by every program you run. Direct mode reads " + EnvSecret + " from the environment only; " +
	"for an app started by links (no environment) use broker mode, where the secret stays on the company's broker. " +
	"Remove it from the file")

// FilePath is the configuration file's path for the current user.
func FilePath() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config file: %w", err)
	}
	return filepath.Join(d, "stytch-desktop", FileName), nil
}

// Load reads the configuration once at start: the environment, then the
// configuration file (FilePath) for whatever the environment leaves unset.
// Whatever the outcome, it then removes the project secret from the process
// environment, so that no child process — WebKit's web and network
// processes, a browser opened for a link — inherits it; the returned Config
// is the only copy left.
func Load() (Config, error) {
	defer ScrubEnvironment()
	path, err := FilePath()
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return load(os.Getenv, path)
}

// ScrubEnvironment removes the project secret from the process environment.
// os.Unsetenv also updates the C environment that GTK and WebKit spawn their
// helpers with (cgo builds).
func ScrubEnvironment() {
	_ = os.Unsetenv(EnvSecret)
}

// load merges the environment over the file at path (a missing file is no
// error) and validates the result: each setting (settings.go) takes its value
// from the environment, else from the file, and records which.
func load(getenv func(string) string, path string) (Config, error) {
	file, err := readFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("configuration file %s: %w", path, err)
	}
	values := make(map[string]string, len(settings))
	var fromFileKeys []string
	for _, s := range settings {
		v, from := lookup(s, getenv, file)
		values[s.env] = v
		if from == fromFile {
			fromFileKeys = append(fromFileKeys, s.file)
		}
	}
	slices.Sort(fromFileKeys)
	c, err := fromSettings(func(k string) string { return values[k] })
	if err != nil && len(fromFileKeys) > 0 {
		err = fmt.Errorf("%w (read from %s: %s; the environment overrides it)", err, path, strings.Join(fromFileKeys, ", "))
	}
	return c, err
}

// lookup is a setting's value and where it came from: the environment wins
// over the file; the secret (no file key) is never in file.
func lookup(s setting, getenv func(string) string, file map[string]string) (string, source) {
	if v := strings.TrimSpace(getenv(s.env)); v != "" {
		return v, fromEnvironment
	}
	if v := file[s.env]; v != "" && s.file != "" {
		return v, fromFile
	}
	return "", fromNowhere
}

// fromSettings is FromEnv plus the explicit mode.
func fromSettings(get func(string) string) (Config, error) {
	mode := Mode(strings.ToLower(get(EnvMode)))
	if mode != "" && !knownMode(mode) {
		return Config{}, fmt.Errorf("configuration: %s must be one of %s, got %q", EnvMode, strings.Join(modeNames(), ", "), mode)
	}
	if mode == ModeDirect && get(EnvSecret) == "" {
		return Config{}, fmt.Errorf("configuration: the mode is direct but %s is not in the environment. An app started "+
			"by a link (or from the desktop menu) gets no environment from your shell, and the secret is never read from "+
			"a file: start the app yourself with %s set, or use broker mode", EnvSecret, EnvSecret)
	}
	c, err := FromEnv(get)
	if err != nil {
		return Config{}, err
	}
	if mode != "" && c.Mode != mode {
		return Config{}, fmt.Errorf("configuration: the mode is %s (%s) but the other settings make it %s mode: "+
			"fix the settings or the mode", mode, EnvMode, c.Mode)
	}
	return c, nil
}

// readFile returns the file's settings keyed by environment variable name.
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("is not a regular file")
	}
	// Nothing in it is secret, but whoever can write it chooses which API the
	// app sends sign-ins to: only its owner may.
	if fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("is writable by other users (mode %#o): run chmod 600 %s", fi.Mode().Perm(), path)
	}
	if !ownedByMe(fi) {
		return nil, errors.New("belongs to another user: it must be your own file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("is larger than %d KiB; it holds a few settings only", maxFileSize>>10)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("is not a JSON object of settings: %w", err)
	}
	out := make(map[string]string, len(raw))
	var errs []error
	for _, key := range sortedKeys(raw) {
		if slices.Contains(secretKeys, strings.ToLower(key)) {
			errs = append(errs, fmt.Errorf("%q: %w", key, errSecretInFile))
			continue
		}
		st, ok := settingForFileKey(key)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown setting %q; the file may hold %s", key, strings.Join(fileKeys(), ", ")))
			continue
		}
		var v string
		if err := json.Unmarshal(raw[key], &v); err != nil {
			var n json.Number
			if json.Unmarshal(raw[key], &n) != nil {
				errs = append(errs, fmt.Errorf("%q must be a string", key))
				continue
			}
			v = n.String() // session_duration: 60
		}
		v = strings.TrimSpace(v)
		if looksLikeSecret(v) {
			errs = append(errs, fmt.Errorf("%q holds what looks like a project secret: %w", key, errSecretInFile))
			continue
		}
		out[st.env] = v
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// looksLikeSecret: Stytch project secrets start with secret-test- or
// secret-live-; such a value never belongs in the file, whatever its key.
func looksLikeSecret(v string) bool {
	v = strings.ToLower(v)
	return strings.HasPrefix(v, "secret-test-") || strings.HasPrefix(v, "secret-live-")
}

func knownMode(m Mode) bool { return slices.Contains(modeNames(), string(m)) }

func modeNames() []string { return []string{string(ModeLocal), string(ModeDirect), string(ModeBroker)} }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
