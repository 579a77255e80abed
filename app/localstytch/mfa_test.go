package localstytch

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"

	"stytch-desktop/app/localstytch/mfacode"
)

var reRecoveryCode = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

// latestSMS returns the newest text message to phone from GET /emulator/messages.
func (e *env) latestSMS(phone string) Message {
	e.t.Helper()
	m := e.latestMessage(phone)
	if m.Channel != channelSMS || m.Phone != phone || len(m.Code) != 6 || !strings.Contains(m.Body, m.Code) {
		e.t.Fatalf("latest message to %s = %+v, want a text with a 6-digit code", phone, m)
	}
	return m
}

// exchangeInto signs email in through discovery and exchanges into org.
func (e *env) exchangeInto(email, org string) *intermediatesessions.ExchangeResponse {
	e.t.Helper()
	e.clock.Advance(2 * time.Second) // past the 1/s send limits
	ist := e.discoveryIST(email).IntermediateSessionToken
	x, err := e.client.Discovery.IntermediateSessions.Exchange(ctx(e.t), &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: org})
	if err != nil {
		e.t.Fatalf("exchange %s: %v", org, err)
	}
	return x
}

func factorTypes(ms *sessions.MemberSession) []string {
	var out []string
	for _, f := range ms.AuthenticationFactors {
		out = append(out, string(f.Type)+"/"+string(f.DeliveryMethod))
	}
	return out
}

// TestSMSMFAFlow: a member with a verified phone in an MFA organization gets
// a code texted at sign-in; wrong, used, expired, voided codes and too many
// tries each get their own error; success consumes the IST.
func TestSMSMFAFlow(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "fortress")
	if x.MemberAuthenticated || x.IntermediateSessionToken == "" || x.SessionToken != "" || x.MFARequired == nil ||
		x.MFARequired.SecondaryAuthInitiated != "sms_otp" || x.MFARequired.MemberOptions.MFAPhoneNumber != "XXXXXXX0123" {
		t.Fatalf("exchange = %+v mfa=%+v", x, x.MFARequired)
	}
	if !x.Member.MFAPhoneNumberVerified || x.Member.MFAPhoneNumber != DemoPhone || !x.Member.MFAEnrolled || x.Member.DefaultMFAMethod != "sms_otp" {
		t.Fatalf("member = %+v", x.Member)
	}
	ist, org, member := x.IntermediateSessionToken, x.Organization.OrganizationID, x.MemberID
	code := e.latestSMS(DemoPhone).Code
	auth := func(code string, p sms.AuthenticateParams) (*sms.AuthenticateResponse, error) {
		p.OrganizationID, p.MemberID, p.Code = org, member, code
		return e.client.OTPs.Sms.Authenticate(ctx(t), &p)
	}

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err := auth(wrong, sms.AuthenticateParams{IntermediateSessionToken: ist})
	wantStytchErr(t, err, 404, "otp_code_not_found")
	_, err = auth(code, sms.AuthenticateParams{})
	wantStytchErr(t, err, 400, "no_associated_session_passed_in")

	ok, err := auth(code, sms.AuthenticateParams{IntermediateSessionToken: ist, SessionDurationMinutes: 30})
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if !reToken.MatchString(ok.SessionToken) || ok.SessionJWT == "" || ok.MemberSession == nil ||
		ok.MemberSession.ExpiresAt.Sub(*ok.MemberSession.StartedAt) != 30*time.Minute {
		t.Fatalf("authenticate = %+v", ok)
	}
	if got := strings.Join(factorTypes(ok.MemberSession), ","); got != "magic_link/email,otp/sms" {
		t.Fatalf("factors = %s", got)
	}
	if f := ok.MemberSession.AuthenticationFactors[1]; f.PhoneNumberFactor == nil || f.PhoneNumberFactor.PhoneNumber != DemoPhone {
		t.Fatalf("otp factor = %+v", f)
	}
	// The IST is spent once a session is issued; the code is single use.
	_, err = auth(code, sms.AuthenticateParams{IntermediateSessionToken: ist})
	wantStytchErr(t, err, 404, "intermediate_session_not_found")
	_, err = auth(code, sms.AuthenticateParams{SessionToken: ok.SessionToken})
	wantStytchErr(t, err, 401, "unable_to_auth_otp_code")

	send := func(p sms.SendParams) error {
		p.OrganizationID, p.MemberID = org, member
		_, err := e.client.OTPs.Sms.Send(ctx(t), &p)
		return err
	}
	// Without a token a member who has a phone can't be texted.
	wantStytchErr(t, send(sms.SendParams{}), 400, "no_associated_session_passed_in")

	// A new send voids the previous code.
	e.clock.Advance(2 * time.Second)
	if err := send(sms.SendParams{SessionToken: ok.SessionToken}); err != nil {
		t.Fatal(err)
	}
	first := e.latestSMS(DemoPhone).Code
	wantStytchErr(t, send(sms.SendParams{SessionToken: ok.SessionToken}), 429, "too_many_requests") // 1/s per number
	e.clock.Advance(2 * time.Second)
	if err := send(sms.SendParams{SessionJWT: ok.SessionJWT}); err != nil {
		t.Fatal(err)
	}
	second := e.latestSMS(DemoPhone).Code
	if first != second {
		_, err = auth(first, sms.AuthenticateParams{SessionToken: ok.SessionToken})
		wantStytchErr(t, err, 404, "otp_code_not_found")
	}
	// Two minutes later the live code has expired.
	e.clock.Advance(smsCodeLifetime)
	_, err = auth(second, sms.AuthenticateParams{SessionToken: ok.SessionToken})
	wantStytchErr(t, err, 401, "unable_to_auth_otp_code")

	// Too many wrong codes: the code is voided and further tries refused
	// until a new one is sent.
	e.clock.Advance(2 * time.Second)
	if err := send(sms.SendParams{SessionToken: ok.SessionToken}); err != nil {
		t.Fatal(err)
	}
	third := e.latestSMS(DemoPhone).Code
	bad := "123456"
	if bad == third {
		bad = "654321"
	}
	for range maxCodeFailures {
		_, err = auth(bad, sms.AuthenticateParams{SessionToken: ok.SessionToken})
		wantStytchErr(t, err, 404, "otp_code_not_found")
	}
	_, err = auth(third, sms.AuthenticateParams{SessionToken: ok.SessionToken})
	wantStytchErr(t, err, 429, "too_many_requests")
	e.clock.Advance(2 * time.Second)
	if err := send(sms.SendParams{SessionToken: ok.SessionToken}); err != nil {
		t.Fatal(err)
	}
	// With a session the factor is added to it (same token, extended).
	again, err := auth(e.latestSMS(DemoPhone).Code, sms.AuthenticateParams{SessionToken: ok.SessionToken, SessionDurationMinutes: 90})
	if err != nil {
		t.Fatalf("authenticate with session: %v", err)
	}
	if again.SessionToken != ok.SessionToken || again.MemberSession.MemberSessionID != ok.MemberSession.MemberSessionID ||
		len(again.MemberSession.AuthenticationFactors) != 2 {
		t.Fatalf("authenticate with session = %+v", again)
	}
}

