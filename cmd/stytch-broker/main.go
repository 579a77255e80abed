// Command stytch-broker is the Stytch gateway a company runs so that no
// desktop build carries the project secret (package app/broker).
//
//	STYTCH_SECRET=… go run ./cmd/stytch-broker --addr 127.0.0.1:8788 \
//	    --project-id project-test-… --redirect-url stytch-desktop://auth/callback
//
// The secret comes from the environment (STYTCH_SECRET) or a file
// (--secret-file), never from a flag: every local user can read argv.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"stytch-desktop/app/broker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "stytch-broker:", err)
		os.Exit(2)
	}
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

type rateFlag struct{ r *broker.Rate }

func (f rateFlag) String() string {
	if f.r == nil {
		return ""
	}
	return f.r.String()
}

func (f rateFlag) Set(v string) error {
	r, err := broker.ParseRate(v)
	if err != nil {
		return err
	}
	*f.r = r
	return nil
}

// options are the parsed flags.
type options struct {
	addr, metricsAddr, upstream, projectID, secretFile, redirectURL string
	loginTemplate, signupTemplate                                   string
	linkExpiry                                                      uint
	maxSession                                                      int
	domains, orgs, phones                                           listFlag
	allowCreate                                                     bool
	upstreamTimeout, shutdownTimeout                                time.Duration
	headerTimeout, idleTimeout                                      time.Duration
	maxConns, maxOpsConns                                           int
	proxyHops                                                       int
	redisURL, tlsCert, tlsKey, appURL                               string
	limits                                                          broker.Limits
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{limits: broker.DefaultLimits}
	fs := newFlagSet(o, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		// Not echoed: a stray argument may be a pasted secret.
		return nil, fmt.Errorf("%d unexpected argument(s) after the options (the secret is never a flag: use STYTCH_SECRET or --secret-file)", fs.NArg())
	}
	return o, nil
}

// newFlagSet declares every option; --help prints them all.
func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("stytch-broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `stytch-broker: the Stytch gateway for stytch-desktop. It holds the project
secret and lets the desktop app do the sign-in steps, nothing more.

The project secret is read from the environment variable STYTCH_SECRET or
from --secret-file (never a flag: any local user can read a command line).

Usage: stytch-broker --project-id ID --redirect-url URL [options]

Options:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8788", "API listen address (host:port)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "127.0.0.1:9188", "listen address of /metrics, /healthz and /readyz (keep it internal); empty disables")
	fs.StringVar(&o.upstream, "upstream", "", "Stytch API base URL (default: https://test.stytch.com or https://api.stytch.com by project id)")
	fs.StringVar(&o.projectID, "project-id", "", "Stytch project id (project-test-… or project-live-…); required")
	fs.StringVar(&o.secretFile, "secret-file", "", "file holding the project secret (instead of STYTCH_SECRET)")
	fs.StringVar(&o.redirectURL, "redirect-url", "", "the one redirect URL of every magic link, e.g. stytch-desktop://auth/callback, "+
		"or this broker's https://…/open page (opens the app, or shows a sign-in code for phones); required")
	fs.StringVar(&o.appURL, "app-url", "stytch-desktop://auth/callback", "the app's callback the /open page opens (with --redirect-url https://…/open)")
	fs.StringVar(&o.loginTemplate, "login-template-id", "", "email template id for login and discovery links (default: the project's)")
	fs.StringVar(&o.signupTemplate, "signup-template-id", "", "email template id for signup links (default: the project's)")
	fs.UintVar(&o.linkExpiry, "link-expiry-minutes", 0, "magic-link lifetime in minutes, 5-10080 (default: Stytch's, 60)")
	fs.IntVar(&o.maxSession, "max-session-minutes", 10080, "longest session a caller may ask for, 5-527040 minutes")
	fs.Var(&o.domains, "allow-email-domain", "only these email domains may sign in (repeatable or comma-separated; default: any)")
	fs.Var(&o.orgs, "allow-organization", "only these organization ids or slugs may be entered (repeatable or comma-separated; default: any)")
	fs.Var(&o.phones, "allow-phone-prefix", "only these E.164 prefixes get SMS codes, e.g. +1,+44 (default: any)")
	fs.BoolVar(&o.allowCreate, "allow-organization-create", false, "let members create organizations (name and slug only)")
	fs.DurationVar(&o.upstreamTimeout, "upstream-timeout", 10*time.Second, "deadline of each call to Stytch")
	fs.DurationVar(&o.headerTimeout, "header-timeout", 10*time.Second, "how long a client may take to send a request's headers (both listeners)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", time.Minute, "how long an idle keep-alive connection is kept open (both listeners)")
	fs.IntVar(&o.maxConns, "max-connections", 2048, "most connections open at once on the API listener; more are closed at once")
	fs.IntVar(&o.maxOpsConns, "max-ops-connections", 64, "most connections open at once on the ops listener")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to let in-flight requests finish on SIGTERM")
	fs.IntVar(&o.proxyHops, "trusted-proxy-hops", 0, "number of proxies in front of the broker that append to X-Forwarded-For (0: use the peer address)")
	fs.StringVar(&o.redisURL, "redis-url", "", "share rate limits between replicas through this Redis (redis://host:6379/0); default: in memory")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM); with --tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	fs.Var(rateFlag{&o.limits.IP}, "limit-ip", "requests per client (IPv4 address or IPv6 /64), refused ones included; N/period or off")
	fs.Var(rateFlag{&o.limits.Email}, "limit-email", "email sends per address")
	fs.Var(rateFlag{&o.limits.Domain}, "limit-email-domain", "email sends per email domain and client (IPv4 address or IPv6 /64)")
	fs.Var(rateFlag{&o.limits.OTPSend}, "limit-otp-send", "SMS sends and TOTP creations per intermediate session, member and phone prefix")
	fs.Var(rateFlag{&o.limits.OTPAttempt}, "limit-otp-attempt", "SMS, TOTP and recovery-code attempts per intermediate session and member")
	fs.Var(rateFlag{&o.limits.CodeIP}, "limit-code-ip", "sign-in code redeems (/open/redeem) per client IP")
	fs.Var(rateFlag{&o.limits.Code}, "limit-code", "sign-in code redeems per pending flow and per code")
	fs.Var(rateFlag{&o.limits.CodeIssue}, "limit-code-issue", "sign-in codes the /open page makes per client")
	return fs
}

