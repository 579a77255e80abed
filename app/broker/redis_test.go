package broker_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"stytch-desktop/app/broker"
)

// redisServer is a real redis-server (Debian's package) on a free loopback
// port, without persistence, stopped by its PID when the test ends.
type redisServer struct {
	url  string
	cmd  *exec.Cmd
	port int
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found: the broker's shared-limit tests need a real Redis; " +
			"install it with scripts/install-deps.sh (Debian package redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return startRedisOn(t, bin, port)
}

// restartRedis starts a fresh redis-server where the stopped r was.
func restartRedis(t *testing.T, r *redisServer) *redisServer {
	t.Helper()
	return startRedisOn(t, r.cmd.Path, r.port)
}

func startRedisOn(t *testing.T, bin string, port int) *redisServer {
	t.Helper()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--loglevel", "warning", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r := &redisServer{url: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd, port: port}
	t.Cleanup(r.stop)
	lim, err := broker.NewRedisLimiter(r.url)
	if err != nil {
		t.Fatal(err)
	}
	defer lim.Close()
	deadline := time.Now().Add(10 * time.Second)
	for lim.Ping(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not answer within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// stop ends this redis-server (by PID) and waits for it.
func (r *redisServer) stop() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

func sharedLimiter(t *testing.T, url string) func(*broker.Config) {
	lim, err := broker.NewRedisLimiter(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	return func(c *broker.Config) { c.Shared = lim }
}

// Two replicas sharing one Redis enforce one limit together; when Redis
// stops, sends fail closed with 503 while sessions are still validated.
func TestSharedLimitsAcrossReplicas(t *testing.T) {
	redis := startRedis(t)
	limits := func(c *broker.Config) {
		c.Limits = broker.DefaultLimits
		c.Limits.Domain = broker.Rate{N: 3, Per: time.Hour}
	}
	a := newEnv(t, limits, sharedLimiter(t, redis.url))
	b := &env{t: t, api: a.api, upstream: a.upstream, rec: a.rec}
	b.startBroker(limits, sharedLimiter(t, redis.url))

	send := func(e *env, addr string) answer {
		_, challenge := pkcePair()
		return e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": addr, "pkce_code_challenge": challenge})
	}
	for i, step := range []struct {
		e    *env
		addr string
		want int
	}{
		{a, "one@shared.example", 200}, {b, "two@shared.example", 200}, {a, "three@shared.example", 200},
		{b, "four@shared.example", 429}, // replica b has sent one: only the shared count refuses
		{a, "five@shared.example", 429},
	} {
		if got := send(step.e, step.addr); got.status != step.want {
			t.Fatalf("step %d: %d %s, want %d", i, got.status, got.raw, step.want)
		}
	}
	if got := get(t, b.ops+"/readyz"); !contains(got, `"ready"`) {
		t.Fatalf("readyz with Redis up: %s", got)
	}

	token, _, _ := a.signIn("demo@example.com", "northwind")

	redis.stop()
	a.rec.reset()
	for _, e := range []*env{a, b} {
		if got := send(e, "six@other.example"); got.status != 503 || got.str("error_type") != "rate_limiter_unavailable" {
			t.Fatalf("send with Redis down: %d %s, want 503 rate_limiter_unavailable", got.status, got.raw)
		}
		got := e.post("/v1/b2b/otps/sms/send", map[string]any{"organization_id": "northwind", "member_id": "m", "intermediate_session_token": "x"})
		if got.status != 503 {
			t.Fatalf("SMS send with Redis down: %d %s, want 503", got.status, got.raw)
		}
	}
	if n := len(a.rec.all()); n != 0 {
		t.Fatalf("%d sends reached the upstream while Redis was down", n)
	}
	for _, e := range []*env{a, b} {
		if got := e.post("/v1/b2b/sessions/authenticate", map[string]any{"session_token": token}); got.status != 200 {
			t.Fatalf("session check with Redis down: %d %s", got.status, got.raw)
		}
	}
	if got := get(t, a.ops+"/readyz"); !contains(got, "redis unreachable") {
		t.Fatalf("readyz with Redis down: %s", got)
	}
	if m := get(t, a.ops+"/metrics"); !contains(m, "stytch_broker_shared_limiter_errors_total ") || contains(m, "stytch_broker_shared_limiter_errors_total 0") {
		t.Fatalf("shared limiter errors not counted:\n%s", m)
	}
}