// TestSMSEnrollment: a member with no factor in an MFA organization links
// and verifies a phone with the IST.
func TestSMSEnrollment(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "harbor")
	if x.MemberAuthenticated || x.MFARequired == nil || x.MFARequired.SecondaryAuthInitiated != "" ||
		x.MFARequired.MemberOptions == nil || x.MFARequired.MemberOptions.MFAPhoneNumber != "" || x.MFARequired.MemberOptions.TOTPRegistrationID != "" {
		t.Fatalf("exchange harbor = %+v %+v", x, x.MFARequired)
	}
	p := sms.SendParams{OrganizationID: "harbor", MemberID: x.MemberID, IntermediateSessionToken: x.IntermediateSessionToken}
	_, err := e.client.OTPs.Sms.Send(ctx(t), &p)
	wantStytchErr(t, err, 400, "member_phone_number_not_found")
	for _, bad := range []string{"5555550199", "+1 555 555 0199", "+0155555501", "+1555", "+1555555019912345"} {
		p.MFAPhoneNumber = bad
		_, err = e.client.OTPs.Sms.Send(ctx(t), &p)
		wantStytchErr(t, err, 400, "invalid_phone_number")
	}
	// Another member of harbor may not claim a number already in use there.
	if _, err := e.srv.AddMember("harbor", "other@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.SetMFAPhone("harbor", "other@example.com", "+15555550188"); err != nil {
		t.Fatal(err)
	}
	p.MFAPhoneNumber = "+15555550188"
	_, err = e.client.OTPs.Sms.Send(ctx(t), &p)
	wantStytchErr(t, err, 400, "duplicate_member_phone_number")

	p.MFAPhoneNumber = "+15555550199"
	sent, err := e.client.OTPs.Sms.Send(ctx(t), &p)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if sent.Member.MFAPhoneNumber != "+15555550199" || sent.Member.MFAPhoneNumberVerified {
		t.Fatalf("send member = %+v", sent.Member)
	}
	ok, err := e.client.OTPs.Sms.Authenticate(ctx(t), &sms.AuthenticateParams{OrganizationID: "harbor", MemberID: x.MemberID,
		Code: e.latestSMS("+15555550199").Code, IntermediateSessionToken: x.IntermediateSessionToken})
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if !ok.Member.MFAPhoneNumberVerified || !ok.Member.MFAEnrolled || ok.Member.DefaultMFAMethod != "sms_otp" || ok.SessionToken == "" {
		t.Fatalf("enrolled member = %+v", ok.Member)
	}
	// Next sign-in: the code is texted straight away.
	y := e.exchangeInto(DemoEmail, "harbor")
	if y.MFARequired.SecondaryAuthInitiated != "sms_otp" || y.MFARequired.MemberOptions.MFAPhoneNumber != "XXXXXXX0199" {
		t.Fatalf("second sign-in mfa = %+v", y.MFARequired)
	}
}

