package signin

import (
	"context"
	"errors"
	"slices"
	"time"
)

// The session lifecycle: restore at start without waiting on the network,
// confirm with Stytch in the background, re-validate periodically, retry
// transient failures with bounded backoff, and drop the session only on
// Stytch's definite answer. Every background result is applied only if the
// session it was about is still the current one (gen), so a sign-out during a
// refresh can never bring the session back. The session step's secrets (the
// session token and its latest JWT) live in f.session.

var (
	errStale       = errors.New("the session changed while the check ran")
	errSessionGone = errors.New("the session ended")
)

// liveSession is the member session the app holds.
type liveSession struct {
	rec *sessionRecord
	jwt string // the latest session JWT (5-minute life); memory and keychain
	gen uint64 // which adoption this is: background answers about another are dropped
}

// recordOf is what is kept of a signed-in answer.
func recordOf(a Authentication) *sessionRecord {
	return &sessionRecord{Token: a.SessionToken, Member: a.Member, Organization: a.Organization,
		Roles: slices.Clone(a.Roles), ExpiresAt: a.ExpiresAt}
}

// adopt makes rec the current session; the intermediate session it came
// from is spent.
func (f *Flows) adopt(rec *sessionRecord, jwt string) uint64 {
	f.mu.Lock()
	f.gens++
	f.session = &liveSession{rec: rec, jwt: jwt, gen: f.gens}
	f.inter = nil
	gen := f.gens
	f.mu.Unlock()
	f.tellAdopted(gen)
	return gen
}

// SessionObserver is told which member session the flows hold, so the rest
// of the client (the token source behind the company API, the CLI agent)
// follows it: Adopted at a sign-in, a restore, an organization switch;
// Ended when the session is gone (sign-out, Stytch ended it). The interface
// is the sign-in core's, as the hook is; app/sessionhub implements it. Calls
// are serialized and reflect the latest change: an Adopted for a session
// that is already gone again is skipped, an Ended while a newer session is
// held too.
type SessionObserver interface {
	Adopted(AdoptedSession)
	Ended()
}

// AdoptedSession is what an observer needs to hand out JWTs for a session.
// Token is the session itself: it is for the refresher only (never a log,
// a screen, the agent socket).
type AdoptedSession struct {
	Token          string
	JWT            string // the latest session JWT ("" when none)
	Member         Member
	Organization   Organization
	SessionMinutes int // how far a refresh extends the session, as the flows' own checks do
	// End reports Stytch's definite answer that this session is gone (say,
	// a refresh found it revoked). The flows end it as their own check
	// would: the sign-in screen with the "session ended" notice, the
	// keychain cleared. Ignored once this session is no longer the current
	// one. Safe from any goroutine; returns once that is done.
	End func(error)
}

// String keeps the tokens out of any log that prints an AdoptedSession.
func (s AdoptedSession) String() string {
	return "session of " + s.Member.ID + " in " + s.Organization.ID
}

// tellAdopted tells the observer about the session of generation gen,
// unless it is no longer the current one.
func (f *Flows) tellAdopted(gen uint64) {
	if f.cfg.Session == nil {
		return
	}
	f.obsMu.Lock()
	defer f.obsMu.Unlock()
	f.mu.Lock()
	if f.currentGenLocked() != gen {
		f.mu.Unlock()
		return
	}
	rec, jwt := *f.session.rec, f.session.jwt
	f.mu.Unlock()
	f.cfg.Session.Adopted(AdoptedSession{
		Token: rec.Token, JWT: jwt, Member: rec.Member, Organization: rec.Organization,
		SessionMinutes: f.sessionMinutes(),
		End:            func(err error) { _ = f.endSession(gen, err) },
	})
}

// tellEnded tells the observer the session is gone, unless a new one was
// adopted meanwhile (its Adopted came or comes after).
func (f *Flows) tellEnded() {
	if f.cfg.Session == nil {
		return
	}
	f.obsMu.Lock()
	defer f.obsMu.Unlock()
	f.mu.Lock()
	held := f.session != nil
	f.mu.Unlock()
	if !held {
		f.cfg.Session.Ended()
	}
}

