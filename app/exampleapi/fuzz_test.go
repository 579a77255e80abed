package exampleapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// refusingVerifier is a project whose keys sign nothing the fuzzer can
// make and whose Stytch knows no session: every credential must be refused.
type refusingVerifier struct{}

func (refusingVerifier) AuthenticateJWTLocal(context.Context, string, time.Duration, *sessions.AuthorizationCheck) (*sessions.MemberSession, error) {
	return nil, errors.New("signature is invalid")
}

func (refusingVerifier) Authenticate(context.Context, *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
	return nil, stytcherror.Error{StatusCode: 404, ErrorType: "session_not_found"}
}

// Any Authorization header is refused with a 401 in the JSON error shape;
// nothing panics.
func FuzzAuthorization(f *testing.F) {
	for _, s := range []string{"", "Bearer", "Bearer ", "bearer x.y.z", "Basic abc", "Bearer eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.",
		"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJleHAiOjF9.c2ln"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, age := range []time.Duration{0, 5 * time.Minute} {
			api, err := New(Config{Sessions: refusingVerifier{}, MaxTokenAge: age})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/api/me", nil)
			req.Header["Authorization"] = []string{h}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			var body map[string]any
			if rec.Code != http.StatusUnauthorized || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["error_type"] == "" || body["error_message"] == "" {
				t.Fatalf("%q (max age %v): %d %s", h, age, rec.Code, rec.Body)
			}
		}
	})
}
