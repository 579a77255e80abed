//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/keychain"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/schemereg"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/stytchclient"
	"stytch-desktop/app/trace"
)

var linkParser = deeplink.DefaultParser

// noRedirect reads the redirect hop's Location instead of following it (the
// browser would hand stytch-desktop:// to the OS).
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// appLink follows an email's link to the stytch-desktop:// URL it redirects to.
func appLink(emailLink string) (string, error) {
	resp, err := noRedirect.Get(emailLink)
	if err != nil {
		return "", fmt.Errorf("redirect hop: %w", err)
	}
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil && u.Scheme == "http" && u.Path == "/open" {
		// Local mode's redirect URL is the local API's /open page, which
		// offers the app link to the browser (as scripts/e2e-desktop.sh reads it).
		return openPageLink(loc)
	}
	if !strings.HasPrefix(loc, config.DefaultScheme+"://") {
		return "", fmt.Errorf("redirect hop: status %d, no app link", resp.StatusCode)
	}
	return loc, nil
}

var openHref = regexp.MustCompile(`id="open" href="([^"]+)"`)

// openPageLink reads the app link from the /open page, as a browser gets it.
func openPageLink(page string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, page, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
	resp, err := noRedirect.Do(req)
	if err != nil {
		return "", fmt.Errorf("open page: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("open page: %w", err)
	}
	m := openHref.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("open page: status %d, no app link", resp.StatusCode)
	}
	link := html.UnescapeString(string(m[1]))
	if !strings.HasPrefix(link, config.DefaultScheme+"://") {
		return "", errors.New("open page: the link is not an app link")
	}
	return link, nil
}

// newestLink is the newest outbox message's link for to.
func newestLink(msgs []localstytch.Message, to string) (string, bool) {
	var best *localstytch.Message
	for i := range msgs {
		if msgs[i].To == to && (best == nil || msgs[i].SentAt.After(best.SentAt)) {
			best = &msgs[i]
		}
	}
	if best == nil {
		return "", false
	}
	return best.Link, true
}

// timedTransport records the duration of every HTTP call made through it.
type timedTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    int
	d    time.Duration
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		// The body is read by stytch-go after RoundTrip returns: count it too.
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		if rerr != nil {
			err = rerr
		}
	}
	t.mu.Lock()
	t.n++
	t.d += time.Since(start)
	t.mu.Unlock()
	return resp, err
}

func (t *timedTransport) take() (int, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, d := t.n, t.d
	t.n, t.d = 0, 0
	return n, d
}

// timedSecrets records the time spent in keychain calls.
type timedSecrets struct {
	s  signin.Secrets
	mu sync.Mutex
	d  time.Duration
}

func (t *timedSecrets) add(start time.Time) {
	t.mu.Lock()
	t.d += time.Since(start)
	t.mu.Unlock()
}
func (t *timedSecrets) Get(ctx context.Context, k string) ([]byte, error) {
	defer t.add(time.Now())
	return t.s.Get(ctx, k)
}
func (t *timedSecrets) Set(ctx context.Context, k string, v []byte) error {
	defer t.add(time.Now())
	return t.s.Set(ctx, k, v)
}
func (t *timedSecrets) Delete(ctx context.Context, k string) error {
	defer t.add(time.Now())
	return t.s.Delete(ctx, k)
}
func (t *timedSecrets) take() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.d
	t.d = 0
	return d
}

