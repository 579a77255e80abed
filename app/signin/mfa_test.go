package signin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
)

// smsCode reads the newest text to phone from the local API's outbox.
func (h *harness) smsCode(phone string) string {
	h.t.Helper()
	for _, m := range h.srv.Messages() {
		if m.Channel == "sms" && m.Phone == phone {
			return m.Code
		}
	}
	h.t.Fatalf("no text to %s in the outbox", phone)
	return ""
}

// totpNow computes the current code of the authenticator app being set up
// (the secret the enrollment screen shows), or of secret if given.
func totpNow(t *testing.T, h *harness, secret ...string) string {
	t.Helper()
	s := ""
	if len(secret) > 0 {
		s = secret[0]
	} else if mv := h.flows.View().MFA; mv != nil {
		s = mv.TOTPSecret
	}
	code, err := localstytch.TOTPCode(s, h.clock.Now().Unix())
	if err != nil {
		t.Fatalf("totp code: %v", err)
	}
	return code
}

func otherBySlug(t *testing.T, v signin.View, slug string) signin.Organization {
	t.Helper()
	for _, o := range v.OtherOrganizations {
		if o.Slug == slug {
			return o
		}
	}
	t.Fatalf("organization %q not among %+v", slug, v.OtherOrganizations)
	return signin.Organization{}
}

// wrongCode is a 6-digit code other than right.
func wrongCode(right ...string) string {
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		ok := true
		for _, r := range right {
			ok = ok && c != r
		}
		if ok {
			return c
		}
	}
	return "444444"
}

// signedInListing signs in to slug and lists the other organizations: the
// stored session token, and the view with the list.
func signedInListing(t *testing.T, h *harness, slug string) (string, signin.View) {
	t.Helper()
	enter(t, h, slug)
	wantScreen(t, h.flows, signin.ScreenSignedIn)
	token, _ := h.storedSession()
	if err := h.flows.ListOrganizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	return token, h.flows.View()
}

func enter(t *testing.T, h *harness, slug string) {
	t.Helper()
	h.signInDiscovery(h.flows, demo)
	if err := h.flows.ChooseOrganization(context.Background(), orgBySlug(t, h.flows.View(), slug).ID); err != nil {
		t.Fatalf("choose %s: %v", slug, err)
	}
}

