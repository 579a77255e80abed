//go:build unix

package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"stytch-desktop/app/accesstoken"
)

// Session is the signed-in session as the agent needs it; the sign-in core
// (through a small adapter) implements it.
type Session interface {
	// Current returns who is signed in, ok false when nobody is.
	Current() (id Identity, ok bool)
	// Token returns a session JWT with more than a minute left (an
	// accesstoken.Source's Token); its errors wrap accesstoken.ErrSessionEnded
	// or accesstoken.ErrUnavailable.
	Token(ctx context.Context) (accesstoken.Token, error)
}

// Server is a listening agent.
type Server struct {
	ln      *net.UnixListener
	path    string
	sess    Session
	log     *slog.Logger
	uid     int // the only peer uid served
	timeout time.Duration
	wg      sync.WaitGroup
}

// Options tune a Server; the zero value is usable.
type Options struct {
	Logger *slog.Logger
	// Timeout bounds one connection, the token refresh included (default 15 s).
	Timeout time.Duration
	// peerUID overrides the uid peers must have (tests: a uid that is not
	// the test's, to see a real peer refused).
	peerUID *int
}

// Listen creates the socket at path (its directory 0700, made if missing
// and refused if another user owns it or others can enter it; a stale
// socket replaced) and serves sess on it until Close.
func Listen(path string, sess Session, opt Options) (*Server, error) {
	if err := privateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("agent: %s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("agent: another app already serves %s", path)
		}
		_ = os.Remove(path) // stale: its app is gone
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("agent: listen: %w", err)
	}
	ln.SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("agent: %w", err)
	}
	s := &Server{ln: ln, path: path, sess: sess, log: opt.Logger, uid: os.Getuid(), timeout: opt.Timeout}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	if opt.peerUID != nil {
		s.uid = *opt.peerUID
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops listening, removes the socket and waits for open connections.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("agent: accept", "error", err.Error())
			time.Sleep(50 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.handle(c)
		}()
	}
}

func (s *Server) handle(c *net.UnixConn) {
	uid, err := peerUID(c)
	if err != nil || uid != s.uid {
		// Nothing is read from or written to another user's process.
		s.log.Warn("agent: connection refused", "peer_uid", uid, "error", errString(err))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	_ = c.SetDeadline(time.Now().Add(s.timeout))
	line, err := bufio.NewReader(io.LimitReader(c, maxRequest)).ReadBytes('\n')
	var req request
	if err != nil || json.Unmarshal(line, &req) != nil {
		writeResponse(c, response{Error: "unavailable", Message: "bad request"})
		return
	}
	writeResponse(c, s.answer(ctx, req))
}

func (s *Server) answer(ctx context.Context, req request) response {
	id, ok := s.sess.Current()
	if !ok {
		return failure(ErrNotSignedIn)
	}
	if req.Organization != "" && req.Organization != id.OrganizationID {
		return failure(ErrOtherOrganization)
	}
	switch req.Op {
	case "status":
		return response{Answer: Answer{Identity: id}}
	case "token":
		tok, err := s.sess.Token(ctx)
		switch {
		case errors.Is(err, accesstoken.ErrSessionEnded):
			return failure(ErrSessionEnded)
		case err != nil:
			return failure(ErrUnavailable)
		}
		if tok.OrganizationID != "" && tok.OrganizationID != id.OrganizationID {
			return failure(ErrUnavailable) // the session changed under us: ask again
		}
		if len(tok.Roles) > 0 {
			id.Roles = tok.Roles
		}
		return response{Answer: Answer{Identity: id, JWT: tok.JWT, ExpiresAt: tok.ExpiresAt}}
	default:
		return response{Error: "unavailable", Message: "unknown op"}
	}
}

func failure(err error) response { return response{Error: errorCode(err), Message: err.Error()} }

func writeResponse(w io.Writer, r response) {
	b, _ := json.Marshal(r)
	_, _ = w.Write(append(b, '\n'))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// privateDir makes dir (0700) or checks an existing one: a real directory
// (not a symlink), owned by this user, that no one else can enter or write.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s (want a directory of this user with mode 0700)", errUnsafeDirectory, dir)
	}
	return nil
}

// peerUID is the uid of the process at the other end of c.
func peerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid, uerr := -1, error(nil)
	if err := raw.Control(func(fd uintptr) { uid, uerr = fdPeerUID(int(fd)) }); err != nil {
		return -1, err
	}
	return uid, uerr
}
