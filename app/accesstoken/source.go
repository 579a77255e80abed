package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"stytch-desktop/app/signin"
)

// Refresher asks Stytch for a fresh session JWT for the one session it was
// built for (StytchRefresher does, over stytch-go). Its errors carry a
// signin.Kind (app/stytcherr maps Stytch's answers): KindSessionExpired is
// Stytch's definitive "no such session"; every other failure is transient.
type Refresher interface {
	Refresh(ctx context.Context) (Token, error)
}

// RefresherFunc adapts a function (e.g. over the sign-in core's own Stytch
// port) to Refresher.
type RefresherFunc func(ctx context.Context) (Token, error)

// Refresh calls f.
func (f RefresherFunc) Refresh(ctx context.Context) (Token, error) { return f(ctx) }

var (
	// ErrSessionEnded: Stytch said the session no longer exists (revoked,
	// expired). The source stays ended; the session must be signed in again.
	ErrSessionEnded = errors.New("the session ended")
	// ErrUnavailable: no fresh JWT now (network, timeout, 5xx, 429, an
	// answer that could not be read). The session is kept; try again later.
	ErrUnavailable = errors.New("a fresh session token is not available right now")
)

// Options tune a Source. The zero value is usable.
type Options struct {
	Now func() time.Time // default time.Now; tests inject a clock
	// MinValidity: a cached JWT with less than this left is refreshed
	// first (default one minute), so a request that takes a while still
	// arrives with a live JWT.
	MinValidity time.Duration
	// RefreshTimeout bounds one Stytch call (default 10 s). The call does
	// not depend on any one caller's context: a caller that gives up does
	// not fail the others waiting on the same refresh.
	RefreshTimeout time.Duration
	// RetryGap: after a transient failure, callers get that failure at once
	// for this long (default 2 s, or the 429's Retry-After if longer)
	// rather than each asking Stytch again.
	RetryGap time.Duration
	// OnEnded is called once, outside any lock and before the callers
	// waiting on that refresh get their answer, when Stytch definitively
	// ends the session: the sign-in core shows "your session ended" and
	// clears the keychain.
	OnEnded func(error)
	// OnTransient is called (outside any lock) after each transient refresh
	// failure: the sign-in core keeps the session and says it is offline.
	OnTransient func(error)
}

// Source hands out session JWTs for one member session. It is safe for
// concurrent use. Build one per session (a new sign-in, a switch of
// organization: a new Source), so an answer about an old session can never
// touch a new one.
type Source struct {
	r   Refresher
	opt Options

	bg     context.Context // parent of refresh calls; Close cancels it
	cancel context.CancelFunc

	mu          sync.Mutex
	cur         Token // JWT "" = none yet
	ended       error // non-nil once Stytch ended the session
	flight      *call // the refresh in progress, shared by every waiter
	failedUntil time.Time
	failErr     error
}

type call struct {
	done chan struct{}
	tok  Token
	err  error
}

// New returns a Source refreshing through r. initial is the session JWT the
// sign-in already holds ("" for none); it is served while it is fresh.
func New(r Refresher, initial string, opt Options) *Source {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MinValidity <= 0 {
		opt.MinValidity = time.Minute
	}
	if opt.RefreshTimeout <= 0 {
		opt.RefreshTimeout = 10 * time.Second
	}
	if opt.RetryGap <= 0 {
		opt.RetryGap = 2 * time.Second
	}
	s := &Source{r: r, opt: opt}
	s.bg, s.cancel = context.WithCancel(context.Background())
	if initial != "" {
		if t, err := ParseJWT(initial); err == nil {
			s.cur = t
		}
	}
	return s
}

// Close cancels a refresh in flight; later calls fail with ErrUnavailable.
func (s *Source) Close() { s.cancel() }

