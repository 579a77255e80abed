package stytchclient

import (
	"context"
	"errors"

	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/mfa"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"stytch-desktop/app/signin"
)

// MFA and organization switching (docs/stytch-notes.md, "MFA" and
// "Switching organizations").

func (c *Client) SendSMSCode(ctx context.Context, req signin.MFARequest, phone string) error {
	const op = "send sms code"
	ctx, box := withRetryBox(ctx)
	_, err := c.api.OTPs.Sms.Send(ctx, &sms.SendParams{
		OrganizationID:           req.OrganizationID,
		MemberID:                 req.MemberID,
		MFAPhoneNumber:           phone,
		IntermediateSessionToken: req.IntermediateSessionToken,
	})
	return mapError(op, err, box)
}

func (c *Client) AuthenticateSMSCode(ctx context.Context, req signin.MFARequest, code string, minutes int) (signin.Authentication, error) {
	const op = "authenticate sms code"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.OTPs.Sms.Authenticate(ctx, &sms.AuthenticateParams{
		OrganizationID:           req.OrganizationID,
		MemberID:                 req.MemberID,
		Code:                     code,
		IntermediateSessionToken: req.IntermediateSessionToken,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(true, resp.SessionToken, resp.SessionJWT, "", resp.Member, resp.Organization, resp.MemberSession, nil, nil), nil
}

func (c *Client) CreateTOTP(ctx context.Context, req signin.MFARequest) (signin.TOTPEnrollment, error) {
	const op = "create totp"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.TOTPs.Create(ctx, &totps.CreateParams{
		OrganizationID:           req.OrganizationID,
		MemberID:                 req.MemberID,
		IntermediateSessionToken: req.IntermediateSessionToken,
	})
	if err != nil {
		return signin.TOTPEnrollment{}, mapError(op, err, box)
	}
	return signin.TOTPEnrollment{RegistrationID: resp.TOTPRegistrationID, Secret: resp.Secret, QRCode: resp.QrCode,
		RecoveryCodes: resp.RecoveryCodes}, nil
}

func (c *Client) AuthenticateTOTP(ctx context.Context, req signin.MFARequest, code string, minutes int) (signin.Authentication, error) {
	const op = "authenticate totp"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.TOTPs.Authenticate(ctx, &totps.AuthenticateParams{
		OrganizationID:           req.OrganizationID,
		MemberID:                 req.MemberID,
		Code:                     code,
		IntermediateSessionToken: req.IntermediateSessionToken,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	return authentication(true, resp.SessionToken, resp.SessionJWT, "", resp.Member, resp.Organization, resp.MemberSession, nil, nil), nil
}

func (c *Client) RecoverWithBackupCode(ctx context.Context, req signin.MFARequest, code string, minutes int) (signin.Authentication, error) {
	const op = "recover with backup code"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.RecoveryCodes.Recover(ctx, &recoverycodes.RecoverParams{
		OrganizationID:           req.OrganizationID,
		MemberID:                 req.MemberID,
		RecoveryCode:             code,
		IntermediateSessionToken: req.IntermediateSessionToken,
		SessionDurationMinutes:   int32(minutes),
	})
	if err != nil {
		return signin.Authentication{}, mapError(op, err, box)
	}
	a := authentication(true, resp.SessionToken, resp.SessionJWT, "", resp.Member, resp.Organization, resp.MemberSession, nil, nil)
	a.BackupCodesRemaining = int(resp.RecoveryCodesRemaining)
	return a, nil
}

func (c *Client) ListOrganizations(ctx context.Context, sessionToken string) ([]signin.Organization, error) {
	const op = "list organizations"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.Discovery.Organizations.List(ctx, &discoveryorgs.ListParams{SessionToken: sessionToken})
	if err != nil {
		return nil, mapError(op, err, box)
	}
	return discovered(resp.DiscoveredOrganizations), nil
}

func (c *Client) ExchangeSession(ctx context.Context, sessionToken, organizationID string, minutes int) (signin.Authentication, error) {
	const op = "exchange session"
	ctx, box := withRetryBox(ctx)
	resp, err := c.api.Sessions.Exchange(ctx, &sessions.ExchangeParams{
		OrganizationID:         organizationID,
		SessionToken:           sessionToken,
		SessionDurationMinutes: int32(minutes),
	})
	if err != nil {
		mapped := mapError(op, err, box)
		var se stytcherror.Error
		if errors.As(err, &se) && se.ErrorType == "member_not_found" {
			// sessions.exchange never JIT-creates a member: joining by email
			// domain takes a fresh discovery sign-in (docs/stytch-notes.md, "Switching organizations").
			return signin.Authentication{}, signin.E(op, signin.KindSwitchNeedsSignIn, errors.Unwrap(mapped))
		}
		return signin.Authentication{}, mapped
	}
	return authentication(resp.MemberAuthenticated, resp.SessionToken, resp.SessionJWT, resp.IntermediateSessionToken,
		resp.Member, resp.Organization, resp.MemberSession, resp.MFARequired, primary(resp.PrimaryRequired)), nil
}

// mfaState reads the screen choice inputs (docs/stytch-notes.md, "MFA"): the member's
// enrolled factors from the Member object, the organization's allowed
// methods, and whether Stytch already texted a code.
func mfaState(r *mfa.MfaRequired, m organizations.Member, o organizations.Organization) signin.MFAState {
	st := signin.MFAState{
		SMSSent:       r.SecondaryAuthInitiated == signin.MethodSMS,
		HasPhone:      m.MFAPhoneNumberVerified,
		HasTOTP:       m.TOTPRegistrationID != "",
		DefaultMethod: m.DefaultMFAMethod,
	}
	if r.MemberOptions != nil {
		st.PhoneMasked = r.MemberOptions.MFAPhoneNumber
		if r.MemberOptions.TOTPRegistrationID != "" {
			st.HasTOTP = true
		}
	}
	if o.MFAMethods == "RESTRICTED" {
		st.AllowedMethods = append([]string{}, o.AllowedMFAMethods...)
	}
	return st
}