// startServer starts the local Stytch-compatible API in this process.
func startServer() (*localstytch.Server, string, error) {
	srv, err := localstytch.New(localstytch.Options{Seed: true})
	if err != nil {
		return nil, "", err
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	return srv, base, nil
}

// signInOnce runs discovery → link → organization through the real flows
// with the real stytch-go client; it leaves the session in secrets.
func signInOnce(ctx context.Context, srv *localstytch.Server, base string, secrets signin.Secrets, email, orgSlug string) error {
	api, err := stytchclient.New(ctx, stytchclient.Config{ProjectID: srv.ProjectID(), Secret: srv.Secret(), BaseURL: base})
	if err != nil {
		return err
	}
	f := signin.New(signin.Config{Mode: string(config.ModeDirect)}, api, secrets)
	defer f.Close()
	_ = f.Restore(ctx)
	if err := f.StartSignIn(ctx, email); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	el, ok := newestLink(srv.Messages(), email)
	if !ok {
		return errors.New("no email in the outbox")
	}
	raw, err := appLink(el)
	if err != nil {
		return err
	}
	l, err := linkParser.Parse(raw)
	if err != nil {
		return err
	}
	if err := f.CompleteLink(ctx, l); err != nil {
		return fmt.Errorf("open link: %w", err)
	}
	id := ""
	for _, o := range f.View().Organizations {
		if o.Slug == orgSlug {
			id = o.ID
		}
	}
	if id == "" {
		return fmt.Errorf("organization %q not discovered", orgSlug)
	}
	if err := f.ChooseOrganization(ctx, id); err != nil {
		return fmt.Errorf("choose: %w", err)
	}
	if v := f.View(); v.Screen != signin.ScreenSignedIn {
		return fmt.Errorf("ended on %s, not signed in", v.Screen)
	}
	return nil
}

// scenarioRestore: a session is stored in the keychain (signed in through
// the real flows), the API is slowed by LATENCY per call, and our app starts
// in direct mode against it: how long until the signed-in screen is painted.
//
//	restore <binary> <latency>
func scenarioRestore(t string, args []string) error {
	if len(args) != 2 {
		return errors.New("restore: want <binary> <latency>")
	}
	lat, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	srv, base, err := startServer()
	if err != nil {
		return err
	}
	defer srv.Close(context.Background())
	ctx := context.Background()
	service := core.KeychainService(config.Config{Mode: config.ModeDirect, ProjectID: srv.ProjectID()})
	kc := keychain.NewKeyring(service, keychain.WithTimeout(10*time.Second))
	if err := signInOnce(ctx, srv, base, kc, "demo@example.com", "northwind"); err != nil {
		return fmt.Errorf("store a session: %w", err)
	}
	tr := filepath.Join(t, "trace.log")
	env := []string{"STYTCH_PROJECT_ID=" + srv.ProjectID(), "STYTCH_SECRET=" + srv.Secret(), "STYTCH_API_BASE_URL=" + base}
	// As for the cold start: the app has run on this profile before.
	if _, err := warmUp(args[0], tr, t, env...); err != nil {
		return err
	}
	srv.SetFault("*", localstytch.Fault{Latency: lat})
	a, err := startApp(args[0], tr, filepath.Join(t, "app.log"), env...)
	if err != nil {
		return err
	}
	defer a.stop()
	e, err := waitEvent(tr, a.t0, 30*time.Second, firstScreen)
	if err != nil {
		return err
	}
	if e.Attrs["screen"] != string(signin.ScreenSignedIn) {
		return fmt.Errorf("first screen after start was %q, not signed_in", e.Attrs["screen"])
	}
	evs := readTrace(tr)
	kv := []any{"signed_in_ms", fmt.Sprintf("%.1f", ms(e.T-a.t0))}
	if r, ok := firstAfter(evs, a.t0, painted("restoring")); ok {
		kv = append(kv, "restoring_painted_ms", fmt.Sprintf("%.1f", ms(r.T-a.t0)))
	}
	if r, ok := firstAfter(evs, a.t0, func(e event) bool { return e.Ev == "dom-ready" }); ok {
		kv = append(kv, "dom_ready_ms", fmt.Sprintf("%.1f", ms(r.T-a.t0)))
	}
	result(kv...)
	return nil
}

// scenarioHandoff: our app runs (local mode), a sign-in waits for its link;
// `gio open` hands the link to the OS, which starts the registered handler,
// which forwards it to the running instance. Hops from the trace.
//
//	handoff <binary>
func scenarioHandoff(t string, args []string) error {
	if len(args) != 1 {
		return errors.New("handoff: want <binary>")
	}
	bin := args[0]
	tr := filepath.Join(t, "trace.log")
	// The OS handler: a wrapper that turns tracing on for the process gio
	// starts, and then runs what the app's own registration would make the
	// handler (schemereg.LaunchTarget): the small stytch-desktop-open beside
	// the app when make build made one, else the app binary. The wrapper's
	// /bin/sh costs ~1 ms either way.
	handler := filepath.Join(t, "handler.sh")
	script := fmt.Sprintf("#!/bin/sh\nexport STYTCH_DESKTOP_TRACE=%s STYTCH_DESKTOP_SKIP_SCHEME_REGISTRATION=1\nexec %s \"$@\" >>%s 2>&1\n",
		tr, schemereg.LaunchTarget(bin), filepath.Join(t, "handler.log"))
	if err := os.WriteFile(handler, []byte(script), 0o700); err != nil {
		return err
	}
	apps := filepath.Join(os.Getenv("XDG_DATA_HOME"), "applications")
	if err := os.MkdirAll(apps, 0o700); err != nil {
		return err
	}
	entry := fmt.Sprintf("[Desktop Entry]\nType=Application\nName=stytch-desktop\nExec=%s %%u\nTerminal=false\nMimeType=x-scheme-handler/%s;\n",
		handler, config.DefaultScheme)
	if err := os.WriteFile(filepath.Join(apps, "stytch-desktop.desktop"), []byte(entry), 0o600); err != nil {
		return err
	}
	_ = exec.Command("update-desktop-database", apps).Run()
	if out, err := exec.Command("xdg-mime", "default", "stytch-desktop.desktop", "x-scheme-handler/"+config.DefaultScheme).CombinedOutput(); err != nil {
		return fmt.Errorf("xdg-mime: %v: %s", err, out)
	}

	a, err := startApp(bin, tr, filepath.Join(t, "app.log"))
	if err != nil {
		return err
	}
	defer a.stop()
	if _, err := waitEvent(tr, a.t0, 30*time.Second, painted(string(signin.ScreenSignedOut))); err != nil {
		return fmt.Errorf("email screen: %w", err)
	}
	// The email field has focus on the first screen.
	const email = "demo@example.com"
	if out, err := exec.Command("xdotool", "type", "--delay", "5", email).CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	if out, err := exec.Command("xdotool", "key", "Return").CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	if _, err := waitEvent(tr, a.t0, 20*time.Second, painted(string(signin.ScreenLinkSent))); err != nil {
		return fmt.Errorf("check-your-email screen: %w", err)
	}
	portB, err := os.ReadFile(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "stytch-desktop", "local-stytch-port"))
	if err != nil {
		return err
	}
	port := strings.TrimSpace(string(portB))
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("port file: %q", port)
	}
	var msgs struct{ Messages []localstytch.Message }
	resp, err := http.Get("http://127.0.0.1:" + port + "/emulator/messages")
	if err != nil {
		return err
	}
	err = json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if err != nil {
		return err
	}
	el, ok := newestLink(msgs.Messages, email)
	if !ok {
		return errors.New("no email in the outbox")
	}
	url, err := appLink(el)
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // let the app go idle
	t0 := trace.Now()
	gio := exec.Command("gio", "open", url)
	gio.Stdout, gio.Stderr = io.Discard, io.Discard
	if err := gio.Run(); err != nil {
		return fmt.Errorf("gio open: %w", err)
	}
	gioMs := ms(trace.Now() - t0)
	e, err := waitEvent(tr, t0, 20*time.Second, painted(string(signin.ScreenChoosingOrganization)))
	if err != nil {
		return fmt.Errorf("organizations screen: %w", err)
	}
	evs := readTrace(tr)
	appPID := a.cmd.Process.Pid
	inApp := func(ev string, attrs ...string) func(event) bool {
		return func(e event) bool {
			if e.PID != appPID || e.Ev != ev {
				return false
			}
			for i := 0; i+1 < len(attrs); i += 2 {
				if e.Attrs[attrs[i]] != attrs[i+1] {
					return false
				}
			}
			return true
		}
	}
	fwd, ok1 := firstAfter(evs, t0, inApp("link-forwarded"))
	as, ok2 := firstAfter(evs, t0, inApp("call-start", "call", "authenticate-discovery-link"))
	ae, ok3 := firstAfter(evs, t0, inApp("call-end", "call", "authenticate-discovery-link"))
	ve, ok4 := firstAfter(evs, t0, inApp("view-emitted", "screen", string(signin.ScreenChoosingOrganization)))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("trace incomplete (forwarded %v, auth start %v, auth end %v, view %v)", ok1, ok2, ok3, ok4)
	}
	kv := []any{
		"total_ms", fmt.Sprintf("%.1f", ms(e.T-t0)),
		"gio_ms", fmt.Sprintf("%.1f", gioMs),
		"os_handoff_ms", fmt.Sprintf("%.1f", ms(fwd.T-t0)),
		"to_auth_ms", fmt.Sprintf("%.1f", ms(as.T-fwd.T)),
		"auth_ms", fmt.Sprintf("%.1f", ms(ae.T-as.T)),
		"to_view_ms", fmt.Sprintf("%.1f", ms(ve.T-ae.T)),
		"render_ms", fmt.Sprintf("%.1f", ms(e.T-ve.T)),
		"non_auth_ms", fmt.Sprintf("%.1f", ms(e.T-t0-(ae.T-as.T))),
	}
	if m, ok := firstAfter(evs, t0, func(e event) bool { return e.Ev == "main" && e.PID != appPID }); ok {
		kv = append(kv, "second_main_ms", fmt.Sprintf("%.1f", ms(m.T-t0)))
	}
	result(kv...)
	return nil
}

