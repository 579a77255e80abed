package lifecycle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
)

// window is a lifecycle.Window that records the views it is sent.
type window struct {
	mu    sync.Mutex
	views []signin.View
}

func (w *window) Emit(_ string, data any) {
	if v, ok := data.(signin.View); ok {
		w.mu.Lock()
		w.views = append(w.views, v)
		w.mu.Unlock()
	}
}
func (w *window) BringToFront()  {}
func (w *window) OpenURL(string) {}

// saver is a window with a save dialog (lifecycle.FileSaver) that answers
// path ("" = the user cancelled).
type saver struct {
	window
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
	deadline := time.Now().Add(10 * time.Second)
	for lc.State().Screen != signin.ScreenSignedOut {
		if time.Now().After(deadline) {
			t.Fatalf("never signed out: %+v", lc.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return lc
}

// The run-wide warning stays on the view SaveRecoveryCodes returns, whatever
// the save dialog did: cancelled, or no dialog at all (the banner used to
// vanish after saving backup codes).
func TestSaveRecoveryCodesKeepsTheWarning(t *testing.T) {
	for name, win := range map[string]lifecycle.Window{
		"dialog cancelled":    &saver{},
		"no dialog":           &window{},
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
