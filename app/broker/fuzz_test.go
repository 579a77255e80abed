package broker

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeUpstream answers every forwarded call with 200 {} and keeps the last
// body, so the fuzzer can check what would have reached Stytch.
type fakeUpstream struct {
	mu   sync.Mutex
	last []byte
}

func (f *fakeUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.last = b
	f.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"status_code":200}`)), Request: r}, nil
}

// FuzzRequest: whatever body arrives on any allowed route, the broker
// answers with one of its known statuses, and anything it forwards parses
// strictly as that route's schema, carries no custom claims and only the
// configured redirect URL.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"email_address":"a@example.com","pkce_code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}`,
		`{"session_token":"x","session_custom_claims":{"a":1}}`,
		`{"member_id":"m"}`, `{"session_token":"x"}{}`, `[]`, `null`, ``, `{"SESSION_TOKEN":"x"}`,
		`{"intermediate_session_token":"x","organization_id":"northwind","session_duration_minutes":999999}`,
	} {
		for i := range routeList {
			f.Add(uint8(i), s)
		}
	}
	up := &fakeUpstream{}
	b, err := New(Config{ProjectID: "project-test-00000000-0000-4000-8000-000000000000", Secret: "s",
		Upstream: "http://127.0.0.1:1", RedirectURL: "stytch-desktop://auth/callback", AllowOrganizationCreate: true,
		Transport: up})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		rt := routeList[int(which)%len(routeList)]
		up.mu.Lock()
		up.last = nil
		up.mu.Unlock()
		req := httptest.NewRequest(http.MethodPost, rt.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		b.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 403, 429:
		default:
			t.Fatalf("%s: status %d: %s", rt.path, w.Code, w.Body)
		}
		up.mu.Lock()
		sent := up.last
		up.mu.Unlock()
		if w.Code != 200 {
			if sent != nil {
				t.Fatalf("%s: refused with %d but forwarded", rt.path, w.Code)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(sent))
		dec.DisallowUnknownFields()
		if err := dec.Decode(rt.newReq()); err != nil {
			t.Fatalf("%s: forwarded body %s does not fit the schema: %v", rt.path, sent, err)
		}
		var m map[string]any
		_ = json.Unmarshal(sent, &m)
		if _, ok := m["session_custom_claims"]; ok {
			t.Fatalf("%s: custom claims forwarded: %s", rt.path, sent)
		}
		for _, k := range []string{"discovery_redirect_url", "login_redirect_url", "signup_redirect_url"} {
			if v, ok := m[k]; ok && v != "stytch-desktop://auth/callback" {
				t.Fatalf("%s: %s forwarded as %v", rt.path, k, v)
			}
		}
		if d, ok := m["session_duration_minutes"].(float64); ok && d > 10080 {
			t.Fatalf("%s: session_duration_minutes %v not clamped", rt.path, d)
		}
	})
}