// currentGenLocked is the generation of the current session, 0 when none.
func (f *Flows) currentGenLocked() uint64 {
	if f.session == nil {
		return 0
	}
	return f.session.gen
}

// drop forgets the current session in memory and stops its monitor.
func (f *Flows) drop() *sessionRecord {
	f.mu.Lock()
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.session = nil
	if f.stopMonitor != nil {
		f.stopMonitor()
		f.stopMonitor = nil
	}
	f.mu.Unlock()
	if rec != nil {
		f.tellEnded()
	}
	return rec
}

func (f *Flows) showSignedIn(a Action, rec *sessionRecord, offline, notRemembered bool) {
	m, o, exp := rec.Member, rec.Organization, rec.ExpiresAt
	f.update(a, func(v *View) {
		v.Screen = ScreenSignedIn
		v.Member, v.Organization = &m, &o
		v.Roles = slices.Clone(rec.Roles)
		v.Email = m.Email
		v.SessionExpiresAt = nil
		if !exp.IsZero() {
			v.SessionExpiresAt = &exp
		}
		v.Organizations, v.ResendAfter, v.LinkExpiresAt = nil, nil, nil
		v.MFA, v.OtherOrganizations, v.BackupCodesLeft = nil, nil, nil
		if c := f.cfg.Organization; c != "" && (c == o.ID || c == o.Slug) && o.Name != "" {
			v.DirectOrganizationName = o.Name // kept after sign-out, for the greeting
		}
		v.Offline = offline
		v.KeychainWarning = ""
		if notRemembered {
			v.KeychainWarning = KeychainNotRemembered
		}
	})
}

// Restore runs at start. A stored session is shown at once from the keychain
// (its JWT checked locally against the project's signing keys when it is
// fresh enough), then confirmed with Stytch in the background. Nothing here
// waits on the network. With no session, a pending link flow or email entry
// is shown.
func (f *Flows) Restore(ctx context.Context) error {
	return f.restore(ctx, ActRestore, f.cfg.KeychainTimeout)
}

// RetryRestore is Restore after the user unlocked the keychain: it waits
// longer, as an unlock prompt may be up.
func (f *Flows) RetryRestore(ctx context.Context) error {
	return f.restore(ctx, ActRetryRestore, 6*f.cfg.KeychainTimeout)
}

func (f *Flows) restore(ctx context.Context, a Action, keychainWait time.Duration) error {
	const op = "restore session"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.update(a, func(v *View) { v.Screen = ScreenRestoring })
	kctx, cancel := context.WithTimeout(ctx, keychainWait)
	defer cancel()
	var rec sessionRecord
	switch err := f.loadRecord(kctx, keySession, &rec); {
	case errors.Is(err, errNoRecord):
		// A JWT item without its session is left from an interrupted sign-out.
		f.inBackground(func(ctx context.Context) { f.deleteBestEffort(ctx, keyJWT) })
		return f.restorePending(ctx, a)
	case err != nil:
		// Locked, timed out or unavailable: whatever is stored stays where it
		// is; the user can retry once the keychain answers.
		f.update(a, func(v *View) {
			v.Screen = ScreenSignedOut
			if KindOf(err) == KindKeychainUnavailable {
				v.KeychainWarning = KeychainNotRemembered
			}
		})
		return f.fail(a, withOp(op, err))
	}
	if rec.SignedOut {
		// The user signed out before the app last stopped, and Stytch had not
		// confirmed the revoke: never show it again, finish the revoke.
		f.revokeLater(rec.Token, 0)
		f.update(a, func(v *View) {
			v.Screen = ScreenSignedOut
			v.Email = rec.Member.Email
		})
		return nil
	}
	jwt := f.loadJWT(kctx)
	confirmed := false
	if jwt != "" {
		ls, err := f.api.AuthenticateSessionJWTLocal(ctx, jwt)
		if err == nil && ls.MemberID == rec.Member.ID && ls.OrganizationID == rec.Organization.ID {
			confirmed = true
			if !ls.ExpiresAt.IsZero() {
				rec.ExpiresAt = ls.ExpiresAt
			}
		}
	}
	f.adopt(&rec, jwt)
	f.showSignedIn(a, &rec, false, false)
	// Confirm with Stytch right away, in the background, even when the JWT
	// checks out locally: a JWT stays valid for minutes after its session
	// was revoked (say, by a sign-out whose keychain delete never happened).
	f.startMonitor(0)
	f.log.Info("session restored", "confirmed_locally", confirmed)
	return nil
}

