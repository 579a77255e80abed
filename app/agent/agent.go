// Package agent lets the same user's processes (the stytch-desktop CLI,
// scripts) get short-lived session JWTs from the running app, like an SSH
// agent: a Unix socket only the user can reach (mode 0600 in a 0700
// directory under $XDG_RUNTIME_DIR), and every connection's peer uid
// checked with SO_PEERCRED (LOCAL_PEERCRED on macOS) before a byte is read.
// It serves the member's identity and the session JWT, never the opaque
// session token. Windows (a named pipe) is not supported yet: Listen and
// Dial return ErrNotSupported there.
//
// The protocol is one JSON request line and one JSON answer line per
// connection.
package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Identity is who the app is signed in as.
type Identity struct {
	MemberID         string   `json:"member_id"`
	Email            string   `json:"email_address"`
	OrganizationID   string   `json:"organization_id"`
	OrganizationName string   `json:"organization_name"`
	Roles            []string `json:"roles"`
}

// Answer is the agent's answer to a status or token request.
type Answer struct {
	Identity
	JWT       string    `json:"session_jwt,omitempty"` // token requests only
	ExpiresAt time.Time `json:"expires_at,omitzero"`   // the JWT's
	Source    string    `json:"-"`                     // "app" or "keychain": where the CLI got it
}

// Errors a status or token request can end in, on both sides of the socket.
var (
	ErrNotSignedIn             = errors.New("not signed in")
	ErrSessionEnded            = errors.New("the session ended: sign in again")
	ErrOtherOrganization       = errors.New("signed in to another organization")
	ErrUnavailable             = errors.New("a session token is not available right now")
	ErrNoAgent                 = errors.New("the app is not running")
	ErrNotSupported            = errors.New("the session agent is not supported on this platform yet")
	errPeerRefused             = errors.New("peer is another user")
	errUnsafeDirectory         = errors.New("socket directory is not private")
	wireErrors                 = map[string]error{"not_signed_in": ErrNotSignedIn, "session_ended": ErrSessionEnded, "other_organization": ErrOtherOrganization, "unavailable": ErrUnavailable}
	maxRequest           int64 = 4 << 10
)

// errorCode is the wire name of a sentinel ("" for anything else, which
// the client reads as unavailable).
func errorCode(err error) string {
	for code, e := range wireErrors {
		if errors.Is(err, e) {
			return code
		}
	}
	return "unavailable"
}

// SocketPath is where the app's agent listens for this user:
// $XDG_RUNTIME_DIR/stytch-desktop/agent.sock (a per-user, 0700 directory on
// Linux), else a stytch-desktop-<uid> directory in the temporary directory
// (macOS), whose ownership and mode Listen and Dial check.
func SocketPath() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("agent: XDG_RUNTIME_DIR %q is not absolute", d)
		}
		return filepath.Join(d, "stytch-desktop", "agent.sock"), nil
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("stytch-desktop-%d", os.Getuid()), "agent.sock"), nil
}
