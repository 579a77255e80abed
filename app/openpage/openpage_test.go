package openpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSealedRecordOpensOnlyWithItsCode(t *testing.T) {
	s := newSealer([]byte("0123456789abcdef0123456789abcdef"))
	key := s.storeKey("ABCDEFGH")
	if key == s.storeKey("ABCDEFGJ") || strings.Contains(key, "ABCDEFGH") {
		t.Fatal("store keys")
	}
	sealed, err := s.seal("ABCDEFGH", key, record{Type: "discovery", Token: "tok-secret-value"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "tok-secret-value") {
		t.Fatal("token readable at rest")
	}
	if r, err := s.open("ABCDEFGH", key, sealed); err != nil || r.Token != "tok-secret-value" {
		t.Fatalf("open: %v", err)
	}
	if _, err := s.open("ABCDEFGJ", key, sealed); err == nil {
		t.Fatal("opened with another code")
	}
	other := newSealer([]byte("another server key of 32 bytes!!"))
	if other.storeKey("ABCDEFGH") == key {
		t.Fatal("the store key does not depend on the server key")
	}
}

// Without JavaScript the desktop page still shows the code (the details
// element is open in the HTML; the script only closes it while the app
// opens) and the Open button is a plain link.
func TestPageWorksWithoutJavaScript(t *testing.T) {
	h, err := New(Config{AppURL: "stytch-desktop://auth/callback", Store: NewMemoryStore(nil), Key: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("T", 44)
	for _, c := range []struct{ ua, want, not string }{
		{"Mozilla/5.0 (X11; Linux x86_64)", `<details id="code-section" open>`, ""},
		{"Mozilla/5.0 (iPhone) Mobile", `<h1 tabindex="-1">Your sign-in code</h1>`, `id="copy"`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/open?stytch_token_type=discovery&token="+tok, nil)
		r.Header.Set("User-Agent", c.ua)
		h.Page(w, r)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, c.want) || (c.not != "" && strings.Contains(body, c.not)) {
			t.Fatalf("%s: %d\n%s", c.ua, w.Code, body)
		}
		if !strings.Contains(body, `href="stytch-desktop://auth/callback?stytch_token_type=discovery&amp;token=`+tok+`"`) {
			t.Fatalf("%s: no plain Open link", c.ua)
		}
		nonce := strings.TrimSuffix(strings.SplitN(strings.SplitN(w.Header().Get("Content-Security-Policy"), "'nonce-", 2)[1], "'", 2)[0], "")
		if !strings.Contains(body, `<script nonce="`+nonce+`">`) || !strings.Contains(body, `<style nonce="`+nonce+`">`) {
			t.Fatalf("%s: inline script/style without the CSP nonce", c.ua)
		}
	}
}

func TestMemoryStoreExpiresAndTakesOnce(t *testing.T) {
	now := time.Now()
	s := NewMemoryStore(func() time.Time { return now })
	if ok, _ := s.Put(t.Context(), "k", []byte("v"), time.Minute); !ok {
		t.Fatal("put")
	}
	if ok, _ := s.Put(t.Context(), "k", []byte("w"), time.Minute); ok {
		t.Fatal("put over a live key")
	}
	if v, ok, _ := s.Take(t.Context(), "k"); !ok || string(v) != "v" {
		t.Fatal("take")
	}
	if _, ok, _ := s.Take(t.Context(), "k"); ok {
		t.Fatal("taken twice")
	}
	_, _ = s.Put(t.Context(), "e", []byte("v"), time.Minute)
	now = now.Add(time.Minute)
	if _, ok, _ := s.Take(t.Context(), "e"); ok {
		t.Fatal("expired record taken")
	}
}
