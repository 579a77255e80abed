// Package app is the thin layer Wails binds to the frontend: each exported
// method is one screen action, one line onto the lifecycle (app/lifecycle)
// and the sign-in flows (app/signin), returning the new view. Wails binds
// every exported method, so nothing else is exported here: start-up,
// shutdown and the link door are wired in main.go, not callable from
// JavaScript.
package app

import (
	"context"

	"stytch-desktop/app/companyapi"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
)

// App is bound to the frontend. Its methods are exactly the screens' actions
// (frontend/src/lib/backend.ts; TestBindingsAreScreenActions holds them together).
type App struct{ lc *lifecycle.Lifecycle }

// New binds the screens to a lifecycle.
func New(lc *lifecycle.Lifecycle) *App { return &App{lc: lc} }

type flows = signin.Flows

// State returns the current view.
func (a *App) State() signin.View { return a.lc.State() }

// CompanyAPIMe asks the company's API who the member is, with the session's
// JWT, which stays in Go (the signed-in screen's "Welcome, …").
func (a *App) CompanyAPIMe() companyapi.Me { return a.lc.CompanyAPIMe() }

// SendLink emails a sign-in link to the address.
func (a *App) SendLink(email string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.StartSignIn(ctx, email) })
}

// Resend sends the link again.
func (a *App) Resend() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.Resend(ctx) })
}

// UseAnotherEmail goes back to email entry.
func (a *App) UseAnotherEmail() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.UseAnotherEmail(ctx) })
}

// SubmitLink takes a pasted link (the stytch-desktop:// link or the email's
// own) through the same door as a link from the OS.
func (a *App) SubmitLink(link string) signin.View { return a.lc.Paste(link) }

// RedeemCode signs in with the code the /open page showed ("Got a code instead?").
func (a *App) RedeemCode(code string) signin.View { return a.lc.RedeemCode(code) }

// ChooseOrganization enters one of the discovered organizations.
func (a *App) ChooseOrganization(organizationID string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.ChooseOrganization(ctx, organizationID) })
}

// BackToOrganizations leaves an organization that needs more verification
// for the list of organizations.
func (a *App) BackToOrganizations() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.BackToOrganizations(ctx) })
}

// CreateOrganization creates an organization and enters it.
func (a *App) CreateOrganization(name, slug string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error {
		return f.CreateOrganization(ctx, signin.NewOrganization{Name: name, Slug: slug})
	})
}

// SignOut revokes the session and forgets it.
func (a *App) SignOut() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.SignOut(ctx) })
}

// RetryRestore reads the keychain again after the user unlocked it.
func (a *App) RetryRestore() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.RetryRestore(ctx) })
}

// DismissNotice hides the current message.
func (a *App) DismissNotice() signin.View {
	return a.lc.Do(func(_ context.Context, f *flows) error { f.DismissNotice(); return nil })
}

// SuggestSlug proposes a URL slug for an organization name.
func (a *App) SuggestSlug(name string) string { return signin.SuggestSlug(name) }

// StartOAuth opens the system browser at "Continue with <provider>".
func (a *App) StartOAuth(provider string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.StartOAuth(ctx, provider) })
}

// StartSSO signs in to an organization through its identity provider
// (connectionID "" = its default connection, or asks which).
func (a *App) StartSSO(organizationID, connectionID string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.StartSSO(ctx, organizationID, connectionID) })
}

// CancelBrowser stops waiting for the browser.
func (a *App) CancelBrowser() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.CancelBrowser(ctx) })
}

// OpenInbox opens the local API's inbox page in the system browser (local mode).
func (a *App) OpenInbox() signin.View { return a.lc.OpenInbox() }

// SubmitMFACode checks a texted or authenticator-app code.
func (a *App) SubmitMFACode(code string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.SubmitMFACode(ctx, code) })
}

// ResendSMS texts a new code.
func (a *App) ResendSMS() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.ResendSMS(ctx) })
}

// UseMFAMethod switches to another way to verify ("sms_otp", "totp",
// "backup_code", or "" for the enrollment choice).
func (a *App) UseMFAMethod(method string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.UseMFAMethod(ctx, method) })
}

// SubmitPhone texts a code to a new MFA phone number.
func (a *App) SubmitPhone(phone string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.SubmitPhone(ctx, phone) })
}

// SubmitBackupCode signs in with a backup code.
func (a *App) SubmitBackupCode(code string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.SubmitBackupCode(ctx, code) })
}

// ConfirmRecoveryCodes leaves the backup-codes screen.
func (a *App) ConfirmRecoveryCodes() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.ConfirmRecoveryCodes(ctx) })
}

// SaveRecoveryCodes asks where to save the backup codes and writes them there.
func (a *App) SaveRecoveryCodes() signin.View { return a.lc.SaveRecoveryCodes() }

// CancelMFA leaves the MFA step.
func (a *App) CancelMFA() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.CancelMFA(ctx) })
}

// ListOrganizations lists the organizations a signed-in member can switch to.
func (a *App) ListOrganizations() signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.ListOrganizations(ctx) })
}

// SwitchOrganization enters another organization with the session.
func (a *App) SwitchOrganization(organizationID string) signin.View {
	return a.lc.Do(func(ctx context.Context, f *flows) error { return f.SwitchOrganization(ctx, organizationID) })
}
