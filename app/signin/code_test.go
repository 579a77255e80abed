package signin_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/codeclient"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/openpage"
	"stytch-desktop/app/signin"
)

// codeHarness is a device whose links go to the local API's /open page and
// which redeems the page's sign-in codes there (local mode's setup).
func codeHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, ports["stytch-go"])
	h.cfg.EmailRedirectURL = h.baseURL + openpage.PagePath
	h.cfg.Codes = codeclient.New(h.baseURL+openpage.RedeemPath, deeplink.DefaultParser)
	h.flows = h.newDevice(h.store)
	return h
}

var pageCode = regexp.MustCompile(`id="code"><span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>`)

// codeFor opens the newest email to addr on a phone: the redirect hop leads
// to the /open page, which shows the sign-in code.
func (h *harness) codeFor(addr string) string {
	h.t.Helper()
	page := h.follow(h.emailLink(addr))
	if !strings.HasPrefix(page, h.baseURL+openpage.PagePath+"?") {
		h.t.Fatalf("the email's redirect does not lead to the /open page")
	}
	req, _ := http.NewRequest(http.MethodGet, page, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := pageCode.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		h.t.Fatalf("/open answered %d without a code", resp.StatusCode)
	}
	return string(m[1])
}

func (h *harness) emailLink(addr string) string {
	h.t.Helper()
	for _, m := range h.srv.Messages() {
		if m.To == addr {
			return m.Link
		}
	}
	h.t.Fatalf("no email to %s", addr)
	return ""
}

// The code from a phone signs in on the computer with the computer's own
// verifier, through CompleteLink as a link would; then it is spent.
func TestCodeSignsInOnceThroughTheLinkDoor(t *testing.T) {
	ctx := context.Background()
	h := codeHarness(t)
	_ = h.flows.Restore(ctx)
	if v := h.flows.View(); !v.CodeEntry {
		t.Fatal("view.codeEntry is false with a code redeemer configured")
	}
	if err := h.flows.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	code := h.codeFor(demo)
	link, err := h.flows.RedeemCode(ctx, strings.ToLower(code))
	if err != nil {
		t.Fatalf("redeem: %v", err)
	}
	wantScreen(t, h.flows, signin.ScreenLinkSent)
	if err := h.flows.CompleteLink(ctx, link); err != nil {
		t.Fatalf("complete: %v", err)
	}
	v := wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
	if len(v.Organizations) == 0 {
		t.Fatal("no organizations after the code")
	}
	for _, s := range []string{code, strings.ReplaceAll(code, "-", ""), link.Token} {
		if strings.Contains(h.logs.String(), s) || strings.Contains(h.views.all(), s) {
			t.Fatal("the code or token reached the log or a view")
		}
	}

	// A new sign-in waits: the spent code is refused and changes nothing.
	h.clock.Advance(2 * time.Second)
	if err := h.flows.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	_, err = h.flows.RedeemCode(ctx, code)
	wantKind(t, err, signin.KindCodeInvalid)
	if v := wantScreen(t, h.flows, signin.ScreenLinkSent); v.Notice == nil || v.Notice.Kind != signin.KindCodeInvalid {
		t.Fatalf("notice %+v, want code_invalid", v.Notice)
	}
}

func TestCodeRefusedAfterFiveMinutes(t *testing.T) {
	ctx := context.Background()
	h := codeHarness(t)
	_ = h.flows.Restore(ctx)
	_ = h.flows.StartSignIn(ctx, demo)
	code := h.codeFor(demo)
	h.clock.Advance(openpage.DefaultTTL)
	_, err := h.flows.RedeemCode(ctx, code)
	wantKind(t, err, signin.KindCodeInvalid)
}

// A code typed into another computer's app (another pending flow) gives
// that app a link it cannot use: Stytch refuses its verifier (PKCE).
func TestCodeFromAnotherFlowFailsPKCE(t *testing.T) {
	ctx := context.Background()
	h := codeHarness(t)
	_ = h.flows.Restore(ctx)
	_ = h.flows.StartSignIn(ctx, demo)
	code := h.codeFor(demo)

	other := h.newDevice(keychaintest.NewMemory())
	_ = other.Restore(ctx)
	h.clock.Advance(2 * time.Second) // the local API sends one email a second per address
	if err := other.StartSignIn(ctx, demo); err != nil {
		t.Fatal(err)
	}
	link, err := other.RedeemCode(ctx, code)
	if err != nil {
		t.Fatalf("redeem on the other device: %v", err)
	}
	wantKind(t, other.CompleteLink(ctx, link), signin.KindLinkOtherDevice)
	wantScreen(t, other, signin.ScreenLinkSent)
}

// Guessing is limited per pending flow: after five wrong codes even the
// right one is refused for a while (and the wait is said).
func TestCodeAttemptsAreLimited(t *testing.T) {
	ctx := context.Background()
	h := codeHarness(t)
	_ = h.flows.Restore(ctx)
	_ = h.flows.StartSignIn(ctx, demo)
	code := h.codeFor(demo)
	wrong := []string{"AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"}
	for _, w := range wrong {
		_, err := h.flows.RedeemCode(ctx, w)
		wantKind(t, err, signin.KindCodeInvalid)
	}
	_, err := h.flows.RedeemCode(ctx, code)
	wantKind(t, err, signin.KindRateLimited)
	if signin.RetryAfterOf(err) <= 0 {
		t.Fatal("rate_limited without a wait")
	}
	// A malformed code is refused here, before any request.
	_, err = h.flows.RedeemCode(ctx, "ABC")
	wantKind(t, err, signin.KindCodeInvalid)
}

// Without an /open page (the app's scheme as redirect URL) there is no
// code entry, and a code is refused with a clear kind.
func TestNoCodeEntryWithoutTheOpenPage(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ports["stytch-go"])
	_ = h.flows.Restore(ctx)
	_ = h.flows.StartSignIn(ctx, demo)
	if h.flows.View().CodeEntry {
		t.Fatal("codeEntry offered without an /open page")
	}
	_, err := h.flows.RedeemCode(ctx, "ABCD-EFGH")
	wantKind(t, err, signin.KindCodeUnavailable)
}
