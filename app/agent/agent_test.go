//go:build linux

package agent_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
)

type fakeSession struct {
	mu       sync.Mutex
	id       agent.Identity
	signedIn bool
	tok      accesstoken.Token
	err      error
	calls    int
}

func (f *fakeSession) Current() (agent.Identity, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id, f.signedIn
}

func (f *fakeSession) Token(context.Context) (accesstoken.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.tok, f.err
}

func signedIn() *fakeSession {
	return &fakeSession{signedIn: true,
		id:  agent.Identity{MemberID: "member-1", Email: "a@example.org", OrganizationID: "org-1", OrganizationName: "Acme", Roles: []string{"stytch_member"}},
		tok: accesstoken.Token{JWT: "header.payload.sig", ExpiresAt: time.Now().Add(4 * time.Minute), OrganizationID: "org-1", Roles: []string{"stytch_member", "stytch_admin"}}}
}

func listen(t *testing.T, sess agent.Session, opt agent.Options) (*agent.Server, agent.Client) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stytch-desktop", "agent.sock")
	s, err := agent.Listen(path, sess, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, agent.Client{Path: path, Timeout: 5 * time.Second}
}

func TestSocketIsPrivate(t *testing.T) {
	s, _ := listen(t, signedIn(), agent.Options{})
	fi, err := os.Lstat(s.Path())
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v", fi.Mode(), err)
	}
	di, _ := os.Lstat(filepath.Dir(s.Path()))
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", di.Mode())
	}
	s.Close()
	if _, err := os.Lstat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func TestAnswers(t *testing.T) {
	ended := signedIn()
	ended.err = fmt.Errorf("refresh: %w", accesstoken.ErrSessionEnded)
	down := signedIn()
	down.err = fmt.Errorf("refresh: %w", accesstoken.ErrUnavailable)
	tests := []struct {
		name    string
		sess    *fakeSession
		op      string // status, token
		org     string
		wantErr error
		wantJWT string
	}{
		{name: "status", sess: signedIn(), op: "status"},
		{name: "token", sess: signedIn(), op: "token", wantJWT: "header.payload.sig"},
		{name: "token for the signed-in organization", sess: signedIn(), op: "token", org: "org-1", wantJWT: "header.payload.sig"},
		{name: "token for another organization", sess: signedIn(), op: "token", org: "org-2", wantErr: agent.ErrOtherOrganization},
		{name: "not signed in: status", sess: &fakeSession{}, op: "status", wantErr: agent.ErrNotSignedIn},
		{name: "not signed in: token", sess: &fakeSession{}, op: "token", wantErr: agent.ErrNotSignedIn},
		{name: "session ended", sess: ended, op: "token", wantErr: agent.ErrSessionEnded},
		{name: "Stytch unreachable", sess: down, op: "token", wantErr: agent.ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := listen(t, tc.sess, agent.Options{})
			var a agent.Answer
			var err error
			if tc.op == "status" {
				a, err = c.Status(context.Background())
			} else {
				a, err = c.Token(context.Background(), tc.org)
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if a.JWT != tc.wantJWT {
				t.Fatalf("JWT %q, want %q", a.JWT, tc.wantJWT)
			}
			if err == nil && (a.Email != "a@example.org" || a.OrganizationName != "Acme" || a.Source != "app") {
				t.Fatalf("answer %+v", a)
			}
			if tc.op == "token" && err == nil && len(a.Roles) != 2 {
				t.Fatalf("a token answer carries the refreshed roles: %v", a.Roles)
			}
			if tc.op == "status" && tc.sess.calls != 0 {
				t.Fatal("status asked for a token")
			}
		})
	}
}

