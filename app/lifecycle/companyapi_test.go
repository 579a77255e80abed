package lifecycle_test

import (
	"context"
	"slices"
	"testing"

	"stytch-desktop/app/companyapi"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

// startLocalMode runs the app in local mode (the local Stytch-compatible
// API and, unless env names a company API, the example API in-process).
func startLocalMode(t *testing.T, env map[string]string) *lifecycle.Lifecycle {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	lc := lifecycle.New(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	win := &lifecycletest.Recorder{}
	lc.Start(win)
	t.Cleanup(func() { lc.Shutdown(context.Background()) })
	win.WaitScreen(t, signin.ScreenSignedOut)
	return lc
}

func signInLocal(t *testing.T, lc *lifecycle.Lifecycle) signin.View {
	t.Helper()
	sendLink(lc, "demo@example.com")
	_, link := lifecycletest.AppLink(t, lc.State().InboxURL, "demo@example.com")
	v := lc.Paste(link)
	for _, o := range v.Organizations {
		if o.Slug == "northwind" {
			v = chooseOrganization(lc, o.ID)
		}
	}
	if v.Screen != signin.ScreenSignedIn {
		t.Fatalf("not signed in: %+v", v)
	}
	return v
}

// The signed-in screen's call to the company API, through the real local
// API and the example API local mode runs: the API names the member.
func TestCompanyAPIMeInLocalMode(t *testing.T) {
	t.Run("the example API", func(t *testing.T) {
		lc := startLocalMode(t, nil)
		if me := lc.CompanyAPIMe(); me.Status != companyapi.MeSignedOut {
			t.Fatalf("signed out: %+v", me)
		}
		v := signInLocal(t, lc)
		me := lc.CompanyAPIMe()
		if me.Status != companyapi.MeOK || me.HTTPStatus != 200 || me.MemberID != v.Member.ID || me.Email != "demo@example.com" ||
			me.OrganizationID != v.Organization.ID || me.OrganizationName != v.Organization.Name || !slices.Contains(me.Roles, "stytch_member") {
			t.Fatalf("me %+v for %+v", me, v)
		}
		if v := lc.Do(func(ctx context.Context, f *signin.Flows) error { return f.SignOut(ctx) }); v.Screen != signin.ScreenSignedOut {
			t.Fatalf("sign-out: %+v", v)
		}
		if me := lc.CompanyAPIMe(); me.Status != companyapi.MeSignedOut {
			t.Fatalf("after sign-out: %+v", me)
		}
	})
	t.Run("a configured API that does not answer", func(t *testing.T) {
		lc := startLocalMode(t, map[string]string{config.EnvCompanyAPIURL: "http://127.0.0.1:1"})
		signInLocal(t, lc)
		if me := lc.CompanyAPIMe(); me.Status != companyapi.MeUnreachable {
			t.Fatalf("me %+v", me)
		}
	})
}
