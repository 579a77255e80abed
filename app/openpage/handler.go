// Package openpage is the page between a sign-in email and the desktop app,
// served at /open by the broker (app/broker) and by the local API
// (app/localstytch) when a deployment registers it as Stytch's redirect URL
// instead of the app's custom scheme. Stytch redirects the click to
// /open?stytch_token_type=…&token=…; the page opens the app at once on a
// desktop browser and, for a phone or a browser that cannot open apps, shows
// a short sign-in code. The app redeems the code (POST /open/redeem) for the
// token, once, within the code's lifetime, and authenticates it with its own
// PKCE verifier, so a code (like a link) is useless on any other computer.
//
// The page never shows the token: the "Open" link carries it (that is how
// the app gets it), and "Copy link" copies a link carrying the code.
package openpage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/signcode"
)

// Paths served.
const (
	PagePath   = "/open"
	RedeemPath = "/open/redeem"
)

// DefaultTTL is how long a code works.
const DefaultTTL = 5 * time.Minute

// Config configures a Handler.
type Config struct {
	// AppURL is the app's callback, e.g. stytch-desktop://auth/callback: the
	// page opens AppURL?stytch_token_type=…&token=….
	AppURL string
	Store  Store   // required
	Limit  Limiter // nil: no limits (tests of other things only)
	// Key keys the hashes and encryption of codes at rest; every replica
	// must have the same (the broker derives it from the project secret).
	Key []byte
	TTL time.Duration    // default DefaultTTL
	Now func() time.Time // default time.Now
}

// Handler serves the page and the redeem endpoint.
type Handler struct {
	cfg    Config
	parser deeplink.Parser
	scheme string
	seal   sealer
}

// New checks cfg.
func New(cfg Config) (*Handler, error) {
	u, err := url.Parse(cfg.AppURL)
	if err != nil || u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("open page: app URL %q must be the app's custom-scheme callback, e.g. stytch-desktop://auth/callback", cfg.AppURL)
	}
	if cfg.Store == nil {
		return nil, errors.New("open page: a code store is required")
	}
	if len(cfg.Key) < 16 {
		return nil, errors.New("open page: the code key must be at least 16 bytes")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := deeplink.Parser{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return &Handler{cfg: cfg, parser: p, scheme: u.Scheme, seal: newSealer(cfg.Key)}, nil
}

// IsOpenURL reports whether a redirect URL is an /open page (http(s), path
// /open): then the deployment serves this page and the app offers code entry.
func IsOpenURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Path == PagePath &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// RedeemURL is the redeem endpoint next to an /open redirect URL.
func RedeemURL(openURL string) string { return strings.TrimSuffix(openURL, PagePath) + RedeemPath }

// Page serves GET /open.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) { h.PageFor(w, r, r.RemoteAddr) }

// Error types of the page (Outcome.ErrorType); the page itself still opens
// the app.
const (
	ErrCodeUnavailable = "code_unavailable" // the store failed: the page says codes are unavailable
)

// PageFor serves GET /open for a client (its limit key). A code is made only
// for GET (a HEAD, e.g. a mail scanner's, gets the headers alone) and only
// within the client's LimitIssue allowance. The outcome is for the caller's
// log and metrics.
func (h *Handler) PageFor(w http.ResponseWriter, r *http.Request, client string) Outcome {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return Outcome{Status: http.StatusMethodNotAllowed, ErrorType: "method_not_allowed"}
	}
	nonce := newNonce()
	securityHeaders(w, nonce)
	q := r.URL.Query()
	v := url.Values{}
	v.Set("stytch_token_type", q.Get("stytch_token_type"))
	v.Set("token", q.Get("token"))
	if s := q.Get("slug"); s != "" {
		v.Set("slug", s)
	}
	appLink := h.cfg.AppURL + "?" + v.Encode()
	link, err := h.parser.Parse(appLink)
	if err != nil || (link.TokenType != deeplink.Discovery && link.TokenType != deeplink.MultiTenant) {
		w.WriteHeader(http.StatusBadRequest)
		renderPage(w, r, pageData{Nonce: nonce, Invalid: true})
		return Outcome{Status: http.StatusBadRequest, ErrorType: ErrBadRequest}
	}
	d := pageData{Nonce: nonce, AppLink: appLink, Phone: isPhone(r.UserAgent()), TTLSeconds: int(h.cfg.TTL / time.Second),
		TTLMinutes: int(h.cfg.TTL / time.Minute)}
	out := Outcome{Status: http.StatusOK}
	if r.Method == http.MethodHead {
		renderPage(w, r, d)
		return out
	}
	var retry time.Duration
	if h.cfg.Limit != nil {
		retry, err = h.cfg.Limit.Allow(r.Context(), LimitIssue, client)
	}
	switch {
	case err != nil:
		out.ErrorType, out.Limit = ErrCodeUnavailable, LimitIssue
	case retry > 0:
		d.Busy = true
		out.ErrorType, out.Limit = ErrTooManyRequests, LimitIssue
	default:
		code, err := h.issue(r.Context(), link)
		if err != nil {
			out.ErrorType = ErrCodeUnavailable
			break
		}
		d.Code, d.Spelled = signcode.Group(code), spell(code)
		d.CodeLink = h.scheme + "://" + deeplink.CallbackHost + signcode.CodeLinkPath + "?code=" + signcode.Group(code)
	}
	renderPage(w, r, d)
	return out
}

