package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// TokenSource is what the transport needs: a *Source, or anything that
// hands out the current session's (app/sessionhub's Hub follows sign-ins
// and switches).
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
	Refresh(ctx context.Context, stale string) (Token, error)
}

// ErrOtherOrigin: the transport was asked to send the session JWT somewhere
// other than the API it was built for.
var ErrOtherOrigin = errors.New("request is not for the configured API")

// Transport is an http.RoundTripper for the client's calls to its company
// API: it adds "Authorization: Bearer <session JWT>". On a 401 it asks
// Stytch for a new JWT once and retries once. If Stytch says the session is
// gone, the Source ends (its OnEnded tells the sign-in core) and the API's
// 401 is returned; if the API refuses even the JWT Stytch just vouched for,
// that second 401 is returned and the session is kept: only Stytch ends a
// session, a misconfigured API does not.
type Transport struct {
	src    TokenSource
	base   http.RoundTripper
	origin string // scheme://host[:port], lower case
}

// NewTransport returns a transport adding src's JWT to requests for the API
// at apiBase (only its scheme and host count; any other origin is refused,
// so the JWT never reaches a server it was not meant for). base nil means
// http.DefaultTransport.
func NewTransport(src TokenSource, apiBase string, base http.RoundTripper) (*Transport, error) {
	u, err := url.Parse(apiBase)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("session transport: API base URL %q is not an http(s) URL", apiBase)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{src: src, base: base, origin: origin(u)}, nil
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// RoundTrip implements http.RoundTripper. It never modifies req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if origin(req.URL) != t.origin {
		closeBody(req.Body)
		return nil, fmt.Errorf("session transport: %w", ErrOtherOrigin)
	}
	ctx := req.Context()
	tok, err := t.src.Token(ctx)
	if err != nil {
		closeBody(req.Body)
		return nil, fmt.Errorf("session transport: %w", err)
	}
	resp, err := t.base.RoundTrip(withBearer(req, tok.JWT, req.Body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	// A body already sent can only be sent again if the request can make a
	// new one (http.NewRequest does for in-memory bodies).
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		return resp, nil
	}
	fresh, err := t.src.Refresh(ctx, tok.JWT)
	if err != nil {
		return resp, nil // ended (reported by the Source) or unavailable: the API's answer stands
	}
	var body io.ReadCloser
	if hasBody {
		if body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	drain(resp)
	return t.base.RoundTrip(withBearer(req, fresh.JWT, body))
}

func withBearer(req *http.Request, jwt string, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", "Bearer "+jwt)
	return r
}

// drain reads a little of a response we discard so its connection can be
// reused, then closes it.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

func closeBody(b io.ReadCloser) {
	if b != nil {
		b.Close()
	}
}
