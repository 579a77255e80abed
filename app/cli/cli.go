// Package cli is the command line's side of the signed-in session:
// `stytch-desktop auth status` and `stytch-desktop auth token
// [--organization ID]`, like `gh auth token`, so scripts and other CLIs can
// call the company's API as the signed-in member. The running app answers
// over its per-user socket (app/agent); with no app running, the keychain's
// session is refreshed with Stytch directly (Keychain). Only the short-lived
// session JWT is ever printed, never the opaque session token.
//
// Exit statuses (ExitOK…): 0 success; 1 no token right now (Stytch or the
// keychain unreachable, locked; try again); 2 usage; 4 not signed in (or the
// session ended); 5 signed in, but to another organization than
// --organization.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"stytch-desktop/app/agent"
)

// Exit statuses.
const (
	ExitOK                = 0
	ExitUnavailable       = 1
	ExitUsage             = 2
	ExitNotSignedIn       = 4
	ExitOtherOrganization = 5
)

// Sessions answers for the signed-in session: the agent's client, the
// keychain fallback, or both chained (Chain). Errors wrap agent's sentinels
// (ErrNotSignedIn, ErrSessionEnded, ErrOtherOrganization, ErrUnavailable,
// ErrNoAgent).
type Sessions interface {
	Status(ctx context.Context) (agent.Answer, error)
	Token(ctx context.Context, organization string) (agent.Answer, error)
}

const usage = `usage: stytch-desktop auth status
       stytch-desktop auth token [--organization ID]

status  who the app is signed in as (member, organization, roles)
token   print a session JWT (valid for at least a minute) for
        Authorization: Bearer …, e.g.
        curl -H "Authorization: Bearer $(stytch-desktop auth token)" https://api.example.com/api/me

exit status: 0 ok, 1 not available right now, 2 usage, 4 not signed in,
             5 signed in to another organization`

// Run runs `auth` with args (the words after "auth") and returns the exit
// status. stdout gets only the answer (for token: the JWT and a newline);
// every message goes to stderr as one line.
func Run(ctx context.Context, args []string, s Sessions, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, usage)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	cmd, rest := args[0], args[1:]
	fs := flag.NewFlagSet("stytch-desktop auth "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	org := ""
	if cmd == "token" {
		fs.StringVar(&org, "organization", "", "the organization the token must be for (id)")
	}
	if err := fs.Parse(rest); err != nil || fs.NArg() > 0 || (cmd != "status" && cmd != "token") {
		msg := "unknown command " + cmd
		switch {
		case cmd != "status" && cmd != "token":
		case err != nil:
			msg = err.Error()
		default:
			msg = "unexpected argument " + fs.Arg(0)
		}
		fmt.Fprintf(stderr, "stytch-desktop auth: %s (see stytch-desktop auth --help)\n", msg)
		return ExitUsage
	}
	if cmd == "status" {
		a, err := s.Status(ctx)
		if err != nil {
			return fail(stderr, err)
		}
		printStatus(stdout, a)
		return ExitOK
	}
	a, err := s.Token(ctx, org)
	if err != nil {
		return fail(stderr, err)
	}
	if a.JWT == "" || strings.ContainsAny(a.JWT, " \n") {
		fmt.Fprintln(stderr, "stytch-desktop auth: no session token in the answer")
		return ExitUnavailable
	}
	fmt.Fprintln(stdout, a.JWT)
	return ExitOK
}

func printStatus(w io.Writer, a agent.Answer) {
	fmt.Fprintf(w, "Signed in as %s\n", a.Email)
	fmt.Fprintf(w, "  member:       %s\n", a.MemberID)
	fmt.Fprintf(w, "  organization: %s (%s)\n", a.OrganizationName, a.OrganizationID)
	if len(a.Roles) > 0 {
		fmt.Fprintf(w, "  roles:        %s\n", strings.Join(a.Roles, ", "))
	}
	switch a.Source {
	case "app":
		fmt.Fprintln(w, "  answered by:  the running app")
	case "keychain":
		fmt.Fprintln(w, "  answered by:  the keychain (the app is not running)")
	}
}

// fail prints one line for err and returns its exit status.
func fail(stderr io.Writer, err error) int {
	code, msg := ExitUnavailable, "no session token right now: "+err.Error()
	switch {
	case errors.Is(err, agent.ErrSessionEnded):
		code, msg = ExitNotSignedIn, "your session ended; sign in again in the app"
	case errors.Is(err, agent.ErrNotSignedIn):
		code, msg = ExitNotSignedIn, "not signed in; sign in in the app"
	case errors.Is(err, agent.ErrOtherOrganization):
		code, msg = ExitOtherOrganization, "signed in to another organization; switch organization in the app"
	}
	fmt.Fprintln(stderr, "stytch-desktop auth: "+oneLine(msg))
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Chain asks the running app first and, when none is running, the fallback.
type Chain struct {
	App      Sessions
	Fallback Sessions // nil: no running app means "not available"
}

// Status implements Sessions.
func (c Chain) Status(ctx context.Context) (agent.Answer, error) {
	a, err := c.App.Status(ctx)
	if errors.Is(err, agent.ErrNoAgent) && c.Fallback != nil {
		return c.Fallback.Status(ctx)
	}
	return a, err
}

// Token implements Sessions.
func (c Chain) Token(ctx context.Context, org string) (agent.Answer, error) {
	a, err := c.App.Token(ctx, org)
	if errors.Is(err, agent.ErrNoAgent) && c.Fallback != nil {
		return c.Fallback.Token(ctx, org)
	}
	return a, err
}

// timeout bounds a whole command (a keychain unlock prompt, a refresh).
const timeout = 30 * time.Second

// Main is Run with its own deadline, for main().
func Main(args []string, s Sessions, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return Run(ctx, args, s, stdout, stderr)
}
