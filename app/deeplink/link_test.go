package deeplink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// renderings returns every way a Link commonly ends up as text.
func renderings(t testing.TB, l Link) map[string]string {
	t.Helper()
	out := map[string]string{
		"String":   l.String(),
		"GoString": l.GoString(),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%10.3v"} {
		out["Sprintf "+verb] = fmt.Sprintf(verb, l)
		out["Sprintf &"+verb] = fmt.Sprintf(verb, &l)
	}
	out["Sprint in struct"] = fmt.Sprintf("%+v", struct{ L Link }{l})
	out["Sprint in slice"] = fmt.Sprint([]Link{l})

	js, err := json.Marshal(l)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	out["json"] = string(js)
	js, err = json.Marshal(map[string]any{"link": &l, "links": []Link{l}})
	if err != nil {
		t.Fatalf("json.Marshal nested: %v", err)
	}
	out["json nested"] = string(js)

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("link", "link", l)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("link", "link", l, slog.Any("ptr", &l))
	out["slog"] = buf.String()
	return out
}

func TestLinkNeverPrintsToken(t *testing.T) {
	links := []Link{
		{TokenType: Discovery, Token: tokPadded},
		{TokenType: MultiTenant, Token: tokPlain, Slug: "acme"},
		// Crafted: slug and token type that contain the token.
		{TokenType: MultiTenant, Token: "multi_tenant_magic_li", Slug: "xmulti_tenant_magic_lix"},
		{TokenType: "bogus" + tokPlain, Token: tokPlain},
	}
	for _, l := range links {
		for how, s := range renderings(t, l) {
			if strings.Contains(s, l.Token) {
				t.Errorf("%s of %s leaks the token: %s", how, l.TokenType, s)
			}
		}
	}
}

func TestLinkRenderingsAreUseful(t *testing.T) {
	l := Link{TokenType: MultiTenant, Token: tokPlain, Slug: "acme"}
	if got, want := l.String(), `organization link for "acme" (token redacted)`; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := (Link{TokenType: Discovery, Token: tokPadded}).String(), "discovery link (token redacted)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := fmt.Sprintf("%#v", l); !strings.HasPrefix(got, "deeplink.Link{") {
		t.Errorf("%%#v = %q", got)
	}
	js, _ := json.Marshal(l)
	var back map[string]string
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back["token_type"] != string(MultiTenant) || back["slug"] != "acme" || back["token"] != redacted {
		t.Errorf("json = %s", js)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "link", l)
	if s := buf.String(); !strings.Contains(s, "link.token_type=multi_tenant_magic_links") || !strings.Contains(s, "link.token="+redacted) {
		t.Errorf("slog = %s", s)
	}
}

func TestLinkValidate(t *testing.T) {
	for _, c := range []struct {
		l    Link
		want Reason
	}{
		{Link{TokenType: Discovery, Token: tokPadded}, 0},
		{Link{TokenType: MultiTenant, Token: tokPlain, Slug: "acme"}, 0},
		{Link{TokenType: OAuth, Token: tokPlain}, 0},
		{Link{TokenType: SSO, Token: tokPlain}, 0},
		{Link{TokenType: DiscoveryOAuth, Token: tokPadded}, 0},
		{Link{TokenType: "saml", Token: tokPlain}, UnknownTokenType},
		{Link{TokenType: Discovery, Token: "short"}, BadToken},
		{Link{TokenType: Discovery, Token: tokPlain, Slug: "a/b"}, BadParam},
	} {
		if got := ReasonOf(c.l.Validate()); got != c.want {
			t.Errorf("Validate(%v) reason = %v, want %v", c.l, got, c.want)
		}
	}
}
