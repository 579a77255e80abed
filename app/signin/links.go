package signin

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/oauth2"

	"stytch-desktop/app/deeplink"
)

// The link step: send a PKCE-bound magic link, wait for it, authenticate it.
// Its secret is the pending flow (f.link): the PKCE verifier, kept in memory
// and in the keychain so that a link clicked after a restart still completes.

// StartSignIn validates the address and sends a PKCE-bound magic link: the
// discovery link, or the organization's login-or-signup link when an
// organization is configured. A successful send replaces any pending flow.
func (f *Flows) StartSignIn(ctx context.Context, email string) error {
	const a = ActSendLink
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.update(a, func(v *View) { v.Email = email })
	addr, err := NormalizeEmail(email)
	if err != nil {
		return f.fail(a, err)
	}
	return f.send(ctx, a, addr, "")
}

// Resend sends the link again for the pending address, reusing the pending
// PKCE verifier so that either email's link completes the sign-in.
func (f *Flows) Resend(ctx context.Context) error {
	const a = ActResend
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	p := f.link
	resendAfter := f.view.ResendAfter
	f.mu.Unlock()
	if p == nil {
		return f.fail(a, E("resend link", KindLinkNotRequested, errors.New("no pending sign-in")))
	}
	if resendAfter != nil && f.now().Before(*resendAfter) {
		return f.fail(a, &Error{Op: "resend link", Kind: KindRateLimited, RetryAfter: resendAfter.Sub(f.now()),
			Err: errors.New("resend requested too soon")})
	}
	return f.send(ctx, a, p.Email, p.Verifier)
}

func (f *Flows) send(ctx context.Context, a Action, email, verifier string) error {
	const op = "send link"
	if verifier == "" {
		verifier = oauth2.GenerateVerifier()
	}
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	kind := flowDiscovery
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	var err error
	var org Organization
	if f.cfg.Organization != "" {
		kind = flowOrganization
		org, err = f.api.SendOrganizationLink(cctx, OrganizationLinkRequest{
			Organization: f.cfg.Organization, Email: email, RedirectURL: f.cfg.EmailRedirectURL, PKCEChallenge: challenge,
		})
	} else {
		err = f.api.SendDiscoveryLink(cctx, DiscoveryLinkRequest{
			Email: email, RedirectURL: f.cfg.EmailRedirectURL, PKCEChallenge: challenge,
		})
	}
	if err != nil {
		return f.fail(a, withOp(op, err), f.holdResend(err))
	}
	now := f.now()
	p := &pendingFlow{Email: email, Verifier: verifier, Kind: kind, Organization: f.cfg.Organization,
		OrganizationName: org.Name, SentAt: now, ExpiresAt: now.Add(f.cfg.LinkLifetime)}
	f.mu.Lock()
	f.link, f.inter = p, nil
	f.mu.Unlock()
	resendAfter := now.Add(f.cfg.ResendInterval)
	expires := p.ExpiresAt
	f.update(a, func(v *View) {
		v.Screen = ScreenLinkSent
		v.Email = email
		v.ResendAfter = &resendAfter
		v.LinkExpiresAt = &expires
		v.Organizations = nil
		if org.Name != "" {
			v.DirectOrganizationName = org.Name
		}
	})
	// Remember the flow so that a link clicked after a restart still
	// completes: after the screen shows, still within this operation (so no
	// link is taken before it is written). If the keychain can't keep it the
	// flow still works in this run.
	if err := f.storeBestEffort(ctx, keyPending, p); err != nil {
		f.log.Warn("pending sign-in not remembered across restarts", "error", err.Error())
	}
	f.log.Info("sign-in link sent", "flow", kind)
	return nil
}

// holdResend keeps Resend closed for as long as Stytch asked (a 429's
// Retry-After): resendAfter is what the screen counts down from, and Resend
// itself refuses until then, so a click can't spend another request early.
func (f *Flows) holdResend(err error) func(v *View) {
	return func(v *View) {
		ra := RetryAfterOf(err)
		if KindOf(err) != KindRateLimited || ra <= 0 || v.Screen != ScreenLinkSent {
			return
		}
		until := f.now().Add(ra)
		if v.ResendAfter == nil || until.After(*v.ResendAfter) {
			v.ResendAfter = &until
		}
	}
}

// UseAnotherEmail abandons the pending flow and returns to email entry,
// keeping the typed address for editing.
func (f *Flows) UseAnotherEmail(ctx context.Context) error {
	const a = ActUseAnotherEmail
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	f.link, f.inter = nil, nil
	f.mu.Unlock()
	f.deleteBestEffort(ctx, keyPending)
	f.update(a, func(v *View) {
		v.Screen = ScreenSignedOut
		v.ResendAfter, v.LinkExpiresAt, v.Organizations, v.Organization = nil, nil, nil, nil
	})
	return nil
}

// RejectLink reports a link that failed validation in the link inbox (the
// one door every link enters by). Only the notice changes. A link seen
// before is reported as used only while a flow waits for a link; at any
// other time it is the echo of one already applied (a double click).
func (f *Flows) RejectLink(err error) error {
	if errors.Is(err, deeplink.ErrDuplicate) {
		if f.View().Screen != ScreenLinkSent {
			return nil
		}
		return f.fail(EvLinkRejected, E("complete link", KindLinkExpired, err))
	}
	if errors.Is(err, deeplink.ErrInboxFull) || errors.Is(err, deeplink.ErrTooManyArgs) {
		// Not a bad link: too many arrived at once and this one was never read.
		return f.fail(EvLinkRejected, E("complete link", KindLinksDropped, err))
	}
	return f.fail(EvLinkRejected, E("complete link", KindLinkMalformed, err))
}

