// Package app is the thin layer Wails binds to the frontend: each method turns
// a screen action into one call on the sign-in flows and returns the new view.
// Flow logic lives in app/signin; assembly in app/core; links in app/deeplink.
package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/schemereg"
	"stytch-desktop/app/signin"
)

// Window is what the app needs from the native shell; main.go adapts the
// Wails runtime to it, tests use a recorder.
type Window interface {
	Emit(event string, data any)
	BringToFront()
	OpenURL(url string)
}

// StateEvent is the event that carries every new signin.View to the screens.
const StateEvent = "state"

// App is bound to the frontend. All exported methods are callable from JS.
type App struct {
	cfg  config.Config
	opts core.Options
	log  *slog.Logger

	once   sync.Once
	ready  chan struct{}
	ctx    context.Context
	win    Window
	core   *core.Core
	inbox  *deeplink.Inbox
	cancel context.CancelFunc

	mu       sync.Mutex
	startErr error
}

// New prepares the app; nothing runs until Start.
func New(cfg config.Config, opts core.Options) *App {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{cfg: cfg, opts: opts, log: log, ready: make(chan struct{})}
	parser := deeplink.Parser{Scheme: cfg.Scheme, Host: "auth", Path: "/callback"}
	a.inbox = deeplink.NewInbox(parser, a.deliver, a.reject, deeplink.WithOnArrival(a.bringToFront))
	return a
}

// Links is where argv, the single-instance hand-off and macOS URL events
// put incoming links. It buffers them until the flows are ready.
func (a *App) Links() *deeplink.Inbox { return a.inbox }

// Start runs once the window's page is up (OnDomReady), never in OnStartup: a
// short-lived second instance runs OnStartup too, and must not start the local
// API or read the keychain. It restores the session, then opens the link inbox.
func (a *App) Start(ctx context.Context, win Window) {
	a.once.Do(func() {
		ctx, a.cancel = context.WithCancel(ctx)
		a.ctx, a.win = ctx, win
		c, err := core.Start(ctx, a.cfg, a.opts)
		if err != nil {
			a.mu.Lock()
			a.startErr = err
			a.mu.Unlock()
			a.log.Error("backend did not start", "error", err.Error())
			close(a.ready)
			a.emitState()
			return
		}
		a.core = c
		go a.checkSchemeRegistration(ctx)
		c.Flows.Subscribe(func(v signin.View) { win.Emit(StateEvent, v) })
		close(a.ready)
		_ = c.Flows.Restore(ctx)
		a.inbox.Ready()
	})
}

// checkSchemeRegistration makes sure the link scheme opens this binary for
// the current user (Linux; a no-op elsewhere), repairing a user-level
// registration that is missing or points elsewhere, and says so in one line.
func (a *App) checkSchemeRegistration(ctx context.Context) {
	if a.opts.SkipSchemeRegistration {
		return
	}
	st, err := schemereg.Ensure(ctx, schemereg.Registration{Scheme: a.cfg.Scheme})
	switch {
	case err != nil:
		a.log.Warn("link scheme registration", "status", st.Reason, "error", err.Error())
	case st.Repaired:
		a.log.Info("link scheme registration repaired", "status", st.Reason)
	default:
		a.log.Debug("link scheme registration", "status", st.Reason)
	}
}

// Shutdown stops the inbox and the local API.
func (a *App) Shutdown(ctx context.Context) {
	a.inbox.Close()
	if a.cancel != nil {
		a.cancel()
	}
	if a.core != nil {
		a.core.Flows.Close()
		_ = a.core.Close(ctx)
	}
}

