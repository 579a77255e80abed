package signin_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// userActions calls the public method of each user action. A new action in
// the table without an entry here fails TestEveryActionIsWalked.
var userActions = map[signin.Action]func(ctx context.Context, h *harness) error{
	signin.ActRestore:         func(ctx context.Context, h *harness) error { return h.flows.Restore(ctx) },
	signin.ActRetryRestore:    func(ctx context.Context, h *harness) error { return h.flows.RetryRestore(ctx) },
	signin.ActSendLink:        func(ctx context.Context, h *harness) error { return h.flows.StartSignIn(ctx, demo) },
	signin.ActResend:          func(ctx context.Context, h *harness) error { return h.flows.Resend(ctx) },
	signin.ActUseAnotherEmail: func(ctx context.Context, h *harness) error { return h.flows.UseAnotherEmail(ctx) },
	signin.ActCompleteLink: func(ctx context.Context, h *harness) error {
		return h.flows.CompleteLink(ctx, h.parse("stytch-desktop://auth/callback?stytch_token_type=discovery&token="+strings.Repeat("Q", 44)))
	},
	signin.ActRedeemCode: func(ctx context.Context, h *harness) error {
		_, err := h.flows.RedeemCode(ctx, "ABCD-EFGH")
		return err
	},
	signin.ActChooseOrganization: func(ctx context.Context, h *harness) error {
		return h.flows.ChooseOrganization(ctx, "organization-test-nowhere")
	},
	signin.ActCreateOrganization: func(ctx context.Context, h *harness) error {
		return h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Walk", Slug: "walk"})
	},
	signin.ActBackToOrganizations: func(ctx context.Context, h *harness) error { return h.flows.BackToOrganizations(ctx) },
	signin.ActSignOut:             func(ctx context.Context, h *harness) error { return h.flows.SignOut(ctx) },
	signin.ActDismissNotice:       func(ctx context.Context, h *harness) error { h.flows.DismissNotice(); return nil },
	signin.ActStartOAuth:          func(ctx context.Context, h *harness) error { return h.flows.StartOAuth(ctx, "google") },
	signin.ActStartSSO: func(ctx context.Context, h *harness) error {
		return h.flows.StartSSO(ctx, "organization-test-nowhere", "")
	},
	signin.ActCancelBrowser: func(ctx context.Context, h *harness) error { return h.flows.CancelBrowser(ctx) },

	signin.ActSubmitMFACode: func(ctx context.Context, h *harness) error { return h.flows.SubmitMFACode(ctx, "123456") },
	signin.ActResendSMS:     func(ctx context.Context, h *harness) error { return h.flows.ResendSMS(ctx) },
	signin.ActUseMFAMethod: func(ctx context.Context, h *harness) error {
		return h.flows.UseMFAMethod(ctx, signin.MethodTOTP)
	},
	signin.ActSubmitPhone: func(ctx context.Context, h *harness) error { return h.flows.SubmitPhone(ctx, "+15555550142") },
	signin.ActSubmitBackupCode: func(ctx context.Context, h *harness) error {
		return h.flows.SubmitBackupCode(ctx, "aaaa-bbbb-cccc")
	},
	signin.ActConfirmRecoveryCodes: func(ctx context.Context, h *harness) error { return h.flows.ConfirmRecoveryCodes(ctx) },
	signin.ActSaveRecoveryCodes: func(ctx context.Context, h *harness) error {
		return h.flows.SaveRecoveryCodes(ctx, func(signin.BackupCodes) (string, error) { return "codes.txt", nil })
	},
	signin.ActCancelMFA:         func(ctx context.Context, h *harness) error { return h.flows.CancelMFA(ctx) },
	signin.ActListOrganizations: func(ctx context.Context, h *harness) error { return h.flows.ListOrganizations(ctx) },
	signin.ActSwitchOrganization: func(ctx context.Context, h *harness) error {
		return h.flows.SwitchOrganization(ctx, "organization-test-nowhere")
	},
}

