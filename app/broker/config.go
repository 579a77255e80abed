package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/openpage"
)

// Config is everything a company decides about its broker. New validates it;
// every error says what to fix.
type Config struct {
	ProjectID string // public; Stytch's project id
	Secret    string // the project secret: from the environment or a file, never a flag
	Upstream  string // Stytch's API base URL; empty: test or live by project id, as stytch-go does

	// RedirectURL is the one redirect URL every magic link uses (discovery,
	// login and signup); callers cannot choose another. Register it in the
	// Stytch dashboard as a Discovery, Login and Signup redirect URL.
	RedirectURL string
	// AppURL is the app's callback (default stytch-desktop://auth/callback).
	// When RedirectURL is this broker's /open page (https://broker/open),
	// the broker serves that page (app/openpage): it opens AppURL?… and
	// shows a sign-in code the app redeems at /open/redeem.
	AppURL string
	// Optional email template ids and link lifetime, also fixed here.
	LoginTemplateID, SignupTemplateID string
	LinkExpiryMinutes                 uint32

	MaxSessionMinutes       int32    // session_duration_minutes is clamped to this
	AllowedEmailDomains     []string // empty: any domain
	AllowedOrganizations    []string // ids or slugs; empty: any organization
	AllowedPhonePrefixes    []string // E.164 prefixes such as +1, +44; empty: any
	AllowOrganizationCreate bool     // discovery organizations create (name and slug only)

	UpstreamTimeout  time.Duration
	TrustedProxyHops int // how many proxies in front of the broker append to X-Forwarded-For

	Limits Limits
	Shared SharedLimiter // optional (Redis); nil: limits are per replica

	Logger    *slog.Logger      // access log (JSON); nil: discarded
	Transport http.RoundTripper // upstream transport; nil: a clone of http.DefaultTransport
	Now       func() time.Time  // nil: time.Now
}

// Limits are the broker's rate limits. A zero Rate turns that limit off.
type Limits struct {
	IP         Rate // every request (refused ones too), per client: IPv4 address or IPv6 /64
	Email      Rate // email sends, per email address
	Domain     Rate // email sends, per email domain and client (one source cannot use it up for everyone)
	OTPSend    Rate // SMS sends and TOTP creations, per intermediate session/session, member and phone prefix
	OTPAttempt Rate // SMS/TOTP/recovery-code attempts, per intermediate session/session and member
	CodeIP     Rate // sign-in code redeems (/open/redeem), per client IP
	Code       Rate // sign-in code redeems, per pending flow (PKCE challenge) and per code typed
	CodeIssue  Rate // sign-in codes made by the /open page, per client
}

// DefaultLimits suit one company: generous per IP (offices share NAT
// addresses), tight per address (Stytch itself allows one email a second).
var DefaultLimits = Limits{
	IP:         Rate{N: 600, Per: time.Minute},
	Email:      Rate{N: 5, Per: time.Minute},
	Domain:     Rate{N: 120, Per: time.Minute},
	OTPSend:    Rate{N: 5, Per: 10 * time.Minute},
	OTPAttempt: Rate{N: 10, Per: 10 * time.Minute},
	CodeIP:     Rate{N: 30, Per: 10 * time.Minute},
	Code:       Rate{N: 5, Per: 5 * time.Minute},
	CodeIssue:  Rate{N: 60, Per: 10 * time.Minute},
}

// Rate is N events per Per, with a burst of N (GCRA).
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) off() bool { return r.N <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.off() {
		return "off"
	}
	per := r.Per.String()
	switch {
	case r.Per%time.Hour == 0:
		per = strconv.Itoa(int(r.Per/time.Hour)) + "h"
	case r.Per%time.Minute == 0:
		per = strconv.Itoa(int(r.Per/time.Minute)) + "m"
	}
	return strconv.Itoa(r.N) + "/" + per
}

// ParseRate reads "N/duration" (e.g. 5/1m, 600/1m, 10/10m) or "off".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/duration such as 5/1m, or off", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count <= 0 {
		return Rate{}, fmt.Errorf("rate %q: N must be a positive whole number", s)
	}
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per // "5/m" reads as 5 per minute
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second {
		return Rate{}, fmt.Errorf("rate %q: the period must be a Go duration of at least 1s (e.g. 1m, 10m, 1h)", s)
	}
	return Rate{N: count, Per: d}, nil
}

// Stytch's bounds for session_duration_minutes.
const (
	minSessionMinutes = 5
	maxSessionMinutes = 527040
)

