package broker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxUpstreamBody bounds what the broker reads back from Stytch (an
// organization list with many members is the largest answer).
const maxUpstreamBody = 4 << 20

// upstreamAnswer is Stytch's answer, passed back untouched.
type upstreamAnswer struct {
	status     int
	body       []byte
	retryAfter string
	errorType  string // Stytch's error_type on a non-2xx answer, for logs and the unauthorized mapping
}

// forward sends body to Stytch at path with the project secret, once: sends
// and authenticates are never retried (a retried send mails twice, a
// retried authenticate fails on the spent token and hides the first
// answer). The deadline bounds how long a caller waits.
func (b *Broker) forward(ctx context.Context, method, path string, body []byte, withSecret bool, userAgent string) (*upstreamAnswer, *apiError) {
	return b.forwardWithin(ctx, method, path, body, withSecret, userAgent, b.cfg.UpstreamTimeout)
}

func (b *Broker) forwardWithin(ctx context.Context, method, path string, body []byte, withSecret bool, userAgent string, timeout time.Duration) (*upstreamAnswer, *apiError) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.cfg.Upstream+path, rd)
	if err != nil {
		return nil, errInternal()
	}
	// A fresh request: nothing of the caller's headers reaches Stytch except
	// the user agent (Stytch's telemetry), so a caller's Authorization or
	// X-Stytch-Member-Session* headers can never act on its behalf.
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	ua := "stytch-desktop-broker/1"
	if userAgent != "" && len(userAgent) < 200 {
		ua += " (" + userAgent + ")"
	}
	req.Header.Set("User-Agent", ua)
	if withSecret {
		req.Header.Set("Authorization", b.basicAuth)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, errUpstreamTimeout()
		}
		return nil, errUpstreamUnavailable()
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	if err != nil || len(data) > maxUpstreamBody {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, errUpstreamTimeout()
		}
		return nil, errUpstreamUnavailable()
	}
	a := &upstreamAnswer{status: resp.StatusCode, body: data, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode >= 300 {
		var e struct {
			ErrorType string `json:"error_type"`
		}
		if json.Unmarshal(data, &e) == nil && len(e.ErrorType) < 100 {
			a.errorType = e.ErrorType
		}
	}
	return a, nil
}

func basicAuth(projectID, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(projectID+":"+secret))
}

func newUpstreamClient(t http.RoundTripper) *http.Client {
	if t == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		tr.IdleConnTimeout = 90 * time.Second
		t = tr
	}
	// Redirects are not followed: Stytch's API never redirects, and
	// following one could carry the secret to another host.
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
