package lifecycle_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stytch-desktop/app/agent"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

// socketDir is a short private directory: a Unix socket path has a small
// length limit, which t.TempDir's names can pass.
func socketDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sd-agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

// The running app serves its session to the CLI on the agent socket from
// start to shutdown.
func TestAgentServesTheSessionWhileTheAppRuns(t *testing.T) {
	ctx := context.Background()
	sock := filepath.Join(socketDir(t), "app", "agent.sock")
	lc, _, _, base := lifecycletest.StartDirectWith(t, core.Options{Secrets: keychaintest.NewMemory(), AgentSocket: sock})
	cli := agent.Client{Path: sock}
	if _, err := cli.Status(ctx); !errors.Is(err, agent.ErrNotSignedIn) {
		t.Fatalf("status while signed out: %v, want ErrNotSignedIn", err)
	}
	sendLink(lc, "demo@example.com")
	_, link := lifecycletest.AppLink(t, base+"/", "demo@example.com")
	v := lc.Paste(link)
	var northwind string
	for _, o := range v.Organizations {
		if o.Slug == "northwind" {
			northwind = o.ID
		}
	}
	if v = chooseOrganization(lc, northwind); v.Screen != signin.ScreenSignedIn {
		t.Fatalf("not signed in: %+v", v)
	}
	ans, err := cli.Token(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if ans.MemberID != v.Member.ID || ans.OrganizationID != northwind || ans.JWT == "" || !slices.Contains(ans.Roles, "stytch_member") {
		t.Fatalf("agent answered %+v for %+v", ans.Identity, v.Member)
	}
	lc.Shutdown(ctx)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket left after shutdown: %v", err)
	}
}

// A socket the app can't serve (here: a directory others can enter) is
// logged and the app runs on.
func TestAgentFailureIsNotFatal(t *testing.T) {
	dir := filepath.Join(socketDir(t), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // umask aside
		t.Fatal(err)
	}
	logs := &lifecycletest.LogBuffer{}
	lc, _, _, _ := lifecycletest.StartDirectWith(t, core.Options{Secrets: keychaintest.NewMemory(),
		AgentSocket: filepath.Join(dir, "agent.sock"), Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if v := sendLink(lc, "demo@example.com"); v.Screen != signin.ScreenLinkSent {
		t.Fatalf("the app did not run on: %+v", v)
	}
	if !strings.Contains(logs.String(), "agent socket is not served") {
		t.Fatalf("no warning logged:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "agent.sock")); !os.IsNotExist(err) {
		t.Fatalf("socket made in a shared directory: %v", err)
	}
}
