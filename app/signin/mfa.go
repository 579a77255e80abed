package signin

import (
	"context"
	"errors"
	"slices"
	"time"
)

// The MFA step's glue: after any primary step (or an organization switch)
// that Stytch answers with member_authenticated:false and mfa_required, the
// member proves a second factor — a texted code, an authenticator-app code
// or a backup code — or sets one up first. What happens is decided by the
// pure step (mfastep.go); the methods here turn a screen action into an
// event, carry out the step's effects (Stytch calls, the keychain, the view)
// and feed their results back. The step's secrets are the intermediate
// session token (f.inter, memory only) and, while an authenticator app is
// being set up, its secret and backup codes (f.mfa), which reach the screens
// only on the two enrollment screens that show them.

// mfaRun feeds ev to the step and carries out the effects it asks for,
// feeding each result back, until the step rests on a screen or ends. The
// step is this operation's while it runs; it is published in f.mfa (and
// shown) only while f.mfa is still the step it started from, so a step ended
// meanwhile (sign-out, the session switched from ending) is not revived.
func (f *Flows) mfaRun(ctx context.Context, a Action, op string, ev mfaEvent) error {
	f.mu.Lock()
	cur := f.mfa
	f.mu.Unlock()
	switch ev.kind {
	case mfaUse, mfaResend, mfaSubmitCode, mfaSubmitBackup:
		// Nothing is offered on a step whose intermediate session ran out.
		if cur != nil {
			if _, err := f.liveIntermediateForMFA(a, op, cur); err != nil {
				return err
			}
		}
	}
	var backupLeft *int
	for {
		ev.now = f.now()
		st, eff, err := stepMFA(cur, ev)
		if errors.Is(err, errNoStep) {
			err = E(op, KindIntermediateExpired, errNoStep)
		}
		if err != nil {
			return f.fail(a, err)
		}
		f.mu.Lock()
		if f.mfa == cur || ev.kind == mfaStart {
			f.mfa = st
		}
		f.mu.Unlock()
		cur = st
		if st != nil {
			f.showMFA(a, st)
		}
		next, err := f.mfaEffect(ctx, a, op, st, eff)
		if err != nil {
			return err
		}
		if eff.kind == mfaCheckBackup {
			n := next.auth.BackupCodesRemaining
			backupLeft = &n
		}
		if next == nil {
			break
		}
		ev = *next
	}
	if backupLeft != nil {
		f.update(a, func(v *View) {
			v.BackupCodesLeft = backupLeft
			v.Notice = &Notice{Kind: KindBackupCodesLeft}
		})
	}
	return nil
}

// mfaEffect carries out eff for step st and returns the event its result
// makes, or nil when the step rests or has ended.
func (f *Flows) mfaEffect(ctx context.Context, a Action, op string, st *mfaStep, eff mfaEffect) (*mfaEvent, error) {
	switch eff.kind {
	case mfaShow:
		return nil, nil
	case mfaKeepSession:
		rec := recordOf(eff.auth)
		f.adopt(rec, eff.auth.SessionJWT)
		storeErr := f.storeRecord(ctx, keySession, rec)
		if storeErr == nil {
			f.storeJWT(ctx, eff.auth.SessionJWT)
		}
		f.log.Info("authenticator app set up; showing backup codes")
		if err := f.mfaRunStored(a, op, st, storeErr == nil); err != nil {
			return nil, err
		}
		if storeErr != nil {
			return nil, f.fail(a, withOp(string(a), storeErr))
		}
		return nil, nil
	case mfaSignIn:
		err := f.finish(ctx, a, eff.auth)
		f.update(a, func(v *View) { v.MFA = nil })
		if err == nil {
			f.revokeSwitchedFrom(eff.oldToken)
		}
		return nil, err
	case mfaSignedIn:
		f.mu.Lock()
		var rec *sessionRecord
		if f.session != nil {
			rec = f.session.rec
		}
		f.mu.Unlock()
		if rec == nil { // the session ended meanwhile
			f.update(a, func(v *View) { v.Screen, v.MFA = ScreenSignedOut, nil })
			return nil, nil
		}
		f.showSignedIn(a, rec, false, false)
		f.startMonitor(f.cfg.RefreshInterval)
		f.revokeSwitchedFrom(eff.oldToken)
		return nil, nil
	case mfaBackToList:
		f.update(a, func(v *View) {
			v.Screen = ScreenChoosingOrganization
			v.Organizations = eff.list
			v.MFA, v.Organization = nil, nil
		})
		return nil, nil
	case mfaAbandon:
		f.mu.Lock()
		f.inter = nil
		f.mu.Unlock()
		return nil, f.leaveMFA(a, eff.email, nil)
	}
	// The rest call Stytch with the intermediate session.
	ist, err := f.liveIntermediateForMFA(a, op, st)
	if err != nil {
		return nil, err
	}
	req := MFARequest{OrganizationID: st.org.ID, MemberID: st.member.ID, IntermediateSessionToken: ist}
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	next := &mfaEvent{}
	switch eff.kind {
	case mfaTextCode:
		err = f.api.SendSMSCode(cctx, req, eff.phone)
		*next = mfaEvent{kind: mfaCodeSent, phone: eff.phone, resend: eff.resend}
	case mfaCreateTOTP:
		var reg TOTPEnrollment
		reg, err = f.api.CreateTOTP(cctx, req)
		*next = mfaEvent{kind: mfaTOTPCreated, totp: &reg}
	case mfaCheckSMS, mfaCheckTOTP, mfaCheckBackup:
		var auth Authentication
		switch eff.kind {
		case mfaCheckSMS:
			auth, err = f.api.AuthenticateSMSCode(cctx, req, eff.code, f.sessionMinutes())
		case mfaCheckTOTP:
			auth, err = f.api.AuthenticateTOTP(cctx, req, eff.code, f.sessionMinutes())
		default:
			auth, err = f.api.RecoverWithBackupCode(cctx, req, eff.code, f.sessionMinutes())
		}
		*next = mfaEvent{kind: mfaVerified, auth: auth}
	}
	if err != nil {
		return nil, f.mfaError(a, mfaCallOp(eff.kind, op), st, err)
	}
	return next, nil
}

