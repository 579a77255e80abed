// Package localstytch is a local, in-process emulator of the subset of
// Stytch's B2B backend API that the desktop app uses: discovery and
// organization-specific email magic links (with PKCE), intermediate
// sessions, discovery organizations, member sessions, session JWTs and JWKS.
//
// It speaks Stytch's exact paths and JSON so the real stytch-go client
// (b2bstytchapi.NewClient(..., b2bstytchapi.WithBaseURI(baseURL))) and
// Stytch's Node SDK work against it unchanged. Instead of sending email it
// keeps an outbox, served as JSON at /emulator/messages and as an HTML inbox
// at /. Tests can inject latency, errors, dropped connections and malformed
// bodies per endpoint (SetFault / POST /emulator/faults).
//
// Deliberate choices where Stytch's behaviour is undocumented are commented
// at the point of use; all error statuses live in errorTable (errors.go).
package localstytch

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/localstytch/store"
	"stytch-desktop/app/openpage"
)

// Fixed, obviously-local defaults. They are not secrets: anyone can read
// them here, and they only unlock this local emulator.
const (
	DefaultProjectID   = "project-test-00000000-0000-4000-8000-000000000000"
	DefaultSecret      = "secret-test-local-emulator-not-a-real-secret"
	DefaultPublicToken = "public-token-test-00000000-0000-4000-8000-000000000000"
)

// DefaultRedirectURLs is the redirect allow-list used when
// Options.RedirectURLs is empty: the desktop app's deep link and Stytch's
// test-environment default.
var DefaultRedirectURLs = []string{
	deeplink.DefaultParser.RedirectURL(),
	"http://localhost:3000/authenticate",
}

// Options configure a Server. The zero value is usable.
type Options struct {
	ProjectID    string           // default DefaultProjectID
	Secret       string           // default DefaultSecret
	PublicToken  string           // default DefaultPublicToken; required by the public (browser) start endpoints
	RedirectURLs []string         // exact-match allow-list; default DefaultRedirectURLs
	Now          func() time.Time // default time.Now; tests inject a clock to expire tokens
	Seed         bool             // add demo organizations (seedDemo in fixtures.go)
	StatePath    string           // optional JSON file (0600) persisting state across restarts; tokens only as hashes, no outbox
	Logger       *slog.Logger     // optional; tokens and the secret are never logged

	// AppURL is the app's callback the /open page opens (default
	// stytch-desktop://auth/callback). The server accepts its own
	// <base>/open as a redirect URL besides RedirectURLs.
	AppURL string

	// WriteThrough makes every API answer reach the state file before it
	// is sent (with StatePath). The app's in-process local mode sets it:
	// one person, whose app may be killed (kill -9, wails dev) right after
	// signing in, must find the session after a restart. The standalone
	// emulator batches writes (persist.go) for throughput.
	WriteThrough bool

	// AllowAnyHost disables the Host-header check on every path (API,
	// JWKS, inbox, messages, faults, redirect hop). The check defends
	// against DNS rebinding; turn it off only when serving on a
	// non-loopback address on purpose.
	AllowAnyHost bool
}

// Server is the emulator. It is an http.Handler; Start additionally runs it
// on a listener.
type Server struct {
	projectID, secret string
	publicToken       string
	redirectURLs      []string
	now               func() time.Time
	statePath         string
	log               *slog.Logger
	allowAnyHost      bool
	writeThrough      bool

	mu        sync.Mutex // guards st, outbox, lastSend and dirty (the signer is immutable)
	st        *store.State
	outbox    outboxRing // newest maxMessages emails; in memory only (links embed raw tokens)
	signer    *signer
	lastSend  map[string]time.Time // email -> last email-sending request (rate limit)
	lastSweep time.Time            // sweep.go
	// mfaFailures counts wrong MFA codes per member and method (mfa_store.go).
	mfaFailures map[string]*failureLimiter
	// idpRequests are SSO/OAuth round trips waiting on the local identity
	// provider page, by request id (idp_page.go). In memory only.
	idpRequests map[string]*idpRequest
	dirty       bool       // state changed since the last write (persist.go)
	persist     *persister // nil without Options.StatePath

	port atomic.Pointer[string] // the listener's port once Start ran; the Host check requires it

	open *openpage.Handler // /open and /open/redeem (openpage)

	faultMu sync.Mutex
	faults  map[string]*Fault

	srvMu   sync.Mutex
	httpSrv *http.Server
	baseURL string
	done    chan struct{}
}

