package signin

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/signcode"
)

// The code step: the email's link was opened where the app is not (a phone,
// a browser that can't open apps), and the /open page (app/openpage) showed a
// short sign-in code. The code is exchanged for the link it stands for, and
// the link then goes through the one link door (CompleteLink) with this
// app's PKCE verifier, exactly as if the OS had delivered it. A code typed
// into another computer's app yields a link that computer cannot use.

// CodeRedeemer exchanges a sign-in code for the link it stands for, once.
// The challenge (of the pending flow's verifier) lets the server count
// attempts per flow; it proves nothing, PKCE does that at authenticate.
// Implementations return *Error (KindCodeInvalid, KindRateLimited,
// KindCodeUnavailable, KindNetwork) and never put the code or token in one.
type CodeRedeemer interface {
	RedeemCode(ctx context.Context, code, pkceChallenge string) (deeplink.Link, error)
}

// RedeemCode exchanges a typed code for its link while a flow started here
// waits for one. The caller hands the link to CompleteLink (the lifecycle's
// link door) once this returns.
func (f *Flows) RedeemCode(ctx context.Context, code string) (deeplink.Link, error) {
	const a, op = ActRedeemCode, "redeem code"
	end, err := f.begin(a)
	if err != nil {
		return deeplink.Link{}, err
	}
	defer end()
	if f.cfg.Codes == nil {
		return deeplink.Link{}, f.fail(a, E(op, KindCodeUnavailable, errors.New("this configuration has no sign-in code page")))
	}
	norm, ok := signcode.Normalize(code)
	if !ok {
		return deeplink.Link{}, f.fail(a, E(op, KindCodeInvalid, errors.New("not a sign-in code")))
	}
	f.mu.Lock()
	p := f.link
	f.mu.Unlock()
	if p == nil {
		return deeplink.Link{}, f.fail(a, E(op, KindLinkNotRequested, errors.New("no sign-in is waiting for a link")))
	}
	if !f.now().Before(p.ExpiresAt) {
		return deeplink.Link{}, f.fail(a, E(op, KindLinkExpired, errors.New("the pending sign-in has expired")))
	}
	cctx, cancel := f.callCtx(ctx)
	defer cancel()
	link, err := f.cfg.Codes.RedeemCode(cctx, norm, oauth2.S256ChallengeFromVerifier(p.Verifier))
	if err != nil {
		return deeplink.Link{}, f.fail(a, withOp(op, err))
	}
	f.log.Info("sign-in code redeemed", "link", link)
	return link, nil
}
