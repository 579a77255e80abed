// Command stytch-broker-bench measures what the Stytch broker costs, for
// `make bench` (row 7): the latency it adds per call (p50/p99) against
// calling the local Stytch-compatible API directly, at concurrency 1 and
// 100, and complete sign-in flows per second through one broker and through
// two replicas sharing limits in a real redis-server. It prints key=value
// lines (broker_overhead_p50_ms=… first) and nothing else on stdout.
//
//	go run ./cmd/stytch-broker-bench [-calls 2000] [-flow-time 5s]
//
// broker_fixed_upstream_overhead_* is the broker's own cost in front of an
// upstream that answers at once: the low-noise figure on a shared machine.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/localstytch"
)

func main() {
	calls := flag.Int("calls", 2000, "sessions.authenticate calls per measurement at concurrency 1 (100× fewer per worker at 100)")
	flowTime := flag.Duration("flow-time", 5*time.Second, "how long to run sign-in flows per setup")
	flowConc := flag.Int("flows-concurrency", 100, "sign-in flows in flight at once")
	flag.Parse()
	log.SetFlags(0)
	log.SetOutput(os.Stderr)
	if err := run(*calls, *flowTime, *flowConc); err != nil {
		log.Fatalf("stytch-broker-bench: %v", err)
	}
}

// bench limits are generous: the figures are the broker's cost with its
// limiter running (a Redis round trip per key with two replicas), not its
// refusals.
var benchLimits = broker.Limits{
	IP:     broker.Rate{N: 1 << 30, Per: time.Minute},
	Email:  broker.Rate{N: 5, Per: time.Minute},
	Domain: broker.Rate{N: 1 << 30, Per: time.Minute},
}

func run(calls int, flowTime time.Duration, flowConc int) error {
	api, err := localstytch.New(localstytch.Options{Seed: true})
	if err != nil {
		return err
	}
	direct, err := api.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer api.Close(context.Background())
	one, closeOne, err := startBroker(api, direct, nil)
	if err != nil {
		return err
	}
	defer closeOne()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}

	token, err := flow(client, api, direct, one, "bench-session@bench.example")
	if err != nil {
		return fmt.Errorf("first flow: %w", err)
	}
	body := []byte(`{"session_token":"` + token + `"}`)
	out := map[string]float64{}
	var errCount atomic.Int64
	call := func(base string) (time.Duration, bool) {
		t0 := time.Now()
		st, _, err := post(client, base, "/v1/b2b/sessions/authenticate", body)
		if err != nil || st != 200 {
			errCount.Add(1)
			return 0, false
		}
		return time.Since(t0), true
	}
	// measurePair calls a and b alternately (order flipped every call) from
	// conc workers, so load from other processes on a shared machine falls
	// on both sides alike.
	measurePair := func(a, b string, conc, perWorker int) (da, db []time.Duration) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				la, lb := make([]time.Duration, 0, perWorker), make([]time.Duration, 0, perWorker)
				for i := range perWorker {
					first, second := a, b
					if i%2 == 1 {
						first, second = b, a
					}
					d1, ok1 := call(first)
					d2, ok2 := call(second)
					if i%2 == 1 {
						d1, d2, ok1, ok2 = d2, d1, ok2, ok1
					}
					if ok1 {
						la = append(la, d1)
					}
					if ok2 {
						lb = append(lb, d2)
					}
				}
				mu.Lock()
				da, db = append(da, la...), append(db, lb...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(da)
		slices.Sort(db)
		return da, db
	}
	for _, c := range []struct {
		conc   int
		suffix string
	}{{1, ""}, {100, "_c100"}} {
		per := calls / c.conc
		if per < 20 {
			per = 20
		}
		measurePair(direct, one, c.conc, per/10) // warm up connections and caches
		d, b := measurePair(direct, one, c.conc, per)
		out["broker_direct_p50_ms"+c.suffix] = ms(pct(d, 50))
		out["broker_direct_p99_ms"+c.suffix] = ms(pct(d, 99))
		out["broker_via_p50_ms"+c.suffix] = ms(pct(b, 50))
		out["broker_via_p99_ms"+c.suffix] = ms(pct(b, 99))
		out["broker_overhead_p50_ms"+c.suffix] = ms(pct(b, 50) - pct(d, 50))
		out["broker_overhead_p99_ms"+c.suffix] = ms(pct(b, 99) - pct(d, 99))
	}
	// The broker's own cost without the local API's noise: in front of an
	// upstream that answers at once, against that upstream directly.
	fixed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status_code":200,"request_id":"request-id-test-1","member_session":{}}`))
	}))
	defer fixed.Close()
	viaFixed, closeFixed, err := startBroker(api, fixed.URL, nil)
	if err != nil {
		return err
	}
	defer closeFixed()
	measurePair(fixed.URL, viaFixed, 1, calls/10)
	fd, fb := measurePair(fixed.URL, viaFixed, 1, calls)
	out["broker_fixed_upstream_overhead_p50_ms"] = ms(pct(fb, 50) - pct(fd, 50))
	out["broker_fixed_upstream_overhead_p99_ms"] = ms(pct(fb, 99) - pct(fd, 99))
	out["broker_call_errors"] = float64(errCount.Load())

	// Complete sign-in flows: send → link → authenticate → exchange → session check.
	n, fe := flows(client, api, direct, []string{one}, flowTime, flowConc)
	out["broker_flows_per_s_one_replica"] = n
	out["broker_flow_errors_one_replica"] = float64(fe)

	redisURL, stopRedis, err := startRedis()
	if err != nil {
		log.Printf("two replicas not measured: %v", err)
	} else {
		defer stopRedis()
		var urls []string
		for range 2 {
			lim, err := broker.NewRedisLimiter(redisURL)
			if err != nil {
				return err
			}
			defer lim.Close()
			u, closeB, err := startBroker(api, direct, lim)
			if err != nil {
				return err
			}
			defer closeB()
			urls = append(urls, u)
		}
		n, fe := flows(client, api, direct, urls, flowTime, flowConc)
		out["broker_flows_per_s_two_replicas_redis"] = n
		out["broker_flow_errors_two_replicas_redis"] = float64(fe)
	}

	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// The headline first: the harness reads it by name.
	fmt.Printf("broker_overhead_p50_ms=%.3f\n", out["broker_overhead_p50_ms"])
	for _, k := range keys {
		if k != "broker_overhead_p50_ms" {
			fmt.Printf("%s=%s\n", k, strconv.FormatFloat(out[k], 'f', 3, 64))
		}
	}
	return nil
}