func (f *Flows) loadJWT(ctx context.Context) string {
	var jwt string
	if err := f.loadRecord(ctx, keyJWT, &jwt); err != nil {
		return ""
	}
	return jwt
}

// storeJWT keeps the latest session JWT for a quick local check at the next
// start. Best effort: a failure only costs one remote check.
func (f *Flows) storeJWT(ctx context.Context, jwt string) {
	if jwt == "" {
		return
	}
	if err := f.storeBestEffort(ctx, keyJWT, jwt); err != nil {
		f.log.Debug("session JWT not stored", "kind", string(KindOf(err)))
	}
}

// startMonitor runs the periodic check of the current session, the first
// one after first.
func (f *Flows) startMonitor(first time.Duration) {
	f.mu.Lock()
	if f.stopMonitor != nil {
		f.stopMonitor()
	}
	ctx, cancel := context.WithCancel(f.bg)
	f.stopMonitor = cancel
	gen := f.currentGenLocked()
	f.mu.Unlock()
	f.spawn(func() { f.monitor(ctx, gen, first) })
}

func (f *Flows) monitor(ctx context.Context, gen uint64, wait time.Duration) {
	backoff := time.Duration(0)
	for {
		t := time.NewTimer(wait) // monotonic: wall-clock jumps don't move it
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := f.checkSession(ctx, gen)
		switch {
		case err == nil:
			backoff, wait = 0, f.cfg.RefreshInterval
		case errors.Is(err, errStale), errors.Is(err, errSessionGone), ctx.Err() != nil:
			return
		default:
			backoff = nextBackoff(backoff, f.cfg.BackoffMin, f.cfg.BackoffMax)
			wait = max(backoff, RetryAfterOf(err))
		}
	}
}

func nextBackoff(prev, lo, hi time.Duration) time.Duration {
	if prev <= 0 {
		return lo
	}
	return min(2*prev, hi)
}

// checkSession validates the session of generation gen with Stytch (extending
// it by the configured duration) and applies the answer: refreshed data, the
// offline mark, or — only on Stytch's "session not found" — sign-in with the
// email pre-filled. Pass gen 0 for the current session.
func (f *Flows) checkSession(ctx context.Context, gen uint64) error {
	const op = "check session"
	f.mu.Lock()
	if gen == 0 {
		gen = f.currentGenLocked()
	}
	if f.session == nil || f.session.gen != gen {
		f.mu.Unlock()
		return errStale
	}
	rec := f.session.rec
	token := rec.Token
	f.mu.Unlock()

	cctx, cancel := f.callCtx(ctx)
	a, err := f.api.AuthenticateSession(cctx, token, f.sessionMinutes())
	cancel()
	switch KindOf(err) {
	case "":
		next := recordOf(a)
		if next.Token == "" {
			next.Token = token
		}
		applied := false
		f.update(EvSessionChecked, func(v *View) {
			if f.currentGenLocked() != gen {
				return
			}
			applied = true
			f.session.rec, f.session.jwt = next, a.SessionJWT
			if v.Screen != ScreenSignedIn {
				return // an MFA step of a switch is on screen: it shows its own organization
			}
			m, o, exp := next.Member, next.Organization, next.ExpiresAt
			v.Member, v.Organization, v.SessionExpiresAt = &m, &o, &exp
			v.Roles = slices.Clone(next.Roles)
			v.Offline = false
			if v.Notice != nil && v.Notice.Kind == KindNetwork {
				v.Notice = nil
			}
		})
		if !applied {
			return errStale
		}
		f.log.Debug("session confirmed")
		bctx, cancel := context.WithTimeout(f.bg, f.cfg.BackgroundKeychain)
		defer cancel()
		if err := f.storeRecord(bctx, keySession, next); err != nil {
			f.log.Warn("refreshed session not written to the keychain", "kind", string(KindOf(err)))
		} else {
			f.storeJWT(bctx, a.SessionJWT)
		}
		return nil
	case KindSessionExpired:
		return f.endSession(gen, err)
	default:
		// Transient (network, timeouts, 5xx, 429, malformed answers): keep
		// everything, show offline, retry later.
		f.update(EvSessionChecked, func(v *View) {
			if f.currentGenLocked() == gen && v.Screen == ScreenSignedIn {
				v.Offline = true
			}
		})
		f.log.Warn("session check failed; will retry", "kind", string(KindOf(err)), "error", err.Error())
		return withOp(op, err)
	}
}

