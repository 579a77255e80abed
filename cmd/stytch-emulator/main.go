// Command stytch-emulator runs the local Stytch-compatible B2B API
// (package app/localstytch) on its own, for development and for testing
// other Stytch clients (e.g. the Node SDK) against it.
//
//	go run ./cmd/stytch-emulator --addr 127.0.0.1:8787 --seed
//
// The project id and secret it prints are fixed local fakes: they unlock
// only this emulator, which is why printing them here is acceptable (never
// print a real Stytch secret).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"stytch-desktop/app/localstytch"
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stytch-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "listen address (loopback only unless --allow-remote)")
	projectID := fs.String("project-id", localstytch.DefaultProjectID, "project id clients must use")
	secret := fs.String("secret", localstytch.DefaultSecret, "project secret clients must use (a local fake)")
	publicToken := fs.String("public-token", localstytch.DefaultPublicToken, "public token the browser start URLs (SSO, OAuth) must carry")
	seed := fs.Bool("seed", false, "add demo organizations for "+localstytch.DemoEmail)
	statePath := fs.String("state", "", "persist state to this JSON file (created 0600)")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address (also turns off the loopback Host-header check)")
	verbose := fs.Bool("v", false, "log every request (paths only, never tokens)")
	var redirects stringList
	fs.Var(&redirects, "redirect-url", "allowed redirect URL (repeatable; default: "+strings.Join(localstytch.DefaultRedirectURLs, ", ")+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*allowRemote {
		if err := requireLoopback(*addr); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv, err := localstytch.New(localstytch.Options{
		ProjectID:    *projectID,
		Secret:       *secret,
		PublicToken:  *publicToken,
		RedirectURLs: redirects,
		Seed:         *seed,
		StatePath:    *statePath,
		Logger:       logger,
		AllowAnyHost: *allowRemote,
	})
	if err != nil {
		return err
	}
	base, err := srv.Start(*addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `Local Stytch B2B emulator (NOT Stytch; nothing leaves this machine)
  base URL:    %s
  project id:  %s
  secret:      %s   (a fixed local fake, not a real Stytch secret)
  public token: %s   (public by design; for the SSO/OAuth start URLs)
  inbox:       %s/
  messages:    %s/emulator/messages
  stytch-go:   b2bstytchapi.NewClient(%q, %q, b2bstytchapi.WithBaseURI(%q))
  curl:        curl -u '%s:%s' -H 'Content-Type: application/json' -d '{"email_address":"%s"}' %s/v1/b2b/magic_links/email/discovery/send
  Google:      %s/v1/b2b/public/oauth/google/discovery/start?public_token=%s   (local identity-provider page)
Press Ctrl+C to stop.
`, base, srv.ProjectID(), srv.Secret(), srv.PublicToken(), base, base,
		srv.ProjectID(), srv.Secret(), base,
		srv.ProjectID(), srv.Secret(), localstytch.DemoEmail, base,
		base, srv.PublicToken())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	stop()
	fmt.Fprintln(stdout, "shutting down…")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Close(shutdownCtx)
}

// requireLoopback refuses addresses that would expose the emulator (and
// its fake but working credentials and live tokens) to the network. An
// empty host (":8787") means all interfaces.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid --addr %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("refusing to listen on non-loopback address " + addr + " (use --allow-remote to override)")
}