// A member with a verified phone: Stytch texts a code with its answer; the
// screen shows where it went and its countdown; wrong, too-early resend,
// voided, expired codes and too many tries each have their own kind.
func TestMFATextMessage(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "fortress")
		v := wantScreen(t, h.flows, signin.ScreenMFASMS)
		now := h.clock.Now()
		mv := v.MFA
		if mv == nil || mv.Method != signin.MethodSMS || mv.PhoneMasked != "XXXXXXX0123" || mv.Enrolling || mv.Switching ||
			mv.CodeExpiresAt == nil || !mv.CodeExpiresAt.Equal(now.Add(2*time.Minute)) || mv.ResendsLeft != 3 ||
			mv.IntermediateExpiresAt == nil || !mv.IntermediateExpiresAt.Equal(now.Add(10*time.Minute)) ||
			mv.CanUseTOTP || mv.CanUseBackupCode || mv.CanUseSMS || v.Organization == nil || v.Organization.Slug != "fortress" {
			t.Fatalf("mfa view = %+v org %+v", mv, v.Organization)
		}
		if n := len(h.srv.Messages()); n != 2 { // the link and one text (sent by Stytch, not again by the app)
			t.Fatalf("outbox has %d messages", n)
		}
		if _, ok := h.storedSession(); ok {
			t.Fatal("a session was stored before MFA")
		}
		first := h.smsCode(localstytch.DemoPhone)
		wantKind(t, h.flows.SubmitMFACode(ctx, "12a456"), signin.KindInvalidCode)
		wantKind(t, h.flows.SubmitMFACode(ctx, wrongCode(first)), signin.KindCodeWrong)
		wantScreen(t, h.flows, signin.ScreenMFASMS)

		err := h.flows.ResendSMS(ctx)
		wantKind(t, err, signin.KindRateLimited)
		if signin.RetryAfterOf(err) != 30*time.Second {
			t.Fatalf("retry after = %v", signin.RetryAfterOf(err))
		}
		h.clock.Advance(31 * time.Second)
		if err := h.flows.ResendSMS(ctx); err != nil {
			t.Fatal(err)
		}
		second := h.smsCode(localstytch.DemoPhone)
		if v := h.flows.View(); v.MFA.ResendsLeft != 2 || !v.MFA.CodeExpiresAt.Equal(h.clock.Now().Add(2*time.Minute)) {
			t.Fatalf("after resend: %+v", v.MFA)
		}
		if first != second { // a new text voids the old code
			wantKind(t, h.flows.SubmitMFACode(ctx, first), signin.KindCodeWrong)
		}
		h.clock.Advance(2*time.Minute + time.Second)
		wantKind(t, h.flows.SubmitMFACode(ctx, second), signin.KindCodeExpired)

		if err := h.flows.ResendSMS(ctx); err != nil {
			t.Fatal(err)
		}
		third := h.smsCode(localstytch.DemoPhone)
		for range 5 {
			wantKind(t, h.flows.SubmitMFACode(ctx, wrongCode(third)), signin.KindCodeWrong)
		}
		wantKind(t, h.flows.SubmitMFACode(ctx, third), signin.KindTooManyAttempts)
		h.clock.Advance(31 * time.Second)
		if err := h.flows.ResendSMS(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(31 * time.Second)
		wantKind(t, h.flows.ResendSMS(ctx), signin.KindResendLimit)
		// Pasted with spaces: accepted.
		code := h.smsCode(localstytch.DemoPhone)
		if err := h.flows.SubmitMFACode(ctx, " "+code[:3]+" "+code[3:]+"\n"); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.MFA != nil || v.Organization.Slug != "fortress" {
			t.Fatalf("signed in view = %+v", v)
		}
		if _, ok := h.storedSession(); !ok {
			t.Fatal("no session stored after MFA")
		}
	})
}

// A member with no factor in a TOTP-only organization sets up an
// authenticator app (QR code and secret shown), sees the backup codes once,
// and later signs in with a code, a reused code, and a backup code.
func TestMFAAuthenticatorAppAndBackupCodes(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "vault")
		v := wantScreen(t, h.flows, signin.ScreenMFAEnrollTOTP)
		mv := v.MFA
		if mv == nil || !mv.Enrolling || len(mv.TOTPSecret) != 32 || !strings.HasPrefix(mv.TOTPQRCode, "data:image/png;base64,") ||
			mv.RecoveryCodes != nil || len(mv.AllowedMethods) != 1 || mv.AllowedMethods[0] != signin.MethodTOTP {
			t.Fatalf("enrollment view = %+v", mv)
		}
		secret := mv.TOTPSecret
		wantKind(t, h.flows.SubmitMFACode(ctx, wrongCode(totpNow(t, h))), signin.KindCodeWrong)
		wantKind(t, h.flows.UseMFAMethod(ctx, signin.MethodSMS), signin.KindMFAMethodNotAllowed)
		used := totpNow(t, h)
		if err := h.flows.SubmitMFACode(ctx, used); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenMFARecoveryCodes)
		codes := v.MFA.RecoveryCodes
		if len(codes) != 10 || v.MFA.TOTPSecret != "" || v.MFA.TOTPQRCode != "" {
			t.Fatalf("recovery codes view = %+v", v.MFA)
		}
		if _, ok := h.storedSession(); !ok {
			t.Fatal("the session must be stored before the codes are confirmed")
		}
		if err := h.flows.ConfirmRecoveryCodes(ctx); err != nil {
			t.Fatal(err)
		}
		if v = wantScreen(t, h.flows, signin.ScreenSignedIn); v.MFA != nil {
			t.Fatalf("the codes stay on screen: %+v", v.MFA)
		}
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}

		// Next sign-in: code entry; the code just used is refused as used.
		h.clock.Advance(2 * time.Second)
		enter(t, h, "vault")
		v = wantScreen(t, h.flows, signin.ScreenMFATOTP)
		if !v.MFA.CanUseBackupCode || v.MFA.CanUseSMS || v.MFA.Enrolling || v.MFA.TOTPSecret != "" {
			t.Fatalf("totp view = %+v", v.MFA)
		}
		wantKind(t, h.flows.SubmitMFACode(ctx, used), signin.KindCodeUsed)
		if err := h.flows.UseMFAMethod(ctx, signin.MethodBackupCode); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFABackupCode)
		wantKind(t, h.flows.SubmitBackupCode(ctx, "zzzz-zzzz-zzzz"), signin.KindBackupCodeWrong)
		wantKind(t, h.flows.SubmitBackupCode(ctx, "not a code"), signin.KindBackupCodeWrong)
		typed := strings.ToUpper(strings.ReplaceAll(codes[2], "-", " "))
		if err := h.flows.SubmitBackupCode(ctx, typed); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.BackupCodesLeft == nil || *v.BackupCodesLeft != 9 || v.Notice == nil || v.Notice.Kind != signin.KindBackupCodesLeft {
			t.Fatalf("after a backup code: left %v notice %+v", v.BackupCodesLeft, v.Notice)
		}
		// A backup code works once.
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(2 * time.Second)
		enter(t, h, "vault")
		_ = h.flows.UseMFAMethod(ctx, signin.MethodBackupCode)
		wantKind(t, h.flows.SubmitBackupCode(ctx, codes[2]), signin.KindBackupCodeWrong)
		h.clock.Advance(totpPeriod)
		if err := h.flows.UseMFAMethod(ctx, signin.MethodTOTP); err != nil {
			t.Fatal(err)
		}
		if err := h.flows.SubmitMFACode(ctx, totpNow(t, h, secret)); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
	})
}

