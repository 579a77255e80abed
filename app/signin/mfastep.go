package signin

import (
	"errors"
	"slices"
	"time"
)

// The MFA step as a pure function: stepMFA(step, event) → (step, effect).
// It decides which screen shows and what must happen next — text a code,
// create an authenticator registration, check a code, keep or adopt the
// session, leave the step — and does none of it: the Flows methods in mfa.go
// carry effects out (HTTP, keychain, view) and feed the results back as
// events. Nothing here locks, calls Stytch or reads the clock (events carry
// the time), so mfastep_test.go walks it with plain tables.
//
// Screen choice follows Stytch's own B2B UI: a code already texted first;
// else the member's default method if enrolled and allowed, else the first
// enrolled and allowed one; else enrollment — straight to the only allowed
// method, or a choice (docs/stytch-notes.md, "MFA").

// Limits of the SMS step. Stytch's code lives two minutes; the resend gap
// and count are the app's own, so a user can't run up texts by clicking.
const (
	smsCodeLifetime   = 2 * time.Minute
	smsResendInterval = 30 * time.Second
	maxSMSResends     = 3
)

// mfaStep is the MFA step in progress. stepMFA never changes one in place.
type mfaStep struct {
	org       Organization
	member    Member
	state     MFAState
	switching bool           // started from a signed-in session (switch.go)
	list      []Organization // the discovery list the step came from, for Cancel
	screen    Screen         // the MFA screen shown; its method is methodOf(screen)
	enrolling bool
	phone     string // enrollment: the number typed (E.164)

	codeSentAt time.Time
	resends    int

	totp *TOTPEnrollment // enrollment: secret, QR code and backup codes (secrets)

	// After an authenticator app was set up the session exists but the
	// backup codes are on screen until the user confirms them.
	confirming bool
	oldToken   string // switching: the session to revoke once the new one is stored
}

// mfaMethodScreens is the method → screen rule, the only one: where each method
// is used, and where it is set up.
var mfaMethodScreens = []struct {
	method      string
	use, enroll Screen
}{
	{MethodSMS, ScreenMFASMS, ScreenMFAEnrollPhone},
	{MethodTOTP, ScreenMFATOTP, ScreenMFAEnrollTOTP},
	{MethodBackupCode, ScreenMFABackupCode, ""},
	{"", "", ScreenMFAEnrollChoose},
}

// screenFor is the screen where method is used (or, enrolling, set up).
func screenFor(method string, enrolling bool) Screen {
	for _, m := range mfaMethodScreens {
		if m.method == method {
			if enrolling {
				return m.enroll
			}
			return m.use
		}
	}
	return ""
}

// methodOf is the method a screen uses or sets up ("" for none).
func methodOf(s Screen) string {
	for _, m := range mfaMethodScreens {
		if s != "" && (m.use == s || m.enroll == s) {
			return m.method
		}
	}
	return ""
}

func (s *mfaStep) method() string { return methodOf(s.screen) }

func (s *mfaStep) allowed(method string) bool {
	return s.state.AllowedMethods == nil || slices.Contains(s.state.AllowedMethods, method)
}

// enrolled: the member has method set up. Backup codes come with an
// authenticator app (Stytch issues them with it).
func (s *mfaStep) enrolled(method string) bool {
	switch method {
	case MethodSMS:
		return s.state.HasPhone
	case MethodTOTP, MethodBackupCode:
		return s.state.HasTOTP
	}
	return false
}

// usable: enrolled and allowed by the organization.
func (s *mfaStep) usable(method string) bool { return s.enrolled(method) && s.allowed(method) }

// firstMethod picks where the step begins (see the top of this file).
func (s *mfaStep) firstMethod() (method string, enrolling bool) {
	sms, totp := s.usable(MethodSMS), s.usable(MethodTOTP)
	switch {
	case s.state.SMSSent && sms:
		return MethodSMS, false
	case s.state.DefaultMethod == MethodTOTP && totp:
		return MethodTOTP, false
	case s.state.DefaultMethod == MethodSMS && sms:
		return MethodSMS, false
	case sms:
		return MethodSMS, false
	case totp:
		return MethodTOTP, false
	}
	switch {
	case s.allowed(MethodSMS) && s.allowed(MethodTOTP):
		return "", true
	case s.allowed(MethodTOTP):
		return MethodTOTP, true
	default:
		return MethodSMS, true
	}
}

// codeFresh: a code went out less than smsResendInterval ago.
func (s *mfaStep) codeFresh(now time.Time) bool {
	return !s.codeSentAt.IsZero() && now.Before(s.codeSentAt.Add(smsResendInterval))
}

// codeLive: the last code texted is still within Stytch's lifetime.
func (s *mfaStep) codeLive(now time.Time) bool {
	return !s.codeSentAt.IsZero() && now.Before(s.codeSentAt.Add(smsCodeLifetime))
}

type mfaEventKind int

