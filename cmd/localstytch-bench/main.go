// Command localstytch-bench measures the local Stytch-compatible API
// (app/localstytch) the way the desktop app's local mode runs it — seeded,
// with its state file — driving complete discovery flows with the real
// stytch-go client:
//
//	send → read the link from the outbox → redirect hop →
//	discovery authenticate (PKCE) → intermediate session exchange
//
// at concurrency 1, 20 and 100, and prints plain key=value lines for
// `make bench` (cmd/bench parses them):
//
//	localapi_flows_per_s_c1=…  localapi_flows_per_s_c20=…  localapi_flows_per_s_c100=…
//	localapi_p50_ms_<endpoint>=…  localapi_p99_ms_<endpoint>=…   (at concurrency 20)
//	localapi_cpu_ms_per_flow_c<N>=…  (process CPU per flow, server + client)
//	localapi_heap_mb_after_10000=…   (live heap after ≥10 000 flows and a GC:
//	                                  server state — each flow leaves a live
//	                                  60-minute session — plus the client)
//	localapi_errors=…
//
// Label-free key names on purpose: the harness splits each field at its
// first '='. It asserts nothing about timing; it only reports.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"

	"stytch-desktop/app/localstytch"
)

// The endpoints timed per flow, in flow order.
var endpoints = []string{"discovery_send", "outbox_read", "redirect_hop", "discovery_authenticate", "ist_exchange"}

type phase struct {
	concurrency int
	flows       int
}

func main() {
	n1 := flag.Int("n1", 300, "flows at concurrency 1")
	n20 := flag.Int("n20", 10000, "flows at concurrency 20 (the heap figure is taken after these plus the c1 ones)")
	n100 := flag.Int("n100", 3000, "flows at concurrency 100")
	pool := flag.Int("addresses", 5000, "distinct email addresses cycled through (Stytch's 1 send/s/address limit applies)")
	noState := flag.Bool("no-state", false, "run without a state file (local mode always has one)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*n1, *n20, *n100, *pool, !*noState); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "localstytch-bench:", err)
		os.Exit(1)
	}
}

