package signin

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"stytch-desktop/app/deeplink"
)

// Config tunes the flows. Zero values take the defaults below.
type Config struct {
	Mode               string        // "local" or "direct": shown on the screens
	InboxURL           string        // local mode: the local API's inbox page
	RedirectURL        string        // where Stytch sends the link; default DefaultRedirectURL
	Organization       string        // id or slug: use the direct organization flow
	SessionDuration    time.Duration // default one week, as in the quickstart
	LinkLifetime       time.Duration // how long a sent link can complete; Stytch's default 60 minutes
	ResendInterval     time.Duration // minimum gap between sends from the screen
	CallTimeout        time.Duration // deadline of every Stytch call
	RevokeTimeout      time.Duration // bounded wait for revoke on sign-out
	KeychainTimeout    time.Duration // deadline of keychain calls made while the user waits
	IntermediateTTL    time.Duration // Stytch's intermediate session lifetime (10 minutes)
	RefreshInterval    time.Duration // how often a signed-in session is re-validated
	BackoffMin         time.Duration // first retry after a transient failure
	BackoffMax         time.Duration // longest wait between retries
	BackgroundKeychain time.Duration // deadline of keychain calls nobody waits for
	Now                func() time.Time
	Logger             *slog.Logger
	Parser             deeplink.Parser // for pasted links; default deeplink.DefaultParser
}

// Defaults, in one place.
const (
	DefaultRedirectURL     = "stytch-desktop://auth/callback"
	DefaultSessionDuration = 7 * 24 * time.Hour
	defaultLinkLifetime    = 60 * time.Minute
	defaultResendInterval  = 30 * time.Second
	defaultCallTimeout     = 20 * time.Second
	defaultRevokeTimeout   = 5 * time.Second
	defaultKeychainTimeout = 10 * time.Second
	defaultIntermediateTTL = 10 * time.Minute
	defaultRefreshInterval = 5 * time.Minute
	defaultBackoffMin      = time.Second
	defaultBackoffMax      = 2 * time.Minute
	defaultBackgroundKC    = 3 * time.Second
)

// Keychain item names. The values are small JSON records (see records.go).
const (
	keySession = "session"
	keyJWT     = "session-jwt" // separate item: a JWT is ~1.4 KB, near keychain size limits
	keyPending = "pending-flow"
)

// Secrets is the part of the OS keychain the flows use. app/keychain's stores
// implement it; its sentinel errors (keychain.ErrNotFound, …) classify failures.
type Secrets interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// Flows is the sign-in state machine. Every transition is a method that checks
// the current screen, so a stray link or a double click cannot jump the machine,
// and at most one operation runs at a time. Secrets (PKCE verifier, intermediate
// session token, session token) live in unexported fields that are never
// serialised; View() returns display data only.
type Flows struct {
	cfg     Config
	api     Stytch
	secrets Secrets
	log     *slog.Logger

	op     sync.Mutex // held for the whole of one operation
	emitMu sync.Mutex // orders state notifications

	mu         sync.Mutex // guards everything below
	view       View
	pending    *pendingFlow
	ist        string
	istExpires time.Time
	session    *sessionRecord
	jwt        string // the session's latest JWT (5-minute life); memory and keychain
	gen        uint64 // bumped whenever the session is adopted or dropped
	listeners  map[int]func(View)
	nextID     int

	// Background work (session monitor, revoke retries) stops with Close.
	bg          context.Context
	stopBG      context.CancelFunc
	stopMonitor context.CancelFunc
	wg          sync.WaitGroup
}

