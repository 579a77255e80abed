package lifecycle_test

import (
	"context"
	"testing"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/lifecycle/lifecycletest"
	"stytch-desktop/app/signin"
)

// saver is a window with a save dialog (lifecycle.FileSaver) that answers
// path ("" = the user cancelled).
type saver struct {
	lifecycletest.Recorder
	path string
}

func (s *saver) SaveFileDialog(_, _ string) (string, error) { return s.path, nil }

func started(t *testing.T, win lifecycle.Window) *lifecycle.Lifecycle {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	lc := lifecycle.New(cfg, core.Options{Secrets: keychaintest.NewMemory(), StateDir: t.TempDir(), SkipSchemeRegistration: true})
	lc.Warn(signin.KindSingleInstanceUnavailable)
	lc.Start(win)
	t.Cleanup(func() { lc.Shutdown(context.Background()) })
	lifecycletest.WaitFor(t, func() bool { return lc.State().Screen == signin.ScreenSignedOut })
	return lc
}

// The run-wide warning stays on the view SaveRecoveryCodes returns, whatever
// the save dialog did: cancelled, or no dialog at all (the banner used to
// vanish after saving backup codes).
func TestSaveRecoveryCodesKeepsTheWarning(t *testing.T) {
	for name, win := range map[string]lifecycle.Window{
		"dialog cancelled":    &saver{},
		"no dialog":           &lifecycletest.Recorder{},
		"codes not on screen": &saver{path: t.TempDir() + "/codes.txt"},
	} {
		t.Run(name, func(t *testing.T) {
			lc := started(t, win)
			if v := lc.SaveRecoveryCodes(); v.Warning != signin.KindSingleInstanceUnavailable {
				t.Fatalf("SaveRecoveryCodes returned a view without the run's warning: %+v", v)
			}
		})
	}
}
