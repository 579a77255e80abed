package signin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
)

// clock is the one clock shared by the local API and the flows, so tests can
// expire links, intermediate sessions and sessions without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// portFactory builds a signin.Stytch talking to the local API. Every flow test
// runs once per implementation of the port: stytch-go talking to the local
// API directly, and stytch-go talking to the broker in front of it (with a
// placeholder secret: only the broker holds the real one).
type portFactory func(t *testing.T, srv *localstytch.Server, baseURL string) signin.Stytch

var ports = map[string]portFactory{
	"stytch-go": func(t *testing.T, srv *localstytch.Server, baseURL string) signin.Stytch {
		c, err := stytchclient.New(context.Background(), stytchclient.Config{
			ProjectID: srv.ProjectID(), Secret: srv.Secret(), BaseURL: baseURL,
		})
		if err != nil {
			t.Fatalf("stytch client: %v", err)
		}
		// The keys come in the background; tests that check JWTs locally need them.
		select {
		case <-c.KeysReady():
		case <-time.After(30 * time.Second):
			t.Fatal("stytch-go could not fetch the local API's JWKS")
		}
		return c
	},
	"broker": func(t *testing.T, srv *localstytch.Server, baseURL string) signin.Stytch {
		brokerURL := brokertest.Start(t, srv.ProjectID(), srv.Secret(), baseURL)
		c, err := stytchclient.New(context.Background(), stytchclient.Config{
			ProjectID: srv.ProjectID(), Secret: "placeholder-not-a-secret", BaseURL: brokerURL,
		})
		if err != nil {
			t.Fatalf("stytch client: %v", err)
		}
		select { // the keys come in the background
		case <-c.KeysReady():
		case <-time.After(30 * time.Second):
			t.Fatal("stytch-go could not fetch the JWKS through the broker")
		}
		return c
	},
}

// harness is one device running the flows against one local API.
type harness struct {
	t       *testing.T
	clock   *clock
	srv     *localstytch.Server
	baseURL string
	port    portFactory
	store   *keychaintest.Memory
	spy     *spyPort         // set by reach (transitions_test.go)
	browser *browserRecorder // the system browser the flows open (sso_test.go)
	logs    *syncBuffer
	views   *viewLog
	flows   *signin.Flows
	cfg     signin.Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// viewLog records every view the screens would receive, as JSON.
type viewLog struct {
	mu   sync.Mutex
	json []string
}

func (l *viewLog) add(v signin.View) {
	b, _ := json.Marshal(v)
	l.mu.Lock()
	l.json = append(l.json, string(b))
	l.mu.Unlock()
}

// screens lists the screen of every view, in order, without repeats.
func (l *viewLog) screens() []signin.Screen {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []signin.Screen
	for _, j := range l.json {
		var v signin.View
		_ = json.Unmarshal([]byte(j), &v)
		if len(out) == 0 || out[len(out)-1] != v.Screen {
			out = append(out, v.Screen)
		}
	}
	return out
}

func (l *viewLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.json, "\n")
}