// scenarioFlow: the whole discovery flow through the real flows and stytch-go
// client against the local API with LATENCY added to every call. App time
// per step = time until the step's screen is shown − time inside HTTP calls
// (every call of a step is made before its screen shows): what a person
// waits for beyond Stytch. Each step then writes the keychain (pending flow,
// session) before its operation ends; that figure (op end − HTTP) is
// reported beside it. Keychain time is the time keychain calls were busy
// during the step, on the path or in the background (so it can exceed the
// app time).
//
//	flow <latency> <iterations>
func scenarioFlow(_ string, args []string) error {
	if len(args) != 2 {
		return errors.New("flow: want <latency> <iterations>")
	}
	lat, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	iters, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	srv, base, err := startServer()
	if err != nil {
		return err
	}
	defer srv.Close(context.Background())
	srv.SetFault("*", localstytch.Fault{Latency: lat})
	ctx := context.Background()
	steps := []string{"send", "open", "choose"}
	appMs := map[string][]float64{}
	endMs := map[string][]float64{}
	kcMs := map[string][]float64{}
	calls := map[string][]float64{}
	for i := 0; i < iters; i++ {
		tt := &timedTransport{base: http.DefaultTransport}
		api, err := stytchclient.New(ctx, stytchclient.Config{ProjectID: srv.ProjectID(), Secret: srv.Secret(), BaseURL: base, Transport: tt})
		if err != nil {
			return err
		}
		// The signing keys come in the background through the same transport:
		// not part of any step.
		select {
		case <-api.KeysReady():
		case <-time.After(30 * time.Second):
			return errors.New("signing keys never fetched")
		}
		ts := &timedSecrets{s: keychain.NewKeyring(fmt.Sprintf("stytch-desktop-bench-flow-%d", i), keychain.WithTimeout(10*time.Second))}
		f := signin.New(signin.Config{Mode: string(config.ModeDirect)}, api, ts)
		_ = f.Restore(ctx)
		tt.take()
		ts.take()
		email := fmt.Sprintf("bench-%d-%d@example.com", os.Getpid(), i)
		step := func(name string, screen signin.Screen, fn func() error) error {
			var shown atomic.Int64 // ns from start until screen first showed
			start := time.Now()
			stop := f.Subscribe(func(v signin.View) {
				if v.Screen == screen {
					shown.CompareAndSwap(0, int64(time.Since(start)))
				}
			})
			err := fn()
			wall := time.Since(start)
			stop()
			n, httpD := tt.take()
			kc := ts.take()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if shown.Load() == 0 {
				return fmt.Errorf("%s: %s never shown", name, screen)
			}
			appMs[name] = append(appMs[name], ms(shown.Load()-int64(httpD)))
			endMs[name] = append(endMs[name], ms(int64(wall-httpD)))
			kcMs[name] = append(kcMs[name], ms(int64(kc)))
			calls[name] = append(calls[name], float64(n))
			return nil
		}
		if err := step("send", signin.ScreenLinkSent, func() error { return f.StartSignIn(ctx, email) }); err != nil {
			return err
		}
		el, ok := newestLink(srv.Messages(), email)
		if !ok {
			return errors.New("no email in the outbox")
		}
		raw, err := appLink(el)
		if err != nil {
			return err
		}
		l, err := linkParser.Parse(raw)
		if err != nil {
			return err
		}
		tt.take()
		if err := step("open", signin.ScreenChoosingOrganization, func() error { return f.CompleteLink(ctx, l) }); err != nil {
			return err
		}
		id := ""
		for _, o := range f.View().Organizations {
			if o.Slug == "example-co" {
				id = o.ID
			}
		}
		if id == "" {
			return errors.New("example-co not discovered")
		}
		if err := step("choose", signin.ScreenSignedIn, func() error { return f.ChooseOrganization(ctx, id) }); err != nil {
			return err
		}
		if v := f.View(); v.Screen != signin.ScreenSignedIn {
			return fmt.Errorf("ended on %s", v.Screen)
		}
		f.Close()
	}
	var kv []any
	for _, s := range steps {
		kv = append(kv, s+"_app_ms", fmt.Sprintf("%.2f", median(appMs[s])), s+"_end_ms", fmt.Sprintf("%.2f", median(endMs[s])),
			s+"_keychain_ms", fmt.Sprintf("%.2f", median(kcMs[s])),
			s+"_calls", fmt.Sprintf("%.0f", maxOf(calls[s])))
	}
	result(kv...)
	return nil
}

