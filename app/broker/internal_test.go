package broker

import (
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
