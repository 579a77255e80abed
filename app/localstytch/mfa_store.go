package localstytch

import (
	"crypto/rand"
	"time"

	"stytch-desktop/app/localstytch/mfacode"
	"stytch-desktop/app/localstytch/store"
)

// MFA model of the emulator: SMS one-time passcodes, TOTP registrations and
// their recovery codes (docs/local-api.md §5).
//
// Nothing secret is stored in the clear, in memory or in the state file:
// SMS codes and recovery codes are kept as HMAC-SHA256 under the server's own
// MFA key (a 6-digit code has only 10^6 values, so the unkeyed hash used for
// 264-bit tokens would not do), and a TOTP secret is not stored at all — it is
// derived from the same key and the registration id when needed. The key is
// the server's, like the JWT signing key; the raw code exists only in the
// request that sends it and the in-memory outbox.

// MFA method names as Stytch spells them.
const (
	mfaSMS  = "sms_otp"
	mfaTOTP = "totp"
)

// Limits and lifetimes. Where Stytch documents a value the comment says so;
// the others are the emulator's choices, kept here.
const (
	smsCodeLifetime   = 2 * time.Minute // SDK doc comment: "OTP codes expire after two minutes"
	smsSendMinGap     = time.Second     // guess: like email, one send per second per number
	maxCodeFailures   = 5               // guess: wrong codes per live SMS code / per TOTP window
	mfaFailureWindow  = 10 * time.Minute
	recoveryCodeCount = 10
	defaultTOTPExpiry = 60 // minutes; SDK: expiration_minutes default
	minTOTPExpiry     = 5
	maxTOTPExpiry     = 1440
)

// mfaLocked returns the MFA state, creating it (and its key) on first use,
// which also covers state files written before MFA existed. Caller holds s.mu.
func (s *Server) mfaLocked() *store.MFAState {
	if s.st.MFA == nil {
		s.st.MFA = &store.MFAState{}
	}
	m := s.st.MFA
	if len(m.Key) == 0 {
		m.Key = make([]byte, 32)
		_, _ = rand.Read(m.Key)
	}
	if m.TOTPs == nil {
		m.TOTPs = map[string]*store.TOTP{}
	}
	if m.OTPs == nil {
		m.OTPs = map[string]*store.OTP{}
	}
	return m
}

func memberMFAOf(m *store.Member) *store.MemberMFA {
	if m.MFA == nil {
		m.MFA = &store.MemberMFA{}
	}
	return m.MFA
}

// hasSMS / hasTOTP say whether the member has that factor enrolled (the same
// test Stytch's UI makes: verified phone; a TOTP registration id).
func hasSMS(m *store.Member) bool  { return m.MFA != nil && m.MFA.PhoneVerified }
func hasTOTP(m *store.Member) bool { return m.MFA != nil && m.MFA.TOTPID != "" }
func hasFactor(m *store.Member) bool {
	return hasSMS(m) || hasTOTP(m)
}

// needsMFA: the organization requires MFA of everyone, or this member opted in.
func needsMFA(o *store.Org, m *store.Member) bool {
	return o.MFAPolicy == mfaRequiredForAll || (m != nil && m.MFA != nil && m.MFA.Enrolled)
}

// mfaAllowed reports whether the organization permits method.
func mfaAllowed(o *store.Org, method string) bool {
	if len(o.AllowedMFAMethods) == 0 {
		return true
	}
	for _, a := range o.AllowedMFAMethods {
		if a == method {
			return true
		}
	}
	return false
}

// primaryFactorsOK is a session's factors that move with sessions.exchange
// (magic link always; SMS only when the target member has the same verified
// phone). TOTP and recovery codes never move (docs/local-api.md §6).
func exchangeFactors(old *store.Session, target *store.Member) []store.MFAFactor {
	var out []store.MFAFactor
	for _, f := range old.Factors {
		if f.Type == "otp" && hasSMS(target) && target.MFA.Phone == f.Phone {
			out = append(out, f)
		}
	}
	return out
}

func hasMFAFactor(fs []store.MFAFactor) bool {
	for _, f := range fs {
		switch f.Type {
		case "otp", "totp", "recovery_codes":
			return true
		}
	}
	return false
}

// pruneMFALocked drops dead SMS codes and expired unverified TOTP
// registrations. Caller holds s.mu.
func (s *Server) pruneMFALocked(now time.Time) {
	m := s.mfaLocked()
	for id, o := range m.OTPs {
		if now.Sub(o.ExpiresAt) > time.Hour {
			delete(m.OTPs, id)
		}
	}
	for id, t := range m.TOTPs {
		if !t.Verified && now.Sub(t.ExpiresAt) > time.Hour {
			delete(m.TOTPs, id)
		}
	}
}

// failureLimiter counts wrong MFA codes per member and method, in memory
// (a restart forgiving a few wrong codes is harmless).
type failureLimiter struct {
	first time.Time
	n     int
}

func (s *Server) tooManyFailuresLocked(key string, now time.Time) bool {
	f, ok := s.mfaFailures[key]
	if !ok || now.Sub(f.first) > mfaFailureWindow {
		return false
	}
	return f.n >= maxCodeFailures
}

func (s *Server) recordFailureLocked(key string, now time.Time) {
	if s.mfaFailures == nil {
		s.mfaFailures = map[string]*failureLimiter{}
	}
	f, ok := s.mfaFailures[key]
	if !ok || now.Sub(f.first) > mfaFailureWindow {
		f = &failureLimiter{first: now}
		s.mfaFailures[key] = f
	}
	f.n++
}

// TOTPCode returns the RFC 6238 code of a base32 secret at unix time t
// (seconds), what an authenticator app shows (mfacode.TOTPCode). Exported
// for the tests and tools that drive the local API.
func TOTPCode(secretBase32 string, unix int64) (string, error) {
	return mfacode.TOTPCode(secretBase32, unix)
}
