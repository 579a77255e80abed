package broker

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"stytch-desktop/app/openpage"
)

// A one-time sign-in token (a magic link, SSO or OAuth token) is spent by
// the first authenticate Stytch serves. When Stytch answers after the
// broker's --upstream-timeout, the caller has already been told
// upstream_timeout and the token is gone: the person would have to ask for
// a new email. So for these routes the broker lets the upstream call run on
// (up to replayWait) and keeps its answer, sealed, for replayTTL: the app's
// retry with the same token and PKCE verifier gets that answer instead of
// Stytch's "already used". With Redis the answer is shared, so the retry
// may land on any replica.
//
// At rest the key is an HMAC of the token (keyed by the project secret)
// and the value is sealed with AES-GCM under a key derived from the token
// and the verifier: neither the store nor anyone holding only the token
// can read the session in it.

const (
	replayWait = 30 * time.Second
	replayTTL  = 10 * time.Minute
)

// oneTimeToken is implemented by the requests of routes that spend a
// one-time token.
type oneTimeToken interface {
	oneTime() (token, verifier string)
}

func (r *discoveryAuthenticate) oneTime() (string, string) {
	return r.DiscoveryMagicLinksToken, r.PkceCodeVerifier
}

func (r *authenticateWithToken) oneTime() (string, string) {
	return r.MagicLinksToken + r.SSOToken + r.OAuthToken + r.DiscoveryOAuthToken, r.PkceCodeVerifier
}

type replayer struct {
	key    []byte
	local  *openpage.MemoryStore
	shared openpage.Store // nil without Redis

	mu      sync.Mutex
	flights map[string]*flight // one-time tokens whose upstream call is running on this replica
}

// flight is one running upstream call for a one-time token. A retry with
// the same token and verifier that arrives while it runs waits for it (the
// token is already on its way to Stytch; a second call would only be told
// "already used") and then takes the kept answer.
type flight struct {
	verifier []byte // MAC of the verifier: only its owner may wait for the answer
	done     chan struct{}
}

func (rp *replayer) verifierMAC(token, verifier string) []byte {
	return rp.derive("verifier", token+"\x00"+verifier)
}

// running returns the flight for key if it belongs to the same verifier.
func (rp *replayer) running(key, token, verifier string) *flight {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if f := rp.flights[key]; f != nil && hmac.Equal(f.verifier, rp.verifierMAC(token, verifier)) {
		return f
	}
	return nil
}

// begin registers a flight for key, unless one runs already (then nil).
func (rp *replayer) begin(key, token, verifier string) *flight {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.flights[key] != nil {
		return nil
	}
	if rp.flights == nil {
		rp.flights = map[string]*flight{}
	}
	f := &flight{verifier: rp.verifierMAC(token, verifier), done: make(chan struct{})}
	rp.flights[key] = f
	return f
}

func (rp *replayer) end(key string, f *flight) {
	if f == nil {
		return
	}
	rp.mu.Lock()
	if rp.flights[key] == f {
		delete(rp.flights, key)
	}
	rp.mu.Unlock()
	close(f.done)
}

func (b *Broker) newReplayer() *replayer {
	m := hmac.New(sha256.New, []byte(b.cfg.Secret))
	m.Write([]byte("stytch-broker/replay"))
	rp := &replayer{key: m.Sum(nil), local: openpage.NewMemoryStore(b.cfg.Now)}
	if s, ok := b.cfg.Shared.(openpage.Store); ok {
		rp.shared = breakerStore{b: b, inner: s}
	}
	return rp
}

