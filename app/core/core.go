// Package core assembles the sign-in backend for one configuration: the
// Stytch port (over the local Stytch-compatible API, Stytch itself, or the
// company's Stytch broker), the keychain, the flows and the deep-link inbox.
// It holds no flow logic.
package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/codeclient"
	"stytch-desktop/app/config"
	"stytch-desktop/app/keychain"
	"stytch-desktop/app/openpage"
	"stytch-desktop/app/sessionhub"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
)

// Options are the parts tests (and later modes) swap in.
type Options struct {
	Logger   *slog.Logger
	Secrets  signin.Secrets // default: the OS keychain
	StateDir string         // local mode: where the local API keeps its state; default the user config dir
	Now      func() time.Time
	// SkipSchemeRegistration leaves the desktop's URL-scheme registration
	// alone (tests, and runs that must not touch the user's settings).
	SkipSchemeRegistration bool
	// OpenBrowser opens the system browser (SSO and OAuth round trips);
	// app/lifecycle sets it from the window. Nil: those buttons don't show.
	OpenBrowser func(url string) error
	// AgentSocket is where app/lifecycle serves the session to the CLI
	// (main passes agent.SocketPath()); "": no agent (tests).
	AgentSocket string
}

// Core is the running backend.
type Core struct {
	Config   config.Config
	Flows    *signin.Flows
	InboxURL string // local mode only
	// Hub is the signed-in session for the rest of the client (the agent,
	// the company API); the flows keep it on their session.
	Hub *sessionhub.Hub

	local      localAPI // local mode's in-process Stytch-compatible API (local.go)
	exampleAPI closer   // local mode's in-process example company API (local.go)
	companyAPI string   // its URL
	log        *slog.Logger
}

// KeychainService names the keychain items of one configuration, so local-mode
// sessions never mix with a real project's.
func KeychainService(cfg config.Config) string {
	if cfg.Mode == config.ModeLocal {
		return "stytch-desktop-local"
	}
	return "stytch-desktop:" + cfg.ProjectID
}

// ErrLocalAPI wraps a failure to start the in-process local API (its state
// file, its port), so the screens can say that rather than "network".
var ErrLocalAPI = errors.New("the local Stytch-compatible API did not start")

// StartKind says how a failed Start is shown on the screens.
func StartKind(err error) signin.Kind {
	switch {
	case errors.Is(err, ErrLocalAPI):
		return signin.KindLocalAPIFailed
	case errors.Is(err, context.Canceled):
		return signin.KindUnknown
	default:
		return signin.KindStartFailed
	}
}

// Start brings the backend up for the configured mode.
func Start(ctx context.Context, cfg config.Config, opts Options) (*Core, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Core{Config: cfg, log: log}
	api, err := c.adapterFor(ctx, opts)
	if err != nil {
		c.Close(context.Background())
		return nil, fmt.Errorf("start %s mode: %w", cfg.Mode, err)
	}
	secrets := opts.Secrets
	if secrets == nil {
		// The store's own cap is long (an unlock prompt may be up while the
		// user waits); the flows pass shorter deadlines for background work.
		secrets = keychain.NewKeyring(KeychainService(cfg), keychain.WithTimeout(time.Minute))
	}
	redirect, codes := c.openPage()
	c.Hub = &sessionhub.Hub{}
	c.Flows = signin.New(signin.Config{
		Mode:             string(cfg.Mode),
		Backend:          cfg.Backend(),
		InboxURL:         c.InboxURL,
		Codes:            codes,
		RedirectURL:      cfg.Links().RedirectURL(),
		EmailRedirectURL: redirect,
		Organization:     cfg.Organization,
		SessionDuration:  cfg.SessionDuration,
		Now:              opts.Now,
		Logger:           log,
		Browser:          c.browserConfig(opts),
		Session: c.Hub.Follow(api, accesstoken.Options{
			OnTransient: func(err error) {
				log.Warn("no fresh session JWT right now; the session is kept", "error", err.Error())
			},
		}),
	}, api, secrets)
	return c, nil
}

