package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

// savingRecorder is a window whose save dialog answers with path.
type savingRecorder struct {
	*recorder
	path string
}

func (s *savingRecorder) SaveFileDialog(title, name string) (string, error) { return s.path, nil }

// TestNoMFASecretAnywhere runs MFA through the bound methods — a texted code,
// switching into an organization that sets up an authenticator app, the
// backup codes saved to a file the user chose, a backup code at the next
// sign-in — and checks that no texted code, TOTP secret or backup code
// reaches the logs, the keychain or a file the app wrote, and that the TOTP
// secret and the backup codes reach the screens only on the enrollment
// screens that show them.
func TestNoMFASecretAnywhere(t *testing.T) {
	t.Run("direct", func(t *testing.T) { noMFASecretAnywhere(t, false) })
	t.Run("local", func(t *testing.T) { noMFASecretAnywhere(t, true) })
}

func noMFASecretAnywhere(t *testing.T, local bool) {
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	projectSecret := "secret-test-" + base64.RawURLEncoding.EncodeToString(raw)
	srv, err := localstytch.New(localstytch.Options{Seed: true, Secret: projectSecret})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	env := map[string]string{config.EnvProjectID: srv.ProjectID(), config.EnvSecret: projectSecret, config.EnvBaseURL: base}
	if local {
		env = nil
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lifecycletest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	chosen := filepath.Join(t.TempDir(), "my-backup-codes.txt") // where the user saves the codes
	store := keychaintest.NewMemory()
	a, lc := newApp(cfg, core.Options{Secrets: store, StateDir: dir, Logger: logger, SkipSchemeRegistration: true})
	win := &savingRecorder{recorder: &recorder{}, path: chosen}
	lc.Start(win)
	defer lc.Shutdown(context.Background())
	var returned []signin.View
	keep := func(v signin.View) signin.View { returned = append(returned, v); return v }

	inbox := win.WaitScreen(t, signin.ScreenSignedOut).InboxURL
	if !local {
		inbox = base + "/"
	}
	signIn := func(slug string) signin.View {
		t.Helper()
		keep(a.SendLink(localstytch.DemoEmail))
		_, link := lifecycletest.AppLink(t, inbox, localstytch.DemoEmail)
		v := keep(a.SubmitLink(link))
		for _, o := range v.Organizations {
			if o.Slug == slug {
				return keep(a.ChooseOrganization(o.ID))
			}
		}
		t.Fatalf("%s not discovered: %+v", slug, v)
		return v
	}
	var smsCodes []string
	textCode := func() string {
		t.Helper()
		resp, err := http.Get(inbox + "emulator/messages?to=" + url.QueryEscape(localstytch.DemoPhone))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Messages []struct{ Code string } }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Messages) == 0 {
			t.Fatalf("no text: %v", err)
		}
		smsCodes = append(smsCodes, out.Messages[0].Code)
		return out.Messages[0].Code
	}

	// A texted code into Fortress Bank.
	if v := signIn("fortress"); v.Screen != signin.ScreenMFASMS {
		t.Fatalf("fortress: %+v", v)
	}
	if v := keep(a.SubmitMFACode(textCode())); v.Screen != signin.ScreenSignedIn {
		t.Fatalf("after the code: %+v", v)
	}
	// Switch to Vault Labs: set up an authenticator app there.
	var vault string
	for _, o := range keep(a.ListOrganizations()).OtherOrganizations {
		if o.Slug == "vault" {
			vault = o.ID
		}
	}
	enroll := keep(a.SwitchOrganization(vault))
	if enroll.Screen != signin.ScreenMFAEnrollTOTP || len(enroll.MFA.TOTPSecret) != 32 {
		t.Fatalf("switch to vault: %+v", enroll)
	}
	secret := enroll.MFA.TOTPSecret
	totp, _ := localstytch.TOTPCode(secret, time.Now().Unix())
	codes := keep(a.SubmitMFACode(totp))
	if codes.Screen != signin.ScreenMFARecoveryCodes || len(codes.MFA.RecoveryCodes) != 10 {
		t.Fatalf("after the authenticator code: %+v", codes)
	}
	backup := codes.MFA.RecoveryCodes
	if v := keep(a.SaveRecoveryCodes()); v.MFA == nil || v.MFA.SavedTo != chosen {
		t.Fatalf("save: %+v", v.MFA)
	}
	keep(a.ConfirmRecoveryCodes())
	keep(a.SignOut())
	// Next sign-in into Vault Labs with a backup code (after the local API's
	// one-email-a-second limit for the address).
	time.Sleep(1100 * time.Millisecond)
	if v := signIn("vault"); v.Screen != signin.ScreenMFATOTP {
		t.Fatalf("vault again: %+v", v)
	}
	keep(a.UseMFAMethod(signin.MethodBackupCode))
	if v := keep(a.SubmitBackupCode(backup[0])); v.Screen != signin.ScreenSignedIn || *v.BackupCodesLeft != 9 {
		t.Fatalf("backup code: %+v", v)
	}
	keep(a.SignOut())

	// Where the TOTP secret and backup codes may appear: their two screens.
	shown := map[signin.Screen]bool{signin.ScreenMFAEnrollTOTP: true, signin.ScreenMFARecoveryCodes: true}
	var screensJSON, elsewhere []string
	split := func(v signin.View) {
		b, _ := json.Marshal(v)
		if shown[v.Screen] {
			screensJSON = append(screensJSON, string(b))
		} else {
			elsewhere = append(elsewhere, string(b))
		}
	}
	win.Mu.Lock()
	for _, v := range win.Views {
		split(v)
	}
	win.Mu.Unlock()
	for _, v := range returned {
		split(v)
	}
	haystacks := map[string]string{"logs": logs.String(), "views of other screens": strings.Join(elsewhere, "\n")}
	for _, k := range []string{"session", "session-jwt", "pending-flow"} {
		if b, err := store.Get(context.Background(), k); err == nil {
			haystacks["keychain "+k] = string(b)
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			content, _ := os.ReadFile(path)
			haystacks["file "+filepath.Base(path)] = string(content)
		}
		return nil
	})
	if local && len(haystacks) < 4 {
		t.Fatalf("local mode wrote no state to check: %v", haystacks)
	}
	onScreens := strings.Join(screensJSON, "\n")
	if !strings.Contains(onScreens, secret) || !strings.Contains(onScreens, backup[9]) {
		t.Fatal("test setup: the enrollment screens did not show the secret and codes")
	}
	if saved, _ := os.ReadFile(chosen); !strings.Contains(string(saved), backup[9]) {
		t.Fatal("the file the user chose lacks the codes")
	}
	secrets := map[string]string{"TOTP secret": secret}
	for i, c := range backup {
		secrets["backup code "+string(rune('0'+i))] = c
	}
	for name, s := range secrets {
		for where, h := range haystacks {
			if strings.Contains(h, s) {
				t.Errorf("%s found in %s", name, where)
			}
		}
	}
	// A 6-digit code could occur by chance inside a longer number: look for
	// it standing alone.
	if len(smsCodes) == 0 {
		t.Fatal("test setup: no texted code captured")
	}
	for _, c := range append(smsCodes, totp) {
		re := regexp.MustCompile(`(^|[^0-9])` + c + `([^0-9]|$)`)
		for where, h := range haystacks {
			if where == "views of other screens" {
				continue // a code the user typed is not sent back, but short numbers (seq) may match by chance
			}
			if re.MatchString(h) {
				t.Errorf("code %s found in %s", c, where)
			}
		}
	}
}
