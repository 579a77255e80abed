package app_test

import (
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
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/signin"
)

// recorder stands in for the Wails window: it keeps every event sent to the
// screens (as the JSON the frontend would receive) and counts raises.
type recorder struct {
	mu     sync.Mutex
	events []string
	views  []signin.View
	raised int
	opened []string
}

func (r *recorder) Emit(event string, data any) {
	b, _ := json.Marshal(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event+" "+string(b))
	if v, ok := data.(signin.View); ok {
		r.views = append(r.views, v)
	}
}
func (r *recorder) BringToFront() { r.mu.Lock(); r.raised++; r.mu.Unlock() }
func (r *recorder) OpenURL(u string) {
	r.mu.Lock()
	r.opened = append(r.opened, u)
	r.mu.Unlock()
}

func (r *recorder) waitScreen(t *testing.T, s signin.Screen) signin.View {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		n := len(r.views)
		var last signin.View
		if n > 0 {
			last = r.views[n-1]
		}
		r.mu.Unlock()
		if n > 0 && last.Screen == s && !last.Busy {
			return last
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("screen %s never shown", s)
	return signin.View{}
}

// openButton is the /open page's Open button: the app link it opens.
var openButton = regexp.MustCompile(`id="open" href="([^"]+)"`)

// throughOpenPage returns loc itself when it is the app's link, or, when it
// is local mode's /open page, the app link the page opens (as a browser on
// a computer does).
func throughOpenPage(t *testing.T, loc string) string {
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

func appLink(t *testing.T, inboxURL, to string) (emailLink, appURL string) {
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
			return m.Link, throughOpenPage(t, r.Header.Get("Location"))
		}
	}
	t.Fatalf("no email to %s", to)
	return "", ""
}

func TestLocalModeThroughTheBoundMethods(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	store := keychaintest.NewMemory()
	a, lc := newApp(cfg, core.Options{Secrets: store, StateDir: t.TempDir(), SkipSchemeRegistration: true})
	if v := a.State(); v.Screen != signin.ScreenRestoring {
		t.Fatalf("before start: %s", v.Screen)
	}
	win := &recorder{}
	lc.Links().OfferArgs([]string{"--some-flag", "not-a-link"}) // argv noise is ignored
	lc.Start(win)
	defer lc.Shutdown(context.Background())

	v := win.waitScreen(t, signin.ScreenSignedOut)
	if v.Mode != "local" || !strings.HasPrefix(v.InboxURL, "http://127.0.0.1:") {
		t.Fatalf("local mode view: %+v", v)
	}
	a.OpenInbox()
	if len(win.opened) != 1 || win.opened[0] != v.InboxURL {
		t.Fatalf("OpenInbox opened %v", win.opened)
	}

	if v := a.SendLink("demo@example.com"); v.Screen != signin.ScreenLinkSent {
		t.Fatalf("after SendLink: %+v", v)
	}
	_, link := appLink(t, v.InboxURL, "demo@example.com")

	// A hostile hand-off changes nothing but the notice.
	lc.Links().OfferArgs([]string{"stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + strings.Repeat("A", 44)})
	deadline := time.Now().Add(5 * time.Second)
	for a.State().Notice == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v := a.State(); v.Screen != signin.ScreenLinkSent || v.Notice == nil || v.Notice.Kind != signin.KindLinkMalformed {
		t.Fatalf("after a hostile link: %+v", v)
	}

	// The OS hands the link over twice (double click): applied once.
	lc.Links().OfferArgs([]string{link})
	lc.Links().OfferArgs([]string{link})
	v = win.waitScreen(t, signin.ScreenChoosingOrganization)
	if win.raised == 0 {
		t.Fatal("the window was not brought to the front when the link arrived")
	}
	var northwind string
	for _, o := range v.Organizations {
		if o.Slug == "northwind" {
			northwind = o.ID
		}
	}
	if v := a.ChooseOrganization(northwind); v.Screen != signin.ScreenSignedIn {
		t.Fatalf("after choose: %+v", v)
	}
	time.Sleep(100 * time.Millisecond) // let a duplicate delivery, if any, land
	if v := a.State(); v.Screen != signin.ScreenSignedIn || v.Notice != nil {
		t.Fatalf("the duplicate link changed the state: %+v", v)
	}
	raw, err := store.Get(context.Background(), "session")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Token string }
	_ = json.Unmarshal(raw, &rec)

	if v := a.SignOut(); v.Screen != signin.ScreenSignedOut {
		t.Fatalf("after sign-out: %+v", v)
	}
	// Nothing secret ever reached the screens.
	all := strings.Join(win.events, "\n")
	tok := link[strings.Index(link, "token=")+len("token="):]
	for name, s := range map[string]string{"session token": rec.Token, "link token": tok} {
		if len(s) < 20 {
			t.Fatalf("test setup: %s not captured", name)
		}
		if strings.Contains(all, s) {
			t.Errorf("%s sent to the frontend", name)
		}
	}
	if a.SuggestSlug("Café Crème") != "cafe-creme" {
		t.Fatal("SuggestSlug")
	}
}

func TestBadStartIsShownNotHung(t *testing.T) {
	cfg := config.Config{Mode: "bogus", Scheme: "stytch-desktop"}
	a, lc := newApp(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	win := &recorder{}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	v := a.SendLink("demo@example.com")
	if v.Screen != signin.ScreenSignedOut || v.Notice == nil {
		t.Fatalf("a backend that failed to start must say so: %+v", v)
	}
}
