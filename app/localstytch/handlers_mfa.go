package localstytch

import (
	"strconv"
	"time"

	"stytch-desktop/app/localstytch/mfacode"
	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// MFA endpoints (docs/local-api.md §5):
//
//	POST /v1/b2b/otps/sms/send            text a 6-digit code (2-minute life)
//	POST /v1/b2b/otps/sms/authenticate
//	POST /v1/b2b/totp                     create a TOTP registration
//	POST /v1/b2b/totp/authenticate
//	POST /v1/b2b/recovery_codes/recover
//
// Each takes organization_id + member_id and at most one of an intermediate
// session token (the MFA step of a sign-in), a session token or a session JWT
// (a signed-in member adding a factor). Success with an IST consumes it and
// starts a session; with a session, the factor is added to that session.

// memberRef is the organization (id, slug or external id) and member every
// MFA request names; both are required.
type memberRef struct {
	OrganizationID string `json:"organization_id"`
	MemberID       string `json:"member_id"`
}

func (r memberRef) missing() *apiError {
	switch {
	case r.OrganizationID == "":
		return missingField("organization_id")
	case r.MemberID == "":
		return missingField("member_id")
	}
	return nil
}

// mfaTokens are the credential fields shared by every MFA request.
type mfaTokens struct {
	IST          string `json:"intermediate_session_token"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

// mfaCred is the resolved credential of an MFA request (all nil: none sent).
type mfaCred struct {
	ist       *store.IST
	istToken  string // as presented, to consume it
	sess      *store.Session
	sessToken string // as presented; "" when a JWT was
}

func (c *mfaCred) none() bool { return c.ist == nil && c.sess == nil }

// orgMemberLocked resolves organization (id, slug or external id) and a
// member of it. Caller holds s.mu.
func (s *Server) orgMemberLocked(orgID, memberID string) (*store.Org, *store.Member, *apiError) {
	o := s.st.OrgByIDOrSlug(orgID)
	if o == nil {
		return nil, nil, newErr("organization_not_found")
	}
	m := s.st.Members[memberID]
	if m == nil || m.OrgID != o.ID {
		return nil, nil, newErr("member_not_found")
	}
	return o, m, nil
}

// mfaCredLocked checks that the token sent (if any) is live and belongs to
// this member of this organization. Caller holds s.mu.
func (s *Server) mfaCredLocked(t mfaTokens, o *store.Org, m *store.Member, now time.Time) (*mfaCred, *apiError) {
	n := 0
	for _, v := range []string{t.IST, t.SessionToken, t.SessionJWT} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return nil, newErr("too_many_session_arguments")
	}
	c := &mfaCred{}
	switch {
	case t.IST != "":
		ist, e := s.lookupISTLocked(t.IST, now)
		if e != nil {
			return nil, e
		}
		// An IST stands for one email address, and, once exchanged into an
		// organization that asked for MFA, for that organization.
		if ist.Email != m.Email || (ist.OrgID != "" && ist.OrgID != o.ID) {
			return nil, newErr("invalid_intermediate_session_token_for_organization")
		}
		// MFA comes after primary authentication: an IST that still lacks
		// the organization's required method (e.g. SSO) can't finish here.
		if primaryRequired(o, ist.Factors()) != nil {
			return nil, newErr("action_available_only_once_primary_authentication_is_met")
		}
		c.ist, c.istToken = ist, t.IST
	case t.SessionToken != "" || t.SessionJWT != "":
		sess, _, _, e := s.findSessionLocked(t.SessionToken, t.SessionJWT, now)
		if e != nil {
			return nil, e
		}
		if sess.MemberID != m.ID {
			return nil, newErr("unauthorized_action")
		}
		c.sess, c.sessToken = sess, t.SessionToken
	}
	return c, nil
}

// requireCred: once a member has an MFA factor, sends and authenticates need
// an IST or session, so nobody can text or try codes with ids alone (SDK
// doc comment of OTPs.Sms.Send; docs/local-api.md §5).
func requireCred(c *mfaCred, m *store.Member) *apiError {
	if c.none() && hasFactor(m) {
		return newErr("no_associated_session_passed_in")
	}
	return nil
}

// mfaStepLocked finishes a "not done yet" response for member m of o: it
// texts a code first when Stytch would — the member has a verified phone,
// SMS is allowed, and the default method is not TOTP (a guess; see the README) —
// and reports that in secondary_auth_initiated. Caller holds s.mu.
func (s *Server) mfaStepLocked(rc *reqCtx, r *wire.SessionResult, m *store.Member, o *store.Org, ist string, istExpires, now time.Time) {
	initiated := ""
	if hasSMS(m) && m.MFA.DefaultMethod != mfaTOTP && mfaAllowed(o, mfaSMS) {
		// A send refused by the per-number limit is skipped: the app sees
		// secondary_auth_initiated null and sends one itself.
		if s.smsRateLimitLocked(m.MFA.Phone, now) == nil {
			s.sendSMSLocked(m, o, m.MFA.Phone, now)
			initiated = mfaSMS
		}
	}
	withMFARequired(r, ist, istExpires, mfaRequiredJSON(m, initiated))
}

// smsRateLimitLocked allows one text per number per smsSendMinGap.
func (s *Server) smsRateLimitLocked(phone string, now time.Time) *apiError {
	key := "sms\x00" + phone // lastSend is shared with email addresses
	if last, ok := s.lastSend[key]; ok && now.Sub(last) < smsSendMinGap {
		return newErr("too_many_requests")
	}
	s.lastSend[key] = now
	return nil
}

// sendSMSLocked makes a new code the member's only live one (voiding any
// earlier code), links phone to the member if it has none, and puts the text
// in the outbox. The raw code lives only in the outbox. Caller holds s.mu.
func (s *Server) sendSMSLocked(m *store.Member, o *store.Org, phone string, now time.Time) string {
	st := s.mfaLocked()
	s.pruneMFALocked(now)
	mfa := memberMFAOf(m)
	if mfa.Phone != phone {
		mfa.Phone, mfa.PhoneID, mfa.PhoneVerified = phone, store.NewID("mfa-phone-number"), false
		m.UpdatedAt = now
	}
	code := mfacode.RandomDigits(mfacode.OTPDigits)
	st.OTPs[m.ID] = &store.OTP{Hash: st.MAC("sms", m.ID, code), Phone: phone, ExpiresAt: now.Add(smsCodeLifetime)}
	delete(s.mfaFailures, "sms\x00"+m.ID) // a new code gets a fresh set of tries
	s.addMessageLocked(&messageRecord{
		ID: store.NewID("message"), To: phone, Channel: channelSMS, Code: code,
		Subject: "Your " + o.Name + " verification code",
		Body:    "Your " + o.Name + " verification code is " + code + ". It expires in 2 minutes.",
		SentAt:  now,
	})
	return code
}

type mfaAuthReq struct {
	memberRef
	Code                   string         `json:"code"`
	RecoveryCode           string         `json:"recovery_code"`
	SessionDurationMinutes int64          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	SetMFAEnrollment       string         `json:"set_mfa_enrollment"`
	SetDefaultMFA          bool           `json:"set_default_mfa"`
	TelemetryID            string         `json:"telemetry_id"`
	mfaTokens

	// Validated by authPrologue before anything changes.
	dur    time.Duration
	extend bool
	claims map[string]any
}

// authPrologue validates what every MFA authenticate shares and resolves
// organization, member and credential. codeField names the required code.
func (s *Server) authPrologue(req *mfaAuthReq, codeField, code string, now time.Time) (*store.Org, *store.Member, *mfaCred, *apiError) {
	if e := req.missing(); e != nil {
		return nil, nil, nil, e
	}
	if code == "" {
		return nil, nil, nil, missingField(codeField)
	}
	switch req.SetMFAEnrollment {
	case "", "enroll", "unenroll":
	default:
		return nil, nil, nil, newErrMsg("invalid_request", "set_mfa_enrollment must be enroll or unenroll.")
	}
	var e *apiError
	if req.dur, req.extend, e = sessionDuration(req.SessionDurationMinutes); e != nil {
		return nil, nil, nil, e
	}
	if req.claims, e = customClaims(req.SessionCustomClaims); e != nil {
		return nil, nil, nil, e
	}
	o, m, e := s.orgMemberLocked(req.OrganizationID, req.MemberID)
	if e != nil {
		return nil, nil, nil, e
	}
	c, e := s.mfaCredLocked(req.mfaTokens, o, m, now)
	if e != nil {
		return nil, nil, nil, e
	}
	if e := requireCred(c, m); e != nil {
		return nil, nil, nil, e
	}
	return o, m, c, nil
}

// completeMFALocked records a successful factor: member enrollment and
// default method, then either a new session from the IST (consuming it) or
// the factor added to the presented session. method is sms_otp/totp, or ""
// for a recovery code (which never becomes the default). Caller holds s.mu.
func (s *Server) completeMFALocked(rc *reqCtx, req *mfaAuthReq, o *store.Org, m *store.Member, c *mfaCred,
	f store.MFAFactor, method string, now time.Time) *wire.MFAAuthenticateResponse {
	dur, extend, claims := req.dur, req.extend, req.claims
	mfa := memberMFAOf(m)
	switch {
	case o.MFAPolicy == mfaRequiredForAll:
		mfa.Enrolled = true // set_mfa_enrollment is ignored under REQUIRED_FOR_ALL
	case req.SetMFAEnrollment == "enroll":
		mfa.Enrolled = true
	case req.SetMFAEnrollment == "unenroll":
		mfa.Enrolled = false
	}
	if method != "" && (mfa.DefaultMethod == "" || req.SetDefaultMFA) {
		mfa.DefaultMethod = method
	}
	m.UpdatedAt = now

	resp := &wire.MFAAuthenticateResponse{MemberID: m.ID, Member: memberJSON(m), Organization: orgJSON(o)}
	var sess *store.Session
	var token string
	switch {
	case c.ist != nil:
		// The IST is spent; its primary factors (e.g. SSO after discovery,
		// authpolicy.go) go to the session with the MFA factor.
		sess, token = s.startSessionLocked(rc, primaryDone{o: o, m: m, email: m.Email, emailID: m.EmailID,
			authenticatedAt: c.ist.AuthenticatedAt, primary: c.ist.Primary, mfa: []store.MFAFactor{f},
			ist: c.ist, istToken: c.istToken, dur: dur, claims: claims}, now)
	case c.sess != nil:
		sess, token = c.sess, c.sessToken
		if token == "" {
			token = s.st.Issued[sess.ID]
		}
		sess.Factors = addFactor(sess.Factors, f)
		sess.LastAccessedAt = now
		if extend {
			sess.ExpiresAt = now.Add(dur)
		}
		if claims != nil {
			sess.CustomClaims = mergeClaims(sess.CustomClaims, claims)
		}
	default:
		// No token: the member's factor is recorded, but no session is
		// minted — it would lack a primary factor (guess; Stytch is silent).
		s.persistLocked()
		return resp
	}
	if c.ist == nil { // startSessionLocked signed the new session already
		rc.signLater(s.sessionClaimsLocked(sess, m, o, now)) // writeOK fills session_jwt
	}
	ms := sessionJSON(sess, m, o)
	resp.SessionToken, resp.MemberSession = token, &ms
	s.persistLocked()
	return resp
}

// addFactor replaces a factor of the same kind and id, else appends.
func addFactor(fs []store.MFAFactor, f store.MFAFactor) []store.MFAFactor {
	for i, g := range fs {
		if g.Type == f.Type && g.PhoneID == f.PhoneID && g.TOTPID == f.TOTPID {
			fs[i] = f
			return fs
		}
	}
	return append(fs, f)
}

// --- POST /v1/b2b/otps/sms/send ---

type smsSendReq struct {
	memberRef
	MFAPhoneNumber string `json:"mfa_phone_number"`
	Locale         string `json:"locale"`
	mfaTokens
}

func (s *Server) handleSMSSend(rc *reqCtx) (any, *apiError) {
	var req smsSendReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if e := req.missing(); e != nil {
		return nil, e
	}
	phone := ""
	if req.MFAPhoneNumber != "" {
		p, ok := mfacode.ParseE164(req.MFAPhoneNumber)
		if !ok {
			return nil, newErr("invalid_phone_number")
		}
		phone = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o, m, e := s.orgMemberLocked(req.OrganizationID, req.MemberID)
	if e != nil {
		return nil, e
	}
	c, e := s.mfaCredLocked(req.mfaTokens, o, m, now)
	if e != nil {
		return nil, e
	}
	if e := requireCred(c, m); e != nil {
		return nil, e
	}
	if !mfaAllowed(o, mfaSMS) {
		return nil, newErr("operation_restricted_by_organization_mfa_methods")
	}
	mfa := memberMFAOf(m)
	switch {
	case hasSMS(m) && phone != "" && phone != mfa.Phone:
		// SDK: "An error will be thrown if the Member already has a phone
		// number and the provided mfa_phone_number does not match".
		return nil, newErrMsg("invalid_phone_number", "The member already has a different MFA phone number.")
	case phone == "" && mfa.Phone == "":
		return nil, newErr("member_phone_number_not_found")
	case phone == "":
		phone = mfa.Phone
	}
	if !hasSMS(m) && hasTOTP(m) && (c.sess == nil || !hasMFAFactor(c.sess.Factors)) {
		// Adding a phone next to an authenticator app must not bypass it.
		return nil, newErr("insufficient_factors")
	}
	if !hasSMS(m) {
		for _, other := range s.st.Members {
			if other.OrgID == o.ID && other.ID != m.ID && hasSMS(other) && other.MFA.Phone == phone {
				return nil, newErr("duplicate_member_phone_number")
			}
		}
	}
	if e := s.smsRateLimitLocked(phone, now); e != nil {
		rc.w.Header().Set("Retry-After", "1")
		return nil, e
	}
	s.sendSMSLocked(m, o, phone, now)
	s.persistLocked()
	return map[string]any{"member_id": m.ID, "member": memberJSON(m), "organization": orgJSON(o)}, nil
}

// --- POST /v1/b2b/otps/sms/authenticate ---

func (s *Server) handleSMSAuthenticate(rc *reqCtx) (any, *apiError) {
	var req mfaAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o, m, c, e := s.authPrologue(&req, "code", req.Code, now)
	if e != nil {
		return nil, e
	}
	if !mfaAllowed(o, mfaSMS) {
		return nil, newErr("operation_restricted_by_organization_mfa_methods")
	}
	failKey := "sms\x00" + m.ID
	if s.tooManyFailuresLocked(failKey, now) {
		return nil, newErr("too_many_requests")
	}
	st := s.mfaLocked()
	rec := st.OTPs[m.ID]
	if rec == nil {
		return nil, newErr("otp_code_not_found")
	}
	code, ok := mfacode.ParseOTPCode(req.Code)
	if !ok || st.MAC("sms", m.ID, code) != rec.Hash {
		// Wrong code. Too many voids the live code: the member must ask for
		// a new one (guess; Stytch documents no number).
		s.recordFailureLocked(failKey, now)
		rec.Failures++
		if rec.Failures >= maxCodeFailures {
			rec.Used = true
		}
		s.persistLocked()
		return nil, newErr("otp_code_not_found")
	}
	if rec.Used || !now.Before(rec.ExpiresAt) {
		return nil, newErr("unable_to_auth_otp_code")
	}
	rec.Used = true
	mfa := memberMFAOf(m)
	if mfa.Phone == rec.Phone {
		mfa.PhoneVerified = true
	}
	delete(s.mfaFailures, failKey)
	f := store.MFAFactor{Type: "otp", Delivery: "sms", Phone: rec.Phone, PhoneID: mfa.PhoneID, At: now}
	return s.completeMFALocked(rc, &req, o, m, c, f, mfaSMS, now), nil
}

// --- POST /v1/b2b/totp (create) ---

type totpCreateReq struct {
	memberRef
	ExpirationMinutes int64 `json:"expiration_minutes"`
	mfaTokens
}

func (s *Server) handleTOTPCreate(rc *reqCtx) (any, *apiError) {
	var req totpCreateReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if e := req.missing(); e != nil {
		return nil, e
	}
	exp := int64(defaultTOTPExpiry)
	if req.ExpirationMinutes != 0 {
		if req.ExpirationMinutes < minTOTPExpiry || req.ExpirationMinutes > maxTOTPExpiry {
			return nil, newErrMsg("invalid_expiration_minutes",
				"expiration_minutes must be between "+strconv.Itoa(minTOTPExpiry)+" and "+strconv.Itoa(maxTOTPExpiry)+".")
		}
		exp = req.ExpirationMinutes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o, m, e := s.orgMemberLocked(req.OrganizationID, req.MemberID)
	if e != nil {
		return nil, e
	}
	c, e := s.mfaCredLocked(req.mfaTokens, o, m, now)
	if e != nil {
		return nil, e
	}
	if e := requireCred(c, m); e != nil {
		return nil, e
	}
	if !mfaAllowed(o, mfaTOTP) {
		return nil, newErr("operation_restricted_by_organization_mfa_methods")
	}
	if hasTOTP(m) {
		return nil, newErr("active_totp_exists")
	}
	if hasSMS(m) && (c.sess == nil || !hasMFAFactor(c.sess.Factors)) {
		// An authenticator app next to a verified phone needs that phone
		// proven first, or primary auth alone could add a bypass.
		return nil, newErr("insufficient_factors")
	}
	st := s.mfaLocked()
	s.pruneMFALocked(now)
	for id, t := range st.TOTPs { // a new enrollment replaces an unfinished one
		if t.MemberID == m.ID && !t.Verified {
			delete(st.TOTPs, id)
		}
	}
	reg, secret, codes := s.newTOTPLocked(m, now, time.Duration(exp)*time.Minute)
	qr, err := mfacode.QRDataURI(mfacode.OTPAuthURI(o.Name, m.Email, secret))
	if err != nil {
		delete(st.TOTPs, reg.ID)
		return nil, newErr("internal_server_error")
	}
	s.persistLocked()
	return map[string]any{
		"member_id":            m.ID,
		"totp_registration_id": reg.ID,
		"secret":               secret,
		"qr_code":              qr,
		"recovery_codes":       codes,
		"member":               memberJSON(m),
		"organization":         orgJSON(o),
	}, nil
}

// newTOTPLocked stores an unverified registration with its recovery codes
// (hashed) and returns the secret and codes, which exist only in the reply.
func (s *Server) newTOTPLocked(m *store.Member, now time.Time, life time.Duration) (*store.TOTP, string, []string) {
	st := s.mfaLocked()
	reg := &store.TOTP{ID: store.NewID("member-totp"), MemberID: m.ID, CreatedAt: now, ExpiresAt: now.Add(life)}
	codes := s.newRecoveryCodesLocked(reg)
	st.TOTPs[reg.ID] = reg
	return reg, mfacode.B32.EncodeToString(st.TOTPSecret(reg.ID)), codes
}

// newRecoveryCodesLocked gives reg a fresh set of recovery codes (its
// generation's) and returns them.
func (s *Server) newRecoveryCodesLocked(reg *store.TOTP) []string {
	st := s.mfaLocked()
	codes := make([]string, recoveryCodeCount)
	reg.RecoveryCodes = nil
	for i := range codes {
		codes[i] = mfacode.RecoveryCodeFrom(st.RecoveryCodeSeed(reg.ID, reg.Generation, i))
		reg.RecoveryCodes = append(reg.RecoveryCodes,
			&store.RecoveryCode{ID: store.NewID("totp-recovery-code"), Hash: st.MAC("recovery", reg.ID, codes[i])})
	}
	return codes
}

// totpForLocked returns the member's active registration, else its newest
// unverified one; the error says why there is none.
func (s *Server) totpForLocked(m *store.Member, now time.Time) (*store.TOTP, *apiError) {
	st := s.mfaLocked()
	if hasTOTP(m) {
		if t := st.TOTPs[m.MFA.TOTPID]; t != nil {
			return t, nil
		}
	}
	var pending *store.TOTP
	for _, t := range st.TOTPs {
		if t.MemberID == m.ID && !t.Verified && (pending == nil || t.CreatedAt.After(pending.CreatedAt)) {
			pending = t
		}
	}
	switch {
	case pending == nil:
		return nil, newErr("totp_not_found")
	case !now.Before(pending.ExpiresAt):
		return nil, newErr("expired_totp")
	}
	return pending, nil
}

// --- POST /v1/b2b/totp/authenticate ---

func (s *Server) handleTOTPAuthenticate(rc *reqCtx) (any, *apiError) {
	var req mfaAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o, m, c, e := s.authPrologue(&req, "code", req.Code, now)
	if e != nil {
		return nil, e
	}
	if !mfaAllowed(o, mfaTOTP) {
		return nil, newErr("operation_restricted_by_organization_mfa_methods")
	}
	failKey := "totp\x00" + m.ID
	if s.tooManyFailuresLocked(failKey, now) {
		return nil, newErr("too_many_requests")
	}
	reg, e := s.totpForLocked(m, now)
	if e != nil {
		return nil, e
	}
	code, ok := mfacode.ParseOTPCode(req.Code)
	if !ok {
		if _, isRecovery := mfacode.ParseRecoveryCode(req.Code); isRecovery {
			return nil, newErr("recovery_code_used_as_totp_code")
		}
		return nil, newErr("invalid_totp_code")
	}
	st := s.mfaLocked()
	step := mfacode.MatchTOTP(st.TOTPSecret(reg.ID), code, now.Unix())
	if step < 0 {
		s.recordFailureLocked(failKey, now)
		return nil, newErr("unable_to_authenticate_totp")
	}
	if step <= reg.LastStep {
		// RFC 6238 §5.2: accept a code once, so a shoulder-surfed code can't
		// be replayed within its window.
		return nil, newErr("totp_code_already_authenticated")
	}
	reg.LastStep = step
	if !reg.Verified {
		reg.Verified = true
		memberMFAOf(m).TOTPID = reg.ID
	}
	delete(s.mfaFailures, failKey)
	f := store.MFAFactor{Type: "totp", Delivery: "authenticator_app", TOTPID: reg.ID, At: now}
	return s.completeMFALocked(rc, &req, o, m, c, f, mfaTOTP, now), nil
}

// --- POST /v1/b2b/recovery_codes/recover ---

func (s *Server) handleRecoveryCodesRecover(rc *reqCtx) (any, *apiError) {
	var req mfaAuthReq
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o, m, c, e := s.authPrologue(&req, "recovery_code", req.RecoveryCode, now)
	if e != nil {
		return nil, e
	}
	failKey := "recovery\x00" + m.ID
	if s.tooManyFailuresLocked(failKey, now) {
		return nil, newErr("too_many_requests")
	}
	st := s.mfaLocked()
	var reg *store.TOTP
	if hasTOTP(m) {
		reg = st.TOTPs[m.MFA.TOTPID]
	}
	if reg == nil {
		return nil, newErr("recovery_codes_not_found")
	}
	var hit *store.RecoveryCode
	if code, ok := mfacode.ParseRecoveryCode(req.RecoveryCode); ok {
		h := st.MAC("recovery", reg.ID, code)
		for _, r := range reg.RecoveryCodes {
			if r.Hash == h {
				hit = r
			}
		}
	}
	if hit == nil || hit.Used {
		s.recordFailureLocked(failKey, now)
		return nil, newErr("invalid_recovery_code")
	}
	hit.Used = true
	remaining := 0
	for _, r := range reg.RecoveryCodes {
		if !r.Used {
			remaining++
		}
	}
	delete(s.mfaFailures, failKey)
	f := store.MFAFactor{Type: "recovery_codes", Delivery: "recovery_code", RecoveryCodeID: hit.ID, At: now}
	resp := s.completeMFALocked(rc, &req, o, m, c, f, "", now)
	return &wire.RecoveryCodesRecoverResponse{MFAAuthenticateResponse: *resp, RecoveryCodesRemaining: remaining}, nil
}