// scenarioKeychain: Set/Get/Delete on the real gnome-keyring through app/keychain.
//
//	keychain <iterations>
func scenarioKeychain(args []string) error {
	n := 50
	if len(args) == 1 {
		if x, err := strconv.Atoi(args[0]); err == nil && x > 0 {
			n = x
		}
	}
	kc := keychain.NewKeyring("stytch-desktop-bench", keychain.WithTimeout(10*time.Second))
	ctx := context.Background()
	value := []byte(strings.Repeat(`{"member":"bench"}`, 12)) // a session record's size
	var set, get, del []float64
	for i := 0; i < n; i++ {
		key := "bench-" + strconv.Itoa(i%4)
		s := time.Now()
		if err := kc.Set(ctx, key, value); err != nil {
			return err
		}
		set = append(set, ms(int64(time.Since(s))))
		s = time.Now()
		if _, err := kc.Get(ctx, key); err != nil {
			return err
		}
		get = append(get, ms(int64(time.Since(s))))
		s = time.Now()
		if err := kc.Delete(ctx, key); err != nil {
			return err
		}
		del = append(del, ms(int64(time.Since(s))))
	}
	result("set_p50_ms", f2(pct(set, 50)), "set_p99_ms", f2(pct(set, 99)),
		"get_p50_ms", f2(pct(get, 50)), "get_p99_ms", f2(pct(get, 99)),
		"delete_p50_ms", f2(pct(del, 50)), "delete_p99_ms", f2(pct(del, 99)))
	return nil
}

func f2(x float64) string { return fmt.Sprintf("%.2f", x) }

func median(xs []float64) float64 { return pct(xs, 50) }

// pct is the nearest-rank percentile.
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	return m
}
