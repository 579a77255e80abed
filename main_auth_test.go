package main

import (
	"bytes"
	"strings"
	"testing"
)

// With no app running in local mode there is nobody to ask: exit 1, one
// line on stderr, nothing on stdout. Usage errors are 2.
func TestRunAuthWithoutApp(t *testing.T) {
	for _, k := range []string{"STYTCH_PROJECT_ID", "STYTCH_SECRET", "STYTCH_BROKER_URL", "STYTCH_DESKTOP_MODE", "STYTCH_API_BASE_URL", "STYTCH_ORGANIZATION_ID"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if !isAuthCommand([]string{"stytch-desktop", "auth", "token"}) || isAuthCommand([]string{"stytch-desktop", "stytch-desktop://auth/callback"}) {
		t.Fatal("isAuthCommand")
	}
	var out, errb bytes.Buffer
	if code := runAuth([]string{"stytch-desktop", "auth", "token"}, &out, &errb); code != 1 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "not running") || strings.Count(errb.String(), "\n") != 1 {
		t.Fatalf("exit %d stdout %q stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := runAuth([]string{"stytch-desktop", "auth", "frobnicate"}, &out, &errb); code != 2 {
		t.Fatalf("usage: exit %d %q", code, errb.String())
	}
}