// browserConfig is what the SSO and OAuth round trips need: where the
// browser goes (the local API in local mode) and the public token.
func (c *Core) browserConfig(opts Options) signin.BrowserConfig {
	b := signin.BrowserConfig{APIBase: c.Config.APIBase(), PublicToken: c.Config.PublicToken,
		OAuthProviders: c.Config.Providers(), Open: opts.OpenBrowser}
	if c.local != nil {
		b.APIBase, b.PublicToken = strings.TrimSuffix(c.InboxURL, "/"), c.local.PublicToken()
	}
	return b
}

// adapterFor points the Stytch port for the mode: where its calls go and
// with which secret. Besides the port, a mode only changes where the browser
// round trips start (browserConfig) and which page links open (openPage);
// the flows, keychain and links are the same in every mode, and so are the
// tests that run through them.
func (c *Core) adapterFor(ctx context.Context, opts Options) (signin.Stytch, error) {
	cfg := c.Config
	var sc stytchclient.Config
	switch cfg.Mode {
	case config.ModeLocal:
		base, err := c.startLocal(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLocalAPI, err)
		}
		sc = stytchclient.Config{ProjectID: c.local.ProjectID(), Secret: c.local.Secret(), BaseURL: base}
		c.InboxURL = base + "/"
		c.log.Info("local mode: using the in-process Stytch-compatible API; no real email is sent", "inbox", c.InboxURL)
	case config.ModeDirect:
		c.log.Warn(config.SecretWarning)
		sc = stytchclient.Config{ProjectID: cfg.ProjectID, Secret: cfg.Secret, BaseURL: cfg.BaseURL}
	case config.ModeBroker:
		// Same client, pointed at the company's broker, which adds the secret.
		sc = stytchclient.Config{ProjectID: cfg.ProjectID, Secret: config.BrokerPlaceholderSecret, BaseURL: cfg.BaseURL}
		c.log.Info("broker mode: signing in through the company's Stytch broker", "broker", cfg.BaseURL)
	default:
		return nil, fmt.Errorf("unknown mode %q", cfg.Mode)
	}
	// The signing keys are fetched in the background: start-up never waits on the network.
	sc.OnKeysError = func(err error) {
		c.log.Warn("could not fetch Stytch's signing keys yet; sessions are checked with Stytch directly", "error", err.Error())
	}
	api, err := stytchclient.New(ctx, sc)
	if err != nil {
		return nil, err
	}
	return api, nil
}

// openPage is the redirect URL Stytch sends links to and, when that is an
// /open page, the client that redeems its sign-in codes. Local mode uses the
// local API's own page unless STYTCH_REDIRECT_URL chose the app's callback:
// the page still opens the app in one click, and shows the code too.
func (c *Core) openPage() (string, signin.CodeRedeemer) {
	cfg := c.Config
	switch {
	case cfg.Mode == config.ModeLocal && c.local != nil && !cfg.NoOpenPage:
		return c.local.OpenURL(), codeclient.New(openpage.RedeemURL(c.local.OpenURL()), cfg.Links())
	case cfg.OpenURL != "":
		return cfg.OpenURL, codeclient.New(cfg.RedeemURL(), cfg.Links())
	}
	return cfg.RedirectURL(), nil
}

// CompanyAPIURL is the company API the app calls as the member: the
// configured one, else (local mode) the example API running beside the
// local Stytch-compatible API; "" when there is none.
func (c *Core) CompanyAPIURL() string {
	if c.Config.CompanyAPIURL != "" {
		return c.Config.CompanyAPIURL
	}
	return c.companyAPI
}

// closer is something Start started that Close stops.
type closer interface {
	Close(ctx context.Context) error
}

// Close stops what Start started.
func (c *Core) Close(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if c.exampleAPI != nil {
		_ = c.exampleAPI.Close(ctx)
	}
	if c.local == nil {
		return nil
	}
	err := c.local.Close(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// localAPI is what the app uses of the local API (app/localstytch.Server).
type localAPI interface {
	ProjectID() string
	Secret() string
	PublicToken() string
	OpenURL() string
	Close(ctx context.Context) error
}
