package signin_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// The fault matrix: every step of every flow × every fault the local API can
// inject. Each cell must end in a defined state with a clear notice and keep
// what the user had (checked by the step's recover func once the fault is
// gone). README's reliability section carries the observed table; the test
// fails if it drifts (UPDATE_FAULT_MATRIX=1 go test -run TestFaultMatrix
// ./app/signin rewrites it).

type fault struct {
	name  string
	fault localstytch.Fault
	ok    bool // the step succeeds anyway
}

var faults = []fault{
	{name: "latency past the deadline", fault: localstytch.Fault{Latency: 5 * time.Second}},
	{name: "500", fault: localstytch.Fault{Status: 500}},
	{name: "503", fault: localstytch.Fault{Status: 503}},
	{name: "429 + Retry-After", fault: localstytch.Fault{Status: 429, ErrorType: "too_many_requests", RetryAfter: 3 * time.Second}},
	{name: "connection reset", fault: localstytch.Fault{Drop: true}},
	{name: "malformed JSON", fault: localstytch.Fault{MalformedJSON: true}},
	{name: "unknown extra fields", fault: localstytch.Fault{ExtraFields: true}, ok: true},
}

type step struct {
	name string
	path string
	// setup brings h to the step; act runs it (faults are on by then);
	// settle waits for background work; recover proves nothing was lost.
	setup   func(t *testing.T, h *harness) any
	act     func(t *testing.T, h *harness, st any) error
	settle  func(t *testing.T, h *harness)
	recover func(t *testing.T, h *harness, st any)
	on429   signin.Kind // the notice a 429 gives (default rate_limited)
}

var ctx = context.Background()

func chooseNorthwindFresh(t *testing.T, h *harness) error {
	h.signInDiscovery(h.flows, demo)
	return chooseNorthwind(t, h)
}

func chooseNorthwind(t *testing.T, h *harness) error {
	return h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), "northwind").ID)
}

