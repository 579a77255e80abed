package signin

import (
	"context"
	"errors"
)

// Switching organizations: a signed-in member lists the other organizations
// of their email (discovery.organizations.list with the session) and enters
// one with sessions.exchange. The current session stays valid — shown, kept
// in the keychain and monitored — until the new one is stored; then it is
// revoked. When the target asks for MFA the MFA step (mfa.go) follows, and
// cancelling it returns to the current session. An organization that signs
// in by SSO only goes straight to its identity provider (sso.go), as from
// the organization list after sign-in; cancelling that returns to the
// current session too. Joining an organization by email domain is not
// possible this way (Stytch's exchange doesn't JIT-provision): that takes a
// fresh sign-in (KindSwitchNeedsSignIn).

// ListOrganizations fills View.OtherOrganizations.
func (f *Flows) ListOrganizations(ctx context.Context) error {
	const a, op = ActListOrganizations, "list organizations"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	token, current := f.currentToken()
	if token == "" {
		return f.fail(a, E(op, KindSessionExpired, errors.New("not signed in")))
	}
	cctx, cancel := f.callCtx(ctx)
	orgs, err := f.api.ListOrganizations(cctx, token)
	cancel()
	if err != nil {
		return f.fail(a, withOp(op, err))
	}
	others := make([]Organization, 0, len(orgs))
	for _, o := range orgs {
		if o.ID != current {
			others = append(others, o)
		}
	}
	f.update(a, func(v *View) { v.OtherOrganizations = others })
	return nil
}

func (f *Flows) currentToken() (token, organizationID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session == nil {
		return "", ""
	}
	return f.session.rec.Token, f.session.rec.Organization.ID
}

// SwitchOrganization enters one of View.OtherOrganizations with the session.
func (f *Flows) SwitchOrganization(ctx context.Context, organizationID string) error {
	const a, op = ActSwitchOrganization, "switch organization"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	var target *Organization
	for _, o := range f.view.OtherOrganizations {
		if o.ID == organizationID {
			o := o
			target = &o
		}
	}
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.mu.Unlock()
	if rec == nil {
		return f.fail(a, E(op, KindSessionExpired, errors.New("not signed in")))
	}
	if target == nil {
		return f.fail(a, E(op, KindOrganizationNotFound, errors.New("not among the organizations listed")))
	}
	if target.Membership == MembershipEligibleByDomain {
		return f.fail(a, E(op, KindSwitchNeedsSignIn, errors.New("joining by email domain needs a fresh sign-in")))
	}
	if f.ssoOnly(*target) {
		// SSO only: straight to its identity provider, as from the
		// organization list after sign-in; this session stays until the
		// new one is stored (sso.go).
		return f.ssoStep(a, op, *target, "", ssoReturn{screen: ScreenSignedIn, switchingFrom: rec.Token})
	}
	f.update(a, func(v *View) {
		v.Screen = ScreenEntering
		o := *target
		v.Organization = &o
	})
	cctx, cancel := f.callCtx(ctx)
	auth, err := f.api.ExchangeSession(cctx, rec.Token, organizationID, f.sessionMinutes())
	cancel()
	back := func(err error) error {
		f.showSignedIn(a, rec, false, false)
		return f.fail(a, withOp(op, err))
	}
	if err != nil {
		return back(err)
	}
	switch nextStep(auth) {
	case nextSignedIn:
		if err := f.signIn(ctx, a, auth); err != nil {
			return err // stored nowhere: keep the old session alive (not revoked)
		}
		f.revokeSwitchedFrom(rec.Token)
		return nil
	case nextMFA:
		return f.startMFA(ctx, a, auth)
	case nextSSO:
		if f.cfg.Browser.enabled() {
			f.backToSession(a, rec)
			org := auth.Organization
			org.SSORequired = true
			return f.ssoStep(a, op, org, "", ssoReturn{screen: ScreenSignedIn, switchingFrom: rec.Token})
		}
		return back(E(op, KindSwitchNeedsSignIn, errors.New("the organization needs single sign-on, which is not set up here")))
	default:
		// Another primary method (SSO, OAuth…) that this app can't do from here.
		return back(E(op, KindSwitchNeedsSignIn, errors.New("the organization needs another sign-in method")))
	}
}

// backToSession shows the signed-in session again after a switch that did
// not leave it, keeping the list of other organizations.
func (f *Flows) backToSession(a Action, rec *sessionRecord) {
	o := rec.Organization
	f.update(a, func(v *View) {
		v.Screen = ScreenSignedIn
		v.Organization = &o
		v.Browser = nil
	})
}