func (rp *replayer) derive(purpose, v string) []byte {
	m := hmac.New(sha256.New, rp.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return m.Sum(nil)
}

func (rp *replayer) storeKey(token string) string {
	return "replay:" + hex.EncodeToString(rp.derive("id", token)[:20])
}

type sealedAnswer struct {
	Status     int    `json:"s"`
	Body       []byte `json:"b"`
	RetryAfter string `json:"r,omitempty"`
	ErrorType  string `json:"e,omitempty"`
}

func (rp *replayer) aead(token, verifier string) cipher.AEAD {
	block, _ := aes.NewCipher(rp.derive("seal", token+"\x00"+verifier)) // 32 bytes: AES-256
	g, _ := cipher.NewGCM(block)
	return g
}

// keep stores ans for a later retry with the same token and verifier.
func (rp *replayer) keep(token, verifier string, ans *upstreamAnswer) {
	plain, err := json.Marshal(sealedAnswer{ans.status, ans.body, ans.retryAfter, ans.errorType})
	if err != nil {
		return
	}
	g := rp.aead(token, verifier)
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	rp.put(rp.storeKey(token), g.Seal(nonce, nonce, plain, nil))
}

func (rp *replayer) put(key string, sealed []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if rp.shared != nil {
		if _, err := rp.shared.Put(ctx, key, sealed, replayTTL); err == nil {
			return
		}
	}
	_, _ = rp.local.Put(ctx, key, sealed, replayTTL) // no Redis, or Redis down: this replica keeps it
}

var errNoReplay = errors.New("no kept answer")

// take returns the kept answer for token, once, if the verifier matches.
func (rp *replayer) take(ctx context.Context, token, verifier string) (*upstreamAnswer, error) {
	key := rp.storeKey(token)
	sealed, ok, _ := rp.local.Take(ctx, key)
	if !ok && rp.shared != nil {
		sealed, ok, _ = rp.shared.Take(ctx, key)
	}
	if !ok {
		return nil, errNoReplay
	}
	g := rp.aead(token, verifier)
	if len(sealed) < g.NonceSize() {
		return nil, errNoReplay
	}
	plain, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], nil)
	if err != nil {
		// Another verifier (someone else holding the token): Stytch refuses
		// the spent token as it would, and the answer stays for its owner.
		rp.put(key, sealed)
		return nil, errNoReplay
	}
	var s sealedAnswer
	if json.Unmarshal(plain, &s) != nil {
		return nil, errNoReplay
	}
	return &upstreamAnswer{status: s.Status, body: s.Body, retryAfter: s.RetryAfter, errorType: s.ErrorType}, nil
}

// forwardOneTime forwards a one-time-token request: a kept answer is
// replayed; otherwise the call runs on past the caller's deadline, and an
// answer that comes too late for the caller is kept for its retry.
func (b *Broker) forwardOneTime(ctx context.Context, rt *route, req oneTimeToken, body []byte, userAgent string) (*upstreamAnswer, *apiError) {
	token, verifier := req.oneTime()
	rp := b.replay
	key := rp.storeKey(token)
	if f := rp.running(key, token, verifier); f != nil {
		wait := time.NewTimer(b.cfg.UpstreamTimeout)
		select {
		case <-f.done:
			wait.Stop()
		case <-wait.C:
			return nil, errUpstreamTimeout()
		case <-ctx.Done():
			wait.Stop()
			return nil, errUpstreamTimeout()
		}
	}
	if ans, err := rp.take(ctx, token, verifier); err == nil {
		return ans, nil
	}
	f := rp.begin(key, token, verifier)
	type result struct {
		ans *upstreamAnswer
		e   *apiError
	}
	done := make(chan result, 1)
	go func() {
		ans, e := b.forwardWithin(context.WithoutCancel(ctx), http.MethodPost, rt.path, body, true, userAgent, replayWait)
		done <- result{ans, e}
	}()
	timer := time.NewTimer(b.cfg.UpstreamTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		rp.end(key, f)
		return r.ans, r.e
	case <-timer.C:
	case <-ctx.Done():
	}
	go func() {
		if r := <-done; r.e == nil {
			rp.keep(token, verifier, r.ans)
		}
		rp.end(key, f) // after keep: a waiting retry finds the answer
	}()
	return nil, errUpstreamTimeout()
}
