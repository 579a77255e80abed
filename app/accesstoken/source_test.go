package accesstoken

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"stytch-desktop/app/signin"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mkJWT makes a session-JWT-shaped token expiring at exp. The signature is
// irrelevant here: the source never verifies (an API does).
func mkJWT(t testing.TB, exp time.Time, roles ...string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "member-test-1", "exp": exp.Unix(), "iat": exp.Add(-5 * time.Minute).Unix(),
		"https://stytch.com/session":      map[string]any{"roles": roles, "expires_at": exp.Add(time.Hour).Format(time.RFC3339)},
		"https://stytch.com/organization": map[string]any{"organization_id": "organization-test-1"},
	}).SignedString([]byte("test"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeRefresher answers with the scripted results in order (the last one
// repeats) and counts its calls.
type fakeRefresher struct {
	calls   atomic.Int32
	results []func() (Token, error)
	gate    chan struct{} // if set, each call waits for it
}

func (f *fakeRefresher) Refresh(ctx context.Context) (Token, error) {
	n := int(f.calls.Add(1)) - 1
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Token{}, signin.E("fake", signin.KindNetwork, ctx.Err())
		}
	}
	if n >= len(f.results) {
		n = len(f.results) - 1
	}
	return f.results[n]()
}

func ok(t testing.TB, exp time.Time) func() (Token, error) {
	j := mkJWT(t, exp, "stytch_member")
	return func() (Token, error) { return ParseJWT(j) }
}

func fail(kind signin.Kind, retryAfter time.Duration) func() (Token, error) {
	return func() (Token, error) {
		return Token{}, &signin.Error{Op: "authenticate session", Kind: kind, RetryAfter: retryAfter, Err: errors.New("stytch said so")}
	}
}

func TestToken(t *testing.T) {
	type step struct {
		advance   time.Duration
		wantErr   error // nil, ErrSessionEnded or ErrUnavailable
		wantCalls int32 // refresher calls so far
		wantExp   time.Time
	}
	tests := []struct {
		name        string
		initialExp  time.Duration // 0: no initial JWT
		results     []func() (Token, error)
		steps       []step
		wantEnded   int
		wantTransit int
	}{
		{
			name: "a cached JWT with more than a minute left is served from memory", initialExp: 4 * time.Minute,
			results: []func() (Token, error){ok(t, t0.Add(10*time.Minute))},
			steps: []step{
				{wantCalls: 0, wantExp: t0.Add(4 * time.Minute)},
				{advance: 2*time.Minute + 59*time.Second, wantCalls: 0, wantExp: t0.Add(4 * time.Minute)},
				{advance: time.Second, wantCalls: 1, wantExp: t0.Add(10 * time.Minute)}, // exactly 1 min left: refreshed
				{wantCalls: 1, wantExp: t0.Add(10 * time.Minute)},
			},
		},
		{
			name:    "no JWT yet: refreshed on first use",
			results: []func() (Token, error){ok(t, t0.Add(5*time.Minute))},
			steps:   []step{{wantCalls: 1, wantExp: t0.Add(5 * time.Minute)}},
		},
		{
			name: "session_not_found ends the source once and for all", initialExp: 30 * time.Second,
			results:   []func() (Token, error){fail(signin.KindSessionExpired, 0), ok(t, t0.Add(time.Hour))},
			steps:     []step{{wantErr: ErrSessionEnded, wantCalls: 1}, {advance: time.Hour, wantErr: ErrSessionEnded, wantCalls: 1}},
			wantEnded: 1,
		},
		{
			name:    "a network failure keeps the session; callers within the retry gap don't ask Stytch again",
			results: []func() (Token, error){fail(signin.KindNetwork, 0), ok(t, t0.Add(time.Hour))},
			steps: []step{
				{wantErr: ErrUnavailable, wantCalls: 1},
				{advance: time.Second, wantErr: ErrUnavailable, wantCalls: 1},
				{advance: time.Second, wantCalls: 2, wantExp: t0.Add(time.Hour)},
			},
			wantTransit: 1,
		},
		{
			name:    "a 429's Retry-After stretches the gap",
			results: []func() (Token, error){fail(signin.KindRateLimited, 30*time.Second), ok(t, t0.Add(time.Hour))},
			steps: []step{
				{wantErr: ErrUnavailable, wantCalls: 1},
				{advance: 29 * time.Second, wantErr: ErrUnavailable, wantCalls: 1},
				{advance: time.Second, wantCalls: 2, wantExp: t0.Add(time.Hour)},
			},
			wantTransit: 1,
		},
		{
			name: "rejected project credentials are not the session's end", initialExp: 0,
			results:     []func() (Token, error){fail(signin.KindUnauthorized, 0)},
			steps:       []step{{wantErr: ErrUnavailable, wantCalls: 1}},
			wantTransit: 1,
		},
		{
			name: "a transient failure serves the cached JWT while it has some life", initialExp: 30 * time.Second,
			results: []func() (Token, error){fail(signin.KindNetwork, 0)},
			steps: []step{
				{wantCalls: 1, wantExp: t0.Add(30 * time.Second)},
				{advance: time.Second, wantCalls: 1, wantExp: t0.Add(30 * time.Second)}, // within the gap: no call
				{advance: 20 * time.Second, wantErr: ErrUnavailable, wantCalls: 2},      // 9 s left: not served
			},
			wantTransit: 2,
		},
		{
			name:        "an answer without a JWT is transient",
			results:     []func() (Token, error){func() (Token, error) { return Token{}, nil }},
			steps:       []step{{wantErr: ErrUnavailable, wantCalls: 1}},
			wantTransit: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: t0}
			f := &fakeRefresher{results: tc.results}
			var ended, transient atomic.Int32
			initial := ""
			if tc.initialExp != 0 {
				initial = mkJWT(t, t0.Add(tc.initialExp))
			}
			s := New(f, initial, Options{Now: clk.Now,
				OnEnded:     func(error) { ended.Add(1) },
				OnTransient: func(error) { transient.Add(1) }})
			defer s.Close()
			for i, st := range tc.steps {
				clk.Add(st.advance)
				tok, err := s.Token(context.Background())
				if st.wantErr == nil && err != nil || st.wantErr != nil && !errors.Is(err, st.wantErr) {
					t.Fatalf("step %d: err = %v, want %v", i, err, st.wantErr)
				}
				if got := f.calls.Load(); got != st.wantCalls {
					t.Fatalf("step %d: %d refresher calls, want %d", i, got, st.wantCalls)
				}
				if st.wantErr == nil && !tok.ExpiresAt.Equal(st.wantExp) {
					t.Fatalf("step %d: token expires %v, want %v", i, tok.ExpiresAt, st.wantExp)
				}
				if st.wantErr != nil && tok.JWT != "" {
					t.Fatalf("step %d: a JWT came with an error", i)
				}
			}
			if int(ended.Load()) != tc.wantEnded || int(transient.Load()) != tc.wantTransit {
				t.Fatalf("OnEnded %d times (want %d), OnTransient %d times (want %d)", ended.Load(), tc.wantEnded, transient.Load(), tc.wantTransit)
			}
		})
	}
}