// New returns flows in the "restoring" state; call Restore next.
func New(cfg Config, api Stytch, secrets Secrets) *Flows {
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = DefaultRedirectURL
	}
	if cfg.SessionDuration <= 0 {
		cfg.SessionDuration = DefaultSessionDuration
	}
	if cfg.LinkLifetime <= 0 {
		cfg.LinkLifetime = defaultLinkLifetime
	}
	if cfg.ResendInterval <= 0 {
		cfg.ResendInterval = defaultResendInterval
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = defaultCallTimeout
	}
	if cfg.RevokeTimeout <= 0 {
		cfg.RevokeTimeout = defaultRevokeTimeout
	}
	if cfg.KeychainTimeout <= 0 {
		cfg.KeychainTimeout = defaultKeychainTimeout
	}
	if cfg.IntermediateTTL <= 0 {
		cfg.IntermediateTTL = defaultIntermediateTTL
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = defaultRefreshInterval
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = defaultBackoffMin
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = defaultBackoffMax
	}
	if cfg.BackgroundKeychain <= 0 {
		cfg.BackgroundKeychain = defaultBackgroundKC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Parser == (deeplink.Parser{}) {
		cfg.Parser = deeplink.DefaultParser
	}
	bg, stop := context.WithCancel(context.Background())
	return &Flows{
		bg:        bg,
		stopBG:    stop,
		cfg:       cfg,
		api:       api,
		secrets:   secrets,
		log:       cfg.Logger,
		view:      View{Screen: ScreenRestoring, Mode: cfg.Mode, InboxURL: cfg.InboxURL, DirectOrganization: cfg.Organization},
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
	if v.Member != nil {
		m := *v.Member
		v.Member = &m
	}
	if v.Organization != nil {
		o := *v.Organization
		v.Organization = &o
	}
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

// update applies fn to the state under the lock, then notifies listeners.
func (f *Flows) update(fn func(v *View)) {
	f.mu.Lock()
	fn(&f.view)
	f.view.Seq++
	f.mu.Unlock()
	f.emit()
}

// begin starts an operation: it fails with KindBusy when another one is in
// flight, and with KindUnknown when the current screen does not offer it.
func (f *Flows) begin(op string, allowed ...Screen) (end func(), err error) {
	if !f.op.TryLock() {
		return nil, E(op, KindBusy, errors.New("another operation is in progress"))
	}
	f.mu.Lock()
	screen := f.view.Screen
	ok := len(allowed) == 0
	for _, s := range allowed {
		ok = ok || s == screen
	}
	if !ok {
		f.mu.Unlock()
		f.op.Unlock()
		return nil, Errorf(op, KindUnknown, "not available on the %s screen", screen)
	}
	f.view.Busy = true
	f.view.Notice = nil
	f.view.Seq++
	f.mu.Unlock()
	f.emit()
	return func() {
		f.update(func(v *View) { v.Busy = false })
		f.op.Unlock()
	}, nil
}

// fail records err as the visible notice and returns it.
func (f *Flows) fail(err error) error {
	kind := KindOf(err)
	f.log.Warn("sign-in step failed", "error", err.Error(), "kind", string(kind))
	f.update(func(v *View) { v.Notice = noticeFor(err) })
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
func (f *Flows) DismissNotice() { f.update(func(v *View) { v.Notice = nil }) }

func (f *Flows) now() time.Time { return f.cfg.Now() }

func (f *Flows) sessionMinutes() int { return int(f.cfg.SessionDuration / time.Minute) }

func (f *Flows) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.CallTimeout)
}

func (f *Flows) keychainCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.KeychainTimeout)
}

// StartSignIn validates the address and sends a PKCE-bound magic link: the
// discovery link, or the organization's login-or-signup link when an
// organization is configured. A successful send replaces any pending flow.
func (f *Flows) StartSignIn(ctx context.Context, email string) error {
	const op = "start sign-in"
	end, err := f.begin(op, ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth)
	if err != nil {
		return err
	}
	defer end()
	f.update(func(v *View) { v.Email = email })
	addr, err := NormalizeEmail(email)
	if err != nil {
		return f.fail(err)
	}
	return f.send(ctx, op, addr, "")
}

