package localstytch

import (
	"time"

	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// primaryDone is what every authenticate endpoint knows once its own
// credential checked out (a magic link, an SSO or OAuth callback, an IST
// exchanged into an organization, a session moved to another organization,
// a discovery organization just created): who signed in where, with which
// factors. concludeLocked decides what follows, the same way for all.
type primaryDone struct {
	o *store.Org
	m *store.Member
	// email and emailID are the session's email factor (and a new IST's).
	email, emailID  string
	authenticatedAt time.Time
	// primary are the primary factors (nil: the email magic link, see
	// store.FactorsOr); mfa the MFA factors already proven (sessions.exchange
	// carries a verified phone; an MFA endpoint adds the one just checked).
	primary []store.AuthFactor
	mfa     []store.MFAFactor
	// ist is the intermediate session the request passed (nil: none). It is
	// kept, tied to the organization, while something is still missing, and
	// consumed once a session is issued.
	ist      *store.IST
	istToken string
	dur      time.Duration
	claims   map[string]any
}

// concludeLocked ends every primary authentication step: primary_required
// when the organization's allowed methods are unmet (asked before MFA),
// mfa_required when the organization or member needs MFA and no MFA factor
// came along (texting a code first when Stytch would), otherwise a member
// session. Both "not done yet" answers carry an IST — the one passed in, or
// a new one made through the store (store.State.NewIST, so the caps see it). Caller
// holds s.mu.
func (s *Server) concludeLocked(rc *reqCtx, r *wire.SessionResult, d primaryDone, now time.Time) {
	allowed := primaryRequired(d.o, store.FactorsOr(d.primary, d.email, d.emailID, d.authenticatedAt))
	if allowed != nil || (needsMFA(d.o, d.m) && !hasMFAFactor(d.mfa)) {
		ist, token := d.ist, d.istToken
		if ist == nil {
			ist = &store.IST{Email: d.email, EmailID: d.emailID, AuthenticatedAt: d.authenticatedAt,
				ExpiresAt: now.Add(istLifetime)}
			token = s.st.NewIST(ist)
		}
		// A passed IST keeps its expiry: adding a factor does not extend it.
		ist.OrgID, ist.Primary = d.o.ID, d.primary
		if allowed != nil {
			withPrimaryRequired(r, token, allowed, ist.ExpiresAt)
		} else {
			s.mfaStepLocked(rc, r, d.m, d.o, token, ist.ExpiresAt, now)
		}
		s.persistLocked()
		return
	}
	sess, token := s.startSessionLocked(rc, d, now)
	s.persistLocked()
	withSession(r, sess, token, d.m, d.o)
}

// startSessionLocked consumes the IST (if any) and issues the member
// session, its JWT signed once the handler returns (rc.signLater). Caller
// holds s.mu.
func (s *Server) startSessionLocked(rc *reqCtx, d primaryDone, now time.Time) (*store.Session, string) {
	if d.ist != nil {
		s.st.ConsumeIST(d.istToken, d.ist)
	}
	sess, token := s.newSessionLocked(rc, d.m, d.o, d.email, d.emailID, d.authenticatedAt, now, d.dur, d.claims)
	sess.Factors, sess.Primary = d.mfa, d.primary
	rc.signLater(s.sessionClaimsLocked(sess, d.m, d.o, now))
	return sess, token
}