// TestTOTPEnrollmentAndRecoveryCodes: TOTP-only organization; enrollment
// with a real QR PNG, RFC 6238 codes (±1 step, each accepted once), one
// active registration, recovery codes single use.
func TestTOTPEnrollmentAndRecoveryCodes(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "vault")
	if x.MemberAuthenticated || x.MFARequired == nil || x.MFARequired.SecondaryAuthInitiated != "" ||
		x.Organization.MFAMethods != "RESTRICTED" || len(x.Organization.AllowedMFAMethods) != 1 || x.Organization.AllowedMFAMethods[0] != "totp" {
		t.Fatalf("exchange vault = %+v org=%+v", x.MFARequired, x.Organization)
	}
	ist, member := x.IntermediateSessionToken, x.MemberID
	_, err := e.client.OTPs.Sms.Send(ctx(t), &sms.SendParams{OrganizationID: "vault", MemberID: member,
		MFAPhoneNumber: "+15555550111", IntermediateSessionToken: ist})
	wantStytchErr(t, err, 403, "operation_restricted_by_organization_mfa_methods")

	_, err = e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "vault", MemberID: member, ExpirationMinutes: 2, IntermediateSessionToken: ist})
	wantStytchErr(t, err, 400, "invalid_expiration_minutes")
	c, err := e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "vault", MemberID: member, IntermediateSessionToken: ist})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(c.Secret) != 32 || c.TOTPRegistrationID == "" || len(c.RecoveryCodes) != 10 || c.Member.TOTPRegistrationID != "" {
		t.Fatalf("create = %+v", c)
	}
	for _, rc := range c.RecoveryCodes {
		if !reRecoveryCode.MatchString(rc) {
			t.Fatalf("recovery code %q", rc)
		}
	}
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.QrCode, "data:image/png;base64,"))
	if !strings.HasPrefix(c.QrCode, "data:image/png;base64,") || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("qr_code is not a PNG data URI: %.60s… (%v)", c.QrCode, err)
	}

	code := func(at time.Time) string {
		s, err := TOTPCode(c.Secret, at.Unix())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	auth := func(code, ist string) (*totps.AuthenticateResponse, error) {
		return e.client.TOTPs.Authenticate(ctx(t), &totps.AuthenticateParams{OrganizationID: "vault", MemberID: member, Code: code, IntermediateSessionToken: ist})
	}
	now := e.clock.Now()
	wrong := code(now.Add(-10 * time.Minute))
	if wrong == code(now) || wrong == code(now.Add(-30*time.Second)) || wrong == code(now.Add(30*time.Second)) {
		wrong = "999999"
	}
	_, err = auth(wrong, ist)
	wantStytchErr(t, err, 401, "unable_to_authenticate_totp")
	_, err = auth("12345", ist)
	wantStytchErr(t, err, 400, "invalid_totp_code")
	_, err = auth(c.RecoveryCodes[0], ist)
	wantStytchErr(t, err, 400, "recovery_code_used_as_totp_code")
	ok, err := auth(code(now), ist)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if ok.Member.TOTPRegistrationID != c.TOTPRegistrationID || !ok.Member.MFAEnrolled || ok.Member.DefaultMFAMethod != "totp" ||
		strings.Join(factorTypes(ok.MemberSession), ",") != "magic_link/email,totp/authenticator_app" ||
		ok.MemberSession.AuthenticationFactors[1].AuthenticatorAppFactor.TOTPID != c.TOTPRegistrationID {
		t.Fatalf("authenticate = %+v", ok)
	}
	_, err = e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "vault", MemberID: member, SessionToken: ok.SessionToken})
	wantStytchErr(t, err, 400, "active_totp_exists")

	// Next sign-in: TOTP registration offered, no text; the code just used is
	// refused, the previous step's code is still accepted 60 s later (±1).
	y := e.exchangeInto(DemoEmail, "vault")
	if y.MFARequired.MemberOptions.TOTPRegistrationID != c.TOTPRegistrationID || y.MFARequired.SecondaryAuthInitiated != "" {
		t.Fatalf("second sign-in = %+v", y.MFARequired)
	}
	_, err = auth(code(now), y.IntermediateSessionToken)
	wantStytchErr(t, err, 400, "totp_code_already_authenticated")
	e.clock.Advance(time.Minute)
	if _, err := auth(code(e.clock.Now().Add(-mfacode.Period*time.Second)), y.IntermediateSessionToken); err != nil {
		t.Fatalf("previous-step code: %v", err)
	}

	// Recovery codes: each works once and the reply counts the rest.
	z := e.exchangeInto(DemoEmail, "vault")
	recover := func(rc, ist string) (*recoverycodes.RecoverResponse, error) {
		return e.client.RecoveryCodes.Recover(ctx(t), &recoverycodes.RecoverParams{OrganizationID: "vault", MemberID: member, RecoveryCode: rc, IntermediateSessionToken: ist})
	}
	_, err = recover("aaaa-bbbb-cccc", z.IntermediateSessionToken)
	wantStytchErr(t, err, 401, "invalid_recovery_code")
	r, err := recover(strings.ToUpper(c.RecoveryCodes[3]), z.IntermediateSessionToken)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if r.RecoveryCodesRemaining != 9 || r.SessionToken == "" ||
		strings.Join(factorTypes(r.MemberSession), ",") != "magic_link/email,recovery_codes/recovery_code" {
		t.Fatalf("recover = %+v", r)
	}
	z2 := e.exchangeInto(DemoEmail, "vault")
	_, err = recover(c.RecoveryCodes[3], z2.IntermediateSessionToken)
	wantStytchErr(t, err, 401, "invalid_recovery_code")
}