const totpPeriod = 30 * time.Second

// No factor, both methods allowed: the member chooses; a phone number is
// checked before anything is sent, then the code goes to it.
func TestMFAEnrollTextMessage(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "harbor")
		v := wantScreen(t, h.flows, signin.ScreenMFAEnrollChoose)
		if !v.MFA.Enrolling || v.MFA.AllowedMethods != nil {
			t.Fatalf("choose view = %+v", v.MFA)
		}
		wantKind(t, h.flows.UseMFAMethod(ctx, signin.MethodBackupCode), signin.KindMFAMethodNotAllowed)
		if err := h.flows.UseMFAMethod(ctx, signin.MethodSMS); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFAEnrollPhone)
		before := len(h.srv.Messages())
		for _, bad := range []string{"555 555 0177", "+0 555 555", "+1 555", "+1 555 CALL NOW", "+1555555017712345"} {
			wantKind(t, h.flows.SubmitPhone(ctx, bad), signin.KindInvalidPhone)
		}
		if len(h.srv.Messages()) != before {
			t.Fatal("an invalid number was texted")
		}
		if err := h.flows.SubmitPhone(ctx, "+1 (555) 555-0177"); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenMFASMS)
		if !v.MFA.Enrolling || v.MFA.PhoneMasked != "XXXXXXX0177" || v.MFA.CodeExpiresAt == nil {
			t.Fatalf("enrollment code view = %+v", v.MFA)
		}
		// Back to the choice, then the text message again.
		if err := h.flows.UseMFAMethod(ctx, ""); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFAEnrollChoose)
		_ = h.flows.UseMFAMethod(ctx, signin.MethodSMS)
		h.clock.Advance(2 * time.Second)
		if err := h.flows.SubmitPhone(ctx, "+15555550177"); err != nil {
			t.Fatal(err)
		}
		if err := h.flows.SubmitMFACode(ctx, h.smsCode("+15555550177")); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)
	})
}

// The intermediate session runs out mid-MFA: a fresh sign-in, email kept.
func TestMFAIntermediateSessionExpires(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "fortress")
		code := h.smsCode(localstytch.DemoPhone)
		h.clock.Advance(10*time.Minute + time.Second)
		wantKind(t, h.flows.SubmitMFACode(ctx, code), signin.KindIntermediateExpired)
		v := wantScreen(t, h.flows, signin.ScreenSignedOut)
		if v.Email != demo || v.MFA != nil || v.Notice == nil || v.Notice.Kind != signin.KindIntermediateExpired {
			t.Fatalf("after expiry: %+v", v)
		}
		wantKind(t, h.flows.SubmitMFACode(ctx, code), signin.KindBusy)
		if _, ok := h.storedSession(); ok {
			t.Fatal("a session was stored")
		}
	})
}

