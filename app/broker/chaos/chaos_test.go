//go:build chaos

// Package chaos runs sign-in flows through two real stytch-broker processes
// behind a small round-robin proxy while it breaks things: a replica killed
// with SIGKILL and restarted, Redis stopped and restarted, the upstream slow
// (beyond --upstream-timeout) and then unreachable, a replica sent SIGTERM
// mid-request. Everything is real: the broker and the local Stytch API
// (stytch-emulator) are built and run as processes, Redis is Debian's
// redis-server, and the app's side is stytch-go. Run it with `make chaos`.
package chaos

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/localstytch"
)

const upstreamTimeout = time.Second

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// proc is one process the test started; it is ended by its PID only.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	p.log = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
	go func() { _ = cmd.Wait() }()
}

func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// waitExit waits until the process has exited (its PID is gone).
func (p *proc) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	pid := p.pid()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if pid == 0 || syscall.Kill(pid, 0) != nil {
			return
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
	}
	t.Fatalf("%s (pid %d) did not exit within %v", p.name, pid, d)
}

// rssKB is the process's resident memory.
func (p *proc) rssKB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func waitHTTP(t *testing.T, u string, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within %v (%v)", u, d, err)
		}
	}
}

// faultProxy sits between the brokers and the local API: it can delay
// requests (before they reach the API, and abandoning them when the broker
// gives up) or stop listening altogether.
type faultProxy struct {
	addr   string
	target string
	delay  atomic.Int64
	mu     sync.Mutex
	srv    *http.Server
}

func (f *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := time.Duration(f.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return // the broker gave up: the request never reaches the API
		}
	}
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, f.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (f *faultProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", f.addr)
	for i := 0; err != nil && i < 50; i++ {
		time.Sleep(50 * time.Millisecond)
		ln, err = net.Listen("tcp", f.addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (f *faultProxy) down() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv != nil {
		_ = f.srv.Close() // the listener and every connection: unreachable
		f.srv = nil
	}
}

// lb is the test's round-robin proxy in front of the replicas. Like a
// common load balancer it moves a request to the next replica only when it
// could not connect (nothing was sent); a connection that breaks after the
// request was sent is a 502.
type lb struct {
	backends []string
	next     atomic.Uint64
	tr       *http.Transport
}

const (
	replicaHeader = "X-Chaos-Replica"
	lbErrorHeader = "X-Chaos-LB-Error" // the balancer's own 502 (plain text, as real balancers answer)
)

func (l *lb) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	start := int(l.next.Add(1))
	for i := range l.backends {
		k := (start + i) % len(l.backends)
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, l.backends[k]+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := l.tr.RoundTrip(req)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				continue
			}
			w.Header().Set(replicaHeader, strconv.Itoa(k))
			w.Header().Set(lbErrorHeader, "lost")
			http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
			return
		}
		for key, v := range resp.Header {
			w.Header()[key] = v
		}
		w.Header().Set(replicaHeader, strconv.Itoa(k))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	w.Header().Set(lbErrorHeader, "none")
	http.Error(w, "no replica reachable", http.StatusBadGateway)
}

// trace records, for one flow's calls, which replica answered last and
// whether the load balancer itself answered 502 (the replica was lost
// mid-request).
type trace struct {
	replica  atomic.Int64
	lbFailed atomic.Bool
}

type traceKey struct{}

type recordingTransport struct{ next http.RoundTripper }

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr, _ := r.Context().Value(traceKey{}).(*trace)
	resp, err := rt.next.RoundTrip(r)
	if tr != nil {
		tr.replica.Store(-1)
		tr.lbFailed.Store(false)
		if err == nil {
			if k, e := strconv.Atoi(resp.Header.Get(replicaHeader)); e == nil {
				tr.replica.Store(int64(k))
			}
			tr.lbFailed.Store(resp.Header.Get(lbErrorHeader) != "")
		}
	}
	return resp, err
}