// Resend sends the link again for the pending address, reusing the pending
// PKCE verifier so that either email's link completes the sign-in.
func (f *Flows) Resend(ctx context.Context) error {
	const op = "resend link"
	end, err := f.begin(op, ScreenLinkSent)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	p := f.pending
	resendAfter := f.view.ResendAfter
	f.mu.Unlock()
	if p == nil {
		return f.fail(E(op, KindLinkNotRequested, errors.New("no pending sign-in")))
	}
	if resendAfter != nil && f.now().Before(*resendAfter) {
		return f.fail(&Error{Op: op, Kind: KindRateLimited, RetryAfter: resendAfter.Sub(f.now()),
			Err: errors.New("resend requested too soon")})
	}
	return f.send(ctx, op, p.Email, p.Verifier)
}

func (f *Flows) send(ctx context.Context, op, email, verifier string) error {
	if verifier == "" {
		verifier = oauth2.GenerateVerifier()
	}
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	kind := flowDiscovery
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	var err error
	if f.cfg.Organization != "" {
		kind = flowOrganization
		err = f.api.SendOrganizationLink(cctx, OrganizationLinkRequest{
			Organization: f.cfg.Organization, Email: email, RedirectURL: f.cfg.RedirectURL, PKCEChallenge: challenge,
		})
	} else {
		err = f.api.SendDiscoveryLink(cctx, DiscoveryLinkRequest{
			Email: email, RedirectURL: f.cfg.RedirectURL, PKCEChallenge: challenge,
		})
	}
	if err != nil {
		return f.fail(withOp(op, err))
	}
	now := f.now()
	p := &pendingFlow{Email: email, Verifier: verifier, Kind: kind, Organization: f.cfg.Organization,
		SentAt: now, ExpiresAt: now.Add(f.cfg.LinkLifetime)}
	f.mu.Lock()
	f.pending = p
	f.ist, f.istExpires = "", time.Time{}
	f.mu.Unlock()
	// Remember the flow so that a link clicked after a restart still completes.
	// If the keychain can't keep it the flow still works in this run.
	if err := f.storeRecord(ctx, keyPending, p); err != nil {
		f.log.Warn("pending sign-in not remembered across restarts", "error", err.Error())
	}
	resendAfter := now.Add(f.cfg.ResendInterval)
	expires := p.ExpiresAt
	f.update(func(v *View) {
		v.Screen = ScreenLinkSent
		v.Email = email
		v.ResendAfter = &resendAfter
		v.LinkExpiresAt = &expires
		v.Organizations = nil
	})
	f.log.Info("sign-in link sent", "flow", kind)
	return nil
}