// mfaRunStored feeds the outcome of storing a kept session to the step.
func (f *Flows) mfaRunStored(a Action, op string, st *mfaStep, ok bool) error {
	next, eff, err := stepMFA(st, mfaEvent{kind: mfaStored, ok: ok, now: f.now()})
	if err != nil {
		return f.fail(a, err)
	}
	f.mu.Lock()
	if f.mfa == st {
		f.mfa = next
	}
	f.mu.Unlock()
	f.showMFA(a, next)
	if eff.kind != mfaShow {
		return f.fail(a, Errorf(op, KindBusy, "unexpected MFA effect %d after storing", eff.kind))
	}
	return nil
}

// mfaCallOp names a Stytch call of the step in errors, as before the step
// was pure: a text or an authenticator registration has its own name; a
// code check keeps the action's.
func mfaCallOp(k mfaEffectKind, op string) string {
	switch k {
	case mfaTextCode:
		return "text code"
	case mfaCreateTOTP:
		return "set up authenticator app"
	}
	return op
}

// showMFA moves to the step's screen and fills the view from it, unless
// the step has ended meanwhile.
func (f *Flows) showMFA(a Action, st *mfaStep) {
	f.update(a, func(v *View) {
		if st == nil || f.mfa != st {
			return
		}
		v.Screen = st.screen
		o := st.org
		o.NeedsMoreAuth = true
		v.Organization = &o
		v.Organizations = nil
		var exp *time.Time
		if f.inter != nil {
			e := f.inter.expires
			exp = &e
		}
		v.MFA = st.view(exp)
	})
}

// startMFA begins the MFA step for an answer that needs it. A member who is
// signed in elsewhere (switching) keeps that session until this one ends.
func (f *Flows) startMFA(ctx context.Context, a Action, auth Authentication) error {
	f.beginIntermediate(auth.IntermediateSessionToken)
	ev := mfaEvent{kind: mfaStart, auth: auth}
	f.mu.Lock()
	if f.session != nil {
		ev.oldToken = f.session.rec.Token
	} else {
		ev.list = append([]Organization(nil), f.view.Organizations...)
	}
	f.mu.Unlock()
	f.log.Info("mfa required", "action", string(a), "switching", ev.oldToken != "")
	return f.mfaRun(ctx, a, "start mfa", ev)
}

// liveIntermediateForMFA returns the intermediate session token, or ends the
// step when it has (by our clock) run out.
func (f *Flows) liveIntermediateForMFA(a Action, op string, st *mfaStep) (string, error) {
	f.mu.Lock()
	in := f.inter
	f.mu.Unlock()
	if in != nil && f.now().Before(in.expires) {
		return in.token, nil
	}
	return "", f.abandonMFA(a, E(op, KindIntermediateExpired, errors.New("the verification took too long")))
}