// CompleteLink authenticates a parsed link, only while a flow started here is
// waiting for one. Discovery links lead to the organization list; organization
// links end in a session. Links reach it through the inbox (app/lifecycle).
func (f *Flows) CompleteLink(ctx context.Context, link deeplink.Link) error {
	const a, op = ActCompleteLink, "complete link"
	end, err := f.begin(a)
	if err != nil {
		return err // busy: the caller may wait for Idle and offer the link again
	}
	defer end()
	if link.TokenType.Browser() {
		return f.completeBrowser(ctx, a, link) // back from the system browser (sso.go)
	}
	f.mu.Lock()
	p := f.link
	prev := f.view.Screen
	f.mu.Unlock()
	if p == nil || (prev != ScreenLinkSent && prev != ScreenSignedOut) {
		return f.fail(a, E(op, KindLinkNotRequested, errors.New("no sign-in is waiting for a link")))
	}
	if !f.now().Before(p.ExpiresAt) {
		return f.fail(a, E(op, KindLinkExpired, errors.New("the pending sign-in has expired")))
	}
	if (p.Kind == flowDiscovery) != (link.TokenType == deeplink.Discovery) {
		return f.fail(a, Errorf(op, KindLinkNotRequested, "a %s link was not requested", link.TokenType))
	}
	f.update(a, func(v *View) { v.Screen = ScreenCompleting })
	// Mark the stored flow as being spent while Stytch authenticates the link
	// (in parallel with the call, so it costs no time): if the app stops
	// before the outcome is stored, the next start says so instead of
	// waiting for a link that is already used.
	marked := f.markSpending(ctx, p)
	back := func(err error) error {
		<-marked
		_ = f.storeBestEffort(ctx, keyPending, p) // still waiting: no longer being spent
		f.update(a, func(v *View) { v.Screen = prev })
		return f.fail(a, withOp(op, err))
	}
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	if p.Kind == flowDiscovery {
		d, err := f.api.AuthenticateDiscoveryLink(cctx, link.Token, p.Verifier)
		if err != nil {
			return back(err)
		}
		if !sameEmail(d.Email, p.Email) {
			// Login CSRF: a link for someone else's account (a sandbox token, or
			// a link made with a stolen verifier). Its intermediate session is
			// dropped unused; the flow waiting here stays for the user's own link.
			return back(E(op, KindLinkWrongAccount, errors.New("the link is for another email address")))
		}
		<-marked
		f.clearPending(p)
		f.beginIntermediate(d.IntermediateSessionToken)
		f.update(a, func(v *View) {
			v.Screen = ScreenChoosingOrganization
			v.Email = d.Email
			v.Organizations = append([]Organization{}, d.Organizations...)
			v.ResendAfter, v.LinkExpiresAt = nil, nil
		})
		f.log.Info("discovery link authenticated", "organizations", len(d.Organizations))
		return nil
	}
	auth, err := f.api.AuthenticateOrganizationLink(cctx, link.Token, p.Verifier, f.sessionMinutes())
	if err != nil {
		return back(err)
	}
	if !sameEmail(auth.Member.Email, p.Email) || !sameOrganization(auth.Organization, p.Organization) {
		// Login CSRF (see above): never adopt a session for another account or
		// organization; end it at Stytch, keep the flow waiting here.
		if auth.SessionToken != "" {
			f.revokeLater(auth.SessionToken, 0)
		}
		return back(E(op, KindLinkWrongAccount, errors.New("the link is for another account or organization")))
	}
	<-marked
	f.clearPending(p)
	return f.finish(ctx, a, auth)
}

// sameEmail compares addresses as Stytch does: case-insensitively.
func sameEmail(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

// sameOrganization reports whether o is the configured organization, given
// by id or slug.
func sameOrganization(o Organization, configured string) bool {
	return configured != "" && (o.ID == configured || o.Slug == configured)
}

// markSpending stores p marked as being spent, in the background; the
// channel closes when the keychain has answered.
func (f *Flows) markSpending(ctx context.Context, p *pendingFlow) <-chan struct{} {
	done := make(chan struct{})
	spending := *p
	spending.Spending = true
	if !f.spawn(func() {
		defer close(done)
		_ = f.storeBestEffort(ctx, keyPending, &spending)
	}) {
		close(done)
	}
	return done
}

// clearPending ends the link step: the flow is forgotten in memory at once
// and in the keychain in the background, off the path between the link and
// the next screen.
func (f *Flows) clearPending(p *pendingFlow) {
	f.mu.Lock()
	f.link = nil
	f.mu.Unlock()
	f.inBackground(func(ctx context.Context) {
		if f.keychainIsLocked() {
			return
		}
		var stored pendingFlow
		// Only this flow's record: a new sign-in may have stored its own.
		if f.loadRecord(ctx, keyPending, &stored) == nil && stored.Verifier == p.Verifier {
			f.deleteBestEffort(ctx, keyPending)
		}
	})
}
