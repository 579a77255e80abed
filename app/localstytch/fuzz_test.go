package localstytch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stytch-desktop/app/localstytch/store"
)

// Placeholders a fuzz body may contain. Each is replaced, per input, with a
// live credential freshly minted on the fuzz run's server, so mutations of a
// valid body reach the code behind the token lookup instead of stopping at
// "session not found". Literal credentials can't be used in seeds: every
// fuzz worker process builds its own Server, with its own tokens and key.
var fuzzPlaceholders = []string{"$SESSION_TOKEN", "$SESSION_JWT", "$IST", "$SSO_TOKEN", "$OAUTH_TOKEN", "$DISCOVERY_OAUTH_TOKEN"}

// mfaPlaceholders stand for a fresh member of the sandbox organization with
// a verified phone, a live texted code, an active TOTP and recovery codes,
// an IST for it, and a second member with no factor (see mintMFA).
var mfaPlaceholders = []string{"$MFA_MEMBER", "$MFA_IST", "$SMS_CODE", "$TOTP_CODE", "$RECOVERY_CODE", "$NEW_MEMBER"}

// apiFuzzSeeds are valid bodies, each meant for one endpoint (every seed is
// still sent to every endpoint). TestAPIFuzzSeedsSucceed proves each one
// gets a 200 from its endpoint, so the fuzzer starts from accepted shapes.
var apiFuzzSeeds = map[string]string{
	"/v1/b2b/magic_links/email/discovery/send":         `{"email_address":"ada@example.com","discovery_redirect_url":"stytch-desktop://auth/callback","pkce_code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","discovery_expiration_minutes":30}`,
	"/v1/b2b/magic_links/discovery/authenticate":       `{"discovery_magic_links_token":"` + sandboxTokenOK + `"}`,
	"/v1/b2b/discovery/intermediate_sessions/exchange": `{"intermediate_session_token":"$IST","organization_id":"` + sandboxOrgID + `","session_duration_minutes":60,"session_custom_claims":{"k":[1,"x",null]}}`,
	"/v1/b2b/discovery/organizations/create":           `{"intermediate_session_token":"$IST","organization_name":"Fuzz Co","organization_slug":"fuzz-co","email_jit_provisioning":"RESTRICTED","email_allowed_domains":["example.com"],"mfa_policy":"OPTIONAL"}`,
	"/v1/b2b/discovery/organizations":                  `{"intermediate_session_token":"$IST"}`,
	"/v1/b2b/magic_links/email/login_or_signup":        `{"organization_id":"` + sandboxOrgID + `","email_address":"` + sandboxEmail + `","login_redirect_url":"stytch-desktop://auth/callback","signup_redirect_url":"stytch-desktop://auth/callback","login_expiration_minutes":10}`,
	"/v1/b2b/magic_links/authenticate":                 `{"magic_links_token":"` + sandboxTokenOK + `","session_duration_minutes":30,"session_custom_claims":{"team":"blue"}}`,
	"/v1/b2b/sessions/authenticate":                    `{"session_token":"$SESSION_TOKEN","session_duration_minutes":60}`,
	"/v1/b2b/sessions/revoke":                          `{"session_jwt":"$SESSION_JWT"}`,
	"/v1/b2b/sessions/exchange":                        `{"organization_id":"` + sandboxOrgID + `","session_token":"$SESSION_TOKEN"}`,
	"/v1/b2b/otps/sms/send":                            `{"organization_id":"` + sandboxOrgID + `","member_id":"$MFA_MEMBER","intermediate_session_token":"$MFA_IST","locale":"en"}`,
	"/v1/b2b/otps/sms/authenticate":                    `{"organization_id":"` + sandboxOrgID + `","member_id":"$MFA_MEMBER","code":"$SMS_CODE","intermediate_session_token":"$MFA_IST","session_duration_minutes":30,"set_default_mfa":true}`,
	"/v1/b2b/totp":                                     `{"organization_id":"` + sandboxOrgID + `","member_id":"$NEW_MEMBER","expiration_minutes":30}`,
	"/v1/b2b/totp/authenticate":                        `{"organization_id":"` + sandboxOrgID + `","member_id":"$MFA_MEMBER","code":"$TOTP_CODE","intermediate_session_token":"$MFA_IST","set_mfa_enrollment":"enroll"}`,
	"/v1/b2b/recovery_codes/recover":                   `{"organization_id":"` + sandboxOrgID + `","member_id":"$MFA_MEMBER","recovery_code":"$RECOVERY_CODE","intermediate_session_token":"$MFA_IST"}`,
	"/v1/b2b/recovery_codes/rotate":                    `{"organization_id":"` + sandboxOrgID + `","member_id":"$MFA_MEMBER"}`,
	"/v1/b2b/sso/authenticate":                         `{"sso_token":"$SSO_TOKEN","session_duration_minutes":60,"intermediate_session_token":"$IST"}`,
	"/v1/b2b/oauth/authenticate":                       `{"oauth_token":"$OAUTH_TOKEN","session_duration_minutes":30,"session_custom_claims":{"team":"blue"}}`,
	"/v1/b2b/oauth/discovery/authenticate":             `{"discovery_oauth_token":"$DISCOVERY_OAUTH_TOKEN"}`,
}