// issue makes a fresh code for link and stores its sealed record.
func (h *Handler) issue(ctx context.Context, link deeplink.Link) (string, error) {
	rec := record{Type: string(link.TokenType), Token: link.Token, Slug: link.Slug,
		ExpiresAt: h.cfg.Now().Add(h.cfg.TTL).UnixMilli()}
	for range 3 { // a collision among live codes is ~1e-9; try again anyway
		code, err := signcode.NewCode()
		if err != nil {
			return "", err
		}
		key := h.seal.storeKey(code)
		sealed, err := h.seal.seal(code, key, rec)
		if err != nil {
			return "", err
		}
		ok, err := h.cfg.Store.Put(ctx, key, sealed, h.cfg.TTL)
		if err != nil {
			return "", fmt.Errorf("store code: %w", err)
		}
		if ok {
			return code, nil
		}
	}
	return "", errors.New("store code: no free code")
}

// RedeemRequest is the body of POST /open/redeem.
type RedeemRequest struct {
	Code          string `json:"code"`
	PKCEChallenge string `json:"pkce_code_challenge"`
}

// RedeemResponse is a successful answer: the link the code stood for.
type RedeemResponse struct {
	TokenType string `json:"stytch_token_type"`
	Token     string `json:"token"`
	Slug      string `json:"slug,omitempty"`
}

// Error types of the redeem endpoint (JSON error_type).
const (
	ErrCodeInvalid      = "code_invalid"           // malformed, unknown, used or expired: one answer for all
	ErrTooManyRequests  = "too_many_requests"      // Retry-After says when
	ErrBadRequest       = "bad_request"            // not a JSON redeem request
	ErrStoreUnavailable = "code_store_unavailable" // the store or limiter did not answer
)

// Outcome says how a redeem ended, for the caller's access log and metrics
// (never the code or token).
type Outcome struct {
	Status    int
	ErrorType string
	Limit     LimitKind
}

