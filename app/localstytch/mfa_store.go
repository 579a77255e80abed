package localstytch

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"stytch-desktop/app/localstytch/mfacode"
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
	totpSecretBytes   = 20 // 160 bits → 32 base32 characters
	recoveryCodeCount = 10
	defaultTOTPExpiry = 60 // minutes; SDK: expiration_minutes default
	minTOTPExpiry     = 5
	maxTOTPExpiry     = 1440
)

// memberMFA is one member's MFA state, persisted inside memberRecord.
type memberMFA struct {
	Phone         string // E.164; may be unverified (linked by a send)
	PhoneID       string
	PhoneVerified bool
	TOTPID        string // the verified (active) registration; "" = none
	DefaultMethod string // sms_otp | totp | ""
	Enrolled      bool   // mfa_enrolled
}

// factorRecord is one authentication factor on a session beyond the primary
// email factor that sessionRecord has always carried.
type factorRecord struct {
	Type, Delivery string
	Phone, PhoneID string `json:",omitempty"`
	TOTPID         string `json:",omitempty"`
	RecoveryCodeID string `json:",omitempty"`
	At             time.Time
}

// mfaState is the MFA part of the persisted state.
type mfaState struct {
	Key   []byte                 // HMAC key for codes and TOTP secrets (server-owned)
	TOTPs map[string]*totpRecord // by registration id
	OTPs  map[string]*otpRecord  // by member id: one live SMS code per member
}

type totpRecord struct {
	ID, MemberID  string
	Verified      bool
	CreatedAt     time.Time
	ExpiresAt     time.Time // for an unverified registration
	LastStep      int64     // last accepted time step: a code is accepted once
	RecoveryCodes []*recoveryCodeRecord
}

type recoveryCodeRecord struct {
	ID   string
	Hash string // HMAC of the code
	Used bool
}

type otpRecord struct {
	Hash      string // HMAC of member id + code
	Phone     string
	ExpiresAt time.Time
	Used      bool
	Failures  int
}

// mfaLocked returns the MFA state, creating it (and its key) on first use,
// which also covers state files written before MFA existed. Caller holds s.mu.
func (s *Server) mfaLocked() *mfaState {
	if s.st.MFA == nil {
		s.st.MFA = &mfaState{}
	}
	m := s.st.MFA
	if len(m.Key) == 0 {
		m.Key = make([]byte, 32)
		_, _ = rand.Read(m.Key)
	}
	if m.TOTPs == nil {
		m.TOTPs = map[string]*totpRecord{}
	}
	if m.OTPs == nil {
		m.OTPs = map[string]*otpRecord{}
	}
	return m
}

// mac is HMAC-SHA256(key, label 0 parts...) in hex.
func (m *mfaState) mac(label string, parts ...string) string {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte(label))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// totpSecret derives a registration's secret: never stored, recomputable.
func (m *mfaState) totpSecret(regID string) []byte {
	h := hmac.New(sha256.New, m.Key)
	h.Write([]byte("totp-secret\x00" + regID))
	return h.Sum(nil)[:totpSecretBytes]
}

func memberMFAOf(m *memberRecord) *memberMFA {
	if m.MFA == nil {
		m.MFA = &memberMFA{}
	}
	return m.MFA
}

// hasSMS / hasTOTP say whether the member has that factor enrolled (the same
// test Stytch's UI makes: verified phone; a TOTP registration id).
func hasSMS(m *memberRecord) bool  { return m.MFA != nil && m.MFA.PhoneVerified }
func hasTOTP(m *memberRecord) bool { return m.MFA != nil && m.MFA.TOTPID != "" }
func hasFactor(m *memberRecord) bool {
	return hasSMS(m) || hasTOTP(m)
}

// needsMFA: the organization requires MFA of everyone, or this member opted in.
func needsMFA(o *orgRecord, m *memberRecord) bool {
	return o.MFAPolicy == mfaRequiredForAll || (m != nil && m.MFA != nil && m.MFA.Enrolled)
}

// mfaAllowed reports whether the organization permits method.
func mfaAllowed(o *orgRecord, method string) bool {
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
func exchangeFactors(old *sessionRecord, target *memberRecord) []factorRecord {
	var out []factorRecord
	for _, f := range old.Factors {
		if f.Type == "otp" && hasSMS(target) && target.MFA.Phone == f.Phone {
			out = append(out, f)
		}
	}
	return out
}

func hasMFAFactor(fs []factorRecord) bool {
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