func pkcePair() (verifier, challenge string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// outcome of one flow.
type outcome int

const (
	completed outcome = iota
	failedClear
	failedUnclear
)

// clearErr says whether an error is one an app can act on: Stytch's or the
// broker's error object with a transient type, a 429 with its wait, or the
// network/proxy failing outright (the replica died). Anything else (an
// unexpected error type, a 401 that would sign people out, a malformed
// answer) is unclear.
func clearErr(err error, tr *trace) (bool, string) {
	if tr.lbFailed.Load() {
		return true, "load balancer 502 (replica lost)"
	}
	var se stytcherror.Error
	if errors.As(err, &se) {
		switch string(se.ErrorType) {
		case "upstream_timeout", "upstream_unavailable", "rate_limiter_unavailable", "too_many_requests":
			return true, string(se.ErrorType)
		}
		return false, fmt.Sprintf("%d %s", se.StatusCode, se.ErrorType)
	}
	return false, err.Error()
}

type stats struct {
	mu                   sync.Mutex
	attempted, completed int
	clear, unclear       int
	clearBy, unclearBy   map[string]int
	pendingTokens        []pendingToken
}

// pendingToken is a link token whose authenticate failed with an answer
// from a live replica: it must still be usable.
type pendingToken struct {
	token, verifier string
	why             string
}

func (s *stats) add(o outcome, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempted++
	switch o {
	case completed:
		s.completed++
	case failedClear:
		s.clear++
		s.clearBy[why]++
	case failedUnclear:
		s.unclear++
		s.unclearBy[why]++
	}
}

type harness struct {
	t         *testing.T
	emulator  string // the local API, direct (for the inbox only)
	projectID string
	client    *b2bstytchapi.API
	n         atomic.Int64
	st        *stats
}

// flow is one sign-in as the app does it: send, click, authenticate,
// exchange into the organization, validate the session.
func (h *harness) flow(ctx context.Context) (ok bool) {
	tr := &trace{}
	ctx = context.WithValue(ctx, traceKey{}, tr)
	n := h.n.Add(1)
	addr := fmt.Sprintf("chaos-%d-%d@example.com", os.Getpid(), n)
	verifier, challenge := pkcePair()
	fail := func(step string, err error) {
		clear, why := clearErr(err, tr)
		if clear {
			h.st.add(failedClear, step+": "+why)
		} else {
			h.st.add(failedUnclear, step+": "+why)
		}
	}
	if _, err := h.client.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: addr, PkceCodeChallenge: challenge}); err != nil {
		fail("send", err)
		return false
	}
	token, err := brokertest.EmulatorLinkToken(http.DefaultClient, h.emulator, addr)
	if err != nil {
		h.st.add(failedUnclear, "email: "+err.Error())
		return false
	}
	auth, err := h.client.MagicLinks.Discovery.Authenticate(ctx, &discovery.AuthenticateParams{DiscoveryMagicLinksToken: token, PkceCodeVerifier: verifier})
	if err != nil {
		var se stytcherror.Error
		if errors.As(err, &se) && (se.ErrorType == "upstream_timeout" || se.ErrorType == "upstream_unavailable" || se.ErrorType == "too_many_requests") {
			// A live replica answered: the token must not be spent.
			h.st.mu.Lock()
			h.st.pendingTokens = append(h.st.pendingTokens, pendingToken{token, verifier, string(se.ErrorType)})
			h.st.mu.Unlock()
		}
		fail("authenticate", err)
		return false
	}
	if auth.IntermediateSessionToken == "" {
		h.st.add(failedUnclear, "authenticate: no intermediate session")
		return false
	}
	ex, err := h.client.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationID: "example-co", SessionDurationMinutes: 60})
	if err != nil {
		fail("exchange", err)
		return false
	}
	if ex.SessionToken == "" {
		h.st.add(failedUnclear, "exchange: no session")
		return false
	}
	if _, err := h.client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: ex.SessionToken}); err != nil {
		fail("session", err)
		return false
	}
	h.st.add(completed, "")
	return true
}

