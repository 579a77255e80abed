package signin

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Flow kinds stored with a pending sign-in.
const (
	flowDiscovery    = "discovery"
	flowOrganization = "organization"
)

// pendingFlow is what a link needs to complete after an app restart. It holds
// the PKCE verifier, so it lives only in memory and in the keychain.
type pendingFlow struct {
	Email        string `json:"email"`
	Verifier     string `json:"verifier"`
	Kind         string `json:"kind"`
	Organization string `json:"organization,omitempty"`
	// OrganizationName is the configured organization's display name from
	// Stytch's answer to the send, for the greeting after a restart.
	OrganizationName string    `json:"organization_name,omitempty"`
	SentAt           time.Time `json:"sent_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	// Spending is set (in the keychain) while the link is being
	// authenticated: found at start, it means the app stopped mid-sign-in,
	// so the link is probably spent and the flow cannot be resumed.
	Spending bool `json:"spending,omitempty"`
}

// sessionRecord is the keychain item for a member session: the opaque session
// token plus the display data needed to show the signed-in screen. Logo URLs
// are left out to keep the item well under keychain size limits.
type sessionRecord struct {
	Token        string       `json:"token"`
	Member       Member       `json:"member"`
	Organization Organization `json:"organization"`
	Roles        []string     `json:"roles,omitempty"` // the member's roles in this session (a record from before roles were kept has none)
	ExpiresAt    time.Time    `json:"expires_at"`
	// SignedOut marks a session the user signed out of whose revoke Stytch
	// has not confirmed yet: it is never shown again, only revoked.
	SignedOut bool `json:"signed_out,omitempty"`
}

var errNoRecord = errors.New("no stored record")

// errKeychainSkipped: a best-effort keychain call was not made because the
// keychain was locked at the last attempt — so as not to raise another
// unlock prompt (or wait for one) on every action.
var errKeychainSkipped = E("keychain", KindKeychainLocked, errors.New("skipped: the keychain is locked"))

// noteKeychain remembers whether the keychain answered: after a locked or
// timed-out call, best-effort calls are skipped until a call succeeds again
// (a retry after unlocking, or an essential write).
func (f *Flows) noteKeychain(err error) error {
	f.mu.Lock()
	switch KindOf(err) {
	case "":
		f.keychainLocked = false
	case KindKeychainLocked:
		f.keychainLocked = true
	}
	f.mu.Unlock()
	return err
}

func (f *Flows) keychainIsLocked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keychainLocked
}

// storeBestEffort is storeRecord for what only saves time later (the pending
// flow, the JWT): skipped while the keychain is locked.
func (f *Flows) storeBestEffort(ctx context.Context, key string, v any) error {
	if f.keychainIsLocked() {
		return errKeychainSkipped
	}
	return f.storeRecord(ctx, key, v)
}

// deleteBestEffort is deleteRecord, skipped while the keychain is locked.
func (f *Flows) deleteBestEffort(ctx context.Context, key string) {
	if !f.keychainIsLocked() {
		f.deleteRecord(ctx, key)
	}
}

func (f *Flows) storeRecord(ctx context.Context, key string, v any) error {
	if r, ok := v.(*sessionRecord); ok {
		c := *r
		c.Organization.LogoURL = ""
		c.Organization.Membership = ""
		c.Organization.SSOConnections, c.Organization.SSODefaultConnectionID = nil, ""
		v = &c
	}
	b, err := json.Marshal(v)
	if err != nil {
		return E("keychain store", KindUnknown, err)
	}
	kctx, cancel := f.keychainCtx(ctx)
	defer cancel()
	return f.noteKeychain(keychainError("keychain store", f.secrets.Set(kctx, key, b)))
}

// loadRecord reads key into v; errNoRecord when absent or unreadable.
func (f *Flows) loadRecord(ctx context.Context, key string, v any) error {
	kctx, cancel := f.keychainCtx(ctx)
	defer cancel()
	b, err := f.secrets.Get(kctx, key)
	if errors.Is(err, ErrSecretNotFound) {
		return errNoRecord
	}
	if err != nil && !errors.Is(err, ErrSecretCorrupt) {
		return f.noteKeychain(keychainError("keychain load", err))
	}
	f.noteKeychain(nil)
	if err != nil || json.Unmarshal(b, v) != nil {
		// A record we cannot read is not a session; drop it so it can't wedge start-up.
		f.log.Warn("unreadable keychain record deleted", "key", key)
		f.deleteRecord(ctx, key)
		return errNoRecord
	}
	return nil
}

func (f *Flows) deleteRecord(ctx context.Context, key string) {
	if err := f.deleteRecordErr(ctx, key); err != nil {
		f.log.Warn("keychain delete failed", "key", key, "error", err.Error())
	}
}

func (f *Flows) deleteRecordErr(ctx context.Context, key string) error {
	kctx, cancel := f.keychainCtx(ctx)
	defer cancel()
	err := f.secrets.Delete(kctx, key)
	if errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	return f.noteKeychain(keychainError("keychain delete", err))
}

// keychainError classifies a keychain failure for the screens.
func keychainError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrKeychainUnavailable):
		return E(op, KindKeychainUnavailable, err)
	case errors.Is(err, ErrKeychainLocked), errors.Is(err, ErrKeychainTimeout),
		errors.Is(err, context.DeadlineExceeded):
		return E(op, KindKeychainLocked, err)
	case errors.Is(err, ErrSecretTooBig):
		return E(op, KindKeychainTooBig, err)
	default:
		return E(op, KindKeychainUnavailable, err)
	}
}
