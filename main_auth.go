package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b"
	"github.com/stytchauth/stytch-go/v16/stytch/config"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/cli"
	appconfig "stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain"
	"stytch-desktop/app/stytcherr"
)

// isAuthCommand: `stytch-desktop auth …` is the command line's side of the
// session (app/cli), handled before anything of the desktop app starts.
func isAuthCommand(args []string) bool { return len(args) > 1 && args[1] == "auth" }

// runAuth asks the running app's agent; with no app running, it reads the
// keychain and refreshes with Stytch (direct and broker modes; in local mode
// the local API lives inside the app, so there is nothing to ask).
func runAuth(args []string, stdout, stderr io.Writer) int {
	path, err := agent.SocketPath()
	if err != nil {
		fmt.Fprintln(stderr, "stytch-desktop auth:", err)
		return cli.ExitUnavailable
	}
	chain := cli.Chain{App: agent.Client{Path: path}}
	cfg, err := appconfig.Load()
	if err != nil {
		fmt.Fprintln(stderr, "stytch-desktop auth:", strings.Join(strings.Fields(err.Error()), " "))
		return cli.ExitUsage
	}
	if cfg.Mode != appconfig.ModeLocal {
		secret := cfg.Secret
		if cfg.Mode == appconfig.ModeBroker {
			secret = appconfig.BrokerPlaceholderSecret // the broker adds the secret
		}
		sc := stytch.New(cfg.ProjectID, secret)
		sc.HTTPClient = &http.Client{Transport: stytcherr.Transport(http.DefaultTransport)}
		if cfg.BaseURL != "" {
			sc.Config.BaseURI = config.BaseURI(strings.TrimSuffix(cfg.BaseURL, "/"))
		}
		sessions := b2b.NewSessionsClient(sc, nil, b2b.NewPolicyCache(b2b.NewRBACClient(sc)))
		chain.Fallback = cli.Keychain{
			Secrets: keychain.NewKeyring(core.KeychainService(cfg)),
			Refresher: func(token string) accesstoken.Refresher {
				return accesstoken.NewStytchRefresher(sessions, token, 0) // the CLI never extends the session
			},
		}
	}
	return cli.Main(args[2:], chain, stdout, stderr)
}