// checkToken asks the local API whether a session token is still valid.
func checkToken(t *testing.T, h *harness, token string) signin.Kind {
	t.Helper()
	// The client fetches the signing keys in the background until its
	// context ends: end it with the test, or a fetch still retrying when the
	// local API closes outlives the test.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := stytchclient.New(ctx, stytchclient.Config{ProjectID: h.srv.ProjectID(), Secret: h.srv.Secret(), BaseURL: h.baseURL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthenticateSession(context.Background(), token, 0)
	return signin.KindOf(err)
}

// Switching organizations: the list with the session, MFA in the target,
// cancelling back to the current session (a code typed afterwards is
// refused), then switching for real; the old session is revoked only after
// the new one is stored.
func TestSwitchOrganizationWithMFA(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		oldToken, v := signedInListing(t, h, "northwind")
		slugs := map[string]signin.Membership{}
		for _, o := range v.OtherOrganizations {
			slugs[o.Slug] = o.Membership
		}
		if slugs["vault"] != signin.MembershipMember || slugs["acme"] != signin.MembershipInvited || slugs["fortress"] != signin.MembershipMember ||
			slugs["northwind"] != "" || slugs["example-co"] != "" {
			t.Fatalf("other organizations = %+v", v.OtherOrganizations)
		}
		wantKind(t, h.flows.SwitchOrganization(ctx, "organization-test-nowhere"), signin.KindOrganizationNotFound)

		h.clock.Advance(2 * time.Second)
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, v, "fortress").ID); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenMFASMS)
		if !v.MFA.Switching || v.Organization.Slug != "fortress" {
			t.Fatalf("switch mfa view = %+v %+v", v.MFA, v.Organization)
		}
		if tok, _ := h.storedSession(); tok != oldToken || checkToken(t, h, oldToken) != "" {
			t.Fatal("the current session must stay stored and valid during the switch")
		}
		code := h.smsCode(localstytch.DemoPhone)
		if err := h.flows.CancelMFA(ctx); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.Organization.Slug != "northwind" || v.MFA != nil {
			t.Fatalf("after cancel: %+v", v)
		}
		// The code arrives after the switch was cancelled: nothing takes it.
		err := h.flows.SubmitMFACode(ctx, code)
		wantKind(t, err, signin.KindBusy)
		if !errors.Is(err, signin.ErrNotNow) {
			t.Fatalf("late code: %v", err)
		}
		if checkToken(t, h, oldToken) != "" {
			t.Fatal("cancelling a switch ended the current session")
		}

		if err := h.flows.ListOrganizations(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(31 * time.Second)
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "fortress").ID); err != nil {
			t.Fatal(err)
		}
		if err := h.flows.SubmitMFACode(ctx, h.smsCode(localstytch.DemoPhone)); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		newToken, _ := h.storedSession()
		if v.Organization.Slug != "fortress" || newToken == oldToken || newToken == "" {
			t.Fatalf("after switch: %+v", v.Organization)
		}
		waitFor(t, "the old session revoked", func() bool { return checkToken(t, h, oldToken) == signin.KindSessionExpired })
		if checkToken(t, h, newToken) != "" {
			t.Fatal("the new session is not valid")
		}

		// And back, without MFA (northwind asks none); an invitation is accepted the same way.
		if err := h.flows.ListOrganizations(ctx); err != nil {
			t.Fatal(err)
		}
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "northwind").ID); err != nil {
			t.Fatal(err)
		}
		v = wantScreen(t, h.flows, signin.ScreenSignedIn)
		if v.Organization.Slug != "northwind" {
			t.Fatalf("back: %+v", v.Organization)
		}
		waitFor(t, "the fortress session revoked", func() bool { return checkToken(t, h, newToken) == signin.KindSessionExpired })
		_ = h.flows.ListOrganizations(ctx)
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "acme").ID); err != nil {
			t.Fatal(err)
		}
		if v = wantScreen(t, h.flows, signin.ScreenSignedIn); v.Organization.Slug != "acme" {
			t.Fatalf("acme: %+v", v.Organization)
		}
	})
}