// DefaultUpstream is the Stytch API for a project id, as stytch-go picks it.
func DefaultUpstream(projectID string) string {
	if strings.HasPrefix(projectID, "project-live-") {
		return "https://api.stytch.com"
	}
	return "https://test.stytch.com"
}

// validate checks and normalises c in place.
func (c *Config) validate() error {
	var errs []error
	if !strings.HasPrefix(c.ProjectID, "project-test-") && !strings.HasPrefix(c.ProjectID, "project-live-") ||
		strings.ContainsAny(c.ProjectID, "/?#% ") {
		errs = append(errs, errors.New("project id must look like project-test-… or project-live-…"))
	}
	if c.Secret == "" {
		errs = append(errs, errors.New("the project secret is empty: set STYTCH_SECRET or --secret-file"))
	}
	if c.Upstream == "" {
		c.Upstream = DefaultUpstream(c.ProjectID)
	}
	if u, err := checkUpstream(c.Upstream); err != nil {
		errs = append(errs, fmt.Errorf("upstream: %w", err))
	} else {
		c.Upstream = u
	}
	if err := checkRedirectURL(c.RedirectURL); err != nil {
		errs = append(errs, fmt.Errorf("redirect URL: %w", err))
	}
	if c.AppURL == "" {
		c.AppURL = deeplink.DefaultParser.RedirectURL()
	}
	if openpage.IsOpenURL(c.RedirectURL) {
		if u, _ := url.Parse(c.RedirectURL); u.Scheme == "http" && !isLoopback(u.Hostname()) {
			errs = append(errs, fmt.Errorf("redirect URL %q: the /open page must be https (http only on loopback)", c.RedirectURL))
		}
		if u, err := url.Parse(c.AppURL); err != nil || u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("app URL %q: want the app's custom-scheme callback, e.g. stytch-desktop://auth/callback", c.AppURL))
		}
	}
	if c.LinkExpiryMinutes != 0 && (c.LinkExpiryMinutes < 5 || c.LinkExpiryMinutes > 10080) {
		errs = append(errs, errors.New("link expiry must be between 5 and 10080 minutes"))
	}
	if c.MaxSessionMinutes == 0 {
		c.MaxSessionMinutes = 7 * 24 * 60
	}
	if c.MaxSessionMinutes < minSessionMinutes || c.MaxSessionMinutes > maxSessionMinutes {
		errs = append(errs, fmt.Errorf("max session minutes must be between %d and %d", minSessionMinutes, maxSessionMinutes))
	}
	for i, d := range c.AllowedEmailDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.ContainsAny(d, "@/ ") || !strings.Contains(d, ".") {
			errs = append(errs, fmt.Errorf("allowed email domain %q: want a domain such as example.com", d))
		}
		c.AllowedEmailDomains[i] = d
	}
	for _, o := range c.AllowedOrganizations {
		if o == "" || strings.ContainsAny(o, "/?# ") {
			errs = append(errs, fmt.Errorf("allowed organization %q: want an organization id or slug", o))
		}
	}
	for _, p := range c.AllowedPhonePrefixes {
		if len(p) < 2 || p[0] != '+' || strings.Trim(p[1:], "0123456789") != "" {
			errs = append(errs, fmt.Errorf("allowed phone prefix %q: want + and digits, such as +1 or +44", p))
		}
	}
	if c.UpstreamTimeout == 0 {
		c.UpstreamTimeout = 10 * time.Second
	}
	if c.UpstreamTimeout < 100*time.Millisecond || c.UpstreamTimeout > 2*time.Minute {
		errs = append(errs, errors.New("upstream timeout must be between 100ms and 2m"))
	}
	if c.TrustedProxyHops < 0 || c.TrustedProxyHops > 10 {
		errs = append(errs, errors.New("trusted proxy hops must be between 0 and 10"))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return errors.Join(errs...)
}

// checkUpstream accepts https anywhere and plain http only on loopback (the
// local API in tests), so the secret never crosses a network in clear.
func checkUpstream(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an absolute URL such as https://test.stytch.com", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%q must be scheme://host[:port] only", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%q: plain http is only allowed on a loopback address; use https", raw)
		}
	default:
		return "", fmt.Errorf("%q must use https (or http on loopback)", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func checkRedirectURL(raw string) error {
	if raw == "" {
		return errors.New("required (e.g. stytch-desktop://auth/callback); register the same URL in the Stytch dashboard")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("%q is not an absolute URL without fragment", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
