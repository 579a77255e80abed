package signin

import (
	"slices"
	"testing"
	"time"
)

// The MFA step walked as a pure function: no HTTP, no keychain, no Flows.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func mfaAuth(st MFAState) Authentication {
	return Authentication{MFARequired: true, IntermediateSessionToken: "ist", MFA: st,
		Member: Member{ID: "m", Email: "a@example.com"}, Organization: Organization{ID: "o"}}
}

// Where the step begins, and what it asks for first.
func TestMFAStart(t *testing.T) {
	both := []string{MethodSMS, MethodTOTP}
	for _, c := range []struct {
		name      string
		state     MFAState
		screen    Screen
		enrolling bool
		effect    mfaEffectKind
	}{
		{"code already texted", MFAState{SMSSent: true, HasPhone: true, HasTOTP: true, DefaultMethod: MethodTOTP}, ScreenMFASMS, false, mfaShow},
		{"default totp", MFAState{HasPhone: true, HasTOTP: true, DefaultMethod: MethodTOTP}, ScreenMFATOTP, false, mfaShow},
		{"default sms texts a code", MFAState{HasPhone: true, HasTOTP: true, DefaultMethod: MethodSMS}, ScreenMFASMS, false, mfaTextCode},
		{"only a phone", MFAState{HasPhone: true}, ScreenMFASMS, false, mfaTextCode},
		{"only totp", MFAState{HasTOTP: true}, ScreenMFATOTP, false, mfaShow},
		{"enrolled method not allowed", MFAState{HasPhone: true, AllowedMethods: []string{MethodTOTP}}, ScreenMFAEnrollTOTP, true, mfaCreateTOTP},
		{"texted but sms not allowed", MFAState{SMSSent: true, HasPhone: true, HasTOTP: true, AllowedMethods: []string{MethodTOTP}}, ScreenMFATOTP, false, mfaShow},
		{"nothing enrolled, both allowed", MFAState{AllowedMethods: both}, ScreenMFAEnrollChoose, true, mfaShow},
		{"nothing enrolled, any allowed", MFAState{}, ScreenMFAEnrollChoose, true, mfaShow},
		{"nothing enrolled, sms only", MFAState{AllowedMethods: []string{MethodSMS}}, ScreenMFAEnrollPhone, true, mfaShow},
	} {
		st, eff, err := stepMFA(nil, mfaEvent{kind: mfaStart, now: t0, auth: mfaAuth(c.state)})
		if err != nil || st.screen != c.screen || st.enrolling != c.enrolling || eff.kind != c.effect {
			t.Errorf("%s: screen %s enrolling %v effect %d err %v; want %s %v %d", c.name, st.screen, st.enrolling, eff.kind, err, c.screen, c.enrolling, c.effect)
		}
		if c.state.SMSSent && st.screen == ScreenMFASMS && !st.codeSentAt.Equal(t0) {
			t.Errorf("%s: a code Stytch texted is not timed from its answer", c.name)
		}
	}
}

// The method → screen rule and its inverse agree.
func TestMFAMethodScreens(t *testing.T) {
	for _, m := range []string{MethodSMS, MethodTOTP, MethodBackupCode} {
		if got := methodOf(screenFor(m, false)); got != m {
			t.Errorf("methodOf(screenFor(%q)) = %q", m, got)
		}
	}
	for _, m := range []string{MethodSMS, MethodTOTP, ""} {
		if got := methodOf(screenFor(m, true)); got != m {
			t.Errorf("enrolling: methodOf(screenFor(%q)) = %q", m, got)
		}
	}
}

func signedInStep(screen Screen, st MFAState) *mfaStep {
	return &mfaStep{org: Organization{ID: "o"}, member: Member{ID: "m", Email: "a@example.com"}, state: st, screen: screen}
}