// Signing out during MFA ends the step, whether it came from a sign-in or a switch.
func TestSignOutDuringMFA(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "northwind")
		token, _ := h.storedSession()
		_ = h.flows.ListOrganizations(ctx)
		h.clock.Advance(2 * time.Second)
		if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "fortress").ID); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenMFASMS)
		code := h.smsCode(localstytch.DemoPhone)
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		if v := wantScreen(t, h.flows, signin.ScreenSignedOut); v.MFA != nil {
			t.Fatalf("mfa view left: %+v", v.MFA)
		}
		if _, ok := h.storedSession(); ok {
			t.Fatal("session still stored")
		}
		if checkToken(t, h, token) != signin.KindSessionExpired {
			t.Fatal("the session signed out of was not revoked")
		}
		wantKind(t, h.flows.SubmitMFACode(ctx, code), signin.KindBusy)

		// During the MFA of a sign-in (no session yet).
		h.clock.Advance(2 * time.Second)
		enter(t, h, "fortress")
		if err := h.flows.SignOut(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedOut)
		wantKind(t, h.flows.SubmitMFACode(ctx, h.smsCode(localstytch.DemoPhone)), signin.KindBusy)
	})
}

// The backup codes go to the saver (the lifecycle writes the file, see
// app/lifecycle), and the screen says where; nowhere else.
func TestSaveRecoveryCodes(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	enter(t, h, "vault")
	if err := h.flows.SubmitMFACode(ctx, totpNow(t, h)); err != nil {
		t.Fatal(err)
	}
	codes := wantScreen(t, h.flows, signin.ScreenMFARecoveryCodes).MFA.RecoveryCodes
	path := t.TempDir() + "/codes.txt"
	var saved signin.BackupCodes
	save := func(c signin.BackupCodes) (string, error) { saved = c; return path, nil }
	if err := h.flows.SaveRecoveryCodes(ctx, save); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(saved.Codes, codes) || saved.Organization == "" || saved.Email == "" {
		t.Fatalf("saved: %d codes for %q (%q)", len(saved.Codes), saved.Organization, saved.Email)
	}
	if v := h.flows.View(); v.MFA.SavedTo != path || v.Screen != signin.ScreenMFARecoveryCodes {
		t.Fatalf("after save: %+v", v.MFA)
	}
	failing := func(signin.BackupCodes) (string, error) {
		return "", errors.New("open /missing/dir/codes.txt: no such file or directory")
	}
	wantKind(t, h.flows.SaveRecoveryCodes(ctx, failing), signin.KindSaveFailed)
	if strings.Contains(h.logs.String(), codes[0]) {
		t.Fatal("a backup code reached the log")
	}
	if err := h.flows.ConfirmRecoveryCodes(ctx); err != nil {
		t.Fatal(err)
	}
	wantKind(t, h.flows.SaveRecoveryCodes(ctx, save), signin.KindBusy)
}

// Cancelling MFA after discovery goes back to the organization list, where
// the same intermediate session enters another organization (no new email);
// once it has expired, cancel goes to email entry.
func TestCancelMFAGoesBackToTheList(t *testing.T) {
	eachPort(t, func(t *testing.T, port portFactory) {
		ctx := context.Background()
		h := newHarness(t, port)
		enter(t, h, "fortress")
		wantScreen(t, h.flows, signin.ScreenMFASMS)
		if err := h.flows.CancelMFA(ctx); err != nil {
			t.Fatal(err)
		}
		v := wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		if v.MFA != nil || len(v.Organizations) == 0 {
			t.Fatalf("after cancel: %+v", v)
		}
		if err := h.flows.ChooseOrganization(ctx, orgBySlug(t, v, "northwind").ID); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h.flows, signin.ScreenSignedIn)

		h2 := newHarness(t, port)
		enter(t, h2, "fortress")
		h2.clock.Advance(10*time.Minute + time.Second)
		if err := h2.flows.CancelMFA(ctx); err != nil {
			t.Fatal(err)
		}
		wantScreen(t, h2.flows, signin.ScreenSignedOut)
	})
}