// reach drives a fresh harness to screen s through real flows (the local API
// answers), holding it there with an operation in flight for the passing
// screens. release lets such an operation finish.
func reach(t *testing.T, port portFactory, s signin.Screen) (h *harness, release func()) {
	t.Helper()
	ctx := context.Background()
	spy := &spyPort{}
	h = newHarness(t, func(t *testing.T, srv *localstytch.Server, base string) signin.Stytch {
		spy.Stytch = port(t, srv, base)
		return spy
	})
	h.spy = spy
	release = func() {}
	hold := func(start func()) {
		gate := make(chan struct{})
		spy.gate.Store(&gate)
		done := make(chan struct{})
		go func() { start(); close(done) }()
		waitView(t, h.flows, string(s), func(v signin.View) bool { return v.Screen == s })
		// The screen shows before the call is made: wait until it is held,
		// so the call is counted before the walk reads the counter.
		waitFor(t, "the call held at the gate", func() bool { return spy.held.Load() > 0 })
		var once sync.Once
		release = func() { once.Do(func() { close(gate); <-done }) }
		t.Cleanup(release)
	}
	switch s {
	case signin.ScreenRestoring:
	case signin.ScreenSignedOut:
		_ = h.flows.Restore(ctx)
	case signin.ScreenLinkSent:
		_ = h.flows.Restore(ctx)
		_ = h.flows.StartSignIn(ctx, demo)
	case signin.ScreenCompleting:
		_ = h.flows.Restore(ctx)
		_ = h.flows.StartSignIn(ctx, demo)
		link := h.parse(h.linkFor(demo))
		hold(func() { _ = h.flows.CompleteLink(ctx, link) })
	case signin.ScreenChoosingOrganization:
		h.signInDiscovery(h.flows, demo)
	case signin.ScreenEntering:
		h.signInDiscovery(h.flows, demo)
		id := orgBySlug(t, h.flows.View(), "northwind").ID
		hold(func() { _ = h.flows.ChooseOrganization(ctx, id) })
	case signin.ScreenNeedsMoreAuth:
		// The local API has no organization asking for another primary
		// method (SSO); the spy answers the exchange as Stytch would for one.
		spy.primaryRequired.Store(true)
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "northwind").ID)
		spy.primaryRequired.Store(false)
	case signin.ScreenMFASMS:
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "fortress").ID)
	case signin.ScreenMFATOTP, signin.ScreenMFABackupCode:
		if _, _, err := h.srv.EnrollTOTP("vault", demo); err != nil {
			t.Fatal(err)
		}
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "vault").ID)
		if s == signin.ScreenMFABackupCode {
			_ = h.flows.UseMFAMethod(ctx, signin.MethodBackupCode)
		}
	case signin.ScreenMFAEnrollChoose, signin.ScreenMFAEnrollPhone:
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "harbor").ID)
		if s == signin.ScreenMFAEnrollPhone {
			_ = h.flows.UseMFAMethod(ctx, signin.MethodSMS)
		}
	case signin.ScreenMFAEnrollTOTP, signin.ScreenMFARecoveryCodes:
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "vault").ID)
		if s == signin.ScreenMFARecoveryCodes {
			_ = h.flows.SubmitMFACode(ctx, totpNow(t, h))
		}
	case signin.ScreenSignedIn:
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "northwind").ID)
	case signin.ScreenBrowser:
		_ = h.flows.Restore(ctx)
		_ = h.flows.StartOAuth(ctx, "google")
	case signin.ScreenChoosingSSOConnection:
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "globex").ID)
	default:
		t.Fatalf("no way to reach %s: add one", s)
	}
	wantScreen(t, h.flows, s)
	switch s {
	case signin.ScreenRestoring, signin.ScreenSignedOut, signin.ScreenLinkSent, signin.ScreenCompleting:
	default:
		// A completed link's pending flow is deleted in the background: let
		// that finish, or the walk would see it as the refused action's doing.
		waitFor(t, "the pending flow deleted", func() bool {
			_, err := h.store.Get(ctx, "pending-flow")
			return err != nil
		})
	}
	return h, release
}

