package codeclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"stytch-desktop/app/codeclient"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/signin"
)

// Each answer of the redeem endpoint becomes the kind the screens word; a
// 200 whose link the app's parser refuses is not taken.
func TestRedeemAnswers(t *testing.T) {
	token := strings.Repeat("T", 44)
	for _, c := range []struct {
		name   string
		status int
		body   string
		retry  string
		want   signin.Kind
	}{
		{"ok", 200, `{"stytch_token_type":"discovery","token":"` + token + `"}`, "", ""},
		{"used or expired", 400, `{"error_type":"code_invalid"}`, "", signin.KindCodeInvalid},
		{"limited", 429, `{"error_type":"too_many_requests"}`, "7", signin.KindRateLimited},
		{"store down", 503, `{"error_type":"code_store_unavailable"}`, "", signin.KindCodeUnavailable},
		{"no page on this server", 404, `{"error_type":"route_not_found"}`, "", signin.KindCodeUnavailable},
		{"server error", 502, `oops`, "", signin.KindNetwork},
		{"not a sign-in link", 200, `{"stytch_token_type":"discovery","token":"x y"}`, "", signin.KindUnknown},
		{"another token type", 200, `{"stytch_token_type":"evil","token":"` + token + `"}`, "", signin.KindUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("request %s %s", r.Method, r.Header.Get("Content-Type"))
				}
				if c.retry != "" {
					w.Header().Set("Retry-After", c.retry)
				}
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			link, err := codeclient.New(srv.URL+"/open/redeem", deeplink.DefaultParser).RedeemCode(context.Background(), "ABCDEFGH", strings.Repeat("c", 43))
			if got := signin.KindOf(err); got != c.want {
				t.Fatalf("kind %q, want %q (%v)", got, c.want, err)
			}
			if c.want == "" && (link.Token != token || link.TokenType != deeplink.Discovery) {
				t.Fatalf("link %v", link)
			}
			if c.want == signin.KindRateLimited && signin.RetryAfterOf(err).Seconds() != 7 {
				t.Fatalf("retry after %v", signin.RetryAfterOf(err))
			}
			if err != nil && (strings.Contains(err.Error(), "ABCDEFGH") || strings.Contains(err.Error(), token)) {
				t.Fatal("the error text holds the code or token")
			}
		})
	}
}
