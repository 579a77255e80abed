package broker

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"time"

	"stytch-desktop/app/openpage"
)

// The /open page (app/openpage) when the configured redirect URL is this
// broker's https://…/open: codes live in the limits' store (Redis when
// configured, so replicas share them; memory otherwise), and redeem
// attempts are limited with the broker's own limiter per IP, per pending
// flow and per code.

var (
	openPageRoute   = route{name: "open.page", class: classOther}
	openRedeemRoute = route{name: "open.redeem", class: classOTPAttempt}
)

func (b *Broker) newOpenPage() error {
	if !openpage.IsOpenURL(b.cfg.RedirectURL) {
		return nil
	}
	var store openpage.Store = openpage.NewMemoryStore(b.cfg.Now)
	if shared, ok := b.cfg.Shared.(openpage.Store); ok {
		store = breakerStore{b: b, inner: shared} // a down Redis fails at once, not after its timeout
	}
	m := hmac.New(sha256.New, []byte(b.cfg.Secret))
	m.Write([]byte("stytch-broker/open-codes"))
	h, err := openpage.New(openpage.Config{
		AppURL: b.cfg.AppURL,
		Store:  store,
		Limit:  codeLimiter{b},
		Key:    m.Sum(nil),
		Now:    b.cfg.Now,
	})
	if err != nil {
		return err
	}
	b.open = h
	return nil
}

// serveOpen serves /open and /open/redeem; false when path is neither (or
// the page is not configured).
func (b *Broker) serveOpen(w http.ResponseWriter, r *http.Request, x *exchange) (bool, *apiError) {
	if b.open == nil || r.URL.RawPath != "" {
		return false, nil
	}
	switch r.URL.Path {
	case openpage.PagePath:
		x.route = &openPageRoute
		if e := b.limitClient(r.Context(), x); e != nil {
			return true, e
		}
		out := b.open.PageFor(w, r, clientKey(x.ip))
		x.errorType = out.ErrorType
		if out.ErrorType == openpage.ErrTooManyRequests {
			x.limit = limitKind(out.Limit)
			b.metrics.limited.inc(x.route.name, string(out.Limit))
		}
		return true, nil
	case openpage.RedeemPath:
		x.route = &openRedeemRoute
		out := b.open.Redeem(w, r, clientKey(x.ip))
		x.errorType, x.limit = out.ErrorType, limitKind(out.Limit)
		if out.Status == http.StatusTooManyRequests {
			b.metrics.limited.inc(x.route.name, string(out.Limit))
		}
		return true, nil
	}
	return false, nil
}

// codeLimiter applies the broker's limits (shared through Redis when
// configured, this replica's own when Redis is down) to code attempts.
type codeLimiter struct{ b *Broker }

func (c codeLimiter) Allow(ctx context.Context, kind openpage.LimitKind, value string) (time.Duration, error) {
	res := c.b.checkLimits(ctx, classOTPAttempt, []limitKey{{kind: limitKind(kind), value: value}})
	if res.refused != nil {
		return time.Duration(res.refused.retry) * time.Second, nil
	}
	return 0, nil
}