// TestTransitionTableRefusesEverythingElse walks every (screen, user action)
// pair the table does not list: each is refused with KindBusy and changes
// nothing — not the view, not its sequence number, not the keychain, and no
// call reaches Stytch.
func TestTransitionTableRefusesEverythingElse(t *testing.T) {
	port := ports["stytch-go"]
	ctx := context.Background()
	for _, s := range signin.Screens() {
		for _, row := range signin.Transitions() {
			if row.Background || slices.Contains(row.From, s) {
				continue
			}
			t.Run(string(s)+"/"+string(row.Action), func(t *testing.T) {
				h, release := reach(t, port, s)
				defer release()
				before := h.flows.View()
				stored := keychainItems(h)
				calls := h.spy.calls.Load()
				err := userActions[row.Action](ctx, h)
				if signin.KindOf(err) != signin.KindBusy {
					t.Fatalf("%s on %s: %v, want busy/not-now", row.Action, s, err)
				}
				if !errors.Is(err, signin.ErrNotNow) && !errors.Is(err, signin.ErrBusy) {
					t.Fatalf("%s on %s: %v does not say why", row.Action, s, err)
				}
				if after := h.flows.View(); !reflect.DeepEqual(before, after) {
					t.Fatalf("%s on %s changed the view:\n%+v\n%+v", row.Action, s, before, after)
				}
				if !reflect.DeepEqual(stored, keychainItems(h)) {
					t.Fatalf("%s on %s changed the keychain", row.Action, s)
				}
				if n := h.spy.calls.Load(); n != calls {
					t.Fatalf("%s on %s made %d calls to Stytch", row.Action, s, n-calls)
				}
			})
		}
	}
}

// TestEveryActionIsWalked keeps the walk above complete: every user action in
// the table has a caller, and every screen can be reached.
func TestEveryActionIsWalked(t *testing.T) {
	for _, row := range signin.Transitions() {
		if row.Background {
			continue
		}
		if userActions[row.Action] == nil {
			t.Errorf("action %s has no caller in userActions", row.Action)
		}
		if len(row.From) == 0 {
			t.Errorf("action %s is offered nowhere", row.Action)
		}
	}
}

// TestTransitionsAreFollowed runs the main flows with the table enforced
// (export_test.go makes a move outside it panic) and checks that every
// screen change the screens saw is one the table lists for some action.
func TestTransitionsAreFollowed(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		h.signInDiscovery(h.flows, demo)
		_ = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "fortress").ID)
		wantScreen(t, h.flows, signin.ScreenMFASMS)
		if err := h.flows.SubmitMFACode(ctx, h.smsCode(localstytch.DemoPhone)); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
		if err := h.flows.ListOrganizations(ctx); err != nil {
			t.Fatal(err)
		}
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "vault").ID); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFAEnrollTOTP)
		if err := h.flows.SubmitMFACode(ctx, totpNow(t, h)); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFARecoveryCodes)
		if err := h.flows.ConfirmRecoveryCodes(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		moves := map[[2]signin.Screen]bool{}
		for _, row := range signin.Transitions() {
			for _, from := range row.From {
				for _, to := range row.To {
					moves[[2]signin.Screen{from, to}] = true
				}
			}
		}
		prev := signin.ScreenRestoring
		for _, v := range h.views.screens() {
			if v != prev && !moves[[2]signin.Screen{prev, v}] && !passingMove(prev, v) {
				t.Errorf("the screens saw %s → %s, which no row allows", prev, v)
			}
			prev = v
		}
	})
}

// passingMove allows the second half of a move through a passing screen
// (e.g. completing → choosing_organization within complete_link).
func passingMove(from, to signin.Screen) bool {
	for _, row := range signin.Transitions() {
		if slices.Contains(row.To, from) && slices.Contains(row.To, to) {
			return true
		}
	}
	return false
}

// keychainItems reads every item the flows keep.
func keychainItems(h *harness) map[string]string {
	items := map[string]string{}
	for _, k := range []string{"session", "session-jwt", "pending-flow"} {
		if b, err := h.store.Get(context.Background(), k); err == nil {
			items[k] = string(b)
		}
	}
	return items
}