func TestChaos(t *testing.T) {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found: install it with scripts/install-deps.sh")
	}
	dir := t.TempDir()
	brokerBin := build(t, dir, "cmd/stytch-broker")
	emuBin := build(t, dir, "cmd/stytch-emulator")

	// The local API.
	emuAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	emu := &proc{name: "stytch-emulator", bin: emuBin, args: []string{"--addr", emuAddr, "--seed"}}
	emu.start(t)
	t.Cleanup(func() { emu.signal(syscall.SIGKILL) })
	emulator := "http://" + emuAddr
	waitHTTP(t, emulator+"/emulator/messages", 15*time.Second)

	// Redis.
	redisPort := freePort(t)
	rds := &proc{name: "redis-server", bin: redisBin, args: []string{"--port", strconv.Itoa(redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", "--dir", dir}}
	rds.start(t)
	t.Cleanup(func() { rds.signal(syscall.SIGKILL) })

	// The fault proxy between the brokers and the local API.
	fp := &faultProxy{addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), target: emulator}
	fp.up(t)
	t.Cleanup(fp.down)

	// Two replicas.
	var replicas []*proc
	var backends, opsURLs []string
	for i := range 2 {
		api, ops := freePort(t), freePort(t)
		p := &proc{name: fmt.Sprintf("broker-%d", i), bin: brokerBin, env: []string{"STYTCH_SECRET=" + localstytch.DefaultSecret},
			args: []string{"--project-id", localstytch.DefaultProjectID, "--upstream", "http://" + fp.addr,
				"--redirect-url", "stytch-desktop://auth/callback", "--addr", fmt.Sprintf("127.0.0.1:%d", api),
				"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", ops), "--redis-url", fmt.Sprintf("redis://127.0.0.1:%d/0", redisPort),
				"--upstream-timeout", upstreamTimeout.String(), "--shutdown-timeout", "15s",
				// The flows all come from this machine's address and one domain.
				"--limit-ip", "1000000/1m", "--limit-email-domain", "1000000/1m",
				// Checked after the faults: a member's code attempts (the flows use none).
				"--limit-otp-attempt", "3/10m"}}
		p.start(t)
		t.Cleanup(func() { p.signal(syscall.SIGKILL) })
		replicas = append(replicas, p)
		backends = append(backends, fmt.Sprintf("http://127.0.0.1:%d", api))
		opsURLs = append(opsURLs, fmt.Sprintf("http://127.0.0.1:%d", ops))
	}
	for _, o := range opsURLs {
		waitHTTP(t, o+"/readyz", 15*time.Second)
	}
	balancer := &lb{backends: backends, tr: &http.Transport{DisableKeepAlives: true}}
	front := &http.Server{Handler: balancer}
	frontLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = front.Serve(frontLn) }()
	t.Cleanup(func() { _ = front.Close() })
	frontURL := "http://" + frontLn.Addr().String()

	client, err := b2bstytchapi.NewClient(localstytch.DefaultProjectID, "unused-the-broker-holds-the-secret",
		b2bstytchapi.WithBaseURI(frontURL),
		b2bstytchapi.WithHTTPClient(&http.Client{Timeout: 30 * time.Second, Transport: recordingTransport{next: http.DefaultTransport}}))
	if err != nil {
		t.Fatalf("stytch-go client through the brokers: %v", err)
	}
	h := &harness{t: t, emulator: emulator, projectID: localstytch.DefaultProjectID, client: client,
		st: &stats{clearBy: map[string]int{}, unclearBy: map[string]int{}}}

	// Flows run continuously while the faults happen.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	workers := 2 * runtime.NumCPU()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if !h.flow(context.Background()) {
					time.Sleep(250 * time.Millisecond) // an app waits before trying again
				}
			}
		}()
	}
	var memMu sync.Mutex
	rss := make([][]int, len(replicas))
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		for ctx.Err() == nil {
			memMu.Lock()
			for i, p := range replicas {
				if kb := p.rssKB(); kb > 0 {
					rss[i] = append(rss[i], kb)
				}
			}
			memMu.Unlock()
			time.Sleep(500 * time.Millisecond)
		}
	}()
	phase := func(name string, d time.Duration) {
		t.Logf("%s: %s", time.Now().Format("15:04:05.000"), name)
		time.Sleep(d)
	}
	restart := func(i int) {
		replicas[i].start(t)
		waitHTTP(t, opsURLs[i]+"/healthz", 15*time.Second)
	}

	phase("warm-up", 5*time.Second)
	replicas[0].signal(syscall.SIGKILL)
	replicas[0].waitExit(t, 5*time.Second)
	phase("replica 0 killed (SIGKILL)", 3*time.Second)
	restart(0)
	phase("replica 0 restarted", 3*time.Second)

	rds.signal(syscall.SIGKILL)
	rds.waitExit(t, 5*time.Second)
	phase("redis stopped", 5*time.Second)
	rds.start(t)
	phase("redis restarted", 8*time.Second) // the breakers probe again after their cooldown

	fp.delay.Store(int64(2 * upstreamTimeout))
	phase("upstream slow (2x --upstream-timeout)", 5*time.Second)
	fp.delay.Store(0)
	fp.down()
	phase("upstream unreachable", 4*time.Second)
	fp.up(t)
	phase("upstream back", 3*time.Second)

	// SIGTERM while requests are in flight: the upstream answers in half the
	// timeout, so every replica always has calls open.
	fp.delay.Store(int64(upstreamTimeout / 2))
	time.Sleep(time.Second)
	replicas[1].signal(syscall.SIGTERM)
	replicas[1].waitExit(t, 20*time.Second)
	fp.delay.Store(0)
	phase("replica 1 stopped (SIGTERM mid-request)", 2*time.Second)
	restart(1)
	phase("replica 1 restarted; cool-down", 5*time.Second)
	stop()
	wg.Wait()
	<-memDone

	// Limits hold across replicas after Redis came back: one address gets
	// its 5 sends a minute in total, whichever replica serves each.
	for _, o := range opsURLs {
		waitHTTP(t, o+"/readyz", 15*time.Second)
	}
	limitAddr := fmt.Sprintf("chaos-limit-%d@example.com", os.Getpid())
	var refusedAt int
	replicasUsed := map[int64]bool{}
	for i := range 6 {
		_, ch := pkcePair()
		tr := &trace{}
		_, err := client.MagicLinks.Email.Discovery.Send(context.WithValue(context.Background(), traceKey{}, tr),
			&emaildiscovery.SendParams{EmailAddress: limitAddr, PkceCodeChallenge: ch})
		replicasUsed[tr.replica.Load()] = true
		var se stytcherror.Error
		if err != nil && errors.As(err, &se) && se.ErrorType == "too_many_requests" && se.StatusCode == 429 {
			refusedAt = i + 1
			break
		}
		if err != nil {
			t.Fatalf("limit check send %d: %v", i+1, err)
		}
		time.Sleep(1100 * time.Millisecond) // the local API's one email a second per address
	}

	// A member's code attempts are counted once across replicas: after 3
	// wrong codes (Stytch judged each), the 4th is refused by the broker.
	attemptRefusedAt := h.attemptLimit(t)

	// Tokens whose authenticate a live replica answered with an error are
	// still unspent: the app's retry works.
	spent := 0
	for _, p := range h.st.pendingTokens {
		if _, err := client.MagicLinks.Discovery.Authenticate(context.Background(), &discovery.AuthenticateParams{DiscoveryMagicLinksToken: p.token, PkceCodeVerifier: p.verifier}); err != nil {
			spent++
			t.Errorf("a token whose authenticate failed with %s on a live replica is spent: %v", p.why, err)
		}
	}

	st := h.st
	var b strings.Builder
	fmt.Fprintf(&b, "\nchaos: %d sign-in flows through 2 replicas, %d at a time\n", st.attempted, workers)
	fmt.Fprintf(&b, "| flows attempted | completed | failed, clear error | failed, unclear |\n|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d |\n", st.attempted, st.completed, st.clear, st.unclear)
	fmt.Fprintf(&b, "clear failures by step and error: %v\n", st.clearBy)
	if st.unclear > 0 {
		fmt.Fprintf(&b, "UNCLEAR failures: %v\n", st.unclearBy)
	}
	fmt.Fprintf(&b, "tokens refused by a live replica then retried: %d, spent: %d\n", len(st.pendingTokens), spent)
	fmt.Fprintf(&b, "email limit after Redis returned: send %d of one address refused (limit 5/1m), replicas used %d\n", refusedAt, len(replicasUsed))
	fmt.Fprintf(&b, "code-attempt limit after Redis returned: attempt %d of one member refused by the broker (limit 3/10m)\n", attemptRefusedAt)
	for i, r := range rss {
		if len(r) > 0 {
			fmt.Fprintf(&b, "replica %d RSS: first %d KiB, max %d KiB, last %d KiB (%d samples)\n", i, r[0], maxInt(r), r[len(r)-1], len(r))
		}
	}
	fmt.Print(b.String())

	if st.unclear > 0 {
		t.Errorf("%d flows failed unclearly: %v", st.unclear, st.unclearBy)
	}
	if st.completed < st.attempted/2 {
		t.Errorf("only %d of %d flows completed", st.completed, st.attempted)
	}
	if attemptRefusedAt != 4 {
		t.Errorf("after Redis returned, the per-member attempt limit refused attempt %d (want the 4th)", attemptRefusedAt)
	}
	if refusedAt != 6 {
		t.Errorf("after Redis returned, the per-address limit refused send %d (want the 6th)", refusedAt)
	}
	for i, r := range rss {
		if len(r) < 4 {
			t.Errorf("replica %d: too few memory samples", i)
			continue
		}
		// Bounded: a broker holds limit buckets (swept), cached JWKS and
		// learned organization names, all capped; tens of thousands of
		// requests must not show in its footprint.
		if last := r[len(r)-1]; last > 96*1024 || last > 4*r[0] {
			t.Errorf("replica %d holds %d KiB at the end (%d KiB at its first sample)", i, last, r[0])
		}
	}
}

