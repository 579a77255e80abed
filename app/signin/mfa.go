package signin

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"time"
)

// The MFA step: after any primary step (or an organization switch) that
// Stytch answers with member_authenticated:false and mfa_required, the member
// proves a second factor — a texted code, an authenticator-app code or a
// backup code — or sets one up first. The step's secrets are the
// intermediate session token (f.inter, memory only) and, while an
// authenticator app is being set up, its secret and backup codes (f.mfa),
// which reach the screens only on the two enrollment screens that show them.
// Screen choice follows reference stytch-b2b-mfa-sso-broker.md §2 (Stytch's
// own B2B UI).

// Limits of the SMS step. Stytch's code lives two minutes; the resend gap
// and count are the app's own, so a user can't run up texts by clicking.
const (
	smsCodeLifetime   = 2 * time.Minute
	smsResendInterval = 30 * time.Second
	maxSMSResends     = 3
)

// mfaStep is the MFA step in progress.
type mfaStep struct {
	org       Organization
	member    Member
	state     MFAState
	switching bool           // started from a signed-in session (switch.go)
	list      []Organization // the discovery list the step came from, for Cancel
	method    string         // MethodSMS, MethodTOTP, MethodBackupCode, "" (choose)
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

func (s *mfaStep) allowed(method string) bool {
	return s.state.AllowedMethods == nil || slices.Contains(s.state.AllowedMethods, method)
}

func (s *mfaStep) req(ist string) MFARequest {
	return MFARequest{OrganizationID: s.org.ID, MemberID: s.member.ID, IntermediateSessionToken: ist}
}

// chooseMFA picks the first screen (reference §2): a code already texted;
// else the default method if enrolled and allowed, else the first enrolled
// and allowed one; else enrollment — straight to the only allowed method,
// or a choice.
func chooseMFA(st *mfaStep) Screen {
	sms := st.state.HasPhone && st.allowed(MethodSMS)
	totp := st.state.HasTOTP && st.allowed(MethodTOTP)
	switch {
	case st.state.SMSSent && sms:
		return ScreenMFASMS
	case st.state.DefaultMethod == MethodTOTP && totp:
		return ScreenMFATOTP
	case st.state.DefaultMethod == MethodSMS && sms:
		return ScreenMFASMS
	case sms:
		return ScreenMFASMS
	case totp:
		return ScreenMFATOTP
	}
	st.enrolling = true
	switch {
	case st.allowed(MethodSMS) && st.allowed(MethodTOTP):
		return ScreenMFAEnrollChoose
	case st.allowed(MethodTOTP):
		return ScreenMFAEnrollTOTP
	default:
		return ScreenMFAEnrollPhone
	}
}

func methodOf(s Screen) string {
	switch s {
	case ScreenMFASMS, ScreenMFAEnrollPhone:
		return MethodSMS
	case ScreenMFATOTP, ScreenMFAEnrollTOTP:
		return MethodTOTP
	case ScreenMFABackupCode:
		return MethodBackupCode
	}
	return ""
}

// startMFA begins the MFA step for an answer that needs it. A member who is
// signed in elsewhere (switching) keeps that session until this one ends.
func (f *Flows) startMFA(ctx context.Context, a Action, auth Authentication) error {
	f.beginIntermediate(auth.IntermediateSessionToken)
	f.mu.Lock()
	step := &mfaStep{org: auth.Organization, member: auth.Member, state: auth.MFA, switching: f.session != nil}
	if step.switching {
		step.oldToken = f.session.rec.Token
	} else {
		step.list = append([]Organization(nil), f.view.Organizations...)
	}
	f.mfa = step
	f.mu.Unlock()
	screen := chooseMFA(step)
	step.method = methodOf(screen)
	f.log.Info("mfa required", "action", string(a), "screen", string(screen), "switching", step.switching)
	if screen == ScreenMFASMS && step.state.SMSSent {
		step.codeSentAt = f.now() // Stytch texted it with its answer
	}
	f.showMFA(a, screen)
	switch {
	case screen == ScreenMFASMS && !step.state.SMSSent:
		return f.textCode(ctx, a, step, "")
	case screen == ScreenMFAEnrollTOTP:
		return f.enrollTOTP(ctx, a, step)
	}
	return nil
}

// showMFA moves to an MFA screen and fills the view from the step.
func (f *Flows) showMFA(a Action, screen Screen) {
	f.update(a, func(v *View) {
		st := f.mfa
		if st == nil {
			return
		}
		v.Screen = screen
		o := st.org
		o.NeedsMoreAuth = true
		v.Organization = &o
		v.Organizations = nil
		v.MFA = f.mfaViewLocked(st, screen)
	})
}

// mfaViewLocked builds the screens' view of step. Caller holds f.mu (update).
func (f *Flows) mfaViewLocked(st *mfaStep, screen Screen) *MFAView {
	mv := &MFAView{
		Method:         methodOf(screen),
		Enrolling:      st.enrolling,
		Switching:      st.switching,
		BackToList:     len(st.list) > 0,
		AllowedMethods: st.state.AllowedMethods,
		PhoneMasked:    st.state.PhoneMasked,
	}
	if st.phone != "" {
		mv.PhoneMasked = MaskPhone(st.phone)
	}
	if !st.enrolling {
		mv.CanUseSMS = st.state.HasPhone && st.allowed(MethodSMS) && screen != ScreenMFASMS
		mv.CanUseTOTP = st.state.HasTOTP && st.allowed(MethodTOTP) && screen != ScreenMFATOTP
		// Backup codes come with an authenticator app (Stytch issues them with it).
		mv.CanUseBackupCode = st.state.HasTOTP && screen != ScreenMFABackupCode
	}
	if f.inter != nil {
		exp := f.inter.expires
		mv.IntermediateExpiresAt = &exp
	}
	if screen == ScreenMFASMS && !st.codeSentAt.IsZero() {
		exp, next := st.codeSentAt.Add(smsCodeLifetime), st.codeSentAt.Add(smsResendInterval)
		mv.CodeExpiresAt, mv.ResendAfter = &exp, &next
		mv.ResendsLeft = max(0, maxSMSResends-st.resends)
	}
	if screen == ScreenMFAEnrollTOTP && st.totp != nil {
		mv.TOTPQRCode, mv.TOTPSecret = st.totp.QRCode, st.totp.Secret
	}
	if screen == ScreenMFARecoveryCodes && st.totp != nil {
		mv.Method = MethodTOTP
		mv.RecoveryCodes = append([]string(nil), st.totp.RecoveryCodes...)
	}
	return mv
}

// liveMFA returns the step and its intermediate session token, or ends the
// step when the token has (by our clock) run out.
func (f *Flows) liveMFA(a Action, op string) (*mfaStep, string, error) {
	f.mu.Lock()
	st, in := f.mfa, f.inter
	f.mu.Unlock()
	if st == nil {
		return nil, "", f.fail(a, E(op, KindIntermediateExpired, errors.New("no MFA step in progress")))
	}
	if in != nil && f.now().Before(in.expires) {
		return st, in.token, nil
	}
	return nil, "", f.abandonMFA(a, E(op, KindIntermediateExpired, errors.New("the verification took too long")))
}

// abandonMFA ends the step: back to the session being switched from, or to
// email entry (the address kept). err, if any, becomes the notice.
func (f *Flows) abandonMFA(a Action, err error) error {
	f.mu.Lock()
	st := f.mfa
	f.mfa, f.inter = nil, nil
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.mu.Unlock()
	if rec != nil {
		f.showSignedIn(a, rec, false, false)
	} else {
		email := ""
		if st != nil {
			email = st.member.Email
		}
		f.update(a, func(v *View) {
			v.Screen = ScreenSignedOut
			if email != "" {
				v.Email = email
			}
			v.MFA, v.Organization, v.Organizations, v.Member = nil, nil, nil, nil
		})
	}
	if err == nil {
		return nil
	}
	return f.fail(a, err)
}

// mfaError classifies a failed MFA call: an expired intermediate session
// ends the step; the rest leave the user on the screen with the notice.
func (f *Flows) mfaError(a Action, op string, st *mfaStep, err error) error {
	err = withOp(op, err)
	switch KindOf(err) {
	case KindIntermediateExpired:
		return f.abandonMFA(a, err)
	case KindRateLimited:
		// On a code check Stytch's 429 means too many wrong codes.
		if a == ActSubmitMFACode || a == ActSubmitBackupCode {
			err = &Error{Op: op, Kind: KindTooManyAttempts, RetryAfter: RetryAfterOf(err), Err: err}
		}
	case KindCodeExpired:
		// Stytch says "expired or used": our clock tells which.
		if st.method == MethodSMS && !st.codeSentAt.IsZero() && f.now().Before(st.codeSentAt.Add(smsCodeLifetime)) {
			err = &Error{Op: op, Kind: KindCodeUsed, Err: err}
		}
	}
	return f.fail(a, err)
}

// textCode sends a code (to phone during enrollment, else to the member's
// number) and shows the code entry with its countdown.
func (f *Flows) textCode(ctx context.Context, a Action, st *mfaStep, phone string) error {
	const op = "text code"
	_, ist, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	cctx, cancel := f.callCtx(ctx)
	err = f.api.SendSMSCode(cctx, st.req(ist), phone)
	cancel()
	if err != nil {
		return f.mfaError(a, op, st, err)
	}
	f.mu.Lock()
	st.codeSentAt = f.now()
	if phone != "" {
		st.phone = phone
	}
	st.method = MethodSMS
	f.mu.Unlock()
	f.showMFA(a, ScreenMFASMS)
	return nil
}

// enrollTOTP creates an authenticator-app registration and shows its QR
// code and secret.
func (f *Flows) enrollTOTP(ctx context.Context, a Action, st *mfaStep) error {
	const op = "set up authenticator app"
	_, ist, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	cctx, cancel := f.callCtx(ctx)
	reg, err := f.api.CreateTOTP(cctx, st.req(ist))
	cancel()
	if err != nil {
		return f.mfaError(a, op, st, err)
	}
	f.mu.Lock()
	st.totp, st.method, st.enrolling = &reg, MethodTOTP, true
	f.mu.Unlock()
	f.showMFA(a, ScreenMFAEnrollTOTP)
	return nil
}

// SubmitMFACode checks a texted or authenticator-app code (6 digits; spaces
// and dashes of a pasted code are ignored).
func (f *Flows) SubmitMFACode(ctx context.Context, code string) error {
	const a, op = ActSubmitMFACode, "verify code"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	code, err = NormalizeCode(code)
	if err != nil {
		return f.fail(a, err)
	}
	st, ist, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	cctx, cancel := f.callCtx(ctx)
	var auth Authentication
	if st.method == MethodSMS {
		auth, err = f.api.AuthenticateSMSCode(cctx, st.req(ist), code, f.sessionMinutes())
	} else {
		auth, err = f.api.AuthenticateTOTP(cctx, st.req(ist), code, f.sessionMinutes())
	}
	cancel()
	if err != nil {
		return f.mfaError(a, op, st, err)
	}
	return f.completeMFA(ctx, a, st, auth)
}

// SubmitBackupCode signs in with a backup (recovery) code; the signed-in
// screen then says how many are left.
func (f *Flows) SubmitBackupCode(ctx context.Context, code string) error {
	const a, op = ActSubmitBackupCode, "use backup code"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	code, err = NormalizeBackupCode(code)
	if err != nil {
		return f.fail(a, err)
	}
	st, ist, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	cctx, cancel := f.callCtx(ctx)
	auth, err := f.api.RecoverWithBackupCode(cctx, st.req(ist), code, f.sessionMinutes())
	cancel()
	if err != nil {
		return f.mfaError(a, op, st, err)
	}
	if err := f.completeMFA(ctx, a, st, auth); err != nil {
		return err
	}
	left := auth.BackupCodesRemaining
	f.update(a, func(v *View) {
		v.BackupCodesLeft = &left
		v.Notice = &Notice{Kind: KindBackupCodesLeft}
	})
	return nil
}

// completeMFA adopts and stores the new session. After an authenticator app
// was set up the backup codes are shown first (the session already exists,
// so a crash there loses nothing); otherwise the member is signed in, and a
// session switched from is revoked once the new one is stored.
func (f *Flows) completeMFA(ctx context.Context, a Action, st *mfaStep, auth Authentication) error {
	if st.enrolling && st.method == MethodTOTP && st.totp != nil && len(st.totp.RecoveryCodes) > 0 {
		rec := &sessionRecord{Token: auth.SessionToken, Member: auth.Member, Organization: auth.Organization, ExpiresAt: auth.ExpiresAt}
		f.adopt(rec, auth.SessionJWT)
		storeErr := f.storeRecord(ctx, keySession, rec)
		if storeErr == nil {
			f.storeJWT(ctx, auth.SessionJWT)
		}
		f.mu.Lock()
		st.confirming = true
		st.oldToken = keepIf(st.oldToken, storeErr == nil)
		f.mfa = st
		f.mu.Unlock()
		f.showMFA(a, ScreenMFARecoveryCodes)
		f.log.Info("authenticator app set up; showing backup codes")
		if storeErr != nil {
			return f.fail(a, withOp(string(a), storeErr))
		}
		return nil
	}
	f.mu.Lock()
	f.mfa = nil
	f.mu.Unlock()
	err := f.finish(ctx, a, auth)
	f.update(a, func(v *View) { v.MFA = nil })
	if err == nil {
		f.revokeSwitchedFrom(st.oldToken)
	}
	return err
}

func keepIf(s string, ok bool) string {
	if ok {
		return s
	}
	return ""
}

// ConfirmRecoveryCodes leaves the backup-codes screen for the signed-in one
// (the screen asks the user to confirm they saved them).
func (f *Flows) ConfirmRecoveryCodes(ctx context.Context) error {
	const a = ActConfirmRecoveryCodes
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	st := f.mfa
	f.mfa = nil
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.mu.Unlock()
	if rec == nil { // the session ended meanwhile
		f.update(a, func(v *View) { v.Screen, v.MFA = ScreenSignedOut, nil })
		return nil
	}
	f.showSignedIn(a, rec, false, false)
	f.startMonitor(f.cfg.RefreshInterval)
	if st != nil {
		f.revokeSwitchedFrom(st.oldToken)
	}
	return nil
}

// ResendSMS texts a new code, at most maxSMSResends times, smsResendInterval
// apart; the new code voids the old one.
func (f *Flows) ResendSMS(ctx context.Context) error {
	const a, op = ActResendSMS, "resend code"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	st, _, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	if st.resends >= maxSMSResends {
		return f.fail(a, E(op, KindResendLimit, errors.New("no more texts for this sign-in")))
	}
	if next := st.codeSentAt.Add(smsResendInterval); !st.codeSentAt.IsZero() && f.now().Before(next) {
		return f.fail(a, &Error{Op: op, Kind: KindRateLimited, RetryAfter: next.Sub(f.now()), Err: errors.New("resend requested too soon")})
	}
	if err := f.textCode(ctx, a, st, st.phone); err != nil {
		return err
	}
	f.mu.Lock()
	st.resends++
	f.mu.Unlock()
	f.showMFA(a, ScreenMFASMS)
	return nil
}

// UseMFAMethod switches the step to another way: MethodSMS ("text me
// instead", or text-message enrollment), MethodTOTP (authenticator app, or
// its enrollment) or MethodBackupCode; "" goes back to the enrollment choice.
func (f *Flows) UseMFAMethod(ctx context.Context, method string) error {
	const a, op = ActUseMFAMethod, "choose verification method"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	st, _, err := f.liveMFA(a, op)
	if err != nil {
		return err
	}
	notAllowed := func() error {
		return f.fail(a, Errorf(op, KindMFAMethodNotAllowed, "method %q not available here", method))
	}
	switch method {
	case MethodSMS:
		if !st.allowed(MethodSMS) || (!st.enrolling && !st.state.HasPhone) {
			return notAllowed()
		}
		if st.enrolling {
			f.mu.Lock()
			st.method = MethodSMS
			f.mu.Unlock()
			f.showMFA(a, ScreenMFAEnrollPhone)
			return nil
		}
		f.mu.Lock()
		st.method = MethodSMS
		fresh := !st.codeSentAt.IsZero() && f.now().Before(st.codeSentAt.Add(smsResendInterval))
		f.mu.Unlock()
		if fresh { // a code just went out: don't text another
			f.showMFA(a, ScreenMFASMS)
			return nil
		}
		return f.textCode(ctx, a, st, "")
	case MethodTOTP:
		if !st.allowed(MethodTOTP) || (!st.enrolling && !st.state.HasTOTP) {
			return notAllowed()
		}
		if st.enrolling {
			return f.enrollTOTP(ctx, a, st)
		}
		f.mu.Lock()
		st.method = MethodTOTP
		f.mu.Unlock()
		f.showMFA(a, ScreenMFATOTP)
		return nil
	case MethodBackupCode:
		if st.enrolling || !st.state.HasTOTP {
			return notAllowed()
		}
		f.mu.Lock()
		st.method = MethodBackupCode
		f.mu.Unlock()
		f.showMFA(a, ScreenMFABackupCode)
		return nil
	case "":
		if !st.enrolling || !st.allowed(MethodSMS) || !st.allowed(MethodTOTP) {
			return notAllowed()
		}
		f.mu.Lock()
		st.method, st.totp, st.phone = "", nil, ""
		f.mu.Unlock()
		f.showMFA(a, ScreenMFAEnrollChoose)
		return nil
	}
	return notAllowed()
}

// SubmitPhone (text-message enrollment) checks the number and texts a code to it.
func (f *Flows) SubmitPhone(ctx context.Context, phone string) error {
	const a = ActSubmitPhone
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	p, err := NormalizePhone(phone)
	if err != nil {
		return f.fail(a, err)
	}
	f.mu.Lock()
	st := f.mfa
	f.mu.Unlock()
	if st == nil {
		return f.fail(a, E("enroll phone", KindIntermediateExpired, errors.New("no MFA step in progress")))
	}
	return f.textCode(ctx, a, st, p)
}

// CancelMFA leaves the MFA step: back to the session being switched from;
// back to the organization list when the step came from discovery and its
// intermediate session still lives (Stytch lets it enter another
// organization); else to email entry. A code that arrives afterwards is
// refused (not offered).
func (f *Flows) CancelMFA(ctx context.Context) error {
	const a = ActCancelMFA
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.log.Info("mfa cancelled")
	f.mu.Lock()
	var list []Organization
	if st := f.mfa; st != nil && f.session == nil && len(st.list) > 0 && f.inter != nil && f.now().Before(f.inter.expires) {
		list = st.list
		f.mfa = nil
	}
	f.mu.Unlock()
	if list != nil {
		f.update(a, func(v *View) {
			v.Screen = ScreenChoosingOrganization
			v.Organizations = list
			v.MFA, v.Organization = nil, nil
		})
		return nil
	}
	return f.abandonMFA(a, nil)
}

// revokeSwitchedFrom revokes the session a switch left, in the background
// (the new session is already stored; a failed revoke is retried and, at
// worst, the old session expires on its own).
func (f *Flows) revokeSwitchedFrom(token string) {
	if token == "" {
		return
	}
	f.mu.Lock()
	current := f.session != nil && f.session.rec.Token == token
	f.mu.Unlock()
	if current {
		return
	}
	f.revokeLater(token, 0) // retried on transient failures (session.go)
}

// SaveRecoveryCodes writes the backup codes on screen to path, a file the
// user chose in the save dialog (the only place they are written outside the
// screen), readable by the user only. The screen then says where they went.
func (f *Flows) SaveRecoveryCodes(ctx context.Context, path string) error {
	const a, op = ActSaveRecoveryCodes, "save backup codes"
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	f.mu.Lock()
	st := f.mfa
	f.mu.Unlock()
	if st == nil || st.totp == nil || len(st.totp.RecoveryCodes) == 0 {
		return f.fail(a, E(op, KindSaveFailed, errors.New("no backup codes on screen")))
	}
	var b strings.Builder
	b.WriteString("Backup codes for " + st.org.Name + " (" + st.member.Email + ")\n")
	b.WriteString("Each code signs you in once when you can't use your authenticator app.\n\n")
	for _, c := range st.totp.RecoveryCodes {
		b.WriteString(c + "\n")
	}
	if err := writePrivateFile(path, []byte(b.String())); err != nil {
		// The error names the path and the OS reason, never the codes.
		return f.fail(a, E(op, KindSaveFailed, err))
	}
	f.log.Info("backup codes saved to a file the user chose")
	f.update(a, func(v *View) {
		if v.MFA != nil {
			v.MFA.SavedTo = path
		}
	})
	return nil
}

// writePrivateFile creates or replaces path with mode 0600.
func writePrivateFile(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := fh.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		fh.Close()
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