// spyPort is the real port with a call counter, and a gate that holds the
// calls that end a passing screen (authenticate, exchange) while armed.
type spyPort struct {
	signin.Stytch
	calls           atomic.Int64
	held            atomic.Int64 // calls that reached an armed gate
	gate            atomic.Pointer[chan struct{}]
	primaryRequired atomic.Bool // answer exchanges as for an SSO-only organization
}

func (p *spyPort) wait(ctx context.Context) {
	p.calls.Add(1)
	if g := p.gate.Load(); g != nil {
		p.held.Add(1)
		select {
		case <-*g:
		case <-ctx.Done():
		}
	}
}

func (p *spyPort) SendDiscoveryLink(ctx context.Context, r signin.DiscoveryLinkRequest) error {
	p.calls.Add(1)
	return p.Stytch.SendDiscoveryLink(ctx, r)
}

func (p *spyPort) SendOrganizationLink(ctx context.Context, r signin.OrganizationLinkRequest) (signin.Organization, error) {
	p.calls.Add(1)
	return p.Stytch.SendOrganizationLink(ctx, r)
}

func (p *spyPort) AuthenticateDiscoveryLink(ctx context.Context, token, verifier string) (signin.Discovery, error) {
	p.wait(ctx)
	return p.Stytch.AuthenticateDiscoveryLink(ctx, token, verifier)
}

func (p *spyPort) AuthenticateOrganizationLink(ctx context.Context, token, verifier string, m int) (signin.Authentication, error) {
	p.wait(ctx)
	return p.Stytch.AuthenticateOrganizationLink(ctx, token, verifier, m)
}

func (p *spyPort) ExchangeIntermediateSession(ctx context.Context, ist, org string, m int) (signin.Authentication, error) {
	p.wait(ctx)
	if p.primaryRequired.Load() {
		return signin.Authentication{IntermediateSessionToken: ist, PrimaryRequired: []string{"sso"},
			Organization: signin.Organization{ID: org, Name: "SSO only"}}, nil
	}
	return p.Stytch.ExchangeIntermediateSession(ctx, ist, org, m)
}

func (p *spyPort) CreateOrganization(ctx context.Context, ist string, org signin.NewOrganization, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.CreateOrganization(ctx, ist, org, m)
}

func (p *spyPort) AuthenticateSession(ctx context.Context, token string, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.AuthenticateSession(ctx, token, m)
}

func (p *spyPort) RevokeSession(ctx context.Context, token string) error {
	p.calls.Add(1)
	return p.Stytch.RevokeSession(ctx, token)
}

func (p *spyPort) SendSMSCode(ctx context.Context, r signin.MFARequest, phone string) error {
	p.calls.Add(1)
	return p.Stytch.SendSMSCode(ctx, r, phone)
}

func (p *spyPort) AuthenticateSMSCode(ctx context.Context, r signin.MFARequest, code string, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.AuthenticateSMSCode(ctx, r, code, m)
}

func (p *spyPort) CreateTOTP(ctx context.Context, r signin.MFARequest) (signin.TOTPEnrollment, error) {
	p.calls.Add(1)
	return p.Stytch.CreateTOTP(ctx, r)
}

func (p *spyPort) AuthenticateTOTP(ctx context.Context, r signin.MFARequest, code string, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.AuthenticateTOTP(ctx, r, code, m)
}

func (p *spyPort) RecoverWithBackupCode(ctx context.Context, r signin.MFARequest, code string, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.RecoverWithBackupCode(ctx, r, code, m)
}

func (p *spyPort) ListOrganizations(ctx context.Context, token string) ([]signin.Organization, error) {
	p.calls.Add(1)
	return p.Stytch.ListOrganizations(ctx, token)
}

func (p *spyPort) ExchangeSession(ctx context.Context, token, org string, m int) (signin.Authentication, error) {
	p.calls.Add(1)
	return p.Stytch.ExchangeSession(ctx, token, org, m)
}
