package broker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/localstytch"
)

// seen is one request that reached the upstream (the local API).
type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	Resp         []byte // the local API's answer
}

type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

// recorder wraps the local API and logs every request that reaches it, so
// tests can assert that a refused request never left the broker.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []seen
	// slowPath, when set, is answered only after slowFor: Stytch being
	// slow after it has done the work (the token is spent on the way in).
	slowPath string
	slowFor  time.Duration
}

func (r *recorder) slow(path string, d time.Duration) {
	r.mu.Lock()
	r.slowPath, r.slowFor = path, d
	r.mu.Unlock()
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	delay := time.Duration(0)
	if req.URL.Path == r.slowPath {
		delay = r.slowFor
	}
	r.mu.Unlock()
	if delay > 0 {
		defer time.Sleep(delay)
	}
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	i := len(r.reqs)
	r.reqs = append(r.reqs, seen{req.Method, req.URL.Path, req.Header.Clone(), body, nil})
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	tw := &teeWriter{ResponseWriter: w}
	r.next.ServeHTTP(tw, req)
	r.mu.Lock()
	if i < len(r.reqs) {
		r.reqs[i].Resp = tw.buf.Bytes()
	}
	r.mu.Unlock()
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// last returns the last request to path, failing if there is none.
func (r *recorder) last(t *testing.T, path string) seen {
	t.Helper()
	all := r.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Path == path {
			return all[i]
		}
	}
	t.Fatalf("no request to %s reached the upstream", path)
	return seen{}
}

// env is a local API behind a recorder, and a broker in front of it.
type env struct {
	t        *testing.T
	api      *localstytch.Server
	upstream string
	rec      *recorder
	url      string // the broker
	broker   *broker.Broker
	ops      string // the broker's ops listener
	logs     *syncBuffer
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

func newUpstream(t *testing.T) (*localstytch.Server, string, *recorder) {
	t.Helper()
	api, err := localstytch.New(localstytch.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: api}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return api, srv.URL, rec
}

func newEnv(t *testing.T, opts ...func(*broker.Config)) *env {
	t.Helper()
	api, upstream, rec := newUpstream(t)
	e := &env{t: t, api: api, upstream: upstream, rec: rec}
	e.startBroker(opts...)
	return e
}

// startBroker (re)starts the broker in front of e's upstream.
func (e *env) startBroker(opts ...func(*broker.Config)) {
	e.t.Helper()
	e.logs = &syncBuffer{}
	cfg := brokertest.Config(e.api.ProjectID(), e.api.Secret(), e.upstream)
	cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	for _, o := range opts {
		o(&cfg)
	}
	b, err := broker.New(cfg)
	if err != nil {
		e.t.Fatalf("broker.New: %v", err)
	}
	srv := httptest.NewServer(b)
	ops := httptest.NewServer(b.OpsHandler())
	e.t.Cleanup(func() { srv.Close(); ops.Close(); b.Close() })
	e.url, e.broker, e.ops = srv.URL, b, ops.URL
}

// answer is a decoded JSON reply.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

// call sends one request to the broker as an SDK would (Basic auth with a
// placeholder secret: the broker ignores the caller's credentials).
func (e *env) call(method, path, contentType, body string, hdr ...string) answer {
	e.t.Helper()
	return do(e.t, e.url, method, path, contentType, body, hdr...)
}

func do(t *testing.T, base, method, path, contentType, body string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.SetBasicAuth(localstytch.DefaultProjectID, "placeholder-not-a-secret")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (e *env) post(path string, body any) answer {
	e.t.Helper()
	b, _ := json.Marshal(body)
	return e.call(http.MethodPost, path, "application/json", string(b))
}

// pkcePair is a fresh verifier and its S256 challenge.
func pkcePair() (verifier, challenge string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// linkToken clicks the newest email link to addr (on the local API, as a
// browser would) and returns the token from the redirect into the app.
func (e *env) linkToken(addr string) string {
	e.t.Helper()
	for _, m := range e.api.Messages() {
		if m.To != addr {
			continue
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(m.Link)
		if err != nil {
			e.t.Fatal(err)
		}
		resp.Body.Close()
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			e.t.Fatal(err)
		}
		return u.Query().Get("token")
	}
	e.t.Fatalf("no email to %s", addr)
	return ""
}

// signIn runs the discovery flow through the broker and returns the
// session token and JWT for addr in the organization slug.
func (e *env) signIn(addr, slug string) (token, jwt string, secrets []string) {
	e.t.Helper()
	verifier, challenge := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{
		"email_address": addr, "pkce_code_challenge": challenge}); a.status != 200 {
		e.t.Fatalf("send: %d %s", a.status, a.raw)
	}
	link := e.linkToken(addr)
	a := e.post("/v1/b2b/magic_links/discovery/authenticate", map[string]any{
		"discovery_magic_links_token": link, "pkce_code_verifier": verifier})
	if a.status != 200 {
		e.t.Fatalf("authenticate: %d %s", a.status, a.raw)
	}
	ist := a.str("intermediate_session_token")
	if a := e.post("/v1/b2b/discovery/organizations", map[string]any{"intermediate_session_token": ist}); a.status != 200 {
		e.t.Fatalf("list: %d %s", a.status, a.raw)
	}
	a = e.post("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{
		"intermediate_session_token": ist, "organization_id": slug, "session_duration_minutes": 60})
	if a.status != 200 || a.str("session_token") == "" {
		e.t.Fatalf("exchange: %d %s", a.status, a.raw)
	}
	token, jwt = a.str("session_token"), a.str("session_jwt")
	return token, jwt, []string{verifier, challenge, link, ist, token, jwt}
}

var _ = context.Background

// discover runs the discovery sign-in for addr through the broker and
// returns the intermediate session and the organizations it lists.
func (e *env) discover(addr string) (ist string, orgs []map[string]any) {
	e.t.Helper()
	verifier, challenge := pkcePair()
	if a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{
		"email_address": addr, "pkce_code_challenge": challenge}); a.status != 200 {
		e.t.Fatalf("send: %d %s", a.status, a.raw)
	}
	a := e.post("/v1/b2b/magic_links/discovery/authenticate", map[string]any{
		"discovery_magic_links_token": e.linkToken(addr), "pkce_code_verifier": verifier})
	if a.status != 200 {
		e.t.Fatalf("authenticate: %d %s", a.status, a.raw)
	}
	list, _ := a.body["discovered_organizations"].([]any)
	for _, d := range list {
		if m, ok := d.(map[string]any)["organization"].(map[string]any); ok {
			orgs = append(orgs, m)
		}
	}
	return a.str("intermediate_session_token"), orgs
}

// mfaIST signs addr in and exchanges into org, which asks for MFA: the
// intermediate session that MFA calls need, and the member's id.
func (e *env) mfaIST(addr, org string) (ist, member string) {
	e.t.Helper()
	ist, _ = e.discover(addr)
	a := e.post("/v1/b2b/discovery/intermediate_sessions/exchange", map[string]any{
		"intermediate_session_token": ist, "organization_id": org})
	if a.status != 200 || a.str("intermediate_session_token") == "" || a.str("member_id") == "" {
		e.t.Fatalf("exchange into %s: %d %s", org, a.status, a.raw)
	}
	return a.str("intermediate_session_token"), a.str("member_id")
}

// orgID is the id of the organization slug among orgs.
func orgID(t *testing.T, orgs []map[string]any, slug string) string {
	t.Helper()
	for _, o := range orgs {
		if o["organization_slug"] == slug {
			return o["organization_id"].(string)
		}
	}
	t.Fatalf("organization %s not discovered", slug)
	return ""
}
