// Package lifecycletest has what tests of the running app share: a window
// that records what the screens are sent, a lifecycle started in direct mode
// against a standalone local API, and the email's link as a browser would
// follow it. The product never uses it.
package lifecycletest

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// Recorder stands in for the Wails window: it keeps every event sent to the
// screens (as the JSON the frontend would receive) and counts raises. Hold
// Mu to read the fields while the app runs.
type Recorder struct {
	Mu     sync.Mutex
	Events []string
	Views  []signin.View
	Raised int
	Opened []string
}

var _ lifecycle.Window = (*Recorder)(nil)

func (r *Recorder) Emit(event string, data any) {
	b, _ := json.Marshal(data)
	r.Mu.Lock()
	defer r.Mu.Unlock()
	r.Events = append(r.Events, event+" "+string(b))
	if v, ok := data.(signin.View); ok {
		r.Views = append(r.Views, v)
	}
}

func (r *Recorder) BringToFront() { r.Mu.Lock(); r.Raised++; r.Mu.Unlock() }

func (r *Recorder) OpenURL(u string) {
	r.Mu.Lock()
	r.Opened = append(r.Opened, u)
	r.Mu.Unlock()
}

// WaitScreen waits until the last view sent is screen s, not busy.
func (r *Recorder) WaitScreen(t testing.TB, s signin.Screen) signin.View {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.Mu.Lock()
		n := len(r.Views)
		var last signin.View
		if n > 0 {
			last = r.Views[n-1]
		}
		r.Mu.Unlock()
		if n > 0 && last.Screen == s && !last.Busy {
			return last
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("screen %s never shown", s)
	return signin.View{}
}

// WaitFor waits (up to 10 s) until cond holds.
func WaitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// StartDirect starts a standalone local API and a lifecycle in direct mode
// against it (so a test can inject faults), shown on the sign-in screen.
// Both stop when the test ends (the lifecycle first).
func StartDirect(t testing.TB, store signin.Secrets) (*lifecycle.Lifecycle, *Recorder, *localstytch.Server, string) {
	t.Helper()
	return StartDirectWith(t, core.Options{Secrets: store})
}

// StartDirectWith is StartDirect with more of the core's options (the
// state directory and scheme registration are the test's own).
func StartDirectWith(t testing.TB, opts core.Options) (*lifecycle.Lifecycle, *Recorder, *localstytch.Server, string) {
	t.Helper()
	srv, err := localstytch.New(localstytch.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	env := map[string]string{config.EnvProjectID: srv.ProjectID(), config.EnvSecret: srv.Secret(), config.EnvBaseURL: base}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	opts.StateDir, opts.SkipSchemeRegistration = t.TempDir(), true
	lc := lifecycle.New(cfg, opts)
	win := &Recorder{}
	lc.Start(win)
	t.Cleanup(func() { lc.Shutdown(context.Background()) })
	win.WaitScreen(t, signin.ScreenSignedOut)
	return lc, win, srv, base
}

// openButton is the /open page's Open button: the app link it opens.
var openButton = regexp.MustCompile(`id="open" href="([^"]+)"`)

// ThroughOpenPage returns loc itself when it is the app's link, or, when it
// is local mode's /open page, the app link the page opens (as a browser on
// a computer does).
func ThroughOpenPage(t testing.TB, loc string) string {
	t.Helper()
	if !strings.HasPrefix(loc, "http") {
		return loc
	}
	r, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	m := openButton.FindSubmatch(body)
	if r.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the /open page answered %d without an Open button", r.StatusCode)
	}
	return html.UnescapeString(string(m[1]))
}

// AppLink finds the email to to in the local API's inbox and follows its
// link as a browser would: the email's link, and the app link it leads to.
func AppLink(t testing.TB, inboxURL, to string) (emailLink, appURL string) {
	t.Helper()
	resp, err := http.Get(inboxURL + "emulator/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []struct{ To, Link string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Messages {
		if m.To == to {
			hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			r, err := hc.Get(m.Link)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return m.Link, ThroughOpenPage(t, r.Header.Get("Location"))
		}
	}
	t.Fatalf("no email to %s", to)
	return "", ""
}

// LogBuffer is a log sink safe for the app's goroutines and the test to share.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