func TestRefreshStale(t *testing.T) {
	clk := &clock{t: t0}
	f := &fakeRefresher{results: []func() (Token, error){ok(t, t0.Add(5*time.Minute)), ok(t, t0.Add(6*time.Minute))}}
	old := mkJWT(t, t0.Add(4*time.Minute))
	s := New(f, old, Options{Now: clk.Now})
	defer s.Close()
	// An API refused the cached JWT: Stytch is asked although it looks fresh.
	t1, err := s.Refresh(context.Background(), old)
	if err != nil || f.calls.Load() != 1 || !t1.ExpiresAt.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("Refresh(old) = %v, %v after %d calls", t1, err, f.calls.Load())
	}
	// Another request that failed with the old JWT gets the new one, no call.
	t2, err := s.Refresh(context.Background(), old)
	if err != nil || f.calls.Load() != 1 || t2.JWT != t1.JWT {
		t.Fatalf("second Refresh(old): %v, %v after %d calls", t2, err, f.calls.Load())
	}
	// A refusal of the new JWT asks again.
	if _, err := s.Refresh(context.Background(), t1.JWT); err != nil || f.calls.Load() != 2 {
		t.Fatalf("Refresh(new): %v after %d calls", err, f.calls.Load())
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	f := &fakeRefresher{results: []func() (Token, error){ok(t, time.Now().Add(5*time.Minute))}, gate: make(chan struct{})}
	s := New(f, "", Options{})
	defer s.Close()
	const n = 100
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	jwts := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			started.Done()
			tok, err := s.Token(context.Background())
			jwts[i], errs[i] = tok.JWT, err
		}()
	}
	started.Wait()
	// Let every goroutine reach the wait on the shared call, then answer.
	for deadline := time.Now().Add(2 * time.Second); f.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(f.gate)
	done.Wait()
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("%d Stytch calls for %d concurrent callers, want exactly 1", got, n)
	}
	for i := range jwts {
		if errs[i] != nil || jwts[i] == "" || jwts[i] != jwts[0] {
			t.Fatalf("caller %d: %q, %v", i, jwts[i], errs[i])
		}
	}
}

func TestCallerGivingUpDoesNotFailOthers(t *testing.T) {
	f := &fakeRefresher{results: []func() (Token, error){ok(t, time.Now().Add(5*time.Minute))}, gate: make(chan struct{})}
	s := New(f, "", Options{})
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := s.Token(ctx); first <- err }()
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan error, 1)
	go func() { _, err := s.Token(context.Background()); second <- err }()
	cancel()
	if err := <-first; !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(f.gate)
	if err := <-second; err != nil {
		t.Fatalf("the other caller: %v", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d calls", f.calls.Load())
	}
}

func TestParseJWT(t *testing.T) {
	j := mkJWT(t, t0, "stytch_member", "stytch_admin")
	tok, err := ParseJWT(j)
	if err != nil || tok.MemberID != "member-test-1" || tok.OrganizationID != "organization-test-1" ||
		!tok.HasRole("stytch_admin") || !tok.ExpiresAt.Equal(t0) || !tok.SessionExpires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("ParseJWT = %+v, %v", tok, err)
	}
	for _, bad := range []string{"", "garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"} {
		if _, err := ParseJWT(bad); err == nil {
			t.Errorf("ParseJWT(%q) accepted", bad)
		}
	}
	if strings.Contains(tok.String(), j) || strings.Contains(tok.String(), "eyJ") {
		t.Fatal("String shows the JWT")
	}
}