// New builds a Server, loading Options.StatePath if it exists.
func New(opts Options) (*Server, error) {
	s := &Server{
		projectID:    opts.ProjectID,
		secret:       opts.Secret,
		publicToken:  opts.PublicToken,
		redirectURLs: append([]string(nil), opts.RedirectURLs...),
		now:          opts.Now,
		statePath:    opts.StatePath,
		log:          opts.Logger,
		allowAnyHost: opts.AllowAnyHost,
		writeThrough: opts.WriteThrough,
		lastSend:     map[string]time.Time{},
		faults:       map[string]*Fault{},
	}
	if s.projectID == "" {
		s.projectID = DefaultProjectID
	}
	if s.secret == "" {
		s.secret = DefaultSecret
	}
	if s.publicToken == "" {
		s.publicToken = DefaultPublicToken
	}
	if len(s.redirectURLs) == 0 {
		s.redirectURLs = append([]string(nil), DefaultRedirectURLs...)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.newOpenPage(opts.AppURL); err != nil {
		return nil, fmt.Errorf("localstytch.New: %w", err)
	}
	if strings.ContainsAny(s.projectID, "/?#") {
		return nil, fmt.Errorf("localstytch.New: project id %q must not contain / ? #", s.projectID)
	}

	var st *store.State
	if s.statePath != "" {
		loaded, err := store.Load(s.statePath)
		if err != nil {
			return nil, fmt.Errorf("localstytch.New: %w", err)
		}
		st = loaded
	}
	if st == nil {
		st = store.New()
	}
	if len(st.SigningKey) > 0 {
		sg, err := signerFromPKCS8(st.SigningKey, st.KeyID)
		if err != nil {
			return nil, fmt.Errorf("localstytch.New: %w", err)
		}
		s.signer = sg
	} else {
		sg, err := newSigner()
		if err != nil {
			return nil, fmt.Errorf("localstytch.New: %w", err)
		}
		der, err := sg.pkcs8()
		if err != nil {
			return nil, fmt.Errorf("localstytch.New: %w", err)
		}
		s.signer = sg
		st.SigningKey, st.KeyID = der, sg.kid
	}
	s.st = st

	now := s.clock()
	s.ensureSandbox(now)
	if opts.Seed {
		if err := s.seedDemo(now); err != nil {
			return nil, fmt.Errorf("localstytch.New: seed: %w", err)
		}
	}
	if s.statePath != "" {
		if err := s.st.Save(s.statePath); err != nil {
			return nil, fmt.Errorf("localstytch.New: %w", err)
		}
		s.startPersister()
	}
	return s, nil
}

// ProjectID returns the project id clients must use.
func (s *Server) ProjectID() string { return s.projectID }

// Secret returns the (local, fake) project secret clients must use.
func (s *Server) Secret() string { return s.secret }

// PublicToken returns the project's public token, which browser-facing start
// URLs carry (public by design, like Stytch's).
func (s *Server) PublicToken() string { return s.publicToken }

// BaseURL returns the URL Start is serving on, or "" before Start.
func (s *Server) BaseURL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.baseURL
}

func (s *Server) clock() time.Time { return s.now().UTC() }

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
// It returns the base URL without a trailing slash.
func (s *Server) Start(addr string) (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("localstytch.Start: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("localstytch.Start: %w", err)
	}
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.baseURL = "http://" + ln.Addr().String()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s.port.Store(&port)
	s.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("localstytch: serve failed", "err", err)
		}
	}(s.httpSrv, s.done)
	return s.baseURL, nil
}

// Close stops the server started by Start (waiting for in-flight requests
// until ctx ends), then writes any pending state change to the state file
// and stops the background writer (the outbox is not part of the file).
// It is safe to call more than once and without Start.
func (s *Server) Close(ctx context.Context) error {
	s.srvMu.Lock()
	srv, done := s.httpSrv, s.done
	s.srvMu.Unlock()
	var errs []error
	if srv != nil {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("localstytch.Close: %w", err))
			_ = srv.Close()
		}
		<-done
	}
	if err := s.stopPersister(); err != nil {
		errs = append(errs, fmt.Errorf("localstytch.Close: %w", err))
	}
	return errors.Join(errs...)
}

// --- HTTP plumbing ---

// maxBodyBytes bounds request bodies; Stytch requests are small.
const maxBodyBytes = 64 << 10