const (
	mfaStart        mfaEventKind = iota // an answer needs MFA: auth, oldToken, list
	mfaUse                              // the user picks method ("" = the enrollment choice)
	mfaPhone                            // enrollment: text a code to phone (already normalized)
	mfaResend                           // text the code again
	mfaSubmitCode                       // a texted or authenticator code
	mfaSubmitBackup                     // a backup code
	mfaCodeSent                         // result: a code went out (to phone, "" = the member's number)
	mfaTOTPCreated                      // result: an authenticator registration (totp)
	mfaVerified                         // result: Stytch accepted the factor (auth)
	mfaStored                           // result: the session kept during confirming was stored (ok)
	mfaConfirm                          // the user saved the backup codes
	mfaCancel                           // the user leaves the step; listLive: not signed in and the intermediate session lives
)

// mfaEvent is something the user did, or the result of an effect.
type mfaEvent struct {
	kind     mfaEventKind
	now      time.Time
	method   string
	phone    string
	code     string
	resend   bool
	totp     *TOTPEnrollment
	auth     Authentication
	oldToken string         // mfaStart: the signed-in session switched from ("" when signing in)
	list     []Organization // mfaStart: the organization list the step came from
	ok       bool
	listLive bool
}

type mfaEffectKind int

const (
	mfaShow        mfaEffectKind = iota // show the step's screen; nothing else
	mfaTextCode                         // text a code to phone ("" = the member's number); then mfaCodeSent
	mfaCreateTOTP                       // create an authenticator registration; then mfaTOTPCreated
	mfaCheckSMS                         // check code as a texted code; then mfaVerified
	mfaCheckTOTP                        // check code as an authenticator code; then mfaVerified
	mfaCheckBackup                      // check code as a backup code; then mfaVerified
	mfaKeepSession                      // adopt and store auth's session, show the backup codes; then mfaStored
	mfaSignIn                           // the step is over: sign in with auth, then revoke oldToken
	mfaSignedIn                         // the step is over: show the session already kept, revoke oldToken
	mfaBackToList                       // the step is over: the organization list again
	mfaAbandon                          // the step is over: the session switched from, or email entry
)

// mfaEffect is what the step needs done next.
type mfaEffect struct {
	kind     mfaEffectKind
	phone    string
	code     string
	resend   bool
	auth     Authentication
	oldToken string
	list     []Organization
	email    string
}

// Operation names of the step's errors.
const (
	opChooseMethod = "choose verification method"
	opResend       = "resend code"
	opNoStep       = "mfa"
)

// errNoStep: an event for a step that is not (or no longer) in progress.
var errNoStep = errors.New("no MFA step in progress")

// stepMFA is the MFA step: the step after ev, and the effect to carry out.
// A nil step (before mfaStart, or after an effect that ends the step) has
// no state. An error refuses ev: the step returned is cur, unchanged.
func stepMFA(cur *mfaStep, ev mfaEvent) (*mfaStep, mfaEffect, error) {
	if ev.kind == mfaStart {
		return startStep(ev)
	}
	if cur == nil {
		return nil, mfaEffect{}, E(opNoStep, KindIntermediateExpired, errNoStep)
	}
	s := *cur
	show := mfaEffect{kind: mfaShow}
	switch ev.kind {
	case mfaUse:
		next, eff, err := s.use(ev)
		if err != nil {
			return cur, mfaEffect{}, err
		}
		return next, eff, nil
	case mfaPhone:
		return &s, mfaEffect{kind: mfaTextCode, phone: ev.phone}, nil
	case mfaResend:
		if s.resends >= maxSMSResends {
			return cur, mfaEffect{}, E(opResend, KindResendLimit, errors.New("no more texts for this sign-in"))
		}
		if next := s.codeSentAt.Add(smsResendInterval); s.codeFresh(ev.now) {
			return cur, mfaEffect{}, &Error{Op: opResend, Kind: KindRateLimited, RetryAfter: next.Sub(ev.now), Err: errors.New("resend requested too soon")}
		}
		return &s, mfaEffect{kind: mfaTextCode, phone: s.phone, resend: true}, nil
	case mfaCodeSent:
		s.codeSentAt, s.screen = ev.now, screenFor(MethodSMS, false)
		if ev.phone != "" {
			s.phone = ev.phone
		}
		if ev.resend {
			s.resends++
		}
		return &s, show, nil
	case mfaTOTPCreated:
		s.totp, s.enrolling, s.screen = ev.totp, true, screenFor(MethodTOTP, true)
		return &s, show, nil
	case mfaSubmitCode:
		if s.method() == MethodSMS {
			return &s, mfaEffect{kind: mfaCheckSMS, code: ev.code}, nil
		}
		return &s, mfaEffect{kind: mfaCheckTOTP, code: ev.code}, nil
	case mfaSubmitBackup:
		return &s, mfaEffect{kind: mfaCheckBackup, code: ev.code}, nil
	case mfaVerified:
		if s.enrolling && s.method() == MethodTOTP && s.totp != nil && len(s.totp.RecoveryCodes) > 0 {
			// The session exists; the backup codes show before the member
			// is signed in (a crash there loses nothing).
			s.confirming, s.screen = true, ScreenMFARecoveryCodes
			return &s, mfaEffect{kind: mfaKeepSession, auth: ev.auth}, nil
		}
		return nil, mfaEffect{kind: mfaSignIn, auth: ev.auth, oldToken: s.oldToken}, nil
	case mfaStored:
		if !ev.ok {
			s.oldToken = "" // not stored: the session switched from stays, not revoked
		}
		return &s, show, nil
	case mfaConfirm:
		return nil, mfaEffect{kind: mfaSignedIn, oldToken: s.oldToken}, nil
	case mfaCancel:
		if len(s.list) > 0 && ev.listLive {
			return nil, mfaEffect{kind: mfaBackToList, list: s.list}, nil
		}
		return nil, mfaEffect{kind: mfaAbandon, email: s.member.Email}, nil
	}
	return cur, mfaEffect{}, Errorf(opNoStep, KindBusy, "unknown MFA event %d", ev.kind)
}

