// Package companyapi runs the screens' calls to the company's own API in
// Go, so the page never holds the session JWT: a bound method passes a path,
// this client adds the Bearer JWT (accesstoken.Transport) and hands back the
// status and the JSON body. Only paths under the configured API are
// reachable; answers are bounded and must be JSON.
package companyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"stytch-desktop/app/accesstoken"
)

// Result is what the screen gets: the API's status and JSON answer.
type Result struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// Errors a call can end in besides the transport's (which wrap
// accesstoken.ErrSessionEnded / ErrUnavailable).
var (
	ErrBadPath    = errors.New("not a path of the company API")
	ErrNotJSON    = errors.New("the company API did not answer JSON")
	ErrTooLarge   = errors.New("the company API's answer is too large")
	ErrBadBaseURL = errors.New("the company API URL must be https (or http on loopback)")
)

// maxBody bounds an answer the client reads.
const maxBody = 1 << 20

// Client calls one company API.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// New returns a client for the API at apiBase (https, or http on a
// loopback address), sending src's session JWTs.
func New(apiBase string, src accesstoken.TokenSource, base http.RoundTripper) (*Client, error) {
	u, err := url.Parse(apiBase)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return nil, fmt.Errorf("company API %q: %w", apiBase, ErrBadBaseURL)
	}
	tr, err := accesstoken.NewTransport(src, apiBase, base)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &Client{base: u, hc: &http.Client{Transport: tr, Timeout: 15 * time.Second,
		// A redirect could take the JWT elsewhere (the transport refuses
		// other origins anyway): don't follow any.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Me is GET /api/me: who the company API says the member is.
func (c *Client) Me(ctx context.Context) (Result, error) { return c.Get(ctx, "/api/me") }

// Get calls GET p (an absolute path, e.g. "/api/me", optionally with a
// query) under the API's base URL.
func (c *Client) Get(ctx context.Context, p string) (Result, error) {
	const op = "company API"
	target, err := c.resolve(p)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, ErrBadPath)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return Result{}, fmt.Errorf("%s: %w", op, err)
	case len(body) > maxBody:
		return Result{}, fmt.Errorf("%s: %w", op, ErrTooLarge)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" || !json.Valid(body) {
		return Result{}, fmt.Errorf("%s: %d: %w", op, resp.StatusCode, ErrNotJSON)
	}
	return Result{Status: resp.StatusCode, Body: body}, nil
}

// resolve accepts only a clean absolute path (no scheme, host, "..", "//",
// backslashes or fragments) and puts it under the base URL's path.
func (c *Client) resolve(p string) (string, error) {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\#") || len(p) > 2048 {
		return "", ErrBadPath
	}
	ref, err := url.Parse(p)
	if err != nil || ref.Scheme != "" || ref.Host != "" || ref.User != nil {
		return "", ErrBadPath
	}
	if path.Clean(ref.Path) != ref.Path || strings.Contains(ref.RawPath, "%2") || strings.Contains(strings.ToLower(p), "%2e") {
		return "", ErrBadPath
	}
	u := *c.base
	u.Path = c.base.Path + ref.Path
	u.RawPath = ""
	u.RawQuery = ref.RawQuery
	return u.String(), nil
}
