// Command stytch-desktop is a desktop app in which employees of B2B customers
// sign in with Stytch email magic links. main only wires the Wails shell to
// the lifecycle (app/lifecycle) and binds the screens' actions (app.App);
// everything it does happens after wails.Run starts the window.
package main

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"stytch-desktop/app"
	"stytch-desktop/app/agent"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/handoff"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/trace"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	if isAuthCommand(os.Args) {
		os.Exit(runAuth(os.Args, os.Stdout, os.Stderr))
	}
	trace.Mark("main")
	logger := handoff.NewLogger()
	// A link opened while the app runs: hand it over before GTK and WebKit
	// start (Wails' own lock would only check after creating a window).
	if !bindingsBuild && handOffEarly(logger) {
		os.Exit(0)
	}
	// The environment, then ~/.config/stytch-desktop/config.json (an app the
	// OS starts for a link has no environment); the secret leaves the process
	// environment here, before GTK and WebKit can pass it to their children.
	cfg, err := config.Load()
	if err != nil && !bindingsBuild {
		fmt.Fprintln(os.Stderr, "stytch-desktop:", err)
		os.Exit(2)
	}
	logger.Info("configuration", "settings", cfg.String()) // never the secret (Config.String)
	gpu, err := webviewGPUPolicy(os.Getenv)
	if err != nil && !bindingsBuild {
		fmt.Fprintln(os.Stderr, "stytch-desktop:", err)
		os.Exit(2)
	}
	sock, err := agent.SocketPath()
	if err != nil {
		logger.Warn("no agent socket for the CLI", "error", err.Error())
	}
	lc := lifecycle.New(cfg, core.Options{
		Logger:      logger,
		AgentSocket: sock,
		// For test rigs that register a wrapper as the scheme handler.
		SkipSchemeRegistration: os.Getenv("STYTCH_DESKTOP_SKIP_SCHEME_REGISTRATION") == "1",
	})
	win := newWailsWindow()
	var lock *options.SingleInstanceLock
	if !bindingsBuild {
		var handedOff bool
		if lock, handedOff = singleInstanceLock(lc, logger); handedOff {
			os.Exit(0)
		}
	}
	// The backend (local API, keychain, restore) starts with the page's first
	// request, not at DOM ready: by then this process holds the
	// single-instance lock (taken above on Linux; elsewhere Wails checks it
	// synchronously before the window loads the page, and a second instance
	// exits inside it), so it is the one instance, and the first view is
	// ready sooner. DOM ready starts it too, should no request
	// come through the asset server.
	var startOnce sync.Once
	startBackend := func() {
		startOnce.Do(func() {
			trace.Mark("backend-start")
			// A link in argv (cold start from the OS handler) waits in the
			// inbox until the flows are ready.
			lc.Links().OfferArgs(os.Args[1:])
			go lc.Start(win)
		})
	}

	err = wails.Run(&options.App{
		Title:            "stytch-desktop",
		Width:            520,
		Height:           720,
		MinWidth:         420,
		MinHeight:        560,
		AssetServer:      &assetserver.Options{Assets: assets, Middleware: before(startBackend, lc)},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		OnStartup: func(ctx context.Context) {
			// Runs in a short-lived second instance too: only remember the context.
			win.setContext(ctx)
		},
		OnDomReady: func(ctx context.Context) {
			trace.Mark("dom-ready")
			startBackend()
		},
		OnShutdown:         lc.Shutdown,
		SingleInstanceLock: lock, // nil on Linux: app/singleinstance holds it
		Mac:                &mac.Options{OnUrlOpen: func(u string) { lc.Links().Offer(u) }},
		Linux:              &linux.Options{ProgramName: "stytch-desktop", WebviewGpuPolicy: gpu},
		Bind:               bindings(lc),
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

// before is an asset-server middleware that calls fn ahead of every request
// and serves the page's first view (lifecycle.FirstViewPath).
func before(fn func(), lc *lifecycle.Lifecycle) assetserver.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fn()
			if r.URL.Path == lifecycle.FirstViewPath {
				lc.ServeFirstView(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// wailsWindow adapts the Wails runtime to lifecycle.Window. The runtime's
// context arrives with OnStartup, which Wails runs concurrently with loading
// the page: calls wait for it (bounded).
type wailsWindow struct {
	once  sync.Once
	ready chan struct{}
	ctx   context.Context
}

func newWailsWindow() *wailsWindow { return &wailsWindow{ready: make(chan struct{})} }

func (w *wailsWindow) setContext(ctx context.Context) {
	w.once.Do(func() { w.ctx = ctx; close(w.ready) })
}

func (w *wailsWindow) context() (context.Context, bool) {
	select {
	case <-w.ready:
		return w.ctx, true
	case <-time.After(10 * time.Second):
		return nil, false
	}
}

func (w *wailsWindow) Emit(event string, data any) {
	ctx, ok := w.context()
	if !ok {
		return
	}
	if v, ok := data.(signin.View); ok && trace.Enabled() {
		trace.Mark("view-emitted", "screen", string(v.Screen))
	}
	runtime.EventsEmit(ctx, event, data)
}

func (w *wailsWindow) OpenURL(url string) {
	if ctx, ok := w.context(); ok {
		runtime.BrowserOpenURL(ctx, url)
	}
}

func (w *wailsWindow) BringToFront() {
	if ctx, ok := w.context(); ok {
		runtime.WindowUnminimise(ctx)
		runtime.WindowShow(ctx)
	}
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