// startStep begins the step for an answer that needs MFA.
func startStep(ev mfaEvent) (*mfaStep, mfaEffect, error) {
	s := &mfaStep{org: ev.auth.Organization, member: ev.auth.Member, state: ev.auth.MFA,
		switching: ev.oldToken != "", oldToken: ev.oldToken}
	if !s.switching {
		s.list = ev.list
	}
	method, enrolling := s.firstMethod()
	s.enrolling, s.screen = enrolling, screenFor(method, enrolling)
	switch {
	case s.screen == ScreenMFASMS && s.state.SMSSent:
		s.codeSentAt = ev.now // Stytch texted it with its answer
	case s.screen == ScreenMFASMS:
		return s, mfaEffect{kind: mfaTextCode}, nil
	case s.screen == ScreenMFAEnrollTOTP:
		return s, mfaEffect{kind: mfaCreateTOTP}, nil
	}
	return s, mfaEffect{kind: mfaShow}, nil
}

// use switches the step to another method: in use, or set up while enrolling.
func (s mfaStep) use(ev mfaEvent) (*mfaStep, mfaEffect, error) {
	m := ev.method
	ok := false
	switch m {
	case MethodSMS, MethodTOTP:
		ok = s.allowed(m) && (s.enrolling || s.enrolled(m))
	case MethodBackupCode:
		ok = !s.enrolling && s.enrolled(m)
	case "":
		ok = s.enrolling && s.allowed(MethodSMS) && s.allowed(MethodTOTP)
	}
	if !ok {
		return nil, mfaEffect{}, Errorf(opChooseMethod, KindMFAMethodNotAllowed, "method %q not available here", m)
	}
	switch {
	case s.enrolling && m == MethodTOTP:
		return &s, mfaEffect{kind: mfaCreateTOTP}, nil // its screen shows once created
	case !s.enrolling && m == MethodSMS && !s.codeFresh(ev.now):
		return &s, mfaEffect{kind: mfaTextCode}, nil // a code just went out: don't text another
	case m == "":
		s.totp, s.phone = nil, ""
	}
	s.screen = screenFor(m, s.enrolling)
	return &s, mfaEffect{kind: mfaShow}, nil
}

// view is the screens' view of the step. interExpires is when the
// intermediate session runs out (nil: unknown).
func (s *mfaStep) view(interExpires *time.Time) *MFAView {
	mv := &MFAView{
		Method:                s.method(),
		Enrolling:             s.enrolling,
		Switching:             s.switching,
		BackToList:            len(s.list) > 0,
		AllowedMethods:        s.state.AllowedMethods,
		PhoneMasked:           s.state.PhoneMasked,
		IntermediateExpiresAt: interExpires,
	}
	if s.phone != "" {
		mv.PhoneMasked = MaskPhone(s.phone)
	}
	if !s.enrolling {
		mv.CanUseSMS = s.usable(MethodSMS) && s.screen != screenFor(MethodSMS, false)
		mv.CanUseTOTP = s.usable(MethodTOTP) && s.screen != screenFor(MethodTOTP, false)
		mv.CanUseBackupCode = s.enrolled(MethodBackupCode) && s.screen != screenFor(MethodBackupCode, false)
	}
	if s.screen == ScreenMFASMS && !s.codeSentAt.IsZero() {
		exp, next := s.codeSentAt.Add(smsCodeLifetime), s.codeSentAt.Add(smsResendInterval)
		mv.CodeExpiresAt, mv.ResendAfter = &exp, &next
		mv.ResendsLeft = max(0, maxSMSResends-s.resends)
	}
	if s.screen == ScreenMFAEnrollTOTP && s.totp != nil {
		mv.TOTPQRCode, mv.TOTPSecret = s.totp.QRCode, s.totp.Secret
	}
	if s.screen == ScreenMFARecoveryCodes && s.totp != nil {
		mv.Method = MethodTOTP // the codes come with the authenticator app
		mv.RecoveryCodes = append([]string(nil), s.totp.RecoveryCodes...)
	}
	return mv
}
