package localstytch

import (
	"net/url"
	"strings"

	"stytch-desktop/app/localstytch/mfacode"
	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/localstytch/wire"
)

// recovery_codes.get and recovery_codes.rotate: backend calls (the project
// secret is the credential, no session) that show a member's unused recovery
// codes again, or replace all of them. The codes are derived from the
// server's key (store.MFAState.RecoveryCodeSeed), so showing them again
// needs nothing stored in the clear.

// GET /v1/b2b/recovery_codes/{organization_id}/{member_id}
func (s *Server) handleRecoveryCodesGet(rc *reqCtx) (any, *apiError) {
	orgID, memberID, _ := strings.Cut(strings.TrimPrefix(rc.r.URL.Path, recoveryCodesGetPrefix), "/")
	orgID, err1 := url.PathUnescape(orgID)
	memberID, err2 := url.PathUnescape(memberID)
	if err1 != nil || err2 != nil {
		return nil, newErrMsg("invalid_request", "The organization or member id is not a valid path segment.")
	}
	if e := (memberRef{orgID, memberID}).missing(); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, reg, e := s.recoveryRegistrationLocked(orgID, memberID)
	if e != nil {
		return nil, e
	}
	st := s.mfaLocked()
	codes := []string{}
	for i, r := range reg.RecoveryCodes {
		code := mfacode.RecoveryCodeFrom(st.RecoveryCodeSeed(reg.ID, reg.Generation, i))
		// A registration from before codes were derived cannot show them.
		if !r.Used && st.MAC("recovery", reg.ID, code) == r.Hash {
			codes = append(codes, code)
		}
	}
	return &wire.RecoveryCodesResponse{MemberID: m.ID, Member: memberJSON(m), Organization: orgJSON(o), RecoveryCodes: codes}, nil
}

// POST /v1/b2b/recovery_codes/rotate: every earlier code stops working.
func (s *Server) handleRecoveryCodesRotate(rc *reqCtx) (any, *apiError) {
	var req memberRef
	if e := decodeBody(rc, &req); e != nil {
		return nil, e
	}
	if e := req.missing(); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, reg, e := s.recoveryRegistrationLocked(req.OrganizationID, req.MemberID)
	if e != nil {
		return nil, e
	}
	reg.Generation++
	codes := s.newRecoveryCodesLocked(reg)
	s.persistLocked()
	return &wire.RecoveryCodesResponse{MemberID: m.ID, Member: memberJSON(m), Organization: orgJSON(o), RecoveryCodes: codes}, nil
}

// recoveryRegistrationLocked resolves the member and its active TOTP
// registration, which owns the recovery codes. Caller holds s.mu.
func (s *Server) recoveryRegistrationLocked(orgID, memberID string) (*store.Org, *store.Member, *store.TOTP, *apiError) {
	o, m, e := s.orgMemberLocked(orgID, memberID)
	if e != nil {
		return nil, nil, nil, e
	}
	var reg *store.TOTP
	if hasTOTP(m) {
		reg = s.mfaLocked().TOTPs[m.MFA.TOTPID]
	}
	if reg == nil {
		return nil, nil, nil, newErr("recovery_codes_not_found")
	}
	return o, m, reg, nil
}