func run(n1, n20, n100, pool int, withState bool) error {
	dir, err := os.MkdirTemp("", "localstytch-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts := localstytch.Options{Seed: true, RedirectURLs: []string{"stytch-desktop://auth/callback"}}
	if withState {
		opts.StatePath = filepath.Join(dir, "local-stytch-state.json")
	}
	srv, err := localstytch.New(opts)
	if err != nil {
		return err
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	}()

	transport := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	client, err := b2bstytchapi.NewClient(srv.ProjectID(), srv.Secret(),
		b2bstytchapi.WithBaseURI(base), b2bstytchapi.WithHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
	if err != nil {
		return err
	}
	b := &bench{
		client: client, base: base, pool: pool,
		http: &http.Client{Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}

	fmt.Printf("# local API bench: state file %v, %d CPUs, %s\n", withState, runtime.NumCPU(), runtime.Version())
	var total int
	var heapMB float64
	var c20lat map[string][]time.Duration
	for _, p := range []phase{{1, n1}, {20, n20}, {100, n100}} {
		if p.flows <= 0 {
			continue
		}
		cpu0 := cpuTime()
		rate, lat := b.run(p)
		total += p.flows
		fmt.Printf("localapi_flows_per_s_c%d=%.1f\n", p.concurrency, rate)
		// CPU per flow (server + the stytch-go client, same process): on a
		// shared machine the rate depends on the neighbours, this does not.
		fmt.Printf("localapi_cpu_ms_per_flow_c%d=%.2f\n", p.concurrency, ms(cpuTime()-cpu0)/float64(p.flows))
		if p.concurrency == 20 {
			c20lat = lat
			// Flush first so no state save (a copy of the state and its
			// encoding) is in flight while the heap is measured.
			_ = srv.Flush(context.Background())
			heapMB = liveHeapMB()
			fmt.Printf("localapi_heap_mb_after_%d=%.1f\n", roundDown(total), heapMB)
		}
	}
	for _, ep := range endpoints {
		if d := c20lat[ep]; len(d) > 0 {
			fmt.Printf("localapi_p50_ms_%s=%.2f\n", ep, ms(pct(d, 50)))
			fmt.Printf("localapi_p99_ms_%s=%.2f\n", ep, ms(pct(d, 99)))
		}
	}
	_ = srv.Flush(context.Background())
	fmt.Printf("localapi_heap_mb_end=%.1f\n", liveHeapMB())
	if hp := os.Getenv("LOCALSTYTCH_BENCH_HEAPPROFILE"); hp != "" {
		if f, err := os.Create(hp); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	fmt.Printf("localapi_errors=%d\n", b.errors.Load())
	return nil
}

// roundDown names the heap figure after the flow count the brief uses
// (10 000) when at least that many flows ran.
func roundDown(n int) int {
	if n >= 10000 {
		return 10000
	}
	return n
}

func liveHeapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pct(d []time.Duration, p int) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := (len(d)*p + 99) / 100
	if i > 0 {
		i--
	}
	return d[i]
}

type bench struct {
	client *b2bstytchapi.API
	http   *http.Client
	base   string
	pool   int
	next   atomic.Int64 // flow counter across phases (address rotation)
	errors atomic.Int64
	shown  atomic.Int64
}

func (b *bench) run(p phase) (float64, map[string][]time.Duration) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var left atomic.Int64
	left.Store(int64(p.flows))
	start := time.Now()
	for range p.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := map[string][]time.Duration{}
			for left.Add(-1) >= 0 {
				i := b.next.Add(1)
				if err := b.flow(i, mine); err != nil {
					b.errors.Add(1)
					if b.shown.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "flow %d: %v\n", i, err)
					}
				}
			}
			mu.Lock()
			for k, v := range mine {
				lat[k] = append(lat[k], v...)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return float64(p.flows) / time.Since(start).Seconds(), lat
}

func (b *bench) flow(i int64, lat map[string][]time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := fmt.Sprintf("bench%05d@example.com", i%int64(b.pool)) // example.com: JIT into example-co
	verifier, challenge := pkce()
	timed := func(name string, f func() error) error {
		t0 := time.Now()
		err := f()
		lat[name] = append(lat[name], time.Since(t0))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if err := timed("discovery_send", func() error {
		_, err := b.client.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: addr, PkceCodeChallenge: challenge})
		return err
	}); err != nil {
		return err
	}
	var link string
	if err := timed("outbox_read", func() (err error) {
		link, err = b.newestLink(ctx, addr)
		return err
	}); err != nil {
		return err
	}
	var token string
	if err := timed("redirect_hop", func() (err error) {
		token, err = b.hop(ctx, link)
		return err
	}); err != nil {
		return err
	}
	var ist string
	if err := timed("discovery_authenticate", func() error {
		r, err := b.client.MagicLinks.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: token, PkceCodeVerifier: verifier})
		if err == nil {
			ist = r.IntermediateSessionToken
			if r.EmailAddress != addr {
				err = fmt.Errorf("got IST for %s", r.EmailAddress)
			}
		}
		return err
	}); err != nil {
		return err
	}
	return timed("ist_exchange", func() error {
		x, err := b.client.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: "example-co"})
		if err == nil && (!x.MemberAuthenticated || x.SessionJWT == "") {
			err = errors.New("exchange did not authenticate")
		}
		return err
	})
}

func (b *bench) newestLink(ctx context.Context, addr string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/emulator/messages?limit=1&to="+url.QueryEscape(addr), nil)
	resp, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Messages []struct {
			To   string `json:"to"`
			Link string `json:"link"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", err
	}
	if len(body.Messages) == 0 || body.Messages[0].To != addr {
		return "", fmt.Errorf("no message for %s", addr)
	}
	return body.Messages[0].Link, nil
}

func (b *bench) hop(ctx context.Context, link string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	resp, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("redirect status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	return loc.Query().Get("token"), nil
}

func pkce() (verifier, challenge string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
