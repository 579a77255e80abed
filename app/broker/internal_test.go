package broker

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	cases := []struct {
		name string
		hops int
		xff  []string
		want string
	}{
		{"no proxy: the peer, XFF ignored", 0, []string{"203.0.113.9"}, "192.0.2.1"},
		{"one proxy: its appended entry", 1, []string{"198.51.100.7, 203.0.113.9"}, "203.0.113.9"},
		{"one proxy: a forged left entry is ignored", 1, []string{"10.0.0.1", "203.0.113.9"}, "203.0.113.9"},
		{"two proxies", 2, []string{"1.1.1.1, 203.0.113.9, 10.0.0.2"}, "203.0.113.9"},
		{"fewer entries than hops: leftmost", 3, []string{"203.0.113.9"}, "203.0.113.9"},
		{"no header behind a proxy: the peer", 1, nil, "192.0.2.1"},
		{"garbage entry: the peer", 1, []string{"not-an-ip"}, "192.0.2.1"},
		{"IPv6", 1, []string{"[2001:db8::1]"}, "2001:db8::1"},
	}
	for _, c := range cases {
		r := &http.Request{RemoteAddr: "192.0.2.1:5555", Header: http.Header{}}
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientIP(r, c.hops); got != c.want {
			t.Errorf("%s: clientIP = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestMemoryLimiterGCRA(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m := newMemoryLimiter(clock)
	r := Rate{N: 3, Per: 30 * time.Second}
	for i := range 3 {
		if ok, _ := m.allow("k", r, true); !ok {
			t.Fatalf("burst event %d refused", i)
		}
	}
	ok, retry := m.allow("k", r, true)
	if ok || retry != 10*time.Second {
		t.Fatalf("4th event: allowed=%v retry=%v, want refused for 10s", ok, retry)
	}
	if ok, _ := m.allow("other", r, true); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := m.allow("k", r, true); !ok {
		t.Fatal("one event not admitted after one emission interval")
	}
	if ok, _ := m.allow("k", r, true); ok {
		t.Fatal("a time.Second event admitted within the interval")
	}
}

// The breaker opens on a failure, lets exactly one probe through after the
// cooldown, closes on its success, and a probe whose caller left does not
// keep it open for good.
func TestBreaker(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	br := newBreaker(func() time.Time { return now }, newMetrics())
	if br.open() {
		t.Fatal("open before any failure")
	}
	br.failed(errors.New("i/o timeout"))
	if !br.open() {
		t.Fatal("closed right after a failure")
	}
	now = now.Add(breakerCooldown)
	if br.open() {
		t.Fatal("no probe after the cooldown")
	}
	if !br.open() {
		t.Fatal("a second caller probed while the first probe runs")
	}
	br.failed(context.Canceled)
	if br.open() {
		t.Fatal("the probe's caller left and nobody may probe again")
	}
	br.succeeded()
	if br.open() || br.state.v.Load() != 0 || br.trips.v.Load() != 1 {
		t.Fatalf("after a successful probe: open=%v down=%d trips=%d", br.open(), br.state.v.Load(), br.trips.v.Load())
	}
}

// IPv6 clients are counted by /64, IPv4 by address.
func TestClientKey(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "192.0.2.2", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
	} {
		if got := clientKey(c.a) == clientKey(c.b); got != c.same {
			t.Errorf("clientKey(%s) == clientKey(%s): %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
