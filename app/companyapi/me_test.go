package companyapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"

	"stytch-desktop/app/companyapi"
	"stytch-desktop/app/sessionhub"
)

// Every way GET /api/me can end maps to one status the screen shows.
func TestMeResult(t *testing.T) {
	ctx := context.Background()
	me := `{"member_id":"member-1","email_address":"a@example.com","organization_id":"org-1","organization_name":"Acme","roles":["stytch_member"],"checked_with":"jwks","member_session_id":"s"}`
	tests := []struct {
		name, status, typ, body string
		want                    companyapi.Me
	}{
		{"ok", "200", "application/json", me, companyapi.Me{Status: companyapi.MeOK, HTTPStatus: 200, MemberID: "member-1", Email: "a@example.com",
			OrganizationID: "org-1", OrganizationName: "Acme", Roles: []string{"stytch_member"}, CheckedWith: "jwks"}},
		{"ok without a member", "200", "application/json", `{}`, companyapi.Me{Status: companyapi.MeFailed, HTTPStatus: 200}},
		{"401", "401", "application/json", `{"error_type":"unauthorized"}`, companyapi.Me{Status: companyapi.MeUnauthorized, HTTPStatus: 401}},
		{"403", "403", "application/json", `{"error_type":"forbidden"}`, companyapi.Me{Status: companyapi.MeForbidden, HTTPStatus: 403}},
		{"500", "500", "application/json", `{}`, companyapi.Me{Status: companyapi.MeFailed, HTTPStatus: 500}},
		{"not JSON", "200", "text/html", `<p>`, companyapi.Me{Status: companyapi.MeFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			one := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/me" {
					http.NotFound(w, r)
					return
				}
				code, _ := strconv.Atoi(tt.status)
				w.Header().Set("Content-Type", tt.typ)
				w.WriteHeader(code)
				io.WriteString(w, tt.body)
			}))
			defer one.Close()
			c, err := companyapi.New(one.URL, staticToken{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.MeResult(ctx); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		c, _ := companyapi.New(gone.URL, staticToken{}, nil)
		if got := c.MeResult(ctx); got.Status != companyapi.MeUnreachable {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("signed out", func(t *testing.T) {
		c, _ := companyapi.New("http://127.0.0.1:1", &sessionhub.Hub{}, nil)
		if got := c.MeResult(ctx); got.Status != companyapi.MeSignedOut {
			t.Fatalf("got %+v", got)
		}
	})
}