func newHarness(t *testing.T, port portFactory, mutate ...func(*signin.Config)) *harness {
	t.Helper()
	c := newClock()
	srv, err := localstytch.New(localstytch.Options{Seed: true, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	h := &harness{t: t, clock: c, srv: srv, baseURL: base, port: port, store: keychaintest.NewMemory(), browser: &browserRecorder{}}
	h.cfg = signin.Config{Mode: "local", Now: c.Now, ResendInterval: 2 * time.Second,
		BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		// As in local mode: the browser goes to the local API with its public token.
		Browser: signin.BrowserConfig{APIBase: base, PublicToken: srv.PublicToken(),
			OAuthProviders: []string{"google", "microsoft"}, Open: h.browser.open}}
	for _, m := range mutate {
		m(&h.cfg)
	}
	h.flows = h.newDevice(h.store)
	return h
}

// newDevice starts another copy of the app (same API, given keychain).
func (h *harness) newDevice(store signin.Secrets) *signin.Flows {
	h.logs = &syncBuffer{}
	h.views = &viewLog{}
	cfg := h.cfg
	cfg.Logger = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := signin.New(cfg, h.port(h.t, h.srv, h.baseURL), store)
	f.Subscribe(h.views.add)
	h.t.Cleanup(f.Close)
	return f
}

// linkFor takes the newest email to addr from the local API's outbox and
// follows its redirect hop, returning the stytch-desktop:// URL the OS would
// hand to the app.
func (h *harness) linkFor(addr string) string {
	h.t.Helper()
	for _, m := range h.srv.Messages() {
		if m.To == addr {
			return h.follow(m.Link)
		}
	}
	h.t.Fatalf("no email to %s in the outbox", addr)
	return ""
}

// follow clicks an email link without following the redirect into the app.
func (h *harness) follow(emailLink string) string {
	h.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(emailLink)
	if err != nil {
		h.t.Fatalf("follow email link: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("email link answered %d, want a redirect", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func (h *harness) parse(raw string) deeplink.Link {
	h.t.Helper()
	l, err := deeplink.DefaultParser.Parse(raw)
	if err != nil {
		h.t.Fatalf("parse %s link: %v", "redirect", err)
	}
	return l
}

// paste does what the link inbox (app/lifecycle's one door) does with what
// the user pasted: parse it strictly, then complete it or report it.
func (h *harness) paste(ctx context.Context, raw string) error {
	l, err := deeplink.DefaultParser.ParsePasted(raw)
	if err != nil {
		return h.flows.RejectLink(err)
	}
	return h.flows.CompleteLink(ctx, l)
}

// signInDiscovery runs send → link → organization list on f.
func (h *harness) signInDiscovery(f *signin.Flows, addr string) {
	h.t.Helper()
	ctx := context.Background()
	if f.View().Screen == signin.ScreenRestoring {
		if err := f.Restore(ctx); err != nil {
			h.t.Fatalf("Restore: %v", err)
		}
	}
	if err := f.StartSignIn(ctx, addr); err != nil {
		h.t.Fatalf("StartSignIn: %v", err)
	}
	if err := f.CompleteLink(ctx, h.parse(h.linkFor(addr))); err != nil {
		h.t.Fatalf("CompleteLink: %v", err)
	}
	if got := f.View().Screen; got != signin.ScreenChoosingOrganization {
		h.t.Fatalf("screen = %s, want choosing_organization", got)
	}
}

func orgBySlug(t *testing.T, v signin.View, slug string) signin.Organization {
	t.Helper()
	for _, o := range v.Organizations {
		if o.Slug == slug {
			return o
		}
	}
	t.Fatalf("organization %q not discovered; have %+v", slug, v.Organizations)
	return signin.Organization{}
}

// storedSession reads the raw session record from the keychain.
// A signed-out record waiting for Stytch to confirm the revoke (a tombstone)
// is not a session.
func (h *harness) storedSession() (token string, ok bool) {
	token, signedOut, ok := h.storedRecord()
	return token, ok && !signedOut
}

// storedRecord reads the raw session item, tombstone or not.
func (h *harness) storedRecord() (token string, signedOut, ok bool) {
	b, err := h.store.Get(context.Background(), "session")
	if err != nil {
		return "", false, false
	}
	var rec struct {
		Token     string `json:"token"`
		SignedOut bool   `json:"signed_out"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		h.t.Fatalf("stored session unreadable: %v", err)
	}
	return rec.Token, rec.SignedOut, true
}

func wantKind(t *testing.T, err error, want signin.Kind) {
	t.Helper()
	if got := signin.KindOf(err); got != want {
		t.Fatalf("error kind = %q (%v), want %q", got, err, want)
	}
}

func wantScreen(t *testing.T, f *signin.Flows, want signin.Screen) signin.View {
	t.Helper()
	v := f.View()
	if v.Screen != want {
		t.Fatalf("screen = %q, want %q (notice %+v)", v.Screen, want, v.Notice)
	}
	return v
}

// waitView polls until cond holds for f's view (background work is async).
func waitView(t *testing.T, f *signin.Flows, what string, cond func(signin.View) bool) signin.View {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := f.View()
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; view %+v (notice %+v)", what, v, v.Notice)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func eachPort(t *testing.T, fn func(t *testing.T, port portFactory)) {
	for name, p := range ports {
		t.Run(name, func(t *testing.T) { fn(t, p) })
	}
}

type deeplinkLink = deeplink.Link

// waitFor polls until cond holds (background work is async).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
