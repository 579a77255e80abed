// Command example-api is a reference protected API: the route a company's
// own service puts behind the desktop app's session. It accepts
// "Authorization: Bearer <session JWT>", checks it with stytch-go (locally
// while younger than --max-token-age, else with Stytch) and serves
//
//	GET /api/me             the signed-in member (200), or 401 JSON
//	GET /api/admin/members  the organization's members, for stytch_admin (else 403 JSON)
//
// The project secret comes from STYTCH_SECRET only, never a flag (a
// command line is visible to every local user).
//
//	STYTCH_SECRET=… example-api --project-id project-test-… [--api-base-url http://127.0.0.1:8787]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"stytch-desktop/app/exampleapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

type options struct {
	addr, projectID, apiBase string
	maxTokenAge              time.Duration
	secret                   string
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("example-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8788", "listen address HOST:PORT")
	fs.StringVar(&o.projectID, "project-id", getenv("STYTCH_PROJECT_ID"), "Stytch project id (default $STYTCH_PROJECT_ID)")
	fs.StringVar(&o.apiBase, "api-base-url", "", "Stytch API base URL (default: Stytch's, by project id; or the local API's)")
	fs.DurationVar(&o.maxTokenAge, "max-token-age", 5*time.Minute, "check JWTs younger than this locally; 0 = every request with Stytch")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.projectID == "" {
		return o, errors.New("--project-id is required")
	}
	if o.maxTokenAge < 0 {
		return o, errors.New("--max-token-age must not be negative")
	}
	if o.secret = getenv("STYTCH_SECRET"); o.secret == "" {
		return o, errors.New("STYTCH_SECRET is not set (the project secret is read from the environment only)")
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parse(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "example-api:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	clients, err := exampleapi.NewStytch(ctx, o.projectID, o.secret, o.apiBase)
	if err != nil {
		fmt.Fprintln(stderr, "example-api:", err)
		return 1
	}
	api, err := exampleapi.New(exampleapi.Config{Sessions: clients.Sessions, MaxTokenAge: o.maxTokenAge,
		Members: exampleapi.StytchMembers{Search: clients.Members}, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "example-api:", err)
		return 1
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintln(stderr, "example-api:", err)
		return 1
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	fmt.Fprintf(stdout, "example-api listening on http://%s (max token age %s)\n", ln.Addr(), o.maxTokenAge)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "example-api:", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return 0
}