// A peer whose uid (read from the kernel with SO_PEERCRED) is not the one
// served gets nothing: the connection closes unanswered, no token asked.
func TestOtherUIDRefused(t *testing.T) {
	sess := signedIn()
	_, c := listen(t, sess, agent.WithPeerUID(agent.Options{}, os.Getuid()+1))
	a, err := c.Token(context.Background(), "")
	if err == nil || a.JWT != "" || errors.Is(err, agent.ErrNoAgent) {
		t.Fatalf("refused peer got %+v, %v", a, err)
	}
	if sess.calls != 0 {
		t.Fatal("a token was made for a refused peer")
	}
}

// As root, a real process of another user: the socket opened to it (0666,
// its directory 0711) so only SO_PEERCRED stands in its way.
func TestOtherUserProcessRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process as another user (TestOtherUIDRefused covers the check)")
	}
	sess := signedIn()
	dir, err := os.MkdirTemp("", "agent-peer")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sd", "agent.sock")
	s, err := agent.Listen(path, sess, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{dir, filepath.Dir(path)} {
		os.Chmod(p, 0o711)
	}
	os.Chmod(path, 0o666)
	// The test binary sits in a directory only root can enter: copy it.
	bin := filepath.Join(dir, "agent.test")
	if b, err := os.ReadFile(os.Args[0]); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatalf("copy test binary: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperRawClient$")
	cmd.Env = append(os.Environ(), "AGENT_HELPER_SOCKET="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); errors.Is(err, os.ErrPermission) {
		t.Skipf("the temporary directory does not allow running programs (%v); TestOtherUIDRefused covers the check", err)
	} else if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, buf.String())
	}
	out := buf.String()
	if !strings.Contains(out, "connected; answer: \"\"") || sess.calls != 0 {
		t.Fatalf("another user's process: %s (token calls %d)", out, sess.calls)
	}
}

// TestHelperRawClient is run by TestOtherUserProcessRefused as another user.
func TestHelperRawClient(t *testing.T) {
	path := os.Getenv("AGENT_HELPER_SOCKET")
	if path == "" {
		t.Skip("helper process only")
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintln(c, `{"op":"token"}`)
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("connected; answer: %q\n", line)
}

func TestListenRefusesUnsafePlaces(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o755)
	if _, err := agent.Listen(filepath.Join(open, "agent.sock"), signedIn(), agent.Options{}); err == nil {
		t.Fatal("a directory others can enter was accepted")
	}
	priv := filepath.Join(base, "priv")
	os.Mkdir(priv, 0o700)
	file := filepath.Join(priv, "agent.sock")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := agent.Listen(file, signedIn(), agent.Options{}); err == nil {
		t.Fatal("a regular file in the socket's place was replaced")
	}
	os.Remove(file)
	s, err := agent.Listen(file, signedIn(), agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := agent.Listen(file, signedIn(), agent.Options{}); err == nil {
		t.Fatal("a second agent took over a live socket")
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sd", "agent.sock")
	os.MkdirAll(filepath.Dir(path), 0o700)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // a crashed app's socket file stays
	s, err := agent.Listen(path, signedIn(), agent.Options{})
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	defer s.Close()
	if _, err := (agent.Client{Path: path}).Status(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNoAgent(t *testing.T) {
	c := agent.Client{Path: filepath.Join(t.TempDir(), "none", "agent.sock")}
	if _, err := c.Status(context.Background()); !errors.Is(err, agent.ErrNoAgent) {
		t.Fatalf("no socket: %v", err)
	}
	// A socket file nobody listens on (a crashed app's): no agent either.
	path := filepath.Join(t.TempDir(), "sd", "agent.sock")
	os.Mkdir(filepath.Dir(path), 0o700)
	ln, _ := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := (agent.Client{Path: path}).Status(context.Background()); !errors.Is(err, agent.ErrNoAgent) {
		t.Fatalf("dead socket: %v", err)
	}
}

func TestSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if p, err := agent.SocketPath(); err != nil || p != "/run/user/1000/stytch-desktop/agent.sock" {
		t.Fatalf("%q %v", p, err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "relative")
	if _, err := agent.SocketPath(); err == nil {
		t.Fatal("relative XDG_RUNTIME_DIR accepted")
	}
}
