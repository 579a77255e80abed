package signin

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The frontend's contract, written by Go: the screens, the notice kinds, the
// transition table, which bound method runs which action, and the View JSON
// shape. frontend/src/lib/contract.test.ts holds types.ts and backend.ts to it
// and the demo backend (frontend/src/lib/demo.ts) takes its allowed actions
// and screen changes from it, so the frontend restates none of it.
//
//	go test ./app/signin -run Golden -update   rewrites the file
//	go test ./app/signin -run Golden           fails when it is stale
//
// See docs/view-contract.md.

var updateGolden = flag.Bool("update", false, "rewrite the golden files (frontend/src/lib/contract.json)")

const contractFile = "../../frontend/src/lib/contract.json"

// boundActions says which action each method the screens call (Backend in
// frontend/src/lib/backend.ts, app.App in Go) runs; "" for the methods that
// run none (reads, the inbox page, a slug suggestion). SubmitLink runs
// complete_link or, for a pasted sign-in code, redeem_code.
var boundActions = map[string]Action{
	"State":                "",
	"OpenInbox":            "",
	"SuggestSlug":          "",
	"CompanyAPIMe":         "", // a read: the company API, not the flows
	"SendLink":             ActSendLink,
	"Resend":               ActResend,
	"UseAnotherEmail":      ActUseAnotherEmail,
	"SubmitLink":           ActCompleteLink,
	"RedeemCode":           ActRedeemCode,
	"ChooseOrganization":   ActChooseOrganization,
	"CreateOrganization":   ActCreateOrganization,
	"BackToOrganizations":  ActBackToOrganizations,
	"SignOut":              ActSignOut,
	"DismissNotice":        ActDismissNotice,
	"RetryRestore":         ActRetryRestore,
	"StartOAuth":           ActStartOAuth,
	"StartSSO":             ActStartSSO,
	"CancelBrowser":        ActCancelBrowser,
	"SubmitMFACode":        ActSubmitMFACode,
	"ResendSMS":            ActResendSMS,
	"UseMFAMethod":         ActUseMFAMethod,
	"SubmitPhone":          ActSubmitPhone,
	"SubmitBackupCode":     ActSubmitBackupCode,
	"ConfirmRecoveryCodes": ActConfirmRecoveryCodes,
	"SaveRecoveryCodes":    ActSaveRecoveryCodes,
	"CancelMFA":            ActCancelMFA,
	"ListOrganizations":    ActListOrganizations,
	"SwitchOrganization":   ActSwitchOrganization,
}

// contractField is one JSON field as the screens receive it. Type is
// "string", "number", "boolean", a struct's name (an object), or either
// followed by "[]". Optional: Go may leave the field out (omitempty).
// Nullable: Go may send null (a nil slice or pointer without omitempty).
// Enum names the list the value comes from (screens, kinds, memberships).
type contractField struct {
	Type     string `json:"type"`
	Optional bool   `json:"optional,omitempty"`
	Nullable bool   `json:"nullable,omitempty"`
	Enum     string `json:"enum,omitempty"`
}

type contractRow struct {
	Action     Action   `json:"action"`
	From       []Screen `json:"from"`
	To         []Screen `json:"to"`
	Background bool     `json:"background,omitempty"`
}

type contract struct {
	Comment     string                              `json:"comment"`
	Screens     []Screen                            `json:"screens"`
	Kinds       []Kind                              `json:"kinds"`
	Memberships []Membership                        `json:"memberships"`
	MFAMethods  []string                            `json:"mfaMethods"`
	Methods     map[string]Action                   `json:"methods"`
	Transitions []contractRow                       `json:"transitions"`
	Types       map[string]map[string]contractField `json:"types"` // "View" and every struct it holds
}

var enums = map[reflect.Type]string{
	reflect.TypeFor[Screen]():     "screens",
	reflect.TypeFor[Kind]():       "kinds",
	reflect.TypeFor[Membership](): "memberships",
}