// endSession applies Stytch's definite answer that the session of
// generation gen is gone: the sign-in screen with the email pre-filled and
// the "session ended" notice, the stored session deleted. It returns
// errStale when gen is no longer the current session, else errSessionGone.
func (f *Flows) endSession(gen uint64, err error) error {
	applied := false
	f.update(EvSessionEnded, func(v *View) {
		if f.currentGenLocked() != gen {
			return
		}
		applied = true
		email := f.session.rec.Member.Email
		f.session = nil
		if f.stopMonitor != nil {
			f.stopMonitor() // when the monitor itself got the answer, it returns anyway
			f.stopMonitor = nil
		}
		f.mfa, f.inter = nil, nil // a switch in progress ends with the session it came from
		v.MFA, v.OtherOrganizations = nil, nil
		v.Screen = ScreenSignedOut
		v.Email = email
		v.Member, v.Organization, v.SessionExpiresAt, v.Roles = nil, nil, nil, nil
		v.Offline = false
		v.Notice = noticeFor(err)
	})
	if !applied {
		return errStale
	}
	f.tellEnded()
	bctx, cancel := context.WithTimeout(f.bg, f.cfg.KeychainTimeout)
	defer cancel()
	f.deleteRecord(bctx, keySession)
	f.deleteRecord(bctx, keyJWT)
	f.log.Info("session ended", "op", "end session")
	return errSessionGone
}

// SignOut forgets the session here first, durably, then revokes it at
// Stytch. The stored record becomes a tombstone ("signed out, revoke
// pending") before Stytch is asked, so a crash or a kill at any point never
// brings the session back at the next start; the tombstone goes once Stytch
// confirms. A revoke that fails for a transient reason is retried in the
// background. Every keychain call here has the short background deadline
// and none is made once the keychain was found locked, so a stuck keychain
// can't hold sign-out up (the next start confirms with Stytch anyway).
func (f *Flows) SignOut(ctx context.Context) error {
	const a = ActSignOut
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	rec := f.drop()
	email := ""
	f.mu.Lock()
	f.mfa, f.inter = nil, nil // signing out during an MFA step ends it
	f.mu.Unlock()
	if rec != nil {
		email = rec.Member.Email
		kctx, cancel := context.WithTimeout(ctx, f.cfg.BackgroundKeychain)
		tomb := *rec
		tomb.SignedOut = true
		if err := f.storeBestEffort(kctx, keySession, &tomb); err != nil {
			f.log.Warn("sign-out not recorded in the keychain; the next start checks with Stytch", "kind", string(KindOf(err)))
		}
		f.deleteBestEffort(kctx, keyJWT)
		cancel()
		rctx, cancel := context.WithTimeout(ctx, f.cfg.RevokeTimeout)
		err := f.api.RevokeSession(rctx, rec.Token)
		cancel()
		if k := KindOf(err); k != "" && k != KindSessionExpired {
			f.log.Warn("revoke failed; retrying in the background", "kind", string(k))
			f.revokeLater(rec.Token, f.cfg.BackoffMin)
		} else {
			f.inBackground(func(ctx context.Context) { f.forgetTombstone(ctx, rec.Token) })
		}
	}
	f.update(a, func(v *View) {
		v.Screen = ScreenSignedOut
		v.Email = email
		v.Member, v.Organization, v.SessionExpiresAt, v.Roles = nil, nil, nil, nil
		v.MFA, v.OtherOrganizations, v.BackupCodesLeft = nil, nil, nil
		v.Offline, v.KeychainWarning = false, ""
		v.Notice = &Notice{Kind: KindSignedOut}
	})
	f.log.Info("signed out")
	return nil
}

