package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Keychain item names. The values are small JSON records (see records.go).
const (
	keySession = "session"
	keyJWT     = "session-jwt" // separate item: a JWT is ~1.4 KB, near keychain size limits
	keyPending = "pending-flow"
)

// ErrBusy and ErrNotNow are the two reasons an action is refused without
// changing anything (both KindBusy): another operation is in flight (the
// caller may wait for Idle and try again), or the action is not offered on
// the current screen (see transitions.go).
var (
	ErrBusy   = errors.New("another operation is in progress")
	ErrNotNow = errors.New("not offered on this screen")
)

// Flows is the sign-in state machine. The moves it allows are the rows of
// transitions.go; each public method is one action, checked against that
// table before it does anything, and at most one runs at a time. Secrets
// (PKCE verifier, intermediate session token, session token) live with the
// step that owns them, in unexported fields that are never serialised; View()
// returns display data only.
type Flows struct {
	cfg     Config
	api     Stytch
	secrets Secrets
	log     *slog.Logger

	op     chan struct{} // capacity 1: holding it is running the one operation
	emitMu sync.Mutex    // orders state notifications
	obsMu  sync.Mutex    // orders the calls of cfg.Session (session.go)

	mu   sync.Mutex // guards everything below
	view View
	// The secret state of each step, set and cleared by the step that owns it.
	link    *pendingFlow  // link_sent: the link we wait for (links.go)
	inter   *intermediate // choosing_organization … needs_more_auth: the intermediate session (organizations.go)
	session *liveSession  // signed_in: the member session (session.go)
	browser *browserFlow  // browser, choosing_sso_connection: the round trip we wait for (sso.go)
	mfa     *mfaStep      // mfa_*: the MFA step after a primary step or a switch (mfa.go)
	gens    uint64        // last session generation handed out
	// keychainLocked: the last keychain call found it locked (or stuck behind
	// an unlock prompt); best-effort calls wait until one succeeds again.
	keychainLocked bool
	listeners      map[int]func(View)
	nextID         int

	// Background work (session monitor, revoke retries) stops with Close.
	bg          context.Context
	stopBG      context.CancelFunc
	stopMonitor context.CancelFunc
	wg          sync.WaitGroup
	// bgMu orders spawn against Close: WaitGroup.Add must not race with a
	// Wait that may already have seen zero (an operation still running when
	// the app closes would otherwise start work Close never waits for).
	bgMu   sync.Mutex
	closed bool
}

// New returns flows in the "restoring" state; call Restore next.
func New(cfg Config, api Stytch, secrets Secrets) *Flows {
	cfg = cfg.withDefaults()
	bg, stop := context.WithCancel(context.Background())
	return &Flows{
		bg:      bg,
		stopBG:  stop,
		cfg:     cfg,
		api:     api,
		secrets: secrets,
		log:     cfg.Logger,
		op:      make(chan struct{}, 1),
		view: View{Screen: ScreenRestoring, Mode: cfg.Mode, Backend: cfg.Backend, InboxURL: cfg.InboxURL, DirectOrganization: cfg.Organization,
			OAuthProviders: cfg.Browser.providers(), SSOAvailable: cfg.Browser.enabled(),
			CodeEntry: cfg.Codes != nil},
		listeners: map[int]func(View){},
	}
}

// View returns a copy of the current state.
func (f *Flows) View() View {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snapshotLocked()
}

func (f *Flows) snapshotLocked() View {
	v := f.view
	v.Organizations = append([]Organization(nil), f.view.Organizations...)
	v.OtherOrganizations = append([]Organization(nil), f.view.OtherOrganizations...)
	v.Roles = slices.Clone(f.view.Roles)
	if v.MFA != nil {
		m := *v.MFA
		m.AllowedMethods = append([]string(nil), m.AllowedMethods...)
		m.RecoveryCodes = append([]string(nil), m.RecoveryCodes...)
		v.MFA = &m
	}
	if v.BackupCodesLeft != nil {
		n := *v.BackupCodesLeft
		v.BackupCodesLeft = &n
	}
	if v.Member != nil {
		m := *v.Member
		v.Member = &m
	}
	if v.Organization != nil {
		o := *v.Organization
		v.Organization = &o
	}
	if v.Browser != nil {
		b := *v.Browser
		v.Browser = &b
	}
	v.OAuthProviders = append([]string(nil), f.view.OAuthProviders...)
	return v
}