// deliver hands a link from the inbox to the flows. The inbox has already
// marked the link as seen, so a link that arrives while another operation is
// running (a resend, say) waits for it instead of being dropped.
func (a *App) deliver(l deeplink.Link) {
	f := a.flows()
	if f == nil {
		return
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(time.Minute) // longer than any operation's deadline
	for signin.KindOf(f.CompleteLink(a.ctx, l)) == signin.KindBusy && time.Now().Before(deadline) {
		select {
		case <-a.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (a *App) reject(err error) {
	a.log.Warn("incoming link rejected", "error", err.Error())
	if f := a.flows(); f != nil {
		_ = f.RejectLink(err)
	}
}

func (a *App) bringToFront() {
	if a.win != nil {
		a.win.BringToFront()
	}
}

// flows waits for Start to finish assembling (bounded) and returns nil when it failed.
func (a *App) flows() *signin.Flows {
	select {
	case <-a.ready:
	case <-time.After(30 * time.Second):
		return nil
	}
	if a.core == nil {
		return nil
	}
	return a.core.Flows
}

func (a *App) emitState() {
	if a.win != nil {
		a.win.Emit(StateEvent, a.State())
	}
}

// do runs one action and returns the resulting view; errors are in view.Notice.
func (a *App) do(fn func(f *signin.Flows, ctx context.Context) error) signin.View {
	f := a.flows()
	if f == nil {
		return a.State()
	}
	_ = fn(f, a.ctx)
	return f.View()
}

// State returns the current view.
func (a *App) State() signin.View {
	select {
	case <-a.ready:
	default:
		return signin.View{Screen: signin.ScreenRestoring, Mode: string(a.cfg.Mode)}
	}
	if a.core == nil {
		return signin.View{Screen: signin.ScreenSignedOut, Mode: string(a.cfg.Mode), Notice: &signin.Notice{Kind: startKind(a.startErr)}}
	}
	return a.core.Flows.View()
}

func startKind(err error) signin.Kind {
	if errors.Is(err, context.Canceled) {
		return signin.KindUnknown
	}
	return signin.KindNetwork
}

// SendLink emails a sign-in link to the address.
func (a *App) SendLink(email string) signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.StartSignIn(ctx, email) })
}

// Resend sends the link again.
func (a *App) Resend() signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.Resend(ctx) })
}

// UseAnotherEmail goes back to email entry.
func (a *App) UseAnotherEmail() signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.UseAnotherEmail(ctx) })
}

// SubmitLink completes sign-in with a pasted link: the stytch-desktop:// link or
// the link from the email itself. The flows accept it only while a sign-in
// started here waits for a link, and Stytch accepts each token once.
func (a *App) SubmitLink(link string) signin.View {
	f := a.flows()
	if f == nil {
		return a.State()
	}
	l, err := a.core.Parser.ParsePasted(link)
	if err != nil {
		_ = f.RejectLink(err)
		return f.View()
	}
	_ = f.CompleteLink(a.ctx, l)
	return f.View()
}

// ChooseOrganization enters one of the discovered organizations.
func (a *App) ChooseOrganization(organizationID string) signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.ChooseOrganization(ctx, organizationID) })
}

// CreateOrganization creates an organization and enters it.
func (a *App) CreateOrganization(name, slug string) signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error {
		return f.CreateOrganization(ctx, signin.NewOrganization{Name: name, Slug: slug})
	})
}

// SignOut revokes the session and forgets it.
func (a *App) SignOut() signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.SignOut(ctx) })
}

// RetryRestore reads the keychain again after the user unlocked it.
func (a *App) RetryRestore() signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { return f.RetryRestore(ctx) })
}

// DismissNotice hides the current message.
func (a *App) DismissNotice() signin.View {
	return a.do(func(f *signin.Flows, ctx context.Context) error { f.DismissNotice(); return nil })
}

// SuggestSlug proposes a URL slug for an organization name.
func (a *App) SuggestSlug(name string) string { return signin.SuggestSlug(name) }

// OpenInbox opens the local API's inbox page in the system browser (local mode).
func (a *App) OpenInbox() signin.View {
	if a.core != nil && a.core.InboxURL != "" && a.win != nil {
		a.win.OpenURL(a.core.InboxURL)
	}
	return a.State()
}
