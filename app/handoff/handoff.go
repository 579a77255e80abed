// Package handoff is what a process started for a sign-in link does before
// anything else: hand the link to the instance that is already running and
// exit. Both the app (main.go, before GTK and WebKit start) and the small
// scheme handler (cmd/stytch-desktop-open, which never links GTK) call it,
// so a link takes the same path whichever of the two the OS starts.
//
// It must stay free of anything that links GTK or WebKit (no Wails, no cgo):
// the handler's start-up cost is the reason it exists.
package handoff

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"stytch-desktop/app/singleinstance"
	"stytch-desktop/app/trace"
)

const (
	// ID is the single-instance ID; stable across versions, since a link
	// opened while an older or newer build runs must still reach it.
	ID = "io.stytch-desktop.signin"
	// AppName is the app binary's file name: the handler starts the app of
	// that name beside itself when no instance runs.
	AppName = "stytch-desktop"
	// HandlerName is the scheme handler's file name, beside the app binary.
	HandlerName = "stytch-desktop-open"
)

// Forward hands args (argv without the program name, as the OS passed them)
// to a running instance and reports whether it took them; the caller then
// exits. It does not look at the arguments: the running instance parses them
// strictly (deeplink.Inbox.OfferArgs), as it must for anything on the
// session bus. A non-nil error means the hand-off was refused (too large to
// send, or the running instance said no): the caller exits with that reason
// and starts nothing, since a second instance is what the lock exists to
// prevent. Other failures are logged at debug level only: the caller goes on
// to start the app, which then says what is wrong.
func Forward(args []string, logger *slog.Logger) (bool, error) {
	forwarded, err := singleinstance.Forward(ID, args)
	if errors.Is(err, singleinstance.ErrTooLarge) || errors.Is(err, singleinstance.ErrRefused) {
		logger.Warn("link refused; nothing started", "error", err.Error())
		return false, fmt.Errorf("the link was refused: %w", err)
	}
	if err != nil {
		logger.Debug("no early hand-off; starting normally", "error", err.Error())
	}
	if forwarded {
		trace.Mark("forwarded")
		logger.Info("handed over to the running instance")
	}
	return forwarded, nil
}

// ExitRefused is the exit status of a program whose link was refused
// (sysexits' EX_DATAERR: the input was wrong, nothing was started).
const ExitRefused = 65

// Beside returns the path of the program called name in exe's directory.
func Beside(exe, name string) string { return filepath.Join(filepath.Dir(exe), name) }

// NewLogger logs to stderr; STYTCH_DESKTOP_LOG=debug for more, =warn for
// less. No secret is ever logged (callers pass none).
func NewLogger() *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(os.Getenv("STYTCH_DESKTOP_LOG")) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