var steps = []step{
	{
		name: "send link", path: "/v1/b2b/magic_links/email/discovery/send",
		setup: func(t *testing.T, h *harness) any { _ = h.flows.Restore(ctx); return nil },
		act:   func(t *testing.T, h *harness, _ any) error { return h.flows.StartSignIn(ctx, demo) },
		recover: func(t *testing.T, h *harness, _ any) {
			if h.flows.View().Email != demo {
				t.Fatal("typed email lost")
			}
			if h.flows.View().Screen == signin.ScreenSignedOut {
				h.clock.Advance(5 * time.Second)
				if err := h.flows.StartSignIn(ctx, demo); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenLinkSent)
		},
	},
	{
		name: "open link", path: "/v1/b2b/magic_links/discovery/authenticate",
		setup: func(t *testing.T, h *harness) any {
			_ = h.flows.Restore(ctx)
			if err := h.flows.StartSignIn(ctx, demo); err != nil {
				t.Fatal(err)
			}
			return h.parse(h.linkFor(demo))
		},
		act: func(t *testing.T, h *harness, st any) error { return h.flows.CompleteLink(ctx, st.(deeplinkLink)) },
		recover: func(t *testing.T, h *harness, st any) {
			if h.flows.View().Screen == signin.ScreenLinkSent { // the same link still completes
				if err := h.flows.CompleteLink(ctx, st.(deeplinkLink)); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenChoosingOrganization)
		},
	},
	{
		name: "choose organization", path: "/v1/b2b/discovery/intermediate_sessions/exchange",
		setup: func(t *testing.T, h *harness) any { h.signInDiscovery(h.flows, demo); return nil },
		act:   func(t *testing.T, h *harness, _ any) error { return chooseNorthwind(t, h) },
		recover: func(t *testing.T, h *harness, _ any) {
			if h.flows.View().Screen == signin.ScreenChoosingOrganization { // list and intermediate session kept
				if err := chooseNorthwind(t, h); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "create organization", path: "/v1/b2b/discovery/organizations/create",
		setup: func(t *testing.T, h *harness) any { h.signInDiscovery(h.flows, demo); return nil },
		act: func(t *testing.T, h *harness, _ any) error {
			return h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Matrix Co", Slug: "matrix-co"})
		},
		recover: func(t *testing.T, h *harness, _ any) {
			if h.flows.View().Screen == signin.ScreenChoosingOrganization {
				if err := h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: "Matrix Co", Slug: "matrix-co"}); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "restore session", path: "/v1/b2b/sessions/authenticate",
		setup: func(t *testing.T, h *harness) any {
			h.signInDiscovery(h.flows, demo)
			if err := chooseNorthwind(t, h); err != nil {
				t.Fatal(err)
			}
			h.flows.Close()
			_ = h.store.Delete(ctx, "session-jwt") // force the remote check
			h.flows = h.newDevice(h.store)
			tok, _ := h.storedSession()
			return tok
		},
		act:    func(t *testing.T, h *harness, _ any) error { return h.flows.Restore(ctx) },
		settle: settleCheck,
		recover: func(t *testing.T, h *harness, st any) {
			if tok, ok := h.storedSession(); !ok || tok != st.(string) {
				t.Fatal("stored session changed")
			}
			waitView(t, h.flows, "online", func(v signin.View) bool { return v.Screen == signin.ScreenSignedIn && !v.Offline })
		},
	},
	{
		name: "refresh session", path: "/v1/b2b/sessions/authenticate",
		setup: func(t *testing.T, h *harness) any {
			h.signInDiscovery(h.flows, demo)
			if err := chooseNorthwind(t, h); err != nil {
				t.Fatal(err)
			}
			tok, _ := h.storedSession()
			return tok
		},
		act:    func(t *testing.T, h *harness, _ any) error { return h.flows.CheckSessionNow(ctx) },
		settle: func(t *testing.T, h *harness) {},
		recover: func(t *testing.T, h *harness, st any) {
			if tok, ok := h.storedSession(); !ok || tok != st.(string) {
				t.Fatal("stored session changed")
			}
			if err := h.flows.CheckSessionNow(ctx); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "resend text code", path: "/v1/b2b/otps/sms/send",
		setup: func(t *testing.T, h *harness) any {
			enter(t, h, "fortress")
			h.clock.Advance(31 * time.Second)
			return nil
		},
		act: func(t *testing.T, h *harness, _ any) error { return h.flows.ResendSMS(ctx) },
		recover: func(t *testing.T, h *harness, _ any) {
			wantScreen(t, h.flows, signin.ScreenMFASMS) // the step and its first code are kept
			if err := h.flows.SubmitMFACode(ctx, h.smsCode(localstytch.DemoPhone)); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "verify text code", path: "/v1/b2b/otps/sms/authenticate", on429: signin.KindTooManyAttempts,
		setup: func(t *testing.T, h *harness) any {
			enter(t, h, "fortress")
			return h.smsCode(localstytch.DemoPhone)
		},
		act: func(t *testing.T, h *harness, st any) error { return h.flows.SubmitMFACode(ctx, st.(string)) },
		recover: func(t *testing.T, h *harness, st any) {
			if h.flows.View().Screen == signin.ScreenMFASMS { // the same code still works
				if err := h.flows.SubmitMFACode(ctx, st.(string)); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "set up authenticator app", path: "/v1/b2b/totp",
		setup: func(t *testing.T, h *harness) any { enter(t, h, "harbor"); return nil },
		act:   func(t *testing.T, h *harness, _ any) error { return h.flows.UseMFAMethod(ctx, signin.MethodTOTP) },
		recover: func(t *testing.T, h *harness, _ any) {
			if h.flows.View().Screen == signin.ScreenMFAEnrollChoose {
				if err := h.flows.UseMFAMethod(ctx, signin.MethodTOTP); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenMFAEnrollTOTP)
			if err := h.flows.SubmitMFACode(ctx, totpNow(t, h)); err != nil {
				t.Fatal(err)
			}
			wantScreen(t, h.flows, signin.ScreenMFARecoveryCodes)
		},
	},
	{
		name: "verify authenticator code", path: "/v1/b2b/totp/authenticate", on429: signin.KindTooManyAttempts,
		setup: func(t *testing.T, h *harness) any {
			secret, _, err := h.srv.EnrollTOTP("vault", demo)
			if err != nil {
				t.Fatal(err)
			}
			enter(t, h, "vault")
			return totpNow(t, h, secret)
		},
		act: func(t *testing.T, h *harness, st any) error { return h.flows.SubmitMFACode(ctx, st.(string)) },
		recover: func(t *testing.T, h *harness, st any) {
			if h.flows.View().Screen == signin.ScreenMFATOTP {
				if err := h.flows.SubmitMFACode(ctx, st.(string)); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "backup code", path: "/v1/b2b/recovery_codes/recover", on429: signin.KindTooManyAttempts,
		setup: func(t *testing.T, h *harness) any {
			_, codes, err := h.srv.EnrollTOTP("vault", demo)
			if err != nil {
				t.Fatal(err)
			}
			enter(t, h, "vault")
			if err := h.flows.UseMFAMethod(ctx, signin.MethodBackupCode); err != nil {
				t.Fatal(err)
			}
			return codes[0]
		},
		act: func(t *testing.T, h *harness, st any) error { return h.flows.SubmitBackupCode(ctx, st.(string)) },
		recover: func(t *testing.T, h *harness, st any) {
			if h.flows.View().Screen == signin.ScreenMFABackupCode {
				if err := h.flows.SubmitBackupCode(ctx, st.(string)); err != nil {
					t.Fatal(err)
				}
			}
			wantScreen(t, h.flows, signin.ScreenSignedIn)
		},
	},
	{
		name: "list organizations", path: "/v1/b2b/discovery/organizations",
		setup: func(t *testing.T, h *harness) any {
			if err := chooseNorthwindFresh(t, h); err != nil {
				t.Fatal(err)
			}
			tok, _ := h.storedSession()
			return tok
		},
		act: func(t *testing.T, h *harness, _ any) error { return h.flows.ListOrganizations(ctx) },
		recover: func(t *testing.T, h *harness, st any) {
			if tok, ok := h.storedSession(); !ok || tok != st.(string) {
				t.Fatal("stored session changed")
			}
			if err := h.flows.ListOrganizations(ctx); err != nil {
				t.Fatal(err)
			}
			if v := wantScreen(t, h.flows, signin.ScreenSignedIn); len(v.OtherOrganizations) < 4 {
				t.Fatalf("other organizations = %+v", v.OtherOrganizations)
			}
		},
	},
	{
		name: "switch organization", path: "/v1/b2b/sessions/exchange",
		setup: func(t *testing.T, h *harness) any {
			if err := chooseNorthwindFresh(t, h); err != nil {
				t.Fatal(err)
			}
			if err := h.flows.ListOrganizations(ctx); err != nil {
				t.Fatal(err)
			}
			tok, _ := h.storedSession()
			return tok
		},
		act: func(t *testing.T, h *harness, _ any) error {
			return h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "acme").ID)
		},
		recover: func(t *testing.T, h *harness, st any) {
			if v := h.flows.View(); v.Screen == signin.ScreenSignedIn && v.Organization.Slug == "northwind" {
				if tok, ok := h.storedSession(); !ok || tok != st.(string) {
					t.Fatal("the current session was lost to a failed switch")
				}
				if err := h.flows.ListOrganizations(ctx); err != nil {
					t.Fatal(err)
				}
				if err := h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), "acme").ID); err != nil {
					t.Fatal(err)
				}
			}
			if v := wantScreen(t, h.flows, signin.ScreenSignedIn); v.Organization.Slug != "acme" {
				t.Fatalf("organization = %+v", v.Organization)
			}
		},
	},
	{
		name: "sign out", path: "/v1/b2b/sessions/revoke",
		setup: func(t *testing.T, h *harness) any {
			h.signInDiscovery(h.flows, demo)
			if err := chooseNorthwind(t, h); err != nil {
				t.Fatal(err)
			}
			return nil
		},
		act: func(t *testing.T, h *harness, _ any) error { return h.flows.SignOut(ctx) },
		recover: func(t *testing.T, h *harness, _ any) {
			if _, ok := h.storedSession(); ok {
				t.Fatal("signed out but the session is still stored")
			}
			wantScreen(t, h.flows, signin.ScreenSignedOut)
		},
	},
}

// settleCheck waits for the background session check to report.
func settleCheck(t *testing.T, h *harness) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		l := h.logs.String()
		if strings.Contains(l, "session check failed") || strings.Contains(l, "session confirmed") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the background session check never reported")
}

type cell struct{ step, fault, outcome string }

func describe(v signin.View) string {
	s := string(v.Screen)
	if v.Offline {
		s += " (offline)"
	}
	if v.Notice != nil {
		s += ", notice `" + string(v.Notice.Kind) + "`"
		if v.Notice.RetryAfterSeconds > 0 {
			s += fmt.Sprintf(" (%d s)", v.Notice.RetryAfterSeconds)
		}
	}
	return s
}

func TestFaultMatrix(t *testing.T) {
	port := ports["stytch-go"]
	var mu sync.Mutex
	var cells []cell
	for _, st := range steps {
		for _, fl := range faults {
			t.Run(st.name+"/"+fl.name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, port, func(c *signin.Config) {
					// Generous for a loaded CI machine; the latency fault is longer still.
					c.CallTimeout = 1500 * time.Millisecond
					c.RevokeTimeout = 1500 * time.Millisecond
					c.BackoffMin = 100 * time.Millisecond
				})
				state := st.setup(t, h)
				h.srv.SetFault(st.path, fl.fault)
				err := st.act(t, h, state)
				if st.settle != nil {
					st.settle(t, h)
				}
				v := h.flows.View()
				if v.Busy {
					t.Fatalf("left busy: %+v", v)
				}
				switch {
				case fl.ok && err != nil:
					t.Fatalf("unknown extra fields must be ignored, got %v", err)
				case !fl.ok && st.name != "restore session" && st.name != "sign out" && err == nil:
					// (restore reports in the background; sign-out succeeds
					// locally and retries the revoke in the background)
					t.Fatalf("fault not reported")
				case !fl.ok && st.name != "sign out" && st.name != "restore session" && v.Notice == nil && st.name != "refresh session":
					t.Fatalf("no notice: %+v", v)
				}
				if !fl.ok && fl.fault.Status == 429 && st.name != "restore session" && st.name != "refresh session" && st.name != "sign out" {
					want := signin.KindRateLimited
					if st.on429 != "" {
						want = st.on429 // on a code check Stytch's 429 means too many tries
					}
					if v.Notice == nil || v.Notice.Kind != want || v.Notice.RetryAfterSeconds != 3 {
						t.Fatalf("429 should say when to retry: %+v", v.Notice)
					}
				}
				mu.Lock()
				cells = append(cells, cell{st.name, fl.name, describe(v)})
				mu.Unlock()
				h.srv.ClearFaults()
				st.recover(t, h, state)
			})
		}
	}
	t.Cleanup(func() {
		if t.Failed() || len(cells) != len(steps)*len(faults) { // a -run subset can't check the table
			return
		}
		checkReadmeMatrix(t, cells)
	})
}