// TestTOTPRules: expiry of an unfinished registration, one TOTP next to a
// verified phone only with that phone proven, tokens of the wrong member or
// organization, too many wrong codes.
func TestTOTPRules(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "harbor")
	member := x.MemberID
	c, err := e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "harbor", MemberID: member, ExpirationMinutes: 5, IntermediateSessionToken: x.IntermediateSessionToken})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5*time.Minute + time.Second)
	code, _ := TOTPCode(c.Secret, e.clock.Now().Unix())
	_, err = e.client.TOTPs.Authenticate(ctx(t), &totps.AuthenticateParams{OrganizationID: "harbor", MemberID: member, Code: code, IntermediateSessionToken: x.IntermediateSessionToken})
	wantStytchErr(t, err, 400, "expired_totp")
	_, err = e.client.TOTPs.Authenticate(ctx(t), &totps.AuthenticateParams{OrganizationID: "vault", MemberID: member, Code: code, IntermediateSessionToken: x.IntermediateSessionToken})
	wantStytchErr(t, err, 404, "member_not_found")

	// Fortress member has a verified phone: TOTP create needs the phone
	// proven (a session with the SMS factor), not just primary auth.
	f := e.exchangeInto(DemoEmail, "fortress")
	_, err = e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "fortress", MemberID: f.MemberID})
	wantStytchErr(t, err, 400, "no_associated_session_passed_in")
	_, err = e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "fortress", MemberID: f.MemberID, IntermediateSessionToken: f.IntermediateSessionToken})
	wantStytchErr(t, err, 400, "insufficient_factors")
	// The harbor IST is bound to harbor.
	_, err = e.client.OTPs.Sms.Send(ctx(t), &sms.SendParams{OrganizationID: "fortress", MemberID: f.MemberID, IntermediateSessionToken: x.IntermediateSessionToken})
	wantStytchErr(t, err, 400, "invalid_intermediate_session_token_for_organization")
	_, err = e.client.OTPs.Sms.Send(ctx(t), &sms.SendParams{OrganizationID: "fortress", MemberID: f.MemberID, IntermediateSessionToken: f.IntermediateSessionToken, SessionToken: "x"})
	wantStytchErr(t, err, 400, "too_many_session_arguments")
	fs, err := e.client.OTPs.Sms.Authenticate(ctx(t), &sms.AuthenticateParams{OrganizationID: "fortress", MemberID: f.MemberID,
		Code: e.latestSMS(DemoPhone).Code, IntermediateSessionToken: f.IntermediateSessionToken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "fortress", MemberID: f.MemberID, SessionToken: fs.SessionToken}); err != nil {
		t.Fatalf("create with an SMS-proven session: %v", err)
	}
	// Someone else's session is refused.
	if _, err := e.srv.AddMember("northwind", "eve@example.com"); err != nil {
		t.Fatal(err)
	}
	eve := e.exchangeInto("eve@example.com", "northwind")
	_, err = e.client.OTPs.Sms.Send(ctx(t), &sms.SendParams{OrganizationID: "fortress", MemberID: f.MemberID, SessionToken: eve.SessionToken})
	wantStytchErr(t, err, 403, "unauthorized_action")

	// Too many wrong TOTP codes: refused for a while even with the right one.
	v := e.exchangeInto(DemoEmail, "vault")
	vc, err := e.client.TOTPs.Create(ctx(t), &totps.CreateParams{OrganizationID: "vault", MemberID: v.MemberID, IntermediateSessionToken: v.IntermediateSessionToken})
	if err != nil {
		t.Fatal(err)
	}
	right, _ := TOTPCode(vc.Secret, e.clock.Now().Unix())
	wrong := "000000"
	for _, d := range []int64{-30, 0, 30} {
		if c, _ := TOTPCode(vc.Secret, e.clock.Now().Unix()+d); c == wrong {
			wrong = "000001"
		}
	}
	for range maxCodeFailures {
		_, err = e.client.TOTPs.Authenticate(ctx(t), &totps.AuthenticateParams{OrganizationID: "vault", MemberID: v.MemberID, Code: wrong, IntermediateSessionToken: v.IntermediateSessionToken})
		wantStytchErr(t, err, 401, "unable_to_authenticate_totp")
	}
	_, err = e.client.TOTPs.Authenticate(ctx(t), &totps.AuthenticateParams{OrganizationID: "vault", MemberID: v.MemberID, Code: right, IntermediateSessionToken: v.IntermediateSessionToken})
	wantStytchErr(t, err, 429, "too_many_requests")
}