// attemptLimit signs the demo member in to Fortress Bank (MFA by SMS) and
// tries wrong codes through the balancer until the broker refuses one; it
// returns which attempt was refused (0: none of 6).
func (h *harness) attemptLimit(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	verifier, challenge := pkcePair()
	if _, err := h.client.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: localstytch.DemoEmail, PkceCodeChallenge: challenge}); err != nil {
		t.Fatalf("attempt check: send: %v", err)
	}
	token, err := brokertest.EmulatorLinkToken(http.DefaultClient, h.emulator, localstytch.DemoEmail)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := h.client.MagicLinks.Discovery.Authenticate(ctx, &discovery.AuthenticateParams{DiscoveryMagicLinksToken: token, PkceCodeVerifier: verifier})
	if err != nil {
		t.Fatalf("attempt check: authenticate: %v", err)
	}
	ex, err := h.client.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationID: "fortress"})
	if err != nil || ex.IntermediateSessionToken == "" {
		t.Fatalf("attempt check: exchange into fortress: %v", err)
	}
	for i := 1; i <= 6; i++ {
		_, err := h.client.OTPs.Sms.Authenticate(ctx, &sms.AuthenticateParams{OrganizationID: "fortress", MemberID: ex.MemberID,
			Code: "000000", IntermediateSessionToken: ex.IntermediateSessionToken})
		var se stytcherror.Error
		if !errors.As(err, &se) {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if se.StatusCode == http.StatusTooManyRequests && strings.HasPrefix(string(se.RequestID), "request-id-broker-") {
			return i
		}
	}
	return 0
}

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
