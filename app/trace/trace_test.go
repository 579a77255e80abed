package trace

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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

func TestMarkAtWall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv(EnvVar, path)
	reset()
	t.Cleanup(reset)
	before := Now()
	MarkAtWall(float64(time.Now().Add(-200*time.Millisecond).UnixNano())/1e6, "painted")
	MarkAtWall(float64(time.Now().Add(time.Hour).UnixNano())/1e6, "future")
	after := Now()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ts []int64
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v int64
		if _, err := fmt.Sscanf(l, "stytch-trace t=%d", &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ts = append(ts, v)
	}
	// 200 ms back, give or take the clocks' reading (not a speed assertion).
	if d := before - ts[0]; d < int64(150*time.Millisecond) || d > int64(250*time.Millisecond)+(after-before) {
		t.Errorf("painted %d ns before the call, want about 200 ms", d)
	}
	if ts[1] < before || ts[1] > after {
		t.Errorf("a future moment was not taken as now: %d not in [%d, %d]", ts[1], before, after)
	}
}
