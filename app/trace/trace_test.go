package trace

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func reset() { once = sync.Once{}; out = nil }

func TestMarkWritesToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv(EnvVar, path)
	reset()
	t.Cleanup(reset)
	Mark("screen", "name", "signed_out")
	Mark("link?token=abc", "k", "x y/z")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), b)
	}
	re := regexp.MustCompile(`^stytch-trace t=\d+ pid=\d+ ev=screen name=signed_out$`)
	if !re.MatchString(lines[0]) {
		t.Errorf("line 1 = %q", lines[0])
	}
	if want := "ev=link?token?abc k=x?y?z"; !strings.HasSuffix(lines[1], want) {
		t.Errorf("line 2 = %q, want suffix %q (unsafe characters replaced)", lines[1], want)
	}
}

func TestOffByDefault(t *testing.T) {
	t.Setenv(EnvVar, "")
	reset()
	t.Cleanup(reset)
	if Enabled() {
		t.Fatal("tracing on without the environment variable")
	}
	Mark("x") // must not panic or write
}

func TestNowIsMonotonic(t *testing.T) {
	a := Now()
	b := Now()
	if a <= 0 || b < a {
		t.Fatalf("Now went from %d to %d", a, b)
	}
}