// Switching methods: allowed ones move (or ask for a text / a registration),
// others are refused and change nothing.
func TestMFAUse(t *testing.T) {
	enrolled := MFAState{HasPhone: true, HasTOTP: true}
	totpOnly := MFAState{HasPhone: true, HasTOTP: true, AllowedMethods: []string{MethodTOTP}}
	enrolling := func(s Screen) *mfaStep {
		st := signedInStep(s, MFAState{})
		st.enrolling, st.phone = true, "+15555550123"
		st.totp = &TOTPEnrollment{Secret: "s"}
		return st
	}
	fresh := signedInStep(ScreenMFATOTP, enrolled)
	fresh.codeSentAt = t0.Add(-10 * time.Second)
	for _, c := range []struct {
		name   string
		from   *mfaStep
		method string
		screen Screen // "" = refused
		effect mfaEffectKind
	}{
		{"totp to sms texts", signedInStep(ScreenMFATOTP, enrolled), MethodSMS, ScreenMFATOTP, mfaTextCode},
		{"totp to sms, code fresh", fresh, MethodSMS, ScreenMFASMS, mfaShow},
		{"sms to totp", signedInStep(ScreenMFASMS, enrolled), MethodTOTP, ScreenMFATOTP, mfaShow},
		{"to backup code", signedInStep(ScreenMFATOTP, enrolled), MethodBackupCode, ScreenMFABackupCode, mfaShow},
		{"sms not allowed", signedInStep(ScreenMFATOTP, totpOnly), MethodSMS, "", 0},
		{"sms not enrolled", signedInStep(ScreenMFATOTP, MFAState{HasTOTP: true}), MethodSMS, "", 0},
		{"backup without totp", signedInStep(ScreenMFASMS, MFAState{HasPhone: true}), MethodBackupCode, "", 0},
		{"enrollment choice while not enrolling", signedInStep(ScreenMFASMS, enrolled), "", "", 0},
		{"enroll phone", enrolling(ScreenMFAEnrollChoose), MethodSMS, ScreenMFAEnrollPhone, mfaShow},
		{"enroll totp creates", enrolling(ScreenMFAEnrollChoose), MethodTOTP, ScreenMFAEnrollChoose, mfaCreateTOTP},
		{"backup while enrolling", enrolling(ScreenMFAEnrollTOTP), MethodBackupCode, "", 0},
		{"back to the choice", enrolling(ScreenMFAEnrollTOTP), "", ScreenMFAEnrollChoose, mfaShow},
		{"unknown method", signedInStep(ScreenMFASMS, enrolled), "carrier_pigeon", "", 0},
	} {
		before := *c.from
		st, eff, err := stepMFA(c.from, mfaEvent{kind: mfaUse, method: c.method, now: t0})
		if c.from.screen != before.screen || c.from.totp != before.totp || c.from.phone != before.phone {
			t.Errorf("%s: the step was changed in place", c.name)
		}
		if c.screen == "" {
			if KindOf(err) != KindMFAMethodNotAllowed || st != c.from {
				t.Errorf("%s: %v, step %p; want refused and unchanged", c.name, err, st)
			}
			continue
		}
		if err != nil || st.screen != c.screen || eff.kind != c.effect {
			t.Errorf("%s: screen %s effect %d err %v; want %s %d", c.name, st.screen, eff.kind, err, c.screen, c.effect)
		}
		if c.method == "" && (st.totp != nil || st.phone != "") {
			t.Errorf("%s: the abandoned enrollment is kept", c.name)
		}
	}
}

