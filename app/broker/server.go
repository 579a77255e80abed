// Package broker is the Stytch gateway a company runs so that no desktop
// build carries the Stytch project secret. It speaks Stytch's own B2B API
// (same paths, JSON and error objects) for an allow-list of sign-in routes,
// parses every request into that route's schema, applies the company's
// rules and rate limits, adds the secret and forwards the call once.
// Stytch's answer comes back untouched, so stytch-go (or any official
// Stytch SDK) pointed at the broker works for the allowed routes and is
// refused for everything else.
//
// One concern per file: routes.go (the allow-list), schemas.go (per-route
// request types and their rules), rules.go (the shared rules), limits.go
// and redislimit.go (rate limits), upstream.go (the call to Stytch),
// metrics.go, accesslog.go, ops.go (health and readiness).
package broker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"stytch-desktop/app/openpage"
)

// maxBody is the largest request body accepted; Stytch sign-in requests are
// a few hundred bytes.
const maxBody = 16 << 10

// Broker is the gateway. Handler serves the API; OpsHandler serves
// /healthz, /readyz and /metrics (run it on a separate, internal listener).
type Broker struct {
	cfg       Config
	routes    map[string]*route
	client    *http.Client
	basicAuth string
	local     *memoryLimiter
	breaker   *breaker
	orgs      orgNames
	limitHash keyHasher
	logHash   keyHasher
	metrics   *metrics
	open      *openpage.Handler // /open and /open/redeem; nil unless the redirect URL is this broker's /open
	replay    *replayer         // answers to one-time tokens that came after the caller's deadline

	jwksMu      sync.Mutex
	jwksBody    []byte
	jwksExpires time.Time

	readyMu    sync.Mutex
	readyErr   error
	readyUntil time.Time
}

// New validates cfg and builds a Broker. The secret stays inside; nothing
// the Broker logs or answers contains it.
func New(cfg Config) (*Broker, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("broker configuration: %w", err)
	}
	b := &Broker{
		cfg:       cfg,
		routes:    routeTable(&cfg),
		client:    newUpstreamClient(cfg.Transport),
		basicAuth: basicAuth(cfg.ProjectID, cfg.Secret),
		local:     newMemoryLimiter(cfg.Now),
		limitHash: newKeyHasher(cfg.Secret, "limit-keys"),
		logHash:   newKeyHasher(cfg.Secret, "access-log"),
		metrics:   newMetrics(),
	}
	b.breaker = newBreaker(cfg.Now, b.metrics)
	b.replay = b.newReplayer()
	if err := b.newOpenPage(); err != nil {
		return nil, fmt.Errorf("broker configuration: %w", err)
	}
	return b, nil
}

// Upstream is the Stytch API base URL the broker forwards to.
func (b *Broker) Upstream() string { return b.cfg.Upstream }

// exchange is one request being served, for the access log.
type exchange struct {
	route      *route
	status     int
	errorType  string
	email      string
	ip         string
	upstreamMS float64
	limit      limitKind
}

// ServeHTTP serves the Stytch API allow-list.
func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{route: &notFoundRoute, ip: clientIP(r, b.cfg.TrustedProxyHops)}
	requestID := newRequestID()
	rw := &statusWriter{ResponseWriter: w}
	e := b.serve(rw, r, x, requestID)
	if e != nil {
		x.errorType = e.errorType
		writeError(rw, requestID, e)
	}
	x.status = rw.status
	b.metrics.requests.inc(x.route.name, fmt.Sprint(x.status))
	b.logAccess(r, x, requestID, time.Since(start))
}