// reqCtx is one API request being served.
type reqCtx struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	body      []byte
	extra     bool           // ExtraFields fault: add unknown fields to a success body
	jwtClaims map[string]any // set by signLater: writeOK signs them into session_jwt
}

// apiHandler answers one endpoint: a body of package wire, or a map for the
// endpoints without a session (sends, listings, revoke).
type apiHandler func(*Server, *reqCtx) (any, *apiError)

// postRoutes are the Basic-auth protected POST endpoints.
var postRoutes = map[string]apiHandler{
	"/v1/b2b/magic_links/email/discovery/send":         (*Server).handleDiscoverySend,
	"/v1/b2b/magic_links/discovery/authenticate":       (*Server).handleDiscoveryAuthenticate,
	"/v1/b2b/discovery/intermediate_sessions/exchange": (*Server).handleISTExchange,
	"/v1/b2b/discovery/organizations/create":           (*Server).handleOrgCreate,
	"/v1/b2b/discovery/organizations":                  (*Server).handleOrgList,
	"/v1/b2b/magic_links/email/login_or_signup":        (*Server).handleLoginOrSignup,
	"/v1/b2b/magic_links/authenticate":                 (*Server).handleMagicLinkAuthenticate,
	"/v1/b2b/sessions/authenticate":                    (*Server).handleSessionAuthenticate,
	"/v1/b2b/sessions/revoke":                          (*Server).handleSessionRevoke,
	"/v1/b2b/sessions/exchange":                        (*Server).handleSessionExchange,
	"/v1/b2b/otps/sms/send":                            (*Server).handleSMSSend,
	"/v1/b2b/otps/sms/authenticate":                    (*Server).handleSMSAuthenticate,
	"/v1/b2b/totp":                                     (*Server).handleTOTPCreate,
	"/v1/b2b/totp/authenticate":                        (*Server).handleTOTPAuthenticate,
	"/v1/b2b/recovery_codes/recover":                   (*Server).handleRecoveryCodesRecover,
	"/v1/b2b/recovery_codes/rotate":                    (*Server).handleRecoveryCodesRotate,
	"/v1/b2b/sso/authenticate":                         (*Server).handleSSOAuthenticate,
	"/v1/b2b/oauth/authenticate":                       (*Server).handleOAuthAuthenticate,
	"/v1/b2b/oauth/discovery/authenticate":             (*Server).handleOAuthDiscoveryAuthenticate,
}

// getRoutes are the Basic-auth protected GET endpoints; recoveryCodesGetPrefix
// is followed by {organization_id}/{member_id}.
var getRoutes = map[string]apiHandler{
	"/v1/b2b/rbac/policy": (*Server).handleRBACPolicy,
}

const recoveryCodesGetPrefix = "/v1/b2b/recovery_codes/"

// routeFor finds an API path's handler and the method it takes.
func routeFor(path string) (apiHandler, string, bool) {
	if h, ok := postRoutes[path]; ok {
		return h, http.MethodPost, true
	}
	if h, ok := getRoutes[path]; ok {
		return h, http.MethodGet, true
	}
	if rest, ok := strings.CutPrefix(path, recoveryCodesGetPrefix); ok && strings.Count(rest, "/") == 1 {
		return (*Server).handleRecoveryCodesGet, http.MethodGet, true
	}
	return nil, "", false
}

const jwksPrefix = "/v1/b2b/sessions/jwks/"

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		// Only the path is logged: query strings carry magic-link tokens.
		s.log.Debug("localstytch request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration", time.Since(start))
	}()
	s.serve(rec, r)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rc := &reqCtx{w: w, r: r, requestID: store.NewID("request-id")}
	path := r.URL.Path

	// Every path, the API included, refuses a Host header that is not a
	// loopback name with this server's port. A web page that rebinds its
	// own DNS name to 127.0.0.1 sends its own name as Host, so it can
	// neither read the outbox (live tokens) nor, with the public local
	// credentials, call /v1/b2b/* (e.g. plant organizations that every
	// @example.com user would then see). Checked before anything else, so
	// a refused request changes nothing.
	if !s.allowAnyHost && !s.allowedHost(r.Host) {
		s.writeError(rc, newErr("forbidden_host"))
		return
	}

	if strings.HasPrefix(path, "/v1/") {
		if !s.applyFaults(rc) {
			return
		}
	}

	switch {
	case path == "/v1/magic_links/redirect":
		s.handleRedirectHop(rc)
	case path == openpage.PagePath:
		s.open.Page(rc.w, rc.r)
	case path == openpage.RedeemPath:
		s.open.Redeem(rc.w, rc.r, peerIP(rc.r))
	case isPublicPath(path):
		s.handlePublicStart(rc)
	case path == idpPagePath:
		s.handleIdPPage(rc)
	case strings.HasPrefix(path, jwksPrefix):
		s.handleJWKS(rc, strings.TrimPrefix(path, jwksPrefix))
	case strings.HasPrefix(path, "/v1/"):
		s.serveAPI(rc)
	case path == "/emulator/messages":
		s.handleMessages(rc)
	case path == "/emulator/faults":
		s.handleFaults(rc)
	case path == "/":
		s.handleInbox(rc)
	default:
		s.writeError(rc, newErr("route_not_found"))
	}
}

