package signin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/codeclient"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/openpage"
	"stytch-desktop/app/signin"
)

// The view sequences the screens receive, recorded from the real flows. Each
// named scenario runs here through the real flows and the real stytch-go
// client against the local API; the views every step emits, reduced to what
// the screens branch on, are compared with testdata/view-sequences.json. The
// frontend uses the recording twice: src/replay.test.ts plays each scenario
// on the screens against a backend that replays it (frontend/src/lib/replay.ts),
// and src/lib/demo.contract.test.ts holds the dev server's demo backend
// (frontend/src/lib/demo.ts) to the link and organization scenarios.
// go test ./app/signin -run Golden -update (or UPDATE_VIEW_SEQUENCES=1)
// rewrites the recording with the contract (contract_golden_test.go); then
// run the frontend's tests.

const viewSequencesFile = "testdata/view-sequences.json"

// seqStep is one thing the user (or the OS) does. Do is one of:
// send {email}, resend, link {which: valid | used | foreign | browser (the
// identity provider's answer to the last browser round trip)}, choose {slug},
// create {name, slug}, back, useAnotherEmail, dismiss, wait {seconds},
// fault {status, errorType, retryAfter} (the next step's send fails so),
// code {which: valid | wrong} (the /open page's sign-in code, then its link
// through the link door, as app/lifecycle does), mfaCode {which: right |
// wrong} (the texted code), cancelMFA, list (the organizations to switch
// to), switch {slug}, cancelBrowser.
type seqStep struct {
	Do         string `json:"do"`
	Email      string `json:"email,omitempty"`
	Which      string `json:"which,omitempty"`
	Slug       string `json:"slug,omitempty"`
	Name       string `json:"name,omitempty"`
	Seconds    int    `json:"seconds,omitempty"`
	Status     int    `json:"status,omitempty"`
	ErrorType  string `json:"errorType,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
}

// seqView is a view reduced to what the screens branch on. Consecutive equal
// reductions are merged (the flows may emit the same thing twice).
type seqView struct {
	Screen        signin.Screen  `json:"screen"`
	Busy          bool           `json:"busy"`
	Notice        *signin.Notice `json:"notice,omitempty"`
	Organization  string         `json:"organization,omitempty"`  // slug of view.organization
	Organizations int            `json:"organizations,omitempty"` // how many are listed
	ResendIn      int            `json:"resendIn,omitempty"`      // seconds until resend is allowed
	Email         string         `json:"email,omitempty"`
	MFAMethod     string         `json:"mfaMethod,omitempty"`       // view.mfa.method ("" on the enrollment choice)
	Switching     bool           `json:"switching,omitempty"`       // view.mfa.switching
	Browser       string         `json:"browser,omitempty"`         // view.browser.kind
	Others        int            `json:"others,omitempty"`          // how many otherOrganizations are listed
	BackupLeft    int            `json:"backupCodesLeft,omitempty"` // view.backupCodesLeft
}

type seqStepViews struct {
	Step  seqStep   `json:"step"`
	Views []seqView `json:"views"`
}

type seqScenario struct {
	Name string `json:"name"`
	// Browser: SSO and OAuth round trips are configured (a public token);
	// the screens see it as view.ssoAvailable.
	Browser bool `json:"browser"`
	// Codes: links open the /open page, which shows a sign-in code
	// (view.codeEntry).
	Codes   bool           `json:"codes,omitempty"`
	Initial seqView        `json:"initial"`
	Steps   []seqStepViews `json:"steps"`
}

type seqOrg struct {
	Slug          string            `json:"slug"`
	Name          string            `json:"name"`
	Membership    signin.Membership `json:"membership"`
	NeedsMoreAuth bool              `json:"needsMoreAuth"`
	SSORequired   bool              `json:"ssoRequired"`
}

type seqFixture struct {
	Comment               string        `json:"comment"`
	ResendIntervalSeconds int           `json:"resendIntervalSeconds"`
	Discovered            []seqOrg      `json:"discovered"` // what demo@example.com finds, in order
	Scenarios             []seqScenario `json:"scenarios"`
}

type viewScenario struct {
	name      string
	steps     []seqStep
	noBrowser bool
	codes     bool
}

var viewScenarios = []viewScenario{
	{"discovery, then choose an organization", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "northwind"},
	}, false, false},
	{"create with a taken slug, then with a free one", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"},
		{Do: "create", Name: "Acme", Slug: "acme"},
		{Do: "create", Name: "Acme", Slug: "acme-desktop"},
	}, false, false},
	{"a used link while a new sign-in waits", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "useAnotherEmail"},
		{Do: "wait", Seconds: 3}, {Do: "send", Email: demo}, {Do: "link", Which: "used"}, {Do: "dismiss"},
	}, false, false},
	{"a link from another project", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "foreign"}, {Do: "useAnotherEmail"},
	}, false, false},
	{"resend too soon", []seqStep{
		{Do: "send", Email: demo}, {Do: "resend"},
	}, false, false},
	{"resend refused by Stytch with Retry-After", []seqStep{
		{Do: "send", Email: demo}, {Do: "wait", Seconds: 3},
		{Do: "fault", Status: 429, ErrorType: "too_many_requests", RetryAfter: 20}, {Do: "resend"},
		{Do: "wait", Seconds: 21}, {Do: "resend"},
	}, false, false},
	{"an organization that needs MFA", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "fortress"},
	}, false, false},
	// Umbrella signs in by SSO only; without SSO configured (no public
	// token) it needs another sign-in method.
	{"an organization that needs another sign-in method, then back to the list", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "umbrella"},
		{Do: "back"}, {Do: "choose", Slug: "northwind"},
	}, true, false},
	{"MFA by text message: a wrong code, then the right one", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "fortress"},
		{Do: "mfaCode", Which: "wrong"}, {Do: "mfaCode", Which: "right"},
	}, false, false},
	{"MFA cancelled: back to the organization list", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "fortress"},
		{Do: "cancelMFA"}, {Do: "choose", Slug: "northwind"},
	}, false, false},
	// Umbrella signs in by SSO only and has one connection: choosing it
	// opens the browser at once; the identity provider's answer signs in.
	{"SSO: an organization that accepts only SSO, through the browser", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "umbrella"},
		{Do: "link", Which: "browser"},
	}, false, false},
	{"SSO cancelled: back to the organization list", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "umbrella"},
		{Do: "cancelBrowser"},
	}, false, false},
	{"a sign-in code from the /open page: a wrong one, then the right one", []seqStep{
		{Do: "send", Email: demo}, {Do: "code", Which: "wrong"}, {Do: "code", Which: "valid"},
		{Do: "choose", Slug: "northwind"},
	}, false, true},
	{"switch organizations: to one that needs MFA, cancelled, then done", []seqStep{
		{Do: "send", Email: demo}, {Do: "link", Which: "valid"}, {Do: "choose", Slug: "northwind"},
		{Do: "list"}, {Do: "switch", Slug: "fortress"}, {Do: "cancelMFA"},
		{Do: "wait", Seconds: 3}, {Do: "list"}, {Do: "switch", Slug: "fortress"}, {Do: "mfaCode", Which: "right"},
	}, false, false},
}

type seqRecorder struct {
	mu    sync.Mutex
	views []signin.View
}

func (r *seqRecorder) add(v signin.View) {
	r.mu.Lock()
	r.views = append(r.views, v)
	r.mu.Unlock()
}

func (r *seqRecorder) take() []signin.View {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.views
	r.views = nil
	return out
}

func reduceView(v signin.View, now time.Time) seqView {
	s := seqView{Screen: v.Screen, Busy: v.Busy, Organizations: len(v.Organizations), Email: v.Email}
	if v.Notice != nil {
		n := *v.Notice
		s.Notice = &n
	}
	if v.Organization != nil {
		s.Organization = v.Organization.Slug
	}
	if v.MFA != nil {
		s.MFAMethod, s.Switching = v.MFA.Method, v.MFA.Switching
	}
	if v.Browser != nil {
		s.Browser = v.Browser.Kind
	}
	s.Others = len(v.OtherOrganizations)
	if v.BackupCodesLeft != nil {
		s.BackupLeft = *v.BackupCodesLeft
	}
	if v.ResendAfter != nil && v.ResendAfter.After(now) {
		s.ResendIn = int((v.ResendAfter.Sub(now) + time.Second - 1) / time.Second)
	}
	return s
}

func reduceViews(vs []signin.View, now time.Time) []seqView {
	out := []seqView{}
	for _, v := range vs {
		r := reduceView(v, now)
		if len(out) > 0 && sameSeqView(out[len(out)-1], r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func sameSeqView(a, b seqView) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

const sendPath = "/v1/b2b/magic_links/email/discovery/send"

func runViewScenario(t *testing.T, vs viewScenario) (seqScenario, []seqOrg) {
	steps := vs.steps
	h := newHarness(t, ports["stytch-go"], func(c *signin.Config) {
		if vs.noBrowser {
			c.Browser = signin.BrowserConfig{}
		}
	})
	if vs.codes { // as codeHarness (code_test.go)
		h.cfg.EmailRedirectURL = h.baseURL + openpage.PagePath
		h.cfg.Codes = codeclient.New(h.baseURL+openpage.RedeemPath, deeplink.DefaultParser)
		h.flows = h.newDevice(h.store)
	}
	ctx := context.Background()
	if err := h.flows.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	rec := &seqRecorder{}
	h.flows.Subscribe(rec.add)
	sc := seqScenario{Initial: reduceView(h.flows.View(), h.clock.Now()), Browser: h.flows.View().SSOAvailable, Codes: h.flows.View().CodeEntry}
	var discovered []seqOrg
	var pendingEmail, usedLink string
	faulted := false
	for _, st := range steps {
		var err error
		switch st.Do {
		case "send":
			pendingEmail = st.Email
			err = h.flows.StartSignIn(ctx, st.Email)
		case "resend":
			err = h.flows.Resend(ctx)
		case "link":
			link := h.linkFor(pendingEmail)
			switch st.Which {
			case "valid":
				usedLink = link
			case "used":
				link = usedLink
			case "browser":
				link = h.browse(h.browser.last(t), pendingEmail)
			case "foreign": // a well-formed token this project never issued
				u, perr := url.Parse(link)
				if perr != nil {
					t.Fatal(perr)
				}
				q := u.Query()
				q.Set("token", "another-project-token-0123456789abcdefghijk=")
				u.RawQuery = q.Encode()
				link = u.String()
			default:
				t.Fatalf("link %q", st.Which)
			}
			err = h.paste(ctx, link)
		case "choose":
			err = h.flows.ChooseOrganization(ctx, orgBySlug(t, h.flows.View(), st.Slug).ID)
		case "create":
			err = h.flows.CreateOrganization(ctx, signin.NewOrganization{Name: st.Name, Slug: st.Slug})
		case "back":
			err = h.flows.BackToOrganizations(ctx)
		case "code":
			code := "ABCD-EFGH" // well formed, never issued
			if st.Which == "valid" {
				code = h.codeFor(pendingEmail)
			}
			var link deeplink.Link
			if link, err = h.flows.RedeemCode(ctx, code); err == nil {
				err = h.flows.CompleteLink(ctx, link)
			}
		case "mfaCode":
			code := h.smsCode(localstytch.DemoPhone)
			if st.Which == "wrong" {
				code = wrongCode(code)
			}
			err = h.flows.SubmitMFACode(ctx, code)
		case "cancelMFA":
			err = h.flows.CancelMFA(ctx)
		case "list":
			err = h.flows.ListOrganizations(ctx)
		case "switch":
			err = h.flows.SwitchOrganization(ctx, otherBySlug(t, h.flows.View(), st.Slug).ID)
		case "cancelBrowser":
			err = h.flows.CancelBrowser(ctx)
		case "useAnotherEmail":
			err = h.flows.UseAnotherEmail(ctx)
		case "dismiss":
			h.flows.DismissNotice()
		case "wait":
			h.clock.Advance(time.Duration(st.Seconds) * time.Second)
		case "fault":
			h.srv.SetFault(sendPath, localstytch.Fault{Status: st.Status, ErrorType: st.ErrorType,
				RetryAfter: time.Duration(st.RetryAfter) * time.Second})
			faulted = true
		default:
			t.Fatalf("unknown step %q", st.Do)
		}
		if st.Do != "fault" && faulted {
			h.srv.ClearFaults()
			faulted = false
		}
		_ = err // the views say what happened; that is what is compared
		views := rec.take()
		if v := h.flows.View(); v.Busy {
			t.Fatalf("step %+v left the view busy", st)
		}
		if st.Do == "link" && st.Which == "valid" && discovered == nil {
			for _, o := range h.flows.View().Organizations {
				discovered = append(discovered, seqOrg{Slug: o.Slug, Name: o.Name, Membership: o.Membership,
					NeedsMoreAuth: o.NeedsMoreAuth, SSORequired: o.SSORequired})
			}
		}
		sc.Steps = append(sc.Steps, seqStepViews{Step: st, Views: reduceViews(views, h.clock.Now())})
	}
	return sc, discovered
}

func TestViewSequencesGolden(t *testing.T) {
	got := seqFixture{
		Comment: "Generated by TestViewSequencesGolden (app/signin/viewsequences_test.go) from the real flows against the local API; " +
			"frontend/src/replay.test.ts replays it on the screens, frontend/src/lib/demo.contract.test.ts holds the demo backend to it. " +
			"Regenerate: go test ./app/signin -run Golden -update",
		ResendIntervalSeconds: 2, // the harness's signin.Config.ResendInterval
	}
	for _, sc := range viewScenarios {
		s, discovered := runViewScenario(t, sc)
		s.Name = sc.name
		got.Scenarios = append(got.Scenarios, s)
		if got.Discovered == nil {
			got.Discovered = discovered
		}
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	want, err := os.ReadFile(viewSequencesFile)
	if bytes.Equal(want, b) {
		return
	}
	// -update is defined by contract_golden_test.go (same test binary).
	if os.Getenv("UPDATE_VIEW_SEQUENCES") == "1" || flag.Lookup("update").Value.String() == "true" {
		if err := os.WriteFile(viewSequencesFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v; run go test ./app/signin -run Golden -update", viewSequencesFile, err)
	}
	t.Fatalf("%s is out of date with the flows; run go test ./app/signin -run Golden -update "+
		"and make the frontend follow (cd frontend && npm test)\nwant:\n%s", viewSequencesFile, b)
}
