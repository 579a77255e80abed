package signin

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The organization step: an authenticated email chooses (or creates) the
// organization to enter. Its secret is the intermediate session token
// (f.inter), in memory only, for the ten minutes Stytch keeps it.

// intermediate is Stytch's intermediate session: proof that this email was
// verified, exchangeable for a member session in one organization.
type intermediate struct {
	token   string
	expires time.Time // by our clock; Stytch's own answer decides in the end
}

// beginIntermediate keeps a new (or renewed) intermediate session token.
func (f *Flows) beginIntermediate(token string) {
	if token == "" {
		return
	}
	f.mu.Lock()
	f.inter = &intermediate{token: token, expires: f.now().Add(f.cfg.IntermediateTTL)}
	f.mu.Unlock()
}

// ChooseOrganization enters a discovered organization with the intermediate session.
func (f *Flows) ChooseOrganization(ctx context.Context, organizationID string) error {
	const a, op = ActChooseOrganization, "choose organization"
	end, err := f.begin(a)
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
		return f.fail(a, E(op, KindOrganizationNotFound, errors.New("not among the discovered organizations")))
	}
	ist, err := f.liveIntermediate(a, op)
	if err != nil {
		return err
	}
	if f.ssoOnly(*org) {
		// SSO only: straight to the identity provider, the intermediate
		// session joining the SSO factor on the way back (sso.go).
		return f.ssoStep(a, op, *org, "", ssoReturn{screen: ScreenChoosingOrganization})
	}
	return f.enter(ctx, a, op, *org, func(cctx context.Context) (Authentication, error) {
		return f.api.ExchangeIntermediateSession(cctx, ist, organizationID, f.sessionMinutes())
	})
}

// CreateOrganization creates an organization with the intermediate session and enters it.
func (f *Flows) CreateOrganization(ctx context.Context, org NewOrganization) error {
	const a, op = ActCreateOrganization, "create organization"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	org, err = ValidateOrganization(org)
	if err != nil {
		return f.fail(a, err)
	}
	ist, err := f.liveIntermediate(a, op)
	if err != nil {
		return err
	}
	return f.enter(ctx, a, op, Organization{Name: org.Name, Slug: org.Slug}, func(cctx context.Context) (Authentication, error) {
		return f.api.CreateOrganization(cctx, ist, org, f.sessionMinutes())
	})
}

// BackToOrganizations leaves an organization that needs more verification
// and shows the discovered organizations again, keeping the intermediate
// session so another one can be entered without a new link. Only a discovery
// sign-in has a list to go back to; an organization's own link (direct mode)
// has none and is refused like any action not offered (ErrNotNow).
func (f *Flows) BackToOrganizations(ctx context.Context) error {
	const a, op = ActBackToOrganizations, "back to organizations"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	listed := len(f.view.Organizations) > 0
	f.mu.Unlock()
	if !listed {
		return E(op, KindBusy, fmt.Errorf("%w: no organization list to go back to", ErrNotNow))
	}
	if _, err := f.liveIntermediate(a, op); err != nil {
		return err
	}
	f.update(a, func(v *View) {
		v.Screen = ScreenChoosingOrganization
		v.Organization = nil
	})
	return nil
}

// liveIntermediate returns the intermediate session token, or sends the user
// back to email entry when it has (by our clock) run out.
func (f *Flows) liveIntermediate(a Action, op string) (string, error) {
	f.mu.Lock()
	in := f.inter
	f.mu.Unlock()
	if in != nil && f.now().Before(in.expires) {
		return in.token, nil
	}
	err := E(op, KindIntermediateExpired, errors.New("the organization choice took too long"))
	f.dropIntermediate(a)
	return "", f.fail(a, err)
}

func (f *Flows) dropIntermediate(a Action) {
	f.mu.Lock()
	f.inter = nil
	f.mu.Unlock()
	f.update(a, func(v *View) {
		v.Screen = ScreenSignedOut
		v.Organizations, v.Organization = nil, nil
	})
}

func (f *Flows) enter(ctx context.Context, a Action, op string, org Organization, call func(context.Context) (Authentication, error)) error {
	f.mu.Lock()
	prev := f.view.Screen
	f.mu.Unlock()
	f.update(a, func(v *View) {
		v.Screen = ScreenEntering
		o := org
		v.Organization = &o
	})
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	auth, err := call(cctx)
	if err != nil {
		if KindOf(err) == KindIntermediateExpired {
			f.dropIntermediate(a)
			return f.fail(a, withOp(op, err))
		}
		f.update(a, func(v *View) { v.Screen, v.Organization = prev, nil })
		return f.fail(a, withOp(op, err))
	}
	return f.finish(ctx, a, auth)
}

// finish carries out what follows an answer (nextStep): a member session is
// kept in memory and stored in the keychain; SSO starts (when this app can
// open a browser); the MFA step starts; any other "not yet" keeps the
// intermediate session (renewed by Stytch's answer) and stores nothing.
func (f *Flows) finish(ctx context.Context, a Action, auth Authentication) error {
	switch nextStep(auth) {
	case nextSSO:
		if f.cfg.Browser.enabled() {
			return f.continueWithSSO(a, auth) // sso.go
		}
	case nextMFA:
		return f.startMFA(ctx, a, auth) // mfa.go
	case nextSignedIn:
		return f.signIn(ctx, a, auth)
	}
	f.beginIntermediate(auth.IntermediateSessionToken)
	org := auth.Organization
	org.NeedsMoreAuth = true
	f.update(a, func(v *View) {
		v.Screen = ScreenNeedsMoreAuth
		v.Organization = &org
	})
	f.log.Info("organization needs more authentication", "action", string(a), "mfa", auth.MFARequired)
	return nil
}

// signIn adopts the member session of a signed-in answer and stores it.
func (f *Flows) signIn(ctx context.Context, a Action, auth Authentication) error {
	rec := recordOf(auth)
	f.adopt(rec, auth.SessionJWT)
	// Shown at once; stored before this operation ends (quitting waits for
	// it, see app/lifecycle), so the keychain's few milliseconds are not
	// between the answer and the screen.
	f.showSignedIn(a, rec, false, false)
	storeErr := f.storeRecord(ctx, keySession, rec)
	if storeErr == nil {
		f.storeJWT(ctx, auth.SessionJWT)
	} else {
		f.update(a, func(v *View) { v.KeychainWarning = KeychainNotRemembered })
	}
	f.startMonitor(f.cfg.RefreshInterval)
	f.log.Info("signed in", "action", string(a))
	if storeErr != nil {
		// The session just obtained is never discarded: it works for this run.
		return f.fail(a, withOp(string(a), storeErr))
	}
	return nil
}