const (
	matrixStart = "<!-- fault-matrix:start (generated by TestFaultMatrix) -->"
	matrixEnd   = "<!-- fault-matrix:end -->"
)

func renderMatrix(cells []cell) string {
	outcome := map[[2]string]string{}
	for _, c := range cells {
		outcome[[2]string{c.step, c.fault}] = c.outcome
	}
	var b strings.Builder
	b.WriteString("| step \\ fault |")
	for _, f := range faults {
		b.WriteString(" " + f.name + " |")
	}
	b.WriteString("\n|---|")
	for range faults {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	names := make([]string, 0, len(steps))
	for _, s := range steps {
		names = append(names, s.name)
	}
	for _, s := range names {
		b.WriteString("| " + s + " |")
		for _, f := range faults {
			b.WriteString(" " + outcome[[2]string{s, f.name}] + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func checkReadmeMatrix(t *testing.T, cells []cell) {
	sort.Slice(cells, func(i, j int) bool { return cells[i].step+cells[i].fault < cells[j].step+cells[j].fault })
	table := renderMatrix(cells)
	const readme = "../../README.md"
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, matrixStart), strings.Index(s, matrixEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the fault-matrix markers")
	}
	current := strings.TrimSpace(s[i+len(matrixStart) : j])
	if current == strings.TrimSpace(table) {
		return
	}
	if os.Getenv("UPDATE_FAULT_MATRIX") == "1" {
		s = s[:i+len(matrixStart)] + "\n" + table + s[j:]
		if err := os.WriteFile(readme, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README's fault matrix is out of date; run UPDATE_FAULT_MATRIX=1 go test -run TestFaultMatrix ./app/signin\nwant:\n%s", table)
}