// Texts: the limit, the gap, and the count kept from the result.
func TestMFAResend(t *testing.T) {
	st := signedInStep(ScreenMFASMS, MFAState{HasPhone: true})
	st.codeSentAt = t0
	if _, _, err := stepMFA(st, mfaEvent{kind: mfaResend, now: t0.Add(10 * time.Second)}); KindOf(err) != KindRateLimited || RetryAfterOf(err) != 20*time.Second {
		t.Fatalf("too soon: %v (retry after %v)", err, RetryAfterOf(err))
	}
	now := t0.Add(smsResendInterval)
	for i := range maxSMSResends {
		next, eff, err := stepMFA(st, mfaEvent{kind: mfaResend, now: now})
		if err != nil || eff.kind != mfaTextCode || !eff.resend {
			t.Fatalf("resend %d: %v %+v", i, err, eff)
		}
		st, _, _ = stepMFA(next, mfaEvent{kind: mfaCodeSent, resend: true, now: now})
		now = now.Add(smsResendInterval)
	}
	if st.resends != maxSMSResends || !st.codeSentAt.Equal(now.Add(-smsResendInterval)) {
		t.Fatalf("after %d resends: %d, sent at %v", maxSMSResends, st.resends, st.codeSentAt)
	}
	if v := st.view(nil); v.ResendsLeft != 0 || v.ResendAfter == nil {
		t.Fatalf("view after the last resend: %+v", v)
	}
	if _, _, err := stepMFA(st, mfaEvent{kind: mfaResend, now: now}); KindOf(err) != KindResendLimit {
		t.Fatalf("over the limit: %v", err)
	}
}

// Enrolling a phone: the code goes to the number typed, which the screens
// then show masked.
func TestMFAEnrollPhone(t *testing.T) {
	st, _, _ := stepMFA(nil, mfaEvent{kind: mfaStart, now: t0, auth: mfaAuth(MFAState{AllowedMethods: []string{MethodSMS}})})
	st, eff, err := stepMFA(st, mfaEvent{kind: mfaPhone, phone: "+15555550123"})
	if err != nil || eff.kind != mfaTextCode || eff.phone != "+15555550123" || st.screen != ScreenMFAEnrollPhone {
		t.Fatalf("phone: %v %+v %s", err, eff, st.screen)
	}
	st, _, _ = stepMFA(st, mfaEvent{kind: mfaCodeSent, phone: eff.phone, now: t0})
	if st.screen != ScreenMFASMS || st.method() != MethodSMS || st.view(nil).PhoneMasked != MaskPhone("+15555550123") {
		t.Fatalf("after the text: %s %+v", st.screen, st.view(nil))
	}
	if _, eff, _ := stepMFA(st, mfaEvent{kind: mfaSubmitCode, code: "123456"}); eff.kind != mfaCheckSMS || eff.code != "123456" {
		t.Fatalf("submit: %+v", eff)
	}
}

// Setting up an authenticator app: the codes show before the member is
// signed in; the session switched from is revoked only once the new one is
// stored.
func TestMFAEnrollTOTPThenCodes(t *testing.T) {
	st, eff, _ := stepMFA(nil, mfaEvent{kind: mfaStart, now: t0, oldToken: "old",
		auth: mfaAuth(MFAState{AllowedMethods: []string{MethodTOTP}})})
	if eff.kind != mfaCreateTOTP || !st.switching || st.list != nil {
		t.Fatalf("start: %+v %+v", eff, st)
	}
	reg := &TOTPEnrollment{Secret: "secret", QRCode: "qr", RecoveryCodes: []string{"a", "b"}}
	st, _, _ = stepMFA(st, mfaEvent{kind: mfaTOTPCreated, totp: reg})
	if v := st.view(nil); v.TOTPSecret != "secret" || v.RecoveryCodes != nil {
		t.Fatalf("enroll view: %+v", v)
	}
	_, eff, _ = stepMFA(st, mfaEvent{kind: mfaSubmitCode, code: "123456"})
	if eff.kind != mfaCheckTOTP {
		t.Fatalf("submit: %+v", eff)
	}
	auth := Authentication{Authenticated: true, SessionToken: "new"}
	codes, eff, _ := stepMFA(st, mfaEvent{kind: mfaVerified, auth: auth})
	if eff.kind != mfaKeepSession || codes.screen != ScreenMFARecoveryCodes || !codes.confirming {
		t.Fatalf("verified: %+v %+v", eff, codes)
	}
	if v := codes.view(nil); !slices.Equal(v.RecoveryCodes, reg.RecoveryCodes) || v.TOTPSecret != "" || v.Method != MethodTOTP {
		t.Fatalf("codes view: %+v", v)
	}
	for _, c := range []struct {
		stored bool
		revoke string
	}{{true, "old"}, {false, ""}} {
		kept, _, _ := stepMFA(codes, mfaEvent{kind: mfaStored, ok: c.stored})
		end, eff, _ := stepMFA(kept, mfaEvent{kind: mfaConfirm})
		if end != nil || eff.kind != mfaSignedIn || eff.oldToken != c.revoke {
			t.Errorf("stored %v: confirm %+v, want revoke %q", c.stored, eff, c.revoke)
		}
	}
}