// forgetTombstone deletes the stored session if it is still the signed-out
// session with this token (a new sign-in may have stored its own).
func (f *Flows) forgetTombstone(ctx context.Context, token string) {
	if f.keychainIsLocked() {
		return
	}
	var rec sessionRecord
	if f.loadRecord(ctx, keySession, &rec) == nil && rec.SignedOut && rec.Token == token {
		f.deleteBestEffort(ctx, keySession)
	}
}

// revokeAttempts bounds the background retries of a revoke.
const revokeAttempts = 3

// revokeLater revokes token in the background, the first attempt after
// first, retrying transient failures a few times; once Stytch confirms, the
// signed-out record (if any) is forgotten.
func (f *Flows) revokeLater(token string, first time.Duration) {
	f.spawn(func() {
		wait := first
		for i := 0; i < revokeAttempts; i++ {
			t := time.NewTimer(wait)
			select {
			case <-f.bg.Done():
				t.Stop()
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(f.bg, f.cfg.RevokeTimeout)
			err := f.api.RevokeSession(ctx, token)
			cancel()
			if k := KindOf(err); k == "" || k == KindSessionExpired {
				f.log.Info("session revoked in the background")
				kctx, cancel := context.WithTimeout(f.bg, f.cfg.BackgroundKeychain)
				f.forgetTombstone(kctx, token)
				cancel()
				return
			}
			wait = nextBackoff(wait, f.cfg.BackoffMin, f.cfg.BackoffMax)
			if ra := RetryAfterOf(err); ra > wait {
				wait = min(ra, f.cfg.BackoffMax)
			}
		}
		f.log.Warn("revoke still failing; it is retried at the next start")
	})
}

// Close stops background work (session monitor, revoke retries) and waits
// for it to finish.
func (f *Flows) Close() {
	f.bgMu.Lock()
	f.closed = true
	f.bgMu.Unlock()
	f.stopBG()
	f.wg.Wait()
}

// restorePending shows a link flow that is still waiting (a link clicked after
// a restart completes it), or email entry.
func (f *Flows) restorePending(ctx context.Context, a Action) error {
	var p pendingFlow
	err := f.loadRecord(ctx, keyPending, &p)
	now := f.now()
	if err == nil && p.Spending {
		// The app stopped while Stytch was authenticating this flow's link:
		// the link is most likely spent (and, for an organization link, a
		// session may have been made that this app never stored). Say so and
		// start afresh rather than wait for a link that can't work.
		f.deleteRecord(ctx, keyPending)
		f.update(a, func(v *View) {
			v.Screen = ScreenSignedOut
			v.Email = p.Email
		})
		return f.fail(a, E("restore pending sign-in", KindSignInInterrupted, errors.New("the app stopped while the link was being used")))
	}
	if err == nil && now.Before(p.ExpiresAt) && p.Verifier != "" && (p.Kind == flowDiscovery) == (f.cfg.Organization == "") {
		f.mu.Lock()
		f.link = &p
		f.mu.Unlock()
		resendAfter, exp := now, p.ExpiresAt
		f.update(a, func(v *View) {
			v.Screen = ScreenLinkSent
			v.Email = p.Email
			v.ResendAfter, v.LinkExpiresAt = &resendAfter, &exp
			if p.Organization == f.cfg.Organization && p.OrganizationName != "" {
				v.DirectOrganizationName = p.OrganizationName
			}
		})
		return nil
	}
	if err == nil {
		f.deleteRecord(ctx, keyPending) // expired, or from another configuration
	}
	f.update(a, func(v *View) { v.Screen = ScreenSignedOut })
	if err != nil && !errors.Is(err, errNoRecord) {
		return f.fail(a, withOp("restore pending sign-in", err))
	}
	return nil
}
