// Command stytch-desktop is a desktop app in which employees of B2B customers
// sign in with Stytch email magic links. main only wires the Wails shell to
// the lifecycle (app/lifecycle) and binds the screens' actions (app.App);
// everything it does happens after wails.Run starts the window.
package main

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"stytch-desktop/app"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/trace"
)

//go:embed all:frontend/dist
var assets embed.FS

// singleInstanceID is stable across versions: a link opened while the app runs
// is handed to the running instance over D-Bus (Linux) or the OS equivalent.
const singleInstanceID = "io.stytch-desktop.signin"

func main() {
	trace.Mark("main")
	logger := newLogger()
	// A link opened while the app runs: hand it over before GTK and WebKit
	// start (Wails' own lock would only check after creating a window).
	if !bindingsBuild {
		forwarded, err := forwardToRunningInstance(singleInstanceID, os.Args[1:])
		if forwarded {
			trace.Mark("forwarded")
			logger.Info("handed over to the running instance")
			os.Exit(0)
		}
		if err != nil {
			logger.Debug("no early hand-off; starting normally", "error", err.Error())
		}
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil && !bindingsBuild {
		fmt.Fprintln(os.Stderr, "stytch-desktop:", err)
		os.Exit(2)
	}
	gpu, err := webviewGPUPolicy(os.Getenv)
	if err != nil && !bindingsBuild {
		fmt.Fprintln(os.Stderr, "stytch-desktop:", err)
		os.Exit(2)
	}
	lc := lifecycle.New(cfg, core.Options{
		Logger: logger,
		// For test rigs that register a wrapper as the scheme handler.
		SkipSchemeRegistration: os.Getenv("STYTCH_DESKTOP_SKIP_SCHEME_REGISTRATION") == "1",
	})
	win := &wailsWindow{}

	err = wails.Run(&options.App{
		Title:            "stytch-desktop",
		Width:            520,
		Height:           720,
		MinWidth:         420,
		MinHeight:        560,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		OnStartup: func(ctx context.Context) {
			// Runs in a short-lived second instance too: only remember the context.
			win.ctx = ctx
		},
		OnDomReady: func(ctx context.Context) {
			trace.Mark("dom-ready")
			// A link in argv (cold start from the OS handler) waits in the
			// inbox until the flows are ready. Read here, not before wails.Run,
			// so a short-lived second instance never looks at it.
			lc.Links().OfferArgs(os.Args[1:])
			go lc.Start(win)
		},
		OnShutdown: lc.Shutdown,
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId: singleInstanceID,
			OnSecondInstanceLaunch: func(d options.SecondInstanceData) {
				trace.Mark("link-forwarded")
				lc.Links().OfferArgs(d.Args)
			},
		},
		Mac:   &mac.Options{OnUrlOpen: func(u string) { lc.Links().Offer(u) }},
		Linux: &linux.Options{ProgramName: "stytch-desktop", WebviewGpuPolicy: gpu},
		Bind:  bindings(lc),
	})
	if err != nil {
		logger.Error("window failed", "error", err.Error())
		os.Exit(1)
	}
}

// bindings are what the page may call: the screens' actions, and the bench's
// trace marks only when STYTCH_DESKTOP_TRACE is on (otherwise the page finds
// no Tracer and makes no call for it).
func bindings(lc *lifecycle.Lifecycle) []any {
	b := []any{app.New(lc)}
	if trace.Enabled() {
		b = append(b, &Tracer{})
	}
	return b
}

// wailsWindow adapts the Wails runtime to lifecycle.Window.
type wailsWindow struct{ ctx context.Context }

func (w *wailsWindow) Emit(event string, data any) {
	if v, ok := data.(signin.View); ok && trace.Enabled() {
		trace.Mark("view-emitted", "screen", string(v.Screen))
	}
	runtime.EventsEmit(w.ctx, event, data)
}
func (w *wailsWindow) OpenURL(url string) { runtime.BrowserOpenURL(w.ctx, url) }
func (w *wailsWindow) BringToFront() {
	runtime.WindowUnminimise(w.ctx)
	runtime.WindowShow(w.ctx)
}

// SaveFileDialog is the native save dialog (lifecycle.FileSaver), used for
// the backup codes: the user chooses where they go.
func (w *wailsWindow) SaveFileDialog(title, defaultName string) (string, error) {
	return runtime.SaveFileDialog(w.ctx, runtime.SaveDialogOptions{
		Title:           title,
		DefaultFilename: defaultName,
		Filters:         []runtime.FileFilter{{DisplayName: "Text files (*.txt)", Pattern: "*.txt"}},
	})
}

// newLogger logs to stderr; STYTCH_DESKTOP_LOG=debug for more. No secret is
// ever logged at any level.
func newLogger() *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(os.Getenv("STYTCH_DESKTOP_LOG")) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
