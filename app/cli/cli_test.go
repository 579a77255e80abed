package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"stytch-desktop/app/agent"
	"stytch-desktop/app/cli"
)

type fakeSessions struct {
	answer agent.Answer
	err    error
	orgs   []string
}

func (f *fakeSessions) Status(context.Context) (agent.Answer, error) { return f.answer, f.err }
func (f *fakeSessions) Token(_ context.Context, org string) (agent.Answer, error) {
	f.orgs = append(f.orgs, org)
	return f.answer, f.err
}

func TestRun(t *testing.T) {
	me := agent.Answer{Identity: agent.Identity{MemberID: "member-1", Email: "a@example.org", OrganizationID: "org-1",
		OrganizationName: "Acme", Roles: []string{"stytch_member", "stytch_admin"}}, JWT: "h.p.s", Source: "app"}
	tests := []struct {
		name       string
		args       []string
		answer     agent.Answer
		err        error
		wantCode   int
		wantStdout string // exact, or a prefix ending in "…"
		wantStderr string // substring; "" = empty stderr
		wantOrg    string
	}{
		{name: "token", args: []string{"token"}, answer: me, wantCode: 0, wantStdout: "h.p.s\n"},
		{name: "token for an organization", args: []string{"token", "--organization", "org-1"}, answer: me, wantCode: 0, wantStdout: "h.p.s\n", wantOrg: "org-1"},
		{name: "status", args: []string{"status"}, answer: me, wantCode: 0, wantStdout: "Signed in as a@example.org\n…"},
		{name: "not signed in", args: []string{"token"}, err: agent.ErrNotSignedIn, wantCode: 4, wantStderr: "not signed in"},
		{name: "status, not signed in", args: []string{"status"}, err: agent.ErrNotSignedIn, wantCode: 4, wantStderr: "not signed in"},
		{name: "session ended", args: []string{"token"}, err: fmt.Errorf("refresh: %w", agent.ErrSessionEnded), wantCode: 4, wantStderr: "session ended"},
		{name: "other organization", args: []string{"token", "--organization=org-2"}, err: agent.ErrOtherOrganization, wantCode: 5, wantStderr: "another organization", wantOrg: "org-2"},
		{name: "unavailable", args: []string{"token"}, err: fmt.Errorf("%w: keychain: locked\nfor real", agent.ErrUnavailable), wantCode: 1, wantStderr: "keychain: locked for real"},
		{name: "an empty answer is not a token", args: []string{"token"}, answer: agent.Answer{}, wantCode: 1, wantStderr: "no session token"},
		{name: "no command", args: nil, wantCode: 2, wantStderr: "usage:"},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantStderr: "usage:"},
		{name: "unknown command", args: []string{"login"}, wantCode: 2, wantStderr: "unknown command login"},
		{name: "unknown flag", args: []string{"token", "--org", "x"}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{name: "status takes no organization", args: []string{"status", "--organization", "x"}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{name: "extra argument", args: []string{"token", "now"}, wantCode: 2, wantStderr: "unexpected argument now"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSessions{answer: tc.answer, err: tc.err}
			var stdout, stderr bytes.Buffer
			code := cli.Run(context.Background(), tc.args, f, &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if p, ok := strings.CutSuffix(tc.wantStdout, "…"); ok {
				if !strings.HasPrefix(stdout.String(), p) {
					t.Fatalf("stdout %q", stdout.String())
				}
			} else if stdout.String() != tc.wantStdout {
				t.Fatalf("stdout %q, want %q", stdout.String(), tc.wantStdout)
			}
			if tc.wantStderr == "" && stderr.Len() != 0 || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Fatalf("stderr %q, want %q", stderr.String(), tc.wantStderr)
			}
			if code != 0 && code != 2 && strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("a failure is one line on stderr: %q", stderr.String())
			}
			if tc.wantOrg != "" && (len(f.orgs) != 1 || f.orgs[0] != tc.wantOrg) {
				t.Fatalf("asked for organization %v", f.orgs)
			}
		})
	}
}

func TestChain(t *testing.T) {
	kc := &fakeSessions{answer: agent.Answer{JWT: "from.keychain.x"}}
	for _, tc := range []struct {
		appErr       error
		wantFallback bool
	}{
		{agent.ErrNoAgent, true},
		{agent.ErrNotSignedIn, false}, // the app answered: it knows best
		{agent.ErrUnavailable, false},
		{nil, false},
	} {
		kc.orgs = nil
		app := &fakeSessions{answer: agent.Answer{JWT: "from.app.x"}, err: tc.appErr}
		a, err := cli.Chain{App: app, Fallback: kc}.Token(context.Background(), "")
		if used := len(kc.orgs) == 1; used != tc.wantFallback {
			t.Fatalf("app error %v: fallback used %v", tc.appErr, used)
		}
		if tc.wantFallback && (err != nil || a.JWT != "from.keychain.x") || !tc.wantFallback && !errors.Is(err, tc.appErr) {
			t.Fatalf("app error %v: %v %v", tc.appErr, a, err)
		}
	}
	// No fallback configured: "the app is not running" stands.
	if _, err := (cli.Chain{App: &fakeSessions{err: agent.ErrNoAgent}}).Status(context.Background()); !errors.Is(err, agent.ErrNoAgent) {
		t.Fatal(err)
	}
}
