package localstytch

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// fakeClock is an injectable Options.Now. It starts at the real time so
// JWTs it stamps also pass stytch-go's wall-clock checks.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t      *testing.T
	srv    *Server
	base   string
	client *b2bstytchapi.API
	clock  *fakeClock
	http   *http.Client // does not follow redirects
}

// newEnv starts a Server on 127.0.0.1:0 and builds the real stytch-go
// client against it (NewClient fetches JWKS, so the server must be up).
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		// Generous: after hundreds of concurrent flows under -race on two
		// cores, connections that never sent a request take a while to go.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		if bypass := srv.st.Unqueued(); len(bypass) > 0 {
			t.Errorf("records not in their eviction queue (made without the store's add helpers): %v", bypass)
		}
	})
	client, err := b2bstytchapi.NewClient(srv.ProjectID(), srv.Secret(), b2bstytchapi.WithBaseURI(base))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &env{t: t, srv: srv, base: base, client: client, clock: clock,
		http: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// raw POSTs JSON with the project's Basic auth and decodes the JSON reply.
func (e *env) raw(path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rdr io.Reader
	switch b := body.(type) {
	case string:
		rdr = bytes.NewBufferString(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rdr = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(http.MethodPost, e.base+path, rdr)
	req.SetBasicAuth(e.srv.ProjectID(), e.srv.Secret())
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatalf("POST %s: decode: %v", path, err)
	}
	return resp.StatusCode, out
}

// pkcePair returns an S256 verifier/challenge pair the way a client makes
// one: challenge = base64url-nopad(sha256(verifier)).
// crypto/rand.Read cannot fail (Go 1.24+), so this is goroutine-safe.
func pkcePair(testing.TB) (verifier, challenge string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// latestMessage reads the newest message for addr via GET /emulator/messages.
func (e *env) latestMessage(addr string) Message {
	e.t.Helper()
	resp, err := e.http.Get(e.base + "/emulator/messages?to=" + url.QueryEscape(addr))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Messages []Message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatal(err)
	}
	if len(body.Messages) == 0 {
		e.t.Fatalf("no message for %s", addr)
	}
	return body.Messages[0]
}

// follow clicks an email link: GET the redirect hop and return the parsed
// Location it redirects to.
func (e *env) follow(link string) *url.URL {
	e.t.Helper()
	resp, err := e.http.Get(link)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("redirect hop status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// discoveryToken sends a discovery link to addr and returns the token the
// redirect delivers.
func (e *env) discoveryToken(addr, challenge string) string {
	e.t.Helper()
	_, err := e.client.MagicLinks.Email.Discovery.Send(ctx(e.t), &emaildiscovery.SendParams{
		EmailAddress: addr, PkceCodeChallenge: challenge,
	})
	if err != nil {
		e.t.Fatalf("discovery send: %v", err)
	}
	loc := e.follow(e.latestMessage(addr).Link)
	return loc.Query().Get("token")
}

// discoveryIST runs send → click → authenticate and returns the response.
func (e *env) discoveryIST(addr string) *mldiscovery.AuthenticateResponse {
	e.t.Helper()
	v, c := pkcePair(e.t)
	tok := e.discoveryToken(addr, c)
	resp, err := e.client.MagicLinks.Discovery.Authenticate(ctx(e.t), &mldiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: tok, PkceCodeVerifier: v,
	})
	if err != nil {
		e.t.Fatalf("discovery authenticate: %v", err)
	}
	return resp
}

// wantStytchErr asserts err is a stytcherror.Error (by value, as the SDK
// returns it) with the given status and type.
func wantStytchErr(t *testing.T, err error, status int, typ string) {
	t.Helper()
	var se stytcherror.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want stytcherror.Error %s", err, err, typ)
	}
	if se.StatusCode != status || string(se.ErrorType) != typ {
		t.Fatalf("err = %d %s (%s), want %d %s", se.StatusCode, se.ErrorType, se.ErrorMessage, status, typ)
	}
	if len(se.RequestID) < len("request-id-test-") || se.RequestID[:16] != "request-id-test-" {
		t.Fatalf("request_id = %q, want request-id-test-<uuid>", se.RequestID)
	}
}