// describe adds t's JSON fields to types (and, recursively, the structs it holds).
func describe(t *testing.T, typ reflect.Type, types map[string]map[string]contractField) {
	if _, done := types[typ.Name()]; done {
		return
	}
	fields := map[string]contractField{}
	types[typ.Name()] = fields
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			t.Fatalf("%s.%s has no json name", typ.Name(), f.Name)
		}
		cf := contractField{Optional: slices.Contains(strings.Split(opts, ","), "omitempty")}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			cf.Nullable = !cf.Optional
			ft = ft.Elem()
		}
		suffix := ""
		if ft.Kind() == reflect.Slice {
			cf.Nullable = !cf.Optional
			suffix = "[]"
			ft = ft.Elem()
		}
		cf.Enum = enums[ft]
		switch {
		case ft == reflect.TypeFor[time.Time]():
			cf.Type = "string" // RFC 3339
		case ft.Kind() == reflect.String:
			cf.Type = "string"
		case ft.Kind() == reflect.Bool:
			cf.Type = "boolean"
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Float64:
			cf.Type = "number"
		case ft.Kind() == reflect.Struct:
			cf.Type = ft.Name()
			describe(t, ft, types)
		default:
			t.Fatalf("%s.%s: no JSON type for %s", typ.Name(), f.Name, ft)
		}
		cf.Type += suffix
		fields[name] = cf
	}
}

func currentContract(t *testing.T) contract {
	c := contract{
		Comment: "Generated by TestContractGolden (app/signin/contract_golden_test.go); do not edit. " +
			"Regenerate: go test ./app/signin -run Golden -update. See docs/view-contract.md.",
		Screens:     Screens(),
		Kinds:       slices.Clone(Kinds),
		Memberships: []Membership{MembershipMember, MembershipInvited, MembershipPending, MembershipEligibleByDomain, MembershipEligibleByTenant},
		MFAMethods:  []string{MethodSMS, MethodTOTP, MethodBackupCode},
		Methods:     boundActions,
		Types:       map[string]map[string]contractField{},
	}
	for _, row := range Transitions() {
		c.Transitions = append(c.Transitions, contractRow{Action: row.Action, From: row.From, To: row.To, Background: row.Background})
		if c.Transitions[len(c.Transitions)-1].To == nil {
			c.Transitions[len(c.Transitions)-1].To = []Screen{}
		}
	}
	describe(t, reflect.TypeFor[View](), c.Types)
	return c
}

// Every action a screen can start has a method; every method's action is a row.
func TestContractMethodsCoverTheTable(t *testing.T) {
	covered := map[Action]bool{}
	for m, a := range boundActions {
		if a == "" {
			continue
		}
		if _, ok := rowFor(a); !ok {
			t.Errorf("method %s runs %q, which has no row in the transition table", m, a)
		}
		covered[a] = true
	}
	// ActRestore runs once at start-up, not from a screen.
	for _, row := range transitions {
		if !row.Background && row.Action != ActRestore && !covered[row.Action] {
			t.Errorf("action %s has no bound method in boundActions", row.Action)
		}
	}
}

func TestContractGolden(t *testing.T) {
	b, err := json.MarshalIndent(currentContract(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *updateGolden {
		if err := os.WriteFile(contractFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(contractFile)
	if err != nil {
		t.Fatalf("%v; run go test ./app/signin -run Golden -update", err)
	}
	if !bytes.Equal(want, b) {
		t.Fatalf("%s is stale: the Go contract changed. Run go test ./app/signin -run Golden -update, "+
			"then cd frontend && npm test (types.ts must follow)\n%s", contractFile, lineDiff(string(want), string(b)))
	}
}

// lineDiff shows the first lines that differ, enough to see what changed.
func lineDiff(old, cur string) string {
	a, b := strings.Split(old, "\n"), strings.Split(cur, "\n")
	var out []string
	for i := 0; i < max(len(a), len(b)) && len(out) < 20; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}
