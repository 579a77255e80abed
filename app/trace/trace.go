// Package trace records timestamped milestones (first screen painted, link
// arrived, authenticate started/ended, view emitted) for `make bench`. It is
// off unless STYTCH_DESKTOP_TRACE is set: "1" writes to stderr, any other
// value is a file the lines are appended to. Timestamps are CLOCK_MONOTONIC
// nanoseconds, so the bench driver can compare them with its own clock across
// processes.
//
// Only fixed event names and screen names are ever written: callers must not
// pass anything that came from outside (links, emails, tokens). Values are
// cut to a safe alphabet and length as a second line of defence.
package trace

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// EnvVar switches tracing on.
const EnvVar = "STYTCH_DESKTOP_TRACE"

var (
	once sync.Once
	mu   sync.Mutex
	out  io.Writer
)

func setup() {
	v := os.Getenv(EnvVar)
	switch v {
	case "", "0":
		return
	case "1":
		out = os.Stderr
	default:
		f, err := os.OpenFile(v, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			fmt.Fprintf(os.Stderr, "stytch-desktop: %s: %v\n", EnvVar, err)
			return
		}
		out = f
	}
}

// Enabled reports whether tracing is on.
func Enabled() bool {
	once.Do(setup)
	return out != nil
}

// Mark writes one line: `stytch-trace t=<monotonic ns> pid=<pid> ev=<event>`
// followed by the key=value pairs in kv. A no-op when tracing is off.
func Mark(event string, kv ...string) {
	if !Enabled() {
		return
	}
	markAt(Now(), event, kv...)
}

// MarkAtWall is Mark for a moment another clock saw: wallMs is milliseconds
// since the Unix epoch (the page's performance.timeOrigin + performance.now()),
// converted to the monotonic clock by the current offset between the two. It
// keeps the delay of the call that carried the moment out of the figure. A
// moment in the future or more than a minute old is taken as now.
func MarkAtWall(wallMs float64, event string, kv ...string) {
	if !Enabled() {
		return
	}
	mono, wall := Now(), time.Now().UnixNano()
	ago := wall - int64(wallMs*1e6)
	if ago < 0 || ago > int64(time.Minute) {
		ago = 0
	}
	markAt(mono-ago, event, kv...)
}

func markAt(t int64, event string, kv ...string) {
	var b strings.Builder
	fmt.Fprintf(&b, "stytch-trace t=%d pid=%d ev=%s", t, os.Getpid(), clean(event))
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %s=%s", clean(kv[i]), clean(kv[i+1]))
	}
	b.WriteByte('\n')
	mu.Lock()
	defer mu.Unlock()
	_, _ = io.WriteString(out, b.String())
}

// clean keeps identifiers only: letters, digits, '_', '-', '.', ':' and at
// most 40 of them. Anything else becomes '?'.
func clean(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.', r == ':':
			return r
		}
		return '?'
	}, s)
}