// TestSessionExchangeSwitch: switching organizations with a session.
func TestSessionExchangeSwitch(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	nw := e.exchangeInto(DemoEmail, "northwind")
	if !nw.MemberAuthenticated {
		t.Fatalf("northwind = %+v", nw)
	}
	l, err := e.client.Discovery.Organizations.List(ctx(t), &discoveryorgs.ListParams{SessionToken: nw.SessionToken})
	if err != nil || len(l.DiscoveredOrganizations) != 7 { // + the SSO-only globex, umbrella
		t.Fatalf("list with session = %+v, %v", l, err)
	}
	exchange := func(org, token string) (*sessions.ExchangeResponse, error) {
		return e.client.Sessions.Exchange(ctx(t), &sessions.ExchangeParams{OrganizationID: org, SessionToken: token})
	}
	_, err = exchange("example-co", nw.SessionToken) // eligible by domain only: no JIT here
	wantStytchErr(t, err, 404, "member_not_found")

	e.clock.Advance(2 * time.Second)
	fx, err := exchange("fortress", nw.SessionToken)
	if err != nil || fx.MemberAuthenticated || fx.IntermediateSessionToken == "" || fx.MFARequired == nil || fx.MFARequired.SecondaryAuthInitiated != "sms_otp" {
		t.Fatalf("exchange fortress = %+v, %v", fx, err)
	}
	fs, err := e.client.OTPs.Sms.Authenticate(ctx(t), &sms.AuthenticateParams{OrganizationID: fx.Organization.OrganizationID, MemberID: fx.MemberID,
		Code: e.latestSMS(DemoPhone).Code, IntermediateSessionToken: fx.IntermediateSessionToken})
	if err != nil {
		t.Fatalf("sms after switch: %v", err)
	}
	// The old session is still valid (the app revokes it after storing the new one).
	if _, err := e.client.Sessions.Authenticate(ctx(t), &sessions.AuthenticateParams{SessionToken: nw.SessionToken}); err != nil {
		t.Fatalf("old session: %v", err)
	}
	back, err := exchange("northwind", fs.SessionToken)
	if err != nil || !back.MemberAuthenticated || back.MemberSession == nil ||
		strings.Join(factorTypes(back.MemberSession), ",") != "magic_link/email" { // the phone isn't northwind's
		t.Fatalf("back to northwind = %+v, %v", back, err)
	}
	// Same verified phone in the target: the SMS factor moves and satisfies MFA.
	if _, err := e.srv.SetMFAPhone("harbor", DemoEmail, DemoPhone); err != nil {
		t.Fatal(err)
	}
	hx, err := exchange("harbor", fs.SessionToken)
	if err != nil || !hx.MemberAuthenticated || strings.Join(factorTypes(hx.MemberSession), ",") != "magic_link/email,otp/sms" {
		t.Fatalf("exchange harbor with the same phone = %+v, %v", hx, err)
	}
	// TOTP organizations always ask again.
	vx, err := exchange("vault", fs.SessionToken)
	if err != nil || vx.MemberAuthenticated || vx.MFARequired == nil || vx.MFARequired.SecondaryAuthInitiated != "" {
		t.Fatalf("exchange vault = %+v, %v", vx, err)
	}
	// An invitation is accepted by switching.
	ax, err := exchange("acme", nw.SessionToken)
	if err != nil || !ax.MemberAuthenticated || ax.Member.Status != "active" {
		t.Fatalf("exchange acme = %+v, %v", ax, err)
	}
}

