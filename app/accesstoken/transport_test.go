package accesstoken

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stytch-desktop/app/signin"
)

// apiServer records the bearer of each request and answers 401 to the
// JWTs listed in refuse.
type apiServer struct {
	*httptest.Server
	mu      sync.Mutex
	bearers []string
	bodies  []string
	refuse  map[string]bool
}

func newAPIServer(t *testing.T) *apiServer {
	a := &apiServer{refuse: map[string]bool{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		jwt := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		a.bearers = append(a.bearers, jwt)
		a.bodies = append(a.bodies, string(b))
		refused := a.refuse[jwt]
		a.mu.Unlock()
		if refused {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error_type":"unauthorized"}`)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *apiServer) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.bearers...)
}

func TestTransport(t *testing.T) {
	exp := time.Now().Add(5 * time.Minute)
	j1, j2 := mkJWT(t, exp, "a"), mkJWT(t, exp.Add(time.Second), "b")
	tokenOf := func(j string) func() (Token, error) { return func() (Token, error) { return ParseJWT(j) } }
	tests := []struct {
		name       string
		results    []func() (Token, error) // the refresher's answers after j1 (the initial JWT)
		refuse     []string
		post       bool
		wantStatus int
		wantSeen   []string // bearers the API saw, in order
		wantCalls  int32
		wantEnded  int32
	}{
		{name: "adds the bearer", results: []func() (Token, error){tokenOf(j2)}, wantStatus: 200, wantSeen: []string{j1}},
		{name: "401: one refresh, one retry with the new JWT", results: []func() (Token, error){tokenOf(j2)}, refuse: []string{j1},
			wantStatus: 200, wantSeen: []string{j1, j2}, wantCalls: 1},
		{name: "401 with a body: the body is sent again", results: []func() (Token, error){tokenOf(j2)}, refuse: []string{j1}, post: true,
			wantStatus: 200, wantSeen: []string{j1, j2}, wantCalls: 1},
		{name: "401 again after the refresh: returned, session kept", results: []func() (Token, error){tokenOf(j2)}, refuse: []string{j1, j2},
			wantStatus: 401, wantSeen: []string{j1, j2}, wantCalls: 1},
		{name: "401 and Stytch says the session is gone: ended, no retry", results: []func() (Token, error){fail(signin.KindSessionExpired, 0)},
			refuse: []string{j1}, wantStatus: 401, wantSeen: []string{j1}, wantCalls: 1, wantEnded: 1},
		{name: "401 and Stytch unreachable: no retry, session kept", results: []func() (Token, error){fail(signin.KindNetwork, 0)},
			refuse: []string{j1}, wantStatus: 401, wantSeen: []string{j1}, wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newAPIServer(t)
			for _, j := range tc.refuse {
				api.refuse[j] = true
			}
			f := &fakeRefresher{results: tc.results}
			var ended atomic.Int32
			src := New(f, j1, Options{OnEnded: func(error) { ended.Add(1) }})
			defer src.Close()
			tr, err := NewTransport(src, api.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			hc := &http.Client{Transport: tr}
			var resp *http.Response
			if tc.post {
				resp, err = hc.Post(api.URL+"/x", "text/plain", strings.NewReader("payload"))
			} else {
				resp, err = hc.Get(api.URL + "/x")
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := api.seen(); strings.Join(got, ",") != strings.Join(tc.wantSeen, ",") {
				t.Fatalf("API saw %d requests with bearers %v, want %d", len(got), got, len(tc.wantSeen))
			}
			if tc.post {
				for i, b := range api.bodies {
					if b != "payload" {
						t.Fatalf("request %d body %q", i, b)
					}
				}
			}
			if f.calls.Load() != tc.wantCalls || ended.Load() != tc.wantEnded {
				t.Fatalf("refresher calls %d (want %d), ended %d (want %d)", f.calls.Load(), tc.wantCalls, ended.Load(), tc.wantEnded)
			}
			if tc.wantEnded > 0 {
				_, err := hc.Get(api.URL + "/x")
				if !errors.Is(err, ErrSessionEnded) || len(api.seen()) != len(tc.wantSeen) {
					t.Fatalf("after the end: %v, API saw %d requests", err, len(api.seen()))
				}
			}
		})
	}
}

func TestTransportRefusesOtherOrigins(t *testing.T) {
	api, other := newAPIServer(t), newAPIServer(t)
	f := &fakeRefresher{results: []func() (Token, error){ok(t, time.Now().Add(time.Hour))}}
	src := New(f, "", Options{})
	defer src.Close()
	tr, err := NewTransport(src, api.URL+"/v1/", nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tr}
	if _, err := hc.Get(other.URL + "/x"); !errors.Is(err, ErrOtherOrigin) {
		t.Fatalf("other origin: %v", err)
	}
	if len(other.seen()) != 0 || f.calls.Load() != 0 {
		t.Fatal("a request for another origin went out or asked for a token")
	}
	for _, bad := range []string{"", "ftp://x", "/relative", "https://"} {
		if _, err := NewTransport(src, bad, nil); err == nil {
			t.Errorf("NewTransport(%q) accepted", bad)
		}
	}
}

func TestTransportWithoutToken(t *testing.T) {
	api := newAPIServer(t)
	f := &fakeRefresher{results: []func() (Token, error){fail(signin.KindNetwork, 0)}}
	src := New(f, "", Options{})
	defer src.Close()
	tr, _ := NewTransport(src, api.URL, nil)
	_, err := (&http.Client{Transport: tr}).Get(api.URL)
	if !errors.Is(err, ErrUnavailable) || len(api.seen()) != 0 {
		t.Fatalf("err %v, API saw %d requests", err, len(api.seen()))
	}
}
