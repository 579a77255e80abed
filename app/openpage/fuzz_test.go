package openpage

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzOpenInputs: whatever the query (the page) or the body (redeem), the
// handler answers a known status, never echoes the input into the page
// outside the validated app link, and a page shows a code only for a link
// the app's parser accepts.
func FuzzOpenInputs(f *testing.F) {
	f.Add("discovery", strings.Repeat("T", 44), "", `{"code":"ABCD-EFGH","pkce_code_challenge":"`+strings.Repeat("c", 43)+`"}`)
	f.Add("multi_tenant_magic_links", "tok<script>", "acme", `{"code":1}`)
	f.Add("sso", "\"'><", "a b", `[]`)
	h, err := New(Config{AppURL: "stytch-desktop://auth/callback", Store: NewMemoryStore(nil), Limit: NewMemoryLimiter(nil, nil), Key: make([]byte, 32)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, token, slug, body string) {
		q := url.Values{"stytch_token_type": {typ}, "token": {token}, "slug": {slug}}
		w := httptest.NewRecorder()
		h.Page(w, httptest.NewRequest(http.MethodGet, "/open?"+q.Encode(), nil))
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("page status %d", w.Code)
		}
		if w.Code == 200 && (typ != "discovery" && typ != "multi_tenant_magic_links") {
			t.Fatalf("a page for token type %q", typ)
		}
		if w.Code == 400 && strings.Contains(w.Body.String(), `id="code"`) {
			t.Fatal("a code for an invalid link")
		}
		r := httptest.NewRequest(http.MethodPost, "/open/redeem", bytes.NewBufferString(body))
		r.Header.Set("Content-Type", "application/json")
		w = httptest.NewRecorder()
		out := h.Redeem(w, r, "127.0.0.1")
		switch out.Status {
		case 200:
			t.Fatal("a fuzzed code redeemed a token")
		case 400, 429:
		default:
			t.Fatalf("redeem status %d", out.Status)
		}
		if strings.Contains(w.Body.String(), body) && len(body) > 8 {
			t.Fatal("redeem echoes its input")
		}
	})
}