// apiFuzzHostile are bodies no client sends: each targets one way a JSON
// decoder or a handler's assumptions can break.
func apiFuzzHostile() []string {
	return []string{
		``,
		`null`,
		`[]`,
		`"x"`,
		`{}{}`,
		`{"email_address":`,
		strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
		`{"session_custom_claims":` + strings.Repeat(`{"a":`, 9000) + `1` + strings.Repeat(`}`, 9000) + `}`,
		`{"session_duration_minutes":1e400}`,
		`{"session_duration_minutes":99999999999999999999999}`,
		`{"session_duration_minutes":-9223372036854775808}`,
		`{"discovery_expiration_minutes":1.5,"login_expiration_minutes":"60"}`,
		`{"email_address":123,"organization_id":{},"session_token":[]}`,
		`{"email_address":null,"session_custom_claims":null,"email_allowed_domains":null}`,
		`{"email_allowed_domains":[null,1,{}]}`,
		`{"email_address":"a@example.com","email_address":"b@example.com"}`,
		`{"session_token":"x","session_jwt":"y"}`,
		`{"organization_name":"\u0000\ud800","organization_slug":"\u00ff"}`,
		"{\"email_address\":\"\xff\xfe@example.com\"}",
		"\xef\xbb\xbf{}",
		`{"session_custom_claims":{"iss":"evil","https://stytch.com/session":{},"x":"` + strings.Repeat("y", 5000) + `"}}`,
		`{"email_address":"` + strings.Repeat("a", 70<<10) + `@example.com"}`,
		`{"session_jwt":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}`,
		`{"session_jwt":"$SESSION_JWT","session_token":"$SESSION_TOKEN"}`,
	}
}

// fuzzAPI is one emulator shared by every input of a fuzz run (building a
// Server generates an RSA key, far too slow per input).
type fuzzAPI struct {
	srv    *Server
	clock  atomic.Int64 // unix nanoseconds
	paths  []string
	mfaSeq atomic.Int64
}

func newFuzzAPI(t testing.TB) *fuzzAPI {
	t.Helper()
	a := &fuzzAPI{}
	a.clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	srv, err := New(Options{Now: func() time.Time { return time.Unix(0, a.clock.Load()) }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.srv = srv
	for p := range postRoutes {
		a.paths = append(a.paths, p)
	}
	sort.Strings(a.paths) // a fixed order keeps a crasher reproducible
	return a
}

// tick moves the clock a minute per input: past the 1 s send rate limit and,
// over a run, past token and session lifetimes so pruning gets exercised and
// state stays bounded.
func (a *fuzzAPI) tick() { a.clock.Add(int64(time.Minute)) }

func (a *fuzzAPI) post(path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Host = "127.0.0.1" // httptest's default example.com fails the Host check
	req.SetBasicAuth(a.srv.ProjectID(), a.srv.Secret())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req)
	return rec
}

// mint runs the sandbox discovery flow and returns a fresh IST, session
// token and session JWT for the placeholders.
func (a *fuzzAPI) mint(t *testing.T) map[string]string {
	t.Helper()
	field := func(path, body, name string) string {
		rec := a.post(path, []byte(body))
		var out map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("mint: %s: status %d", path, rec.Code)
		}
		s, _ := out[name].(string)
		if s == "" {
			t.Fatalf("mint: %s: no %s", path, name)
		}
		return s
	}
	auth := apiFuzzSeeds["/v1/b2b/magic_links/discovery/authenticate"]
	ist := field("/v1/b2b/magic_links/discovery/authenticate", auth, "intermediate_session_token")
	exch := `{"intermediate_session_token":"` + ist + `","organization_id":"` + sandboxOrgID + `"}`
	tok := field("/v1/b2b/discovery/intermediate_sessions/exchange", exch, "session_token")
	jwt := field("/v1/b2b/sessions/authenticate", `{"session_token":"`+tok+`"}`, "session_jwt")
	creds := map[string]string{
		"$IST":           field("/v1/b2b/magic_links/discovery/authenticate", auth, "intermediate_session_token"),
		"$SESSION_TOKEN": tok,
		"$SESSION_JWT":   jwt,
	}
	for k, v := range a.mintRoundTrips(t) { // fuzz_sso_test.go
		creds[k] = v
	}
	return creds
}