// TestMFAWireFormat checks raw JSON shapes the SDK structs can't show.
func TestMFAWireFormat(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	x := e.exchangeInto(DemoEmail, "vault")
	st, body := e.raw("/v1/b2b/totp", map[string]any{"organization_id": "vault", "member_id": x.MemberID, "intermediate_session_token": x.IntermediateSessionToken})
	if st != 200 {
		t.Fatalf("create = %d %v", st, body)
	}
	for _, k := range []string{"request_id", "status_code", "member_id", "totp_registration_id", "secret", "qr_code", "recovery_codes", "member", "organization"} {
		if _, ok := body[k]; !ok {
			t.Errorf("totp create lacks %s", k)
		}
	}
	code, _ := TOTPCode(body["secret"].(string), e.clock.Now().Unix())
	st, body = e.raw("/v1/b2b/totp/authenticate", map[string]any{"organization_id": "vault", "member_id": x.MemberID, "code": code, "intermediate_session_token": x.IntermediateSessionToken})
	if st != 200 {
		t.Fatalf("authenticate = %d %v", st, body)
	}
	for _, k := range []string{"member_id", "member", "organization", "session_token", "session_jwt", "member_session", "member_device"} {
		if _, ok := body[k]; !ok {
			t.Errorf("totp authenticate lacks %s", k)
		}
	}
	st, body = e.raw("/v1/b2b/otps/sms/authenticate", map[string]any{"organization_id": "vault", "member_id": x.MemberID})
	if st != 400 || body["error_type"] != "missing_required_field" || body["error_message"] != "code is required." {
		t.Fatalf("missing code = %d %v", st, body)
	}
	st, body = e.raw("/v1/b2b/otps/sms/send", `{"organization_id":"vault","member_id":7}`)
	if st != 400 || body["error_type"] != "invalid_request" {
		t.Fatalf("wrong type = %d %v", st, body)
	}

	// The outbox tells texts from emails; the inbox page shows both.
	e.exchangeInto(DemoEmail, "fortress")
	resp, err := e.http.Get(e.base + "/emulator/messages?to=" + DemoPhone) // "+" arrives as a space
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := jsonDecode(resp, &msgs); err != nil || len(msgs.Messages) != 1 {
		t.Fatalf("messages for phone = %+v, %v", msgs, err)
	}
	if m := msgs.Messages[0]; m["channel"] != "sms" || m["phone"] != DemoPhone || len(m["code"].(string)) != 6 || m["link"] != nil {
		t.Fatalf("sms message = %v", m)
	}
	if m := e.latestMessage(DemoEmail); m.Channel != "email" || m.Link == "" || m.Code != "" {
		t.Fatalf("email message = %+v", m)
	}
	page, err := e.http.Get(e.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(page.Body)
	code = msgs.Messages[0]["code"].(string)
	if page.StatusCode != http.StatusOK || !strings.Contains(b.String(), "Text message to &#43;15555550123") ||
		!strings.Contains(b.String(), `<strong class="code">`+code+`</strong>`) {
		t.Fatalf("inbox page lacks the text message")
	}
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
