package agent

import (
	"context"
	"log/slog"
	"os"
	"time"

	"stytch-desktop/app/accesstoken"
)

// On Windows the agent will be a named pipe restricted to the user's SID;
// until then Listen fails and the CLI reads the keychain itself.

type Session interface {
	Current() (id Identity, ok bool)
	Token(ctx context.Context) (accesstoken.Token, error)
}

type Options struct {
	Logger  *slog.Logger
	Timeout time.Duration
}

type Server struct{}

func Listen(string, Session, Options) (*Server, error) { return nil, ErrNotSupported }
func (s *Server) Path() string                         { return "" }
func (s *Server) Close() error                         { return nil }

func ownedPrivate(os.FileInfo) error { return ErrNotSupported }