func startBroker(api *localstytch.Server, upstream string, shared broker.SharedLimiter) (string, func(), error) {
	cfg := broker.Config{
		ProjectID: api.ProjectID(), Secret: api.Secret(), Upstream: upstream,
		RedirectURL: "stytch-desktop://auth/callback", AllowOrganizationCreate: true,
		Limits: benchLimits, Shared: shared,
	}
	b, err := broker.New(cfg)
	if err != nil {
		return "", nil, err
	}
	srv := httptest.NewServer(b)
	return srv.URL, func() { srv.Close(); b.Close() }, nil
}

// flows runs complete sign-in flows through the brokers (round robin) for d
// with conc in flight, and returns flows per second and the error count.
func flows(c *http.Client, api *localstytch.Server, direct string, brokers []string, d time.Duration, conc int) (float64, int64) {
	var done, errs, seq atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := seq.Add(1)
				addr := fmt.Sprintf("flow-%d-%s@bench.example", i, rand.Text()[:6])
				if _, err := flow(c, api, direct, brokers[int(i)%len(brokers)], addr); err != nil {
					if errs.Add(1) == 1 {
						log.Printf("flow error: %v", err)
					}
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), errs.Load()
}

// flow signs addr in through the broker at via (the email link is clicked on
// the local API, as a browser would) and returns the session token.
func flow(c *http.Client, api *localstytch.Server, direct, via, addr string) (string, error) {
	verifier, challenge := pkce()
	if st, b, err := post(c, via, "/v1/b2b/magic_links/email/discovery/send",
		jsonBody(map[string]any{"email_address": addr, "pkce_code_challenge": challenge})); err != nil || st != 200 {
		return "", fmt.Errorf("send: %d %v %s", st, err, b)
	}
	token, err := brokertest.EmulatorLinkToken(c, direct, addr)
	if err != nil {
		return "", err
	}
	st, b, err := post(c, via, "/v1/b2b/magic_links/discovery/authenticate",
		jsonBody(map[string]any{"discovery_magic_links_token": token, "pkce_code_verifier": verifier}))
	if err != nil || st != 200 {
		return "", fmt.Errorf("authenticate: %d %v %s", st, err, b)
	}
	var a struct {
		IST string `json:"intermediate_session_token"`
	}
	_ = json.Unmarshal(b, &a)
	st, b, err = post(c, via, "/v1/b2b/discovery/organizations/create",
		jsonBody(map[string]any{"intermediate_session_token": a.IST, "organization_name": "Bench " + addr}))
	if err != nil || st != 200 {
		return "", fmt.Errorf("create: %d %v %s", st, err, b)
	}
	var s struct {
		Token string `json:"session_token"`
	}
	_ = json.Unmarshal(b, &s)
	if st, b, err = post(c, via, "/v1/b2b/sessions/authenticate", jsonBody(map[string]any{"session_token": s.Token})); err != nil || st != 200 {
		return "", fmt.Errorf("session: %d %v %s", st, err, b)
	}
	return s.Token, nil
}

func post(c *http.Client, base, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(localstytch.DefaultProjectID, localstytch.DefaultSecret) // the direct calls need it; the broker ignores it
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func jsonBody(v any) []byte { b, _ := json.Marshal(v); return b }

func pkce() (string, string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	if i > 0 {
		i--
	}
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startRedis runs a throw-away redis-server on a free loopback port.
func startRedis() (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errors.New("redis-server not found (scripts/install-deps.sh installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "broker-bench-redis")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) }
	u := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	lim, err := broker.NewRedisLimiter(u)
	if err != nil {
		stop()
		return "", nil, err
	}
	defer lim.Close()
	for deadline := time.Now().Add(10 * time.Second); lim.Ping(context.Background()) != nil; {
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("redis-server did not answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return u, stop, nil
}