// Redeem serves POST /open/redeem for a client at address ip. It is not a
// Stytch route: JSON in and out, no CORS (no preflight is ever answered, and
// the JSON content type forces one), so only the app can call it.
func (h *Handler) Redeem(w http.ResponseWriter, r *http.Request, ip string) Outcome {
	fail := func(status int, typ, msg string, retry time.Duration, lim LimitKind) Outcome {
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
		}
		writeJSON(w, status, map[string]any{"status_code": status, "error_type": typ, "error_message": msg})
		return Outcome{Status: status, ErrorType: typ, Limit: lim}
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return fail(http.StatusMethodNotAllowed, "method_not_allowed", "Use POST.", 0, "")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fail(http.StatusBadRequest, ErrBadRequest, "Content-Type must be application/json.", 0, "")
	}
	ctx := r.Context()
	allow := func(kind LimitKind, value string) (Outcome, bool) {
		if h.cfg.Limit == nil {
			return Outcome{}, true
		}
		retry, err := h.cfg.Limit.Allow(ctx, kind, value)
		switch {
		case err != nil:
			return fail(http.StatusServiceUnavailable, ErrStoreUnavailable, "Sign-in codes are unavailable right now. Try again shortly.", 0, kind), false
		case retry > 0:
			return fail(http.StatusTooManyRequests, ErrTooManyRequests, "Too many attempts; try again later.", retry, kind), false
		}
		return Outcome{}, true
	}
	if o, ok := allow(LimitIP, ip); !ok {
		return o
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1024))
	if err != nil {
		return fail(http.StatusBadRequest, ErrBadRequest, "The request body must be at most 1 KiB.", 0, "")
	}
	var req RedeemRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return fail(http.StatusBadRequest, ErrBadRequest, "The body must be {\"code\": …, \"pkce_code_challenge\": …}.", 0, "")
	}
	if !validChallenge(req.PKCEChallenge) {
		return fail(http.StatusBadRequest, ErrBadRequest, "pkce_code_challenge must be 43-128 base64url characters.", 0, "")
	}
	if o, ok := allow(LimitFlow, h.seal.storeKey("flow\x00"+req.PKCEChallenge)); !ok {
		return o
	}
	code, ok := signcode.Normalize(req.Code)
	if !ok {
		return fail(http.StatusBadRequest, ErrCodeInvalid, "That is not a sign-in code.", 0, "")
	}
	key := h.seal.storeKey(code)
	if o, ok := allow(LimitCode, key); !ok {
		return o
	}
	sealed, found, err := h.cfg.Store.Take(ctx, key)
	if err != nil {
		return fail(http.StatusServiceUnavailable, ErrStoreUnavailable, "Sign-in codes are unavailable right now. Try again shortly.", 0, "")
	}
	if !found {
		return fail(http.StatusBadRequest, ErrCodeInvalid, "That code is not valid: it may be mistyped, already used or expired.", 0, "")
	}
	rec, err := h.seal.open(code, key, sealed)
	if err != nil || rec.expired(h.cfg.Now()) {
		return fail(http.StatusBadRequest, ErrCodeInvalid, "That code is not valid: it may be mistyped, already used or expired.", 0, "")
	}
	writeJSON(w, http.StatusOK, RedeemResponse{TokenType: rec.Type, Token: rec.Token, Slug: rec.Slug})
	return Outcome{Status: http.StatusOK}
}

func validChallenge(v string) bool {
	return len(v) >= 43 && len(v) <= 128 &&
		strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func newNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // no + or /: html/template would escape them in the attribute
}

// securityHeaders: no scripts, styles, images, frames or forms from
// anywhere; only the page's own inline script and style, by nonce.
func securityHeaders(w http.ResponseWriter, nonce string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
}

// isPhone guesses from the User-Agent (works without JavaScript): phones and
// tablets get the code first and no attempt to open an app they cannot have.
func isPhone(ua string) bool {
	for _, s := range []string{"Mobi", "Android", "iPhone", "iPad", "iPod"} {
		if strings.Contains(ua, s) {
			return true
		}
	}
	return false
}

// spell is the code for screen readers, one character at a time.
func spell(code string) string {
	parts := make([]string, 0, len(code))
	for i, c := range code {
		if i == 4 {
			parts[len(parts)-1] += ","
		}
		parts = append(parts, string(c))
	}
	return strings.Join(parts, " ")
}
