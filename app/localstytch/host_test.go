package localstytch

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostHeaderCheck: every path, the API included, answers only requests
// whose Host is a loopback name with this server's port (DNS rebinding,
// issue 8 item 3), and a refused request changes nothing.
func TestHostHeaderCheck(t *testing.T) {
	e := newEnv(t, Options{Seed: true})
	u, _ := url.Parse(e.base)
	port := u.Port()
	other := "1"
	if port == "1" {
		other = "2"
	}
	type req struct{ method, path, body string }
	send := req{"POST", "/v1/b2b/magic_links/email/discovery/send", `{"email_address":"rebind@example.com"}`}
	paths := []req{
		send,
		{"POST", "/v1/b2b/discovery/organizations/create", `{"intermediate_session_token":"x"}`},
		{"POST", "/v1/b2b/sessions/authenticate", `{"session_token":"x"}`},
		{"GET", "/v1/b2b/sessions/jwks/" + e.srv.ProjectID(), ""},
		{"GET", "/v1/magic_links/redirect?token=x", ""},
		{"GET", "/emulator/messages", ""},
		{"POST", "/emulator/faults", `{}`},
		{"GET", "/", ""},
	}
	do := func(r req, host string) (int, map[string]any) {
		t.Helper()
		hr, _ := http.NewRequest(r.method, e.base+r.path, strings.NewReader(r.body))
		hr.Host = host
		hr.SetBasicAuth(e.srv.ProjectID(), e.srv.Secret())
		hr.Header.Set("Content-Type", "application/json")
		resp, err := e.http.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	refused := []string{
		"evil.example:" + port, // a rebinding page sends its own name
		"evil.example",
		"127.0.0.1.nip.io:" + port,
		"127.0.0.1:" + other, // loopback, wrong port
		"localhost",          // no port = 80
		"[::1]",
		"10.0.0.1:" + port,
	}
	for _, r := range paths {
		for _, h := range refused {
			st, body := do(r, h)
			if st != http.StatusForbidden || body["error_type"] != "forbidden_host" {
				t.Errorf("%s %s Host %q = %d %v, want 403 forbidden_host", r.method, r.path, h, st, body)
			}
		}
	}
	if n := len(e.srv.Messages()); n != 0 {
		t.Fatalf("refused sends left %d messages", n)
	}
	for i, h := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port, "127.0.0.2:" + port} {
		if i > 0 {
			e.clock.Advance(2e9)
		}
		if st, body := do(send, h); st != http.StatusOK {
			t.Errorf("Host %q = %d %v, want 200", h, st, body)
		}
	}

	// AllowAnyHost turns the check off (serving on a LAN address on purpose).
	open := newEnv(t, Options{AllowAnyHost: true})
	hr, _ := http.NewRequest("GET", open.base+"/v1/b2b/sessions/jwks/"+open.srv.ProjectID(), nil)
	hr.Host = "emulator.lan:8787"
	resp, err := open.http.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("AllowAnyHost: status %d", resp.StatusCode)
	}
}
