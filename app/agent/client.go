package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Client asks the agent at Path.
type Client struct {
	Path    string
	Timeout time.Duration // default 20 s (a refresh with Stytch may run)
}

// Status asks who is signed in (no network call on the app's side).
func (c Client) Status(ctx context.Context) (Answer, error) {
	return c.ask(ctx, request{Op: "status"})
}

// Token asks for a session JWT with more than a minute left; organization
// (optional) must be the signed-in one.
func (c Client) Token(ctx context.Context, organization string) (Answer, error) {
	return c.ask(ctx, request{Op: "token", Organization: organization})
}

func (c Client) ask(ctx context.Context, req request) (Answer, error) {
	if err := checkSocket(c.Path); err != nil {
		return Answer{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return Answer{}, ErrNoAgent
		}
		return Answer{}, fmt.Errorf("agent: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	b, _ := json.Marshal(req)
	if _, err := conn.Write(append(b, '\n')); err != nil {
		return Answer{}, fmt.Errorf("agent: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 64<<10)).ReadBytes('\n')
	if err != nil {
		// The agent closes without a word on a peer it refuses.
		return Answer{}, fmt.Errorf("agent: no answer: %w", err)
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Answer{}, fmt.Errorf("agent: unreadable answer")
	}
	if resp.Error != "" {
		if e, ok := wireErrors[resp.Error]; ok {
			return Answer{}, e
		}
		return Answer{}, fmt.Errorf("%w: %s", ErrUnavailable, resp.Message)
	}
	resp.Answer.Source = "app"
	return resp.Answer, nil
}

// checkSocket refuses a socket whose directory another user could have
// planted: the JWT would go to them. A missing socket means no app.
func checkSocket(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return ErrNoAgent
	}
	fi, err := os.Lstat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if err := ownedPrivate(fi); err != nil {
		return fmt.Errorf("agent: %w: %s", err, filepath.Dir(path))
	}
	return nil
}
