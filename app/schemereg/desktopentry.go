package schemereg

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// desktopTemplate is the canonical desktop entry; build/linux/stytch-desktop.desktop
// (used by scripts/install-linux.sh) is a copy and a test keeps them equal.
//
//go:embed stytch-desktop.desktop.in
var desktopTemplate string

const execPlaceholder = "@EXEC@"

// renderDesktopEntry returns the template with Exec launching program (r.Exec
// or a launcher symlink to it) for r.Scheme.
func renderDesktopEntry(r Registration, program string) ([]byte, error) {
	exec, err := execValue(program)
	if err != nil {
		return nil, err
	}
	if strings.Count(desktopTemplate, execPlaceholder) != 1 {
		return nil, errors.New("desktop template must contain exactly one " + execPlaceholder)
	}
	out := strings.Replace(desktopTemplate, execPlaceholder, exec, 1)
	// The template carries one fixed MimeType; refuse to install an entry that
	// would not declare the scheme it is registered for.
	e, err := parseDesktopEntry(strings.NewReader(out))
	if err != nil {
		return nil, err
	}
	if !e.handles("x-scheme-handler/" + r.Scheme) {
		return nil, fmt.Errorf("desktop template does not declare MimeType x-scheme-handler/%s", r.Scheme)
	}
	return []byte(out), nil
}

// execReserved are the characters that force an Exec argument into double
// quotes (Desktop Entry Specification, "The Exec key").
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

// execValue encodes program as the first argument of an Exec key value:
// '%' doubled (it starts field codes), quoted if it holds a reserved
// character with `"`, "`", '$' and '\' backslash-escaped inside the quotes,
// and then every '\' doubled again because Exec is itself a string value
// whose escapes are undone before the argument quoting is parsed.
func execValue(program string) (string, error) {
	if err := validExecPath(program); err != nil {
		return "", err
	}
	arg := strings.ReplaceAll(program, "%", "%%")
	if strings.ContainsAny(arg, execReserved) {
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range arg {
			if strings.ContainsRune("\"`$\\", c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
		}
		b.WriteByte('"')
		arg = b.String()
	}
	return strings.ReplaceAll(arg, `\`, `\\`), nil
}

// desktopEntry holds the keys of a [Desktop Entry] group that matter here.
type desktopEntry struct {
	Type     string
	Exec     string // string-unescaped value
	Hidden   bool
	MimeType []string
}

func (e desktopEntry) handles(mime string) bool {
	for _, m := range e.MimeType {
		if strings.EqualFold(m, mime) {
			return true
		}
	}
	return false
}

// maxDesktopFile caps what is read from a desktop or mimeapps.list file;
// real ones are a few KiB, and a huge file must not stall the app start.
const maxDesktopFile = 1 << 20

func readDesktopEntry(path string) (desktopEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return desktopEntry{}, err
	}
	defer f.Close()
	e, err := parseDesktopEntry(io.LimitReader(f, maxDesktopFile))
	if err != nil {
		return e, fmt.Errorf("parse %s: %w", path, err)
	}
	return e, nil
}

func parseDesktopEntry(r io.Reader) (desktopEntry, error) {
	var e desktopEntry
	data, err := io.ReadAll(r)
	if err != nil {
		return e, err
	}
	group := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			group = strings.TrimSuffix(line[1:], "]")
			continue
		case group != "Desktop Entry":
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "Type":
			e.Type = unescapeString(strings.TrimSpace(value))
		case "Exec":
			e.Exec = unescapeString(strings.TrimSpace(value))
		case "Hidden":
			e.Hidden = strings.TrimSpace(value) == "true"
		case "MimeType":
			e.MimeType = splitList(value)
		}
	}
	return e, nil
}

// unescapeString undoes the string-value escapes \s \n \t \r \\.
func unescapeString(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default: // unknown escape: keep it verbatim (argument quoting may use it)
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitList splits a ';'-separated list value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ";") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// splitExec splits an (already string-unescaped) Exec value into arguments
// the way launchers do (GLib uses shell rules): blanks separate arguments,
// double quotes allow the escapes \" \` \$ \\, single quotes are literal and
// a backslash outside quotes escapes the next character. Field codes are left
// in place.
func splitExec(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case '"':
			inArg = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"`$\\", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote in Exec")
			}
		case '\'':
			inArg = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote in Exec")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '\\':
			inArg = true
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
		default:
			inArg = true
			cur.WriteByte(c)
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("empty Exec")
	}
	return args, nil
}

// execProgram returns the program an Exec value launches, looking through a
// leading `env [NAME=value...]` wrapper, and whether the command line passes
// a URL (%u or %U).
func execProgram(exec string) (program string, passesURL bool, err error) {
	args, err := splitExec(exec)
	if err != nil {
		return "", false, err
	}
	for _, a := range args {
		if hasFieldCode(a, 'u') || hasFieldCode(a, 'U') {
			passesURL = true
		}
	}
	if args[0] == "env" || args[0] == "/usr/bin/env" || args[0] == "/bin/env" {
		args = args[1:]
		for len(args) > 0 && strings.Contains(args[0], "=") && !strings.HasPrefix(args[0], "/") {
			args = args[1:]
		}
		if len(args) == 0 {
			return "", passesURL, errors.New("Exec runs env without a program")
		}
	}
	return strings.ReplaceAll(args[0], "%%", "%"), passesURL, nil
}

// hasFieldCode reports whether arg contains the field code %<code>, skipping
// the literal-percent escape %%.
func hasFieldCode(arg string, code byte) bool {
	for i := 0; i+1 < len(arg); i++ {
		if arg[i] != '%' {
			continue
		}
		if arg[i+1] == code {
			return true
		}
		i++ // skip the code character, including the second '%' of "%%"
	}
	return false
}
