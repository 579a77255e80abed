//go:build !nolocalapi

package core

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"stytch-desktop/app/exampleapi"
	"stytch-desktop/app/localstytch"
)

// startLocal starts the local API, preferring the port it had last time so
// that links in emails sent before a restart still reach it. The local API
// is in every build but a company's (-tags nolocalapi: local_off.go).
func (c *Core) startLocal(ctx context.Context, opts Options) (string, error) {
	dir := opts.StateDir
	if dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(d, "stytch-desktop")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	srv, err := localstytch.New(localstytch.Options{
		Seed:         true,
		StatePath:    filepath.Join(dir, "local-stytch-state.json"),
		WriteThrough: true, // the app may be killed right after a sign-in
		RedirectURLs: []string{c.Config.RedirectURL()},
		AppURL:       c.Config.Links().RedirectURL(),
		Logger:       c.log.With("component", "local-stytch"),
	})
	if err != nil {
		return "", err
	}
	portFile := filepath.Join(dir, "local-stytch-port")
	var base string
	if b, err := os.ReadFile(portFile); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p > 1024 && p < 65536 {
			base, err = srv.Start(net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				base = ""
			}
		}
	}
	if base == "" {
		if base, err = srv.Start("127.0.0.1:0"); err != nil {
			return "", err
		}
	}
	if i := strings.LastIndexByte(base, ':'); i > 0 {
		_ = os.WriteFile(portFile, []byte(base[i+1:]), 0o600)
	}
	c.local = srv
	c.startExampleAPI(ctx, base)
	return base, nil
}

// exampleTokenAge is how long the in-process example API trusts a session
// JWT it checked locally before asking the local API again.
const exampleTokenAge = time.Minute

// startExampleAPI runs the example company API (app/exampleapi) beside the
// local API, so local mode shows the whole loop: sign in, then the app
// calls a protected API as the member. Unless STYTCH_DESKTOP_API_URL chose
// another API. A failure only costs that demo: it is logged, sign-in works.
func (c *Core) startExampleAPI(ctx context.Context, base string) {
	if c.Config.CompanyAPIURL != "" {
		return
	}
	run, err := exampleapi.Start(ctx, "127.0.0.1:0", c.local.ProjectID(), c.local.Secret(), base, exampleTokenAge)
	if err != nil {
		c.log.Warn("local mode: the example company API did not start", "error", err.Error())
		return
	}
	c.exampleAPI, c.companyAPI = run, run.URL
	c.log.Info("local mode: example company API running", "url", run.URL)
}
