package signin

import (
	"log/slog"
	"time"

	"stytch-desktop/app/deeplink"
)

// Config tunes the flows. Zero values take the defaults below.
type Config struct {
	Mode               string        // "local", "direct" or "broker": shown on the screens
	Backend            string        // the API's URL for the screens' "About" line ("" in local mode)
	InboxURL           string        // local mode: the local API's inbox page
	RedirectURL        string        // the app's callback: where Stytch sends SSO/OAuth round trips (and links by default); default deeplink.DefaultParser's
	EmailRedirectURL   string        // where email links go when not RedirectURL: the /open page (code.go)
	Organization       string        // id or slug: use the direct organization flow
	SessionDuration    time.Duration // default one week, as in the quickstart
	LinkLifetime       time.Duration // how long a sent link can complete; Stytch's default 60 minutes
	ResendInterval     time.Duration // minimum gap between sends from the screen
	CallTimeout        time.Duration // deadline of every Stytch call
	RevokeTimeout      time.Duration // bounded wait for revoke on sign-out
	KeychainTimeout    time.Duration // deadline of keychain calls made while the user waits
	IntermediateTTL    time.Duration // Stytch's intermediate session lifetime (10 minutes)
	RefreshInterval    time.Duration // how often a signed-in session is re-validated
	BackoffMin         time.Duration // first retry after a transient failure
	BackoffMax         time.Duration // longest wait between retries
	BackgroundKeychain time.Duration // deadline of keychain calls nobody waits for
	Now                func() time.Time
	Logger             *slog.Logger
	Browser            BrowserConfig // SSO and OAuth round trips (sso.go); the zero value turns them off
	// Codes redeems sign-in codes from the /open page (code.go); nil when
	// the redirect URL is the app's scheme (no page, no code entry).
	Codes CodeRedeemer
	// Session is told which member session is held (session.go), so the
	// rest of the client follows it; nil: nobody is told.
	Session SessionObserver
}

// Defaults, in one place.
const (
	DefaultSessionDuration = 7 * 24 * time.Hour
	defaultLinkLifetime    = 60 * time.Minute
	defaultResendInterval  = 30 * time.Second
	defaultCallTimeout     = 20 * time.Second
	defaultRevokeTimeout   = 5 * time.Second
	defaultKeychainTimeout = 10 * time.Second
	defaultIntermediateTTL = 10 * time.Minute
	defaultRefreshInterval = 5 * time.Minute
	defaultBackoffMin      = time.Second
	defaultBackoffMax      = 2 * time.Minute
	defaultBackgroundKC    = 3 * time.Second
)

// withDefaults fills every zero field with its default.
func (cfg Config) withDefaults() Config {
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = deeplink.DefaultParser.RedirectURL()
	}
	if cfg.EmailRedirectURL == "" {
		cfg.EmailRedirectURL = cfg.RedirectURL
	}
	if cfg.SessionDuration <= 0 {
		cfg.SessionDuration = DefaultSessionDuration
	}
	if cfg.LinkLifetime <= 0 {
		cfg.LinkLifetime = defaultLinkLifetime
	}
	if cfg.ResendInterval <= 0 {
		cfg.ResendInterval = defaultResendInterval
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = defaultCallTimeout
	}
	if cfg.RevokeTimeout <= 0 {
		cfg.RevokeTimeout = defaultRevokeTimeout
	}
	if cfg.KeychainTimeout <= 0 {
		cfg.KeychainTimeout = defaultKeychainTimeout
	}
	if cfg.IntermediateTTL <= 0 {
		cfg.IntermediateTTL = defaultIntermediateTTL
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = defaultRefreshInterval
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = defaultBackoffMin
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = defaultBackoffMax
	}
	if cfg.BackgroundKeychain <= 0 {
		cfg.BackgroundKeychain = defaultBackgroundKC
	}
	if cfg.Browser.TTL <= 0 {
		cfg.Browser.TTL = defaultBrowserTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}