// Current returns the latest token without any network call (possibly
// stale, zero before the first): for showing roles, never for a request.
func (s *Source) Current() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Token returns a session JWT with more than MinValidity left: the cached
// one, else a refreshed one. Errors wrap ErrSessionEnded or ErrUnavailable.
func (s *Source) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	if s.ended != nil {
		s.mu.Unlock()
		return Token{}, s.ended
	}
	if s.freshLocked() {
		t := s.cur
		s.mu.Unlock()
		return t, nil
	}
	t, err := s.await(ctx, s.startLocked())
	if errors.Is(err, ErrUnavailable) {
		// Stytch can't be asked right now, but the JWT in hand still has a
		// little life: better than failing a request that would succeed.
		s.mu.Lock()
		cur := s.cur
		s.mu.Unlock()
		if cur.JWT != "" && cur.ExpiresAt.Sub(s.opt.Now()) > fallbackValidity {
			return cur, nil
		}
	}
	return t, err
}

// fallbackValidity: how much life a cached JWT needs to be served when a
// refresh failed transiently.
const fallbackValidity = 10 * time.Second

// Refresh asks Stytch for a new JWT even though stale may still look fresh
// (an API answered 401 to it). If another caller already replaced stale,
// that newer JWT is returned without a second call: many requests failing
// with the same JWT cause one refresh.
func (s *Source) Refresh(ctx context.Context, stale string) (Token, error) {
	s.mu.Lock()
	if s.ended != nil {
		s.mu.Unlock()
		return Token{}, s.ended
	}
	if s.cur.JWT != "" && s.cur.JWT != stale && s.freshLocked() {
		t := s.cur
		s.mu.Unlock()
		return t, nil
	}
	return s.await(ctx, s.startLocked())
}

func (s *Source) freshLocked() bool {
	return s.cur.JWT != "" && s.cur.ExpiresAt.Sub(s.opt.Now()) > s.opt.MinValidity
}

// startLocked joins the refresh in flight or starts one, then unlocks. A
// recent transient failure is answered from memory (a finished call).
func (s *Source) startLocked() *call {
	defer s.mu.Unlock()
	if s.flight != nil {
		return s.flight
	}
	if s.failErr != nil && s.opt.Now().Before(s.failedUntil) {
		c := &call{done: make(chan struct{}), err: s.failErr}
		close(c.done)
		return c
	}
	c := &call{done: make(chan struct{})}
	s.flight = c
	go s.run(c)
	return c
}

func (s *Source) await(ctx context.Context, c *call) (Token, error) {
	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return Token{}, fmt.Errorf("session token: %w: %w", ErrUnavailable, ctx.Err())
	}
}

// run makes the one Stytch call of a refresh and publishes its outcome.
func (s *Source) run(c *call) {
	const op = "refresh session token"
	ctx, cancel := context.WithTimeout(s.bg, s.opt.RefreshTimeout)
	tok, err := s.r.Refresh(ctx)
	cancel()
	if err == nil && tok.JWT == "" {
		err = signin.Errorf(op, signin.KindUnknown, "Stytch answered without a session JWT")
	}
	var ended, transient error
	s.mu.Lock()
	s.flight = nil
	switch {
	case err == nil:
		s.cur, s.failErr = tok, nil
		c.tok = tok
	case signin.KindOf(err) == signin.KindSessionExpired:
		ended = fmt.Errorf("%s: %w: %w", op, ErrSessionEnded, err)
		s.ended, s.cur = ended, Token{}
		c.err = ended
	default:
		transient = fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
		gap := max(s.opt.RetryGap, signin.RetryAfterOf(err))
		s.failErr, s.failedUntil = transient, s.opt.Now().Add(gap)
		c.err = transient
	}
	s.mu.Unlock()
	// The callbacks run before the waiters are released: whoever gets
	// ErrSessionEnded knows the sign-in core was told already. (A callback
	// calling back into the source gets the outcome at once: it is set.)
	switch {
	case ended != nil && s.opt.OnEnded != nil:
		s.opt.OnEnded(ended)
	case transient != nil && s.opt.OnTransient != nil:
		s.opt.OnTransient(transient)
	}
	close(c.done)
}