// fill replaces placeholders with live credentials, minting only when the
// body asks for one (minting signs a JWT, the slowest thing here).
func (a *fuzzAPI) fill(t *testing.T, body []byte) []byte {
	var creds map[string]string
	for _, p := range fuzzPlaceholders {
		if !bytes.Contains(body, []byte(p)) {
			continue
		}
		if creds == nil {
			creds = a.mint(t)
		}
		body = bytes.ReplaceAll(body, []byte(p), []byte(creds[p]))
	}
	var mfa map[string]string
	for _, p := range mfaPlaceholders {
		if !bytes.Contains(body, []byte(p)) {
			continue
		}
		if mfa == nil {
			mfa = a.mintMFA(t)
		}
		body = bytes.ReplaceAll(body, []byte(p), []byte(mfa[p]))
	}
	return body
}

// mintMFA sets up the MFA placeholders directly in the server's state (the
// API would need a texted code read back from the outbox and a TOTP clock).
func (a *fuzzAPI) mintMFA(t *testing.T) map[string]string {
	t.Helper()
	n := a.mfaSeq.Add(1)
	email := fmt.Sprintf("fuzz-mfa-%d@example.com", n)
	phone := fmt.Sprintf("+1555%07d", n%10_000_000)
	if _, err := a.srv.AddMember(sandboxOrgID, email); err != nil {
		t.Fatal(err)
	}
	if _, err := a.srv.SetMFAPhone(sandboxOrgID, email, phone); err != nil {
		t.Fatal(err)
	}
	fresh, err := a.srv.AddMember(sandboxOrgID, fmt.Sprintf("fuzz-new-%d@example.com", n))
	if err != nil {
		t.Fatal(err)
	}
	s := a.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	o := s.st.Orgs[sandboxOrgID]
	m := s.st.MemberOf(o.ID, email)
	ist := s.st.NewIST(&store.IST{Email: email, EmailID: m.EmailID, OrgID: o.ID, AuthenticatedAt: now, ExpiresAt: now.Add(istLifetime)})
	smsCode := s.sendSMSLocked(m, o, phone, now)
	reg, secret, codes := s.newTOTPLocked(m, now, time.Hour)
	reg.Verified, m.MFA.TOTPID = true, reg.ID
	totp, err := TOTPCode(secret, now.Unix())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"$MFA_MEMBER": m.ID, "$MFA_IST": ist, "$SMS_CODE": smsCode, "$TOTP_CODE": totp,
		"$RECOVERY_CODE": codes[0], "$NEW_MEMBER": fresh.ID}
}

// checkResponse asserts the contract every API reply keeps, whatever the
// request: 200 or 4xx, a JSON object, and on error Stytch's error shape with
// status_code equal to the HTTP status.
func checkResponse(t *testing.T, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code > 499) {
		t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body.Bytes())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out == nil {
		t.Fatalf("%s: status %d: body is not a JSON object (%v): %q", path, rec.Code, err, rec.Body.Bytes())
	}
	if code, ok := out["status_code"].(float64); !ok || int(code) != rec.Code {
		t.Fatalf("%s: status %d but status_code %v", path, rec.Code, out["status_code"])
	}
	if id, _ := out["request_id"].(string); id == "" {
		t.Fatalf("%s: no request_id", path)
	}
	if rec.Code == http.StatusOK {
		return
	}
	for _, k := range []string{"error_type", "error_message"} {
		if v, _ := out[k].(string); v == "" {
			t.Fatalf("%s: status %d with empty %s: %s", path, rec.Code, k, rec.Body.Bytes())
		}
	}
}

// FuzzAPIRequest sends each input as the JSON body of every Basic-auth POST
// endpoint in postRoutes, in process.
func FuzzAPIRequest(f *testing.F) {
	paths := make([]string, 0, len(apiFuzzSeeds))
	for p := range apiFuzzSeeds {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f.Add([]byte(apiFuzzSeeds[p]))
	}
	for _, b := range apiFuzzHostile() {
		f.Add([]byte(b))
	}
	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		a.tick()
		body = a.fill(t, body)
		for _, p := range a.paths {
			checkResponse(t, p, a.post(p, body))
		}
	})
}

// TestAPIFuzzSeedsSucceed keeps the seeds honest: each valid seed must be
// accepted by its endpoint, and there must be one for every endpoint, so a
// new route or a changed request shape shows up here.
func TestAPIFuzzSeedsSucceed(t *testing.T) {
	a := newFuzzAPI(t)
	for _, p := range a.paths {
		seed, ok := apiFuzzSeeds[p]
		if !ok {
			t.Errorf("%s: no valid fuzz seed", p)
			continue
		}
		a.tick()
		rec := a.post(p, a.fill(t, []byte(seed)))
		checkResponse(t, p, rec)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: seed got %d: %s", p, rec.Code, rec.Body.Bytes())
		}
	}
	if len(apiFuzzSeeds) != len(a.paths) {
		t.Errorf("%d seeds for %d endpoints", len(apiFuzzSeeds), len(a.paths))
	}
}