// abandonMFA ends the step: back to the session being switched from, or to
// email entry (the address kept). err, if any, becomes the notice.
func (f *Flows) abandonMFA(a Action, err error) error {
	f.mu.Lock()
	st := f.mfa
	f.mfa, f.inter = nil, nil
	f.mu.Unlock()
	email := ""
	if st != nil {
		email = st.member.Email
	}
	return f.leaveMFA(a, email, err)
}

// leaveMFA shows where an ended step leaves the member: the session being
// switched from, or email entry (email kept).
func (f *Flows) leaveMFA(a Action, email string, err error) error {
	f.mu.Lock()
	var rec *sessionRecord
	if f.session != nil {
		rec = f.session.rec
	}
	f.mu.Unlock()
	if rec != nil {
		f.showSignedIn(a, rec, false, false)
	} else {
		f.update(a, func(v *View) {
			v.Screen = ScreenSignedOut
			if email != "" {
				v.Email = email
			}
			v.MFA, v.Organization, v.Organizations, v.Member, v.Roles = nil, nil, nil, nil, nil
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
		if st.method() == MethodSMS && st.codeLive(f.now()) {
			err = &Error{Op: op, Kind: KindCodeUsed, Err: err}
		}
	}
	return f.fail(a, err)
}

// mfaAction runs one screen action of the step: begin, then ev.
func (f *Flows) mfaAction(ctx context.Context, a Action, op string, ev mfaEvent) error {
	end, err := f.begin(a)
	if err != nil {
		return err
	}
	defer end()
	return f.mfaRun(ctx, a, op, ev)
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
	return f.mfaRun(ctx, a, op, mfaEvent{kind: mfaSubmitCode, code: code})
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
	return f.mfaRun(ctx, a, op, mfaEvent{kind: mfaSubmitBackup, code: code})
}

// ConfirmRecoveryCodes leaves the backup-codes screen for the signed-in one
// (the screen asks the user to confirm they saved them).
func (f *Flows) ConfirmRecoveryCodes(ctx context.Context) error {
	return f.mfaAction(ctx, ActConfirmRecoveryCodes, "confirm backup codes", mfaEvent{kind: mfaConfirm})
}

// ResendSMS texts a new code, at most maxSMSResends times, smsResendInterval
// apart; the new code voids the old one.
func (f *Flows) ResendSMS(ctx context.Context) error {
	return f.mfaAction(ctx, ActResendSMS, "resend code", mfaEvent{kind: mfaResend})
}

// UseMFAMethod switches the step to another way: MethodSMS ("text me
// instead", or text-message enrollment), MethodTOTP (authenticator app, or
// its enrollment) or MethodBackupCode; "" goes back to the enrollment choice.
func (f *Flows) UseMFAMethod(ctx context.Context, method string) error {
	return f.mfaAction(ctx, ActUseMFAMethod, "choose verification method", mfaEvent{kind: mfaUse, method: method})
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
	return f.mfaRun(ctx, a, "enroll phone", mfaEvent{kind: mfaPhone, phone: p})
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
	live := f.session == nil && f.inter != nil && f.now().Before(f.inter.expires)
	f.mu.Unlock()
	return f.mfaRun(ctx, a, "cancel mfa", mfaEvent{kind: mfaCancel, listLive: live})
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

// BackupCodes are the backup codes on screen, with whose they are, for
// saving outside the app.
type BackupCodes struct {
	Organization string
	Email        string
	Codes        []string `json:"-"`
}

// SaveRecoveryCodes hands the backup codes on screen to save (the app's
// lifecycle writes them to a file the user chose; the domain writes no
// files), which answers where they went; the screen then says so.
func (f *Flows) SaveRecoveryCodes(ctx context.Context, save func(BackupCodes) (savedTo string, err error)) error {
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
	to, err := save(BackupCodes{Organization: st.org.Name, Email: st.member.Email, Codes: slices.Clone(st.totp.RecoveryCodes)})
	if err != nil {
		// The saver's error names the place and the reason, never the codes.
		return f.fail(a, E(op, KindSaveFailed, err))
	}
	f.log.Info("backup codes saved where the user chose")
	f.update(a, func(v *View) {
		if v.MFA != nil {
			v.MFA.SavedTo = to
		}
	})
	return nil
}