func (b *Broker) serve(w http.ResponseWriter, r *http.Request, x *exchange, requestID string) *apiError {
	path := r.URL.Path
	if served, e := b.serveOpen(w, r, x); served {
		return e
	}
	rt, ok := b.routes[path]
	isJWKS := strings.HasPrefix(path, jwksPrefix) && strings.TrimPrefix(path, jwksPrefix) == b.cfg.ProjectID
	switch {
	case r.URL.RawPath != "":
		ok = false
	case isJWKS:
		x.route = &jwksRoute
	case ok:
		x.route = rt
	}
	// Every request counts against its client, refused ones too: a flood of
	// unknown paths, wrong methods or content types costs the flooder its
	// own allowance and stops at it.
	if e := b.limitClient(r.Context(), x); e != nil {
		return e
	}
	if isJWKS && r.URL.RawPath == "" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return errMethodNotAllowed()
		}
		return b.serveJWKS(w, r, x)
	}
	if !ok {
		return errRouteNotFound()
	}
	// No CORS: the broker never answers a preflight, so a web page cannot
	// call it from a browser; only native clients (the app, SDKs) can.
	if r.Method != http.MethodPost {
		return errMethodNotAllowed()
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errBadRequest("Content-Type must be application/json.")
	}
	if r.ContentLength > maxBody {
		return errBadRequest("The request body must be at most 16 KiB.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return errBadRequest("The request body must be at most 16 KiB.")
	}
	req := rt.newReq()
	if e := decodeStrict(body, req); e != nil {
		return e
	}
	rc := &ruleCtx{cfg: &b.cfg, client: clientKey(x.ip)}
	e := req.apply(rc)
	x.email = rc.email
	if e != nil {
		return e
	}
	askStytch := false
	if rc.org != "" {
		switch b.judgeOrganization(rc.org) {
		case orgRefused:
			return errOrganizationNotAllowed()
		case orgAskStytch:
			askStytch = true
		}
	}
	if res := b.checkLimits(r.Context(), rt.class, rc.keys); res.refused != nil {
		b.metrics.limited.inc(rt.name, string(res.kind))
		x.limit = res.kind
		return res.refused
	}
	out, err := json.Marshal(req)
	if err != nil {
		return errInternal()
	}
	t0 := time.Now()
	var ans *upstreamAnswer
	var fe *apiError
	if ot, ok := req.(oneTimeToken); ok {
		ans, fe = b.forwardOneTime(r.Context(), rt, ot, out, r.UserAgent())
	} else {
		ans, fe = b.forward(r.Context(), http.MethodPost, rt.path, out, true, r.UserAgent())
	}
	elapsed := time.Since(t0)
	b.metrics.upstream.observe(elapsed, rt.name)
	x.upstreamMS = float64(elapsed.Microseconds()) / 1000
	if fe != nil {
		return fe
	}
	x.errorType = ans.errorType
	if confirmsIdentity(rt.class, ans) {
		b.checkLimits(r.Context(), rt.class, rc.keys, chargeConfirmed)
	}
	if ans.status == http.StatusUnauthorized && ans.errorType == "unauthorized_credentials" {
		// Stytch refused the broker's own secret. Passing the 401 on would
		// make apps treat it like an expired session and sign people out;
		// it is the operator's problem, so it is a 500 and an error log.
		b.cfg.Logger.Error("stytch refused the broker's project credentials: check the project id and secret", "route", rt.name)
		return errInternal()
	}
	if ans.retryAfter != "" {
		w.Header().Set("Retry-After", ans.retryAfter)
	}
	if ans.status == http.StatusOK {
		if e := b.checkAnswer(r.Context(), ans.body, askStytch); e != nil {
			return e
		}
		if len(b.cfg.AllowedOrganizations) > 0 && filtersDiscovered[rt.name] {
			ans.body = filterDiscovered(ans.body, b.judgeOrganization)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
	return nil
}

// limitClient charges one request to the client's own allowance.
func (b *Broker) limitClient(ctx context.Context, x *exchange) *apiError {
	res := b.checkLimits(ctx, classOther, []limitKey{{kind: limitIP, value: clientKey(x.ip)}})
	if res.refused != nil {
		b.metrics.limited.inc(x.route.name, string(res.kind))
		x.limit = res.kind
	}
	return res.refused
}

// codeErrors are Stytch's answers to a wrong or spent code: the token and
// member were accepted (the code was judged), so the attempt counts against
// the member. Answers about the token itself (not found, other member or
// organization) do not: they prove nothing about whose attempt it was.
var codeErrors = map[string]bool{
	"otp_code_not_found": true, "unable_to_auth_otp_code": true, "invalid_totp_code": true,
	"unable_to_authenticate_totp": true, "totp_code_already_authenticated": true,
	"recovery_code_used_as_totp_code": true, "invalid_recovery_code": true, "unable_to_authenticate_recovery_code": true,
}

// confirmsIdentity says whether Stytch's answer shows that it accepted the
// caller's token for the member (and phone) the request named.
func confirmsIdentity(cl class, ans *upstreamAnswer) bool {
	switch cl {
	case classOTPSend:
		return ans.status == http.StatusOK
	case classOTPAttempt:
		return ans.status == http.StatusOK || codeErrors[ans.errorType]
	}
	return false
}

// decodeStrict parses body as exactly one JSON object of dst's schema;
// unknown fields are refused so nothing unchecked can ride along.
func decodeStrict(body []byte, dst request) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return errBadRequest("Invalid type for field " + typeErr.Field + ".")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// The message names the field (caller text, quoted by encoding/json).
			return errBadRequest("Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + " for this route.")
		}
		return errBadRequest("The request body must be a JSON object.")
	}
	if dec.More() {
		return errBadRequest("The request body must be a single JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadRequest("The request body must be a single JSON object.")
	}
	return nil
}

// serveJWKS passes the configured project's signing keys through, cached
// for a minute: every app start fetches them, and they change twice a year.
func (b *Broker) serveJWKS(w http.ResponseWriter, r *http.Request, x *exchange) *apiError {
	const ttl = time.Minute
	b.jwksMu.Lock()
	body, fresh := b.jwksBody, time.Now().Before(b.jwksExpires)
	b.jwksMu.Unlock()
	if !fresh {
		t0 := time.Now()
		ans, fe := b.forward(r.Context(), http.MethodGet, jwksPrefix+b.cfg.ProjectID, nil, false, r.UserAgent())
		b.metrics.upstream.observe(time.Since(t0), jwksRoute.name)
		x.upstreamMS = float64(time.Since(t0).Microseconds()) / 1000
		if fe != nil {
			return fe
		}
		if ans.status != http.StatusOK {
			x.errorType = ans.errorType
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(ans.status)
			_, _ = w.Write(ans.body)
			return nil
		}
		body = ans.body
		b.jwksMu.Lock()
		b.jwksBody, b.jwksExpires = body, time.Now().Add(ttl)
		b.jwksMu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "request-id-broker-" + hex.EncodeToString(b[:])
}

// Close releases idle upstream connections.
func (b *Broker) Close() {
	b.client.CloseIdleConnections()
}