// A verified factor without a new authenticator app ends the step at once.
func TestMFAVerifiedSignsIn(t *testing.T) {
	st := signedInStep(ScreenMFATOTP, MFAState{HasTOTP: true})
	st.oldToken = "old"
	auth := Authentication{Authenticated: true, SessionToken: "new"}
	end, eff, err := stepMFA(st, mfaEvent{kind: mfaVerified, auth: auth})
	if err != nil || end != nil || eff.kind != mfaSignIn || eff.auth.SessionToken != "new" || eff.oldToken != "old" {
		t.Fatalf("%v %+v %+v", err, end, eff)
	}
}

// Cancel: back to the list only when there is one and it can still be used.
func TestMFACancel(t *testing.T) {
	list := []Organization{{ID: "o"}, {ID: "p"}}
	withList := signedInStep(ScreenMFASMS, MFAState{HasPhone: true})
	withList.list = list
	for _, c := range []struct {
		name string
		st   *mfaStep
		live bool
		want mfaEffectKind
	}{
		{"list, live", withList, true, mfaBackToList},
		{"list, expired or signed in", withList, false, mfaAbandon},
		{"no list", signedInStep(ScreenMFASMS, MFAState{HasPhone: true}), true, mfaAbandon},
	} {
		end, eff, err := stepMFA(c.st, mfaEvent{kind: mfaCancel, listLive: c.live})
		if err != nil || end != nil || eff.kind != c.want {
			t.Errorf("%s: %v %+v, want effect %d", c.name, err, eff, c.want)
		}
		if eff.kind == mfaAbandon && eff.email != "a@example.com" {
			t.Errorf("%s: the address is not kept for email entry", c.name)
		}
	}
}

// Events for a step that is not in progress are refused.
func TestMFANoStep(t *testing.T) {
	for _, k := range []mfaEventKind{mfaUse, mfaPhone, mfaResend, mfaSubmitCode, mfaSubmitBackup, mfaConfirm, mfaCancel, mfaVerified} {
		if _, _, err := stepMFA(nil, mfaEvent{kind: k}); KindOf(err) != KindIntermediateExpired {
			t.Errorf("event %d without a step: %v", k, err)
		}
	}
}

// The view offers the other usable methods, not the one on screen.
func TestMFAViewOffers(t *testing.T) {
	st := signedInStep(ScreenMFASMS, MFAState{HasPhone: true, HasTOTP: true})
	if v := st.view(nil); v.CanUseSMS || !v.CanUseTOTP || !v.CanUseBackupCode || v.Method != MethodSMS {
		t.Fatalf("on sms: %+v", v)
	}
	st.screen = ScreenMFABackupCode
	if v := st.view(nil); !v.CanUseSMS || !v.CanUseTOTP || v.CanUseBackupCode {
		t.Fatalf("on backup code: %+v", v)
	}
	st.state.AllowedMethods = []string{MethodTOTP}
	if v := st.view(nil); v.CanUseSMS {
		t.Fatalf("sms offered while not allowed: %+v", v)
	}
}