func (s *Server) serveAPI(rc *reqCtx) {
	h, method, ok := routeFor(rc.r.URL.Path)
	if !ok {
		s.writeError(rc, newErr("route_not_found"))
		return
	}
	if !s.authorized(rc.r) {
		s.writeError(rc, newErr("unauthorized_credentials"))
		return
	}
	if rc.r.Method != method {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rc.w, rc.r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(rc, newErr("request_body_too_large"))
			return
		}
		s.writeError(rc, newErrMsg("invalid_request", "The request body could not be read."))
		return
	}
	rc.body = body
	resp, apiErr := h(s, rc)
	if s.writeThrough {
		// Errors change state too (a link spent by a failed attempt).
		if err := s.Flush(rc.r.Context()); err != nil {
			s.log.Error("localstytch: write-through", "err", err.Error())
		}
	}
	if apiErr != nil {
		s.writeError(rc, apiErr)
		return
	}
	s.writeOK(rc, resp)
}

// authorized checks HTTP Basic project_id:secret in constant time.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.projectID))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.secret))
	return u&p == 1
}

// decodeBody parses the JSON request body into dst. An empty body counts as
// {} so that "missing field" errors (not parse errors) are reported.
func decodeBody(rc *reqCtx, dst any) *apiError {
	if len(bytes.TrimSpace(rc.body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(rc.body))
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return newErrMsg("invalid_request", "Invalid type for field "+typeErr.Field+".")
		}
		return newErrMsg("invalid_request", "The request body is not valid JSON.")
	}
	if dec.More() {
		return newErrMsg("invalid_request", "The request body must be a single JSON object.")
	}
	return nil
}

func (s *Server) writeOK(rc *reqCtx, resp any) {
	if resp == nil {
		resp = map[string]any{}
	}
	if rc.jwtClaims != nil {
		// Signed here, after the handler released s.mu: RSA signing is the
		// costliest step of a flow and must not serialize the server.
		jwt, err := s.signer.sign(rc.jwtClaims)
		r, ok := resp.(interface{ SetSessionJWT(string) })
		if err != nil || !ok {
			s.writeError(rc, newErr("internal_server_error"))
			return
		}
		r.SetSessionJWT(jwt)
	}
	switch r := resp.(type) {
	case interface{ Stamp(string) }:
		r.Stamp(rc.requestID)
	case map[string]any:
		r["request_id"] = rc.requestID
		r["status_code"] = http.StatusOK
	default: // a body without the envelope: a programming error
		s.writeError(rc, newErr("internal_server_error"))
		return
	}
	if rc.extra {
		resp = withExtraFields(resp)
	}
	writeJSON(rc.w, http.StatusOK, resp)
}

func (s *Server) writeError(rc *reqCtx, e *apiError) {
	status := e.status()
	writeJSON(rc.w, status, errorBody(status, rc.requestID, e.errorType, e.messageText()))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only possible with a programming error (e.g. a channel in a map).
		http.Error(w, `{"status_code":500,"error_type":"internal_server_error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// allowedHost reports whether a request's Host header names this server on
// loopback: localhost, 127.0.0.0/8 or [::1], with the listener's port once
// Start has run (a Host without a port means port 80). Served through
// ServeHTTP alone (embedded in another server) the port is unknown and only
// the name is checked.
func (s *Server) allowedHost(hostport string) bool {
	port := ""
	if p := s.port.Load(); p != nil {
		port = *p
	}
	host, gotPort := hostport, "80"
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, gotPort = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1] // "[::1]" without a port
	}
	if port != "" && gotPort != port {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