// Subscribe calls fn with every new state, in order. It returns a cancel func.
// fn must not call back into Flows synchronously.
func (f *Flows) Subscribe(fn func(View)) (cancel func()) {
	f.mu.Lock()
	id := f.nextID
	f.nextID++
	f.listeners[id] = fn
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.listeners, id)
		f.mu.Unlock()
	}
}

func (f *Flows) emit() {
	f.emitMu.Lock()
	defer f.emitMu.Unlock()
	f.mu.Lock()
	v := f.snapshotLocked()
	ls := make([]func(View), 0, len(f.listeners))
	for _, l := range f.listeners {
		ls = append(ls, l)
	}
	f.mu.Unlock()
	for _, l := range ls {
		l(v)
	}
}

// strictMoves turns a screen change outside the table into a panic; tests
// switch it on (export_test.go). In the product the move is logged and made,
// so a bug in the table never strands the user.
var strictMoves atomic.Bool

// update applies fn to the state under the lock on behalf of action a, then
// notifies listeners. A screen change must be one a's row allows.
func (f *Flows) update(a Action, fn func(v *View)) {
	f.mu.Lock()
	from := f.view.Screen
	fn(&f.view)
	to := f.view.Screen
	f.view.Seq++
	f.mu.Unlock()
	if !moveAllowed(a, from, to) {
		if strictMoves.Load() {
			panic(fmt.Sprintf("signin: %s moved %s → %s, which the transition table does not allow", a, from, to))
		}
		f.log.Error("screen change outside the transition table", "action", string(a), "from", string(from), "to", string(to))
	}
	f.emit()
}

// begin starts action a: refused with ErrBusy while another operation runs
// and with ErrNotNow when the current screen does not offer a (both
// KindBusy); a refused action changes nothing. end finishes the operation.
func (f *Flows) begin(a Action) (end func(), err error) {
	select {
	case f.op <- struct{}{}:
	default:
		return nil, E(string(a), KindBusy, ErrBusy)
	}
	f.mu.Lock()
	screen := f.view.Screen
	if !offeredOn(a, screen) {
		f.mu.Unlock()
		<-f.op
		return nil, E(string(a), KindBusy, fmt.Errorf("%w (%s)", ErrNotNow, screen))
	}
	f.view.Busy = true
	f.view.Notice = nil
	f.view.Seq++
	f.mu.Unlock()
	f.emit()
	return func() {
		f.update(a, func(v *View) { v.Busy = false })
		<-f.op
	}, nil
}

// Idle waits until no operation is running (or ctx ends). A caller refused
// with ErrBusy waits here and tries again; nothing polls.
func (f *Flows) Idle(ctx context.Context) error {
	select {
	case f.op <- struct{}{}:
		<-f.op
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail records err as the visible notice of action a and returns it; also
// changes the view in the same update (one view carries both).
func (f *Flows) fail(a Action, err error, also ...func(v *View)) error {
	kind := KindOf(err)
	f.log.Warn("sign-in step failed", "error", err.Error(), "kind", string(kind))
	f.update(a, func(v *View) {
		v.Notice = noticeFor(err)
		for _, fn := range also {
			fn(v)
		}
	})
	return err
}

func noticeFor(err error) *Notice {
	n := &Notice{Kind: KindOf(err)}
	if ra := RetryAfterOf(err); ra > 0 {
		n.RetryAfterSeconds = int((ra + time.Second - 1) / time.Second)
	}
	return n
}

// DismissNotice clears the visible notice.
func (f *Flows) DismissNotice() {
	f.update(ActDismissNotice, func(v *View) { v.Notice = nil })
}

// inBackground runs fn off the user's path with a background keychain
// deadline; Close waits for it.
func (f *Flows) inBackground(fn func(ctx context.Context)) {
	f.spawn(func() {
		ctx, cancel := context.WithTimeout(f.bg, f.cfg.BackgroundKeychain)
		defer cancel()
		fn(ctx)
	})
}

// spawn runs fn in a goroutine that Close waits for. Once Close has begun it
// runs nothing and reports false: the app is going away.
func (f *Flows) spawn(fn func()) bool {
	f.bgMu.Lock()
	defer f.bgMu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
	return true
}

func (f *Flows) now() time.Time { return f.cfg.Now() }

func (f *Flows) sessionMinutes() int { return int(f.cfg.SessionDuration / time.Minute) }

func (f *Flows) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.CallTimeout)
}

func (f *Flows) keychainCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.KeychainTimeout)
}
