// Package codeclient redeems a sign-in code from the /open page
// (app/openpage) at the broker or the local API: POST /open/redeem with the
// code and the pending flow's PKCE challenge, answered with the link the
// code stands for. It implements signin.CodeRedeemer.
package codeclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/openpage"
	"stytch-desktop/app/signin"
)

// Client talks to one redeem endpoint.
type Client struct {
	url    string
	http   *http.Client
	parser deeplink.Parser
}

var _ signin.CodeRedeemer = (*Client)(nil)

// New redeems at redeemURL (…/open/redeem); links are validated with parser,
// the same one every link from the OS goes through.
func New(redeemURL string, parser deeplink.Parser) *Client {
	return &Client{url: redeemURL, http: &http.Client{Timeout: 20 * time.Second}, parser: parser}
}

// RedeemCode implements signin.CodeRedeemer. Errors never contain the code
// or the token.
func (c *Client) RedeemCode(ctx context.Context, code, challenge string) (deeplink.Link, error) {
	const op = "redeem code"
	body, _ := json.Marshal(openpage.RedeemRequest{Code: code, PKCEChallenge: challenge})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return deeplink.Link{}, signin.E(op, signin.KindUnknown, errors.New("bad redeem URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return deeplink.Link{}, signin.E(op, signin.KindNetwork, errors.New("the sign-in code service did not answer"))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if err != nil {
		return deeplink.Link{}, signin.E(op, signin.KindNetwork, errors.New("reading the answer failed"))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			ErrorType string `json:"error_type"`
		}
		_ = json.Unmarshal(raw, &e)
		switch {
		case e.ErrorType == openpage.ErrCodeInvalid:
			return deeplink.Link{}, signin.E(op, signin.KindCodeInvalid, errors.New("the code was refused"))
		case resp.StatusCode == http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return deeplink.Link{}, &signin.Error{Op: op, Kind: signin.KindRateLimited, RetryAfter: time.Duration(secs) * time.Second,
				Err: errors.New("too many code attempts")}
		case e.ErrorType == openpage.ErrStoreUnavailable:
			return deeplink.Link{}, signin.E(op, signin.KindCodeUnavailable, errors.New("the code store is unavailable"))
		case resp.StatusCode == http.StatusNotFound:
			return deeplink.Link{}, signin.E(op, signin.KindCodeUnavailable, errors.New("this server has no sign-in code page"))
		case resp.StatusCode >= 500:
			return deeplink.Link{}, signin.Errorf(op, signin.KindNetwork, "HTTP %d", resp.StatusCode)
		}
		return deeplink.Link{}, signin.Errorf(op, signin.KindUnknown, "HTTP %d (%s)", resp.StatusCode, safeType(e.ErrorType))
	}
	var out openpage.RedeemResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return deeplink.Link{}, signin.E(op, signin.KindUnknown, errors.New("the answer is not JSON"))
	}
	v := url.Values{}
	v.Set("stytch_token_type", out.TokenType)
	v.Set("token", out.Token)
	if out.Slug != "" {
		v.Set("slug", out.Slug)
	}
	link, err := c.parser.Parse(c.parser.RedirectURL() + "?" + v.Encode())
	if err != nil {
		return deeplink.Link{}, signin.E(op, signin.KindUnknown, fmt.Errorf("the answer is not a sign-in link: %w", err))
	}
	return link, nil
}

// safeType keeps only a plausible error_type word in error text.
func safeType(s string) string {
	if len(s) > 40 {
		return "?"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return "?"
		}
	}
	return s
}