// UseAnotherEmail abandons the pending flow and returns to email entry,
// keeping the typed address for editing.
func (f *Flows) UseAnotherEmail(ctx context.Context) error {
	const op = "use another email"
	end, err := f.begin(op, ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	f.pending = nil
	f.ist, f.istExpires = "", time.Time{}
	f.mu.Unlock()
	f.deleteRecord(ctx, keyPending)
	f.update(func(v *View) {
		v.Screen = ScreenSignedOut
		v.ResendAfter, v.LinkExpiresAt, v.Organizations, v.Organization = nil, nil, nil, nil
	})
	return nil
}

// SubmitLink completes sign-in from a link the user pasted: the
// stytch-desktop:// link or the link from the email itself.
func (f *Flows) SubmitLink(ctx context.Context, raw string) error {
	link, err := f.cfg.Parser.ParsePasted(raw)
	if err != nil {
		return f.failMalformed(err)
	}
	return f.CompleteLink(ctx, link)
}

// RejectLink reports a link that failed validation before reaching the flows
// (e.g. in the deep-link inbox). The state is unchanged but for the notice. A
// link seen before is reported as used only while a flow waits for a link; at
// any other time it is the echo of one already applied (a double click).
func (f *Flows) RejectLink(err error) error {
	if errors.Is(err, deeplink.ErrDuplicate) {
		if f.View().Screen != ScreenLinkSent {
			return nil
		}
		return f.fail(E("complete link", KindLinkExpired, err))
	}
	return f.failMalformed(err)
}

func (f *Flows) failMalformed(err error) error {
	return f.fail(E("complete link", KindLinkMalformed, err))
}

// CompleteLink authenticates a parsed link, only while a flow started here is
// waiting for one. Discovery links lead to the organization list; organization
// links end in a session.
func (f *Flows) CompleteLink(ctx context.Context, link deeplink.Link) error {
	const op = "complete link"
	end, err := f.begin(op)
	if err != nil {
		return err // busy: the caller may wait and offer the link again
	}
	defer end()
	f.mu.Lock()
	p := f.pending
	prev := f.view.Screen
	f.mu.Unlock()
	if p == nil || (prev != ScreenLinkSent && prev != ScreenSignedOut) {
		return f.fail(E(op, KindLinkNotRequested, errors.New("no sign-in is waiting for a link")))
	}
	if !f.now().Before(p.ExpiresAt) {
		return f.fail(E(op, KindLinkExpired, errors.New("the pending sign-in has expired")))
	}
	if (p.Kind == flowDiscovery) != (link.TokenType == deeplink.Discovery) {
		return f.fail(Errorf(op, KindLinkNotRequested, "a %s link was not requested", link.TokenType))
	}
	f.update(func(v *View) { v.Screen = ScreenCompleting })
	back := func(err error) error {
		f.update(func(v *View) { v.Screen = prev })
		return f.fail(withOp(op, err))
	}
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	if p.Kind == flowDiscovery {
		d, err := f.api.AuthenticateDiscoveryLink(cctx, link.Token, p.Verifier)
		if err != nil {
			return back(err)
		}
		f.clearPending(ctx)
		f.mu.Lock()
		f.ist, f.istExpires = d.IntermediateSessionToken, f.now().Add(f.cfg.IntermediateTTL)
		f.mu.Unlock()
		f.update(func(v *View) {
			v.Screen = ScreenChoosingOrganization
			v.Email = d.Email
			v.Organizations = append([]Organization{}, d.Organizations...)
			v.ResendAfter, v.LinkExpiresAt = nil, nil
		})
		f.log.Info("discovery link authenticated", "organizations", len(d.Organizations))
		return nil
	}
	a, err := f.api.AuthenticateOrganizationLink(cctx, link.Token, p.Verifier, f.sessionMinutes())
	if err != nil {
		return back(err)
	}
	f.clearPending(ctx)
	return f.finish(ctx, op, a)
}

func (f *Flows) clearPending(ctx context.Context) {
	f.mu.Lock()
	f.pending = nil
	f.mu.Unlock()
	f.deleteRecord(ctx, keyPending)
}

// ChooseOrganization enters a discovered organization with the intermediate session.
func (f *Flows) ChooseOrganization(ctx context.Context, organizationID string) error {
	const op = "choose organization"
	end, err := f.begin(op, ScreenChoosingOrganization, ScreenNeedsMoreAuth)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	var org *Organization
	for _, o := range f.view.Organizations {
		if o.ID == organizationID {
			o := o
			org = &o
		}
	}
	f.mu.Unlock()
	if org == nil {
		return f.fail(E(op, KindOrganizationNotFound, errors.New("not among the discovered organizations")))
	}
	ist, err := f.liveIntermediate(op)
	if err != nil {
		return err
	}
	return f.enter(ctx, op, *org, func(cctx context.Context) (Authentication, error) {
		return f.api.ExchangeIntermediateSession(cctx, ist, organizationID, f.sessionMinutes())
	})
}

// CreateOrganization creates an organization with the intermediate session and enters it.
func (f *Flows) CreateOrganization(ctx context.Context, org NewOrganization) error {
	const op = "create organization"
	end, err := f.begin(op, ScreenChoosingOrganization)
	if err != nil {
		return err
	}
	defer end()
	org, err = ValidateOrganization(org)
	if err != nil {
		return f.fail(err)
	}
	ist, err := f.liveIntermediate(op)
	if err != nil {
		return err
	}
	return f.enter(ctx, op, Organization{Name: org.Name, Slug: org.Slug}, func(cctx context.Context) (Authentication, error) {
		return f.api.CreateOrganization(cctx, ist, org, f.sessionMinutes())
	})
}

// liveIntermediate returns the intermediate session token, or sends the user
// back to email entry when it has (by our clock) run out.
func (f *Flows) liveIntermediate(op string) (string, error) {
	f.mu.Lock()
	ist, exp := f.ist, f.istExpires
	f.mu.Unlock()
	if ist != "" && f.now().Before(exp) {
		return ist, nil
	}
	err := E(op, KindIntermediateExpired, errors.New("the organization choice took too long"))
	f.dropIntermediate()
	return "", f.fail(err)
}

func (f *Flows) dropIntermediate() {
	f.mu.Lock()
	f.ist, f.istExpires = "", time.Time{}
	f.mu.Unlock()
	f.update(func(v *View) {
		v.Screen = ScreenSignedOut
		v.Organizations, v.Organization = nil, nil
	})
}

func (f *Flows) enter(ctx context.Context, op string, org Organization, call func(context.Context) (Authentication, error)) error {
	f.mu.Lock()
	prev := f.view.Screen
	f.mu.Unlock()
	f.update(func(v *View) {
		v.Screen = ScreenEntering
		o := org
		v.Organization = &o
	})
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	a, err := call(cctx)
	if err != nil {
		if KindOf(err) == KindIntermediateExpired {
			f.dropIntermediate()
			return f.fail(withOp(op, err))
		}
		f.update(func(v *View) { v.Screen, v.Organization = prev, nil })
		return f.fail(withOp(op, err))
	}
	return f.finish(ctx, op, a)
}

// finish ends a flow: a member session is kept in memory and stored in the
// keychain; an organization that needs more authentication stores nothing.
func (f *Flows) finish(ctx context.Context, op string, a Authentication) error {
	if !a.Authenticated || a.SessionToken == "" {
		f.mu.Lock()
		if a.IntermediateSessionToken != "" {
			f.ist, f.istExpires = a.IntermediateSessionToken, f.now().Add(f.cfg.IntermediateTTL)
		}
		f.mu.Unlock()
		org := a.Organization
		org.NeedsMoreAuth = true
		f.update(func(v *View) {
			v.Screen = ScreenNeedsMoreAuth
			v.Organization = &org
		})
		f.log.Info("organization needs more authentication", "op", op, "mfa", a.MFARequired)
		return nil
	}
	rec := &sessionRecord{Token: a.SessionToken, Member: a.Member, Organization: a.Organization, ExpiresAt: a.ExpiresAt}
	f.adopt(rec, a.SessionJWT)
	storeErr := f.storeRecord(ctx, keySession, rec)
	if storeErr == nil {
		f.storeJWT(ctx, a.SessionJWT)
	}
	f.showSignedIn(rec, false, storeErr != nil)
	f.startMonitor(f.cfg.RefreshInterval)
	f.log.Info("signed in", "op", op)
	if storeErr != nil {
		// The session just obtained is never discarded: it works for this run.
		return f.fail(withOp(op, storeErr))
	}
	return nil
}

func (f *Flows) showSignedIn(rec *sessionRecord, offline, notRemembered bool) {
	m, o, exp := rec.Member, rec.Organization, rec.ExpiresAt
	f.update(func(v *View) {
		v.Screen = ScreenSignedIn
		v.Member, v.Organization = &m, &o
		v.Email = m.Email
		v.SessionExpiresAt = nil
		if !exp.IsZero() {
			v.SessionExpiresAt = &exp
		}
		v.Organizations, v.ResendAfter, v.LinkExpiresAt = nil, nil, nil
		v.Offline = offline
		v.KeychainWarning = ""
		if notRemembered {
			v.KeychainWarning = KeychainNotRemembered
		}
	})
}