// secret reads the project secret from exactly one of STYTCH_SECRET and
// --secret-file.
func secret(o *options, getenv func(string) string) (string, error) {
	env := strings.TrimSpace(getenv("STYTCH_SECRET"))
	switch {
	case env != "" && o.secretFile != "":
		return "", errors.New("both STYTCH_SECRET and --secret-file are set: use one")
	case o.secretFile != "":
		b, err := os.ReadFile(o.secretFile)
		if err != nil {
			return "", fmt.Errorf("--secret-file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" || strings.ContainsAny(s, "\r\n") {
			return "", fmt.Errorf("--secret-file %s: want the secret alone on one line", o.secretFile)
		}
		return s, nil
	case env != "":
		return env, nil
	}
	return "", errors.New("no project secret: set STYTCH_SECRET or --secret-file")
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	sec, err := secret(o, getenv)
	if err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return fmt.Errorf("--addr %q: want host:port", o.addr)
	}
	if o.maxSession < 5 || o.maxSession > 527040 {
		return errors.New("--max-session-minutes must be between 5 and 527040")
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	cfg := broker.Config{
		ProjectID: o.projectID, Secret: sec, Upstream: o.upstream, RedirectURL: o.redirectURL, AppURL: o.appURL,
		LoginTemplateID: o.loginTemplate, SignupTemplateID: o.signupTemplate, LinkExpiryMinutes: uint32(o.linkExpiry),
		MaxSessionMinutes: int32(o.maxSession), AllowedEmailDomains: o.domains, AllowedOrganizations: o.orgs,
		AllowedPhonePrefixes: o.phones, AllowOrganizationCreate: o.allowCreate, UpstreamTimeout: o.upstreamTimeout,
		TrustedProxyHops: o.proxyHops, Limits: o.limits, Logger: logger,
	}
	if o.projectID == "" {
		return errors.New("--project-id is required (project-test-… or project-live-…)")
	}
	if o.linkExpiry > 10080 {
		return errors.New("--link-expiry-minutes must be between 5 and 10080")
	}
	var rl *broker.RedisLimiter
	if o.redisURL != "" {
		rl, err = broker.NewRedisLimiter(o.redisURL)
		if err != nil {
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer rl.Close()
		cfg.Shared = rl
	}
	b, err := broker.New(cfg)
	if err != nil {
		return err
	}
	defer b.Close()

	if o.headerTimeout <= 0 || o.idleTimeout <= 0 || o.maxConns < 1 || o.maxOpsConns < 1 {
		return errors.New("--header-timeout, --idle-timeout, --max-connections and --max-ops-connections must be positive")
	}
	// Both listeners bound the time to send headers, the time a keep-alive
	// connection may idle, and the connections open at once, so slow or
	// idle clients cannot hold the broker's resources.
	api := &http.Server{Handler: b, ReadHeaderTimeout: o.headerTimeout, ReadTimeout: o.headerTimeout + 20*time.Second,
		WriteTimeout: o.upstreamTimeout + 20*time.Second, IdleTimeout: o.idleTimeout, MaxHeaderBytes: 32 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	apiLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	apiLn = newCapListener(apiLn, o.maxConns)
	scheme := "http"
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			apiLn.Close()
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		api.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		apiLn = tls.NewListener(apiLn, api.TLSConfig)
		scheme = "https"
	} else if host, _, _ := net.SplitHostPort(o.addr); !isLoopbackHost(host) {
		logger.Warn("serving plain HTTP on a non-loopback address: put a TLS-terminating proxy in front, or use --tls-cert/--tls-key")
	}
	servers := []*http.Server{api}
	errc := make(chan error, 2)
	go func() { errc <- serve(api, apiLn) }()
	metricsURL := ""
	if o.metricsAddr != "" {
		ops := &http.Server{Handler: b.OpsHandler(), ReadHeaderTimeout: o.headerTimeout, ReadTimeout: o.headerTimeout + 5*time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: o.idleTimeout, MaxHeaderBytes: 16 << 10,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		opsLn, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			_ = api.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		opsLn = newCapListener(opsLn, o.maxOpsConns)
		servers = append(servers, ops)
		metricsURL = "http://" + opsLn.Addr().String()
		go func() { errc <- serve(ops, opsLn) }()
	}
	logger.Info("stytch-broker listening", "api", scheme+"://"+apiLn.Addr().String(), "ops", metricsURL,
		"upstream", b.Upstream(), "project_id", o.projectID, "redirect_url", o.redirectURL,
		"shared_limits", o.redisURL != "", "organization_create", o.allowCreate)

	select {
	case <-ctx.Done():
	case err := <-errc:
		for _, s := range servers {
			_ = s.Close()
		}
		return err
	}
	logger.Info("stytch-broker shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func serve(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
