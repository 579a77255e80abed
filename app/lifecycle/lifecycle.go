// Package lifecycle runs the app between the native shell and the sign-in
// flows: it starts the backend once the window is up, opens the one door
// every link enters by (argv, the single-instance hand-off, macOS URL events,
// the paste box), hands links to the flows — waiting, never polling, while
// another operation runs — and shuts everything down. It is plain Go: tests
// drive it directly; the Wails-bound struct (package app) only adapts.
package lifecycle

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"stytch-desktop/app/agent"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/schemereg"
	"stytch-desktop/app/signcode"
	"stytch-desktop/app/signin"
)

// Window is what the app needs from the native shell; main.go adapts the
// Wails runtime to it, tests use a recorder.
type Window interface {
	Emit(event string, data any)
	BringToFront()
	OpenURL(url string)
}

// FileSaver is a Window that can ask the user where to save a file (the
// native save dialog). path is "" when the user cancelled.
type FileSaver interface {
	SaveFileDialog(title, defaultName string) (path string, err error)
}

// StateEvent is the event that carries every new signin.View to the screens.
const StateEvent = "state"

// linkWait bounds how long a link (or a paste) waits for the backend to be
// ready and for a running operation to end: longer than any operation's
// deadline, short enough that nothing hangs forever.
const linkWait = time.Minute

// Lifecycle owns the running backend. Start, Shutdown, the link door and the
// screen actions may be called from any goroutine, in any order.
type Lifecycle struct {
	cfg   config.Config
	opts  core.Options
	log   *slog.Logger
	links *deeplink.Inbox

	ready       chan struct{} // closed once the backend is assembled (or failed to be)
	settled     chan struct{} // closed once the start-up restore is over (FirstView)
	done        chan struct{} // closed once Start has returned
	once        sync.Once
	markReady   func()
	markSettled func()

	mu       sync.Mutex // guards everything below
	ctx      context.Context
	cancel   context.CancelFunc
	win      Window
	core     *core.Core
	agent    io.Closer // the CLI's agent socket (nil: not listening)
	startErr error
	stopped  bool
	warning  signin.Kind // a condition of the whole run, on every view (Warn)
}

// New prepares the lifecycle; nothing runs until Start. The link door is open
// at once, so links from argv or an early hand-off wait in it.
func New(cfg config.Config, opts core.Options) *Lifecycle {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lifecycle{cfg: cfg, opts: opts, log: log, ready: make(chan struct{}), settled: make(chan struct{}), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	l.markReady = sync.OnceFunc(func() { close(l.ready) })
	l.markSettled = sync.OnceFunc(func() { close(l.settled) })
	l.links = deeplink.NewInbox(cfg.Links(), l.deliver, l.reject, deeplink.WithOnArrival(l.bringToFront))
	return l
}

// Links is the one door for links from the OS: argv, the single-instance
// hand-off and macOS URL events. The paste box uses Paste.
func (l *Lifecycle) Links() *deeplink.Inbox { return l.links }

// Start runs once the window's page is being loaded (main.go: the page's
// first asset request, or OnDomReady, whichever comes first), never in
// OnStartup: a short-lived second instance runs OnStartup too, and must not
// start the local API or read the keychain; by the first asset request Wails
// has done its single-instance check. It restores the session, then opens
// the door. Calls after the first, or after Shutdown, do nothing.
func (l *Lifecycle) Start(win Window) {
	l.once.Do(func() { l.start(win) })
}

func (l *Lifecycle) start(win Window) {
	defer close(l.done)
	defer l.markSettled()
	defer l.markReady()
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return
	}
	l.win = win
	ctx := l.ctx
	l.mu.Unlock()

	opts := l.opts
	if opts.OpenBrowser == nil {
		opts.OpenBrowser = func(u string) error { win.OpenURL(u); return nil }
	}
	c, err := core.Start(ctx, l.cfg, opts)
	l.mu.Lock()
	if err == nil && l.stopped { // Shutdown came while we assembled
		l.mu.Unlock()
		_ = c.Close(context.Background())
		return
	}
	l.core, l.startErr = c, err
	l.mu.Unlock()
	l.markReady() // screen actions may run from here on (refused as busy while restoring)
	if err != nil {
		l.log.Error("backend did not start", "error", err.Error())
		win.Emit(StateEvent, l.State())
		return
	}
	go l.checkSchemeRegistration(ctx)
	l.listenAgent(c)
	c.Flows.Subscribe(func(v signin.View) { win.Emit(StateEvent, l.decorate(v)) })
	_ = c.Flows.Restore(ctx)
	l.markSettled()
	l.links.Ready()
}

// listenAgent serves the session to the CLI (stytch-desktop auth) on the
// per-user socket. Without it the CLI falls back to the keychain, so a
// failure (another copy of the app serves it, an unsafe directory, Windows)
// is logged and the app runs on.
func (l *Lifecycle) listenAgent(c *core.Core) {
	if l.opts.AgentSocket == "" {
		return
	}
	srv, err := agent.Listen(l.opts.AgentSocket, c.Hub, agent.Options{Logger: l.log.With("component", "agent")})
	if err != nil {
		l.log.Warn("the CLI's agent socket is not served; stytch-desktop auth uses the keychain", "error", err.Error())
		return
	}
	l.mu.Lock()
	l.agent = srv
	l.mu.Unlock()
}

// checkSchemeRegistration makes sure the link scheme opens this binary for
// the current user (Linux; a no-op elsewhere), repairing a user-level
// registration that is missing or points elsewhere, and says so in one line.
func (l *Lifecycle) checkSchemeRegistration(ctx context.Context) {
	if l.opts.SkipSchemeRegistration {
		return
	}
	st, err := schemereg.Ensure(ctx, schemereg.Registration{Scheme: l.cfg.Scheme})
	switch {
	case err != nil:
		l.log.Warn("link scheme registration", "status", st.Reason, "error", err.Error())
	case st.Repaired:
		l.log.Info("link scheme registration repaired", "status", st.Reason)
	default:
		l.log.Debug("link scheme registration", "status", st.Reason)
	}
}

// drainWait bounds how long quitting waits for an operation in flight: its
// Stytch call and keychain write each have their own deadline below this.
const drainWait = 35 * time.Second

// Shutdown closes the door, lets an operation in flight finish (an exchange
// whose token Stytch has already spent must still be stored: cancelling it
// would lose the sign-in), then cancels the rest and stops the backend. It
// may run before, during or after Start.
func (l *Lifecycle) Shutdown(ctx context.Context) {
	l.mu.Lock()
	l.stopped = true
	c := l.core
	l.mu.Unlock()
	l.links.Close()
	if c != nil {
		dctx, cancel := context.WithTimeout(ctx, drainWait)
		_ = c.Flows.Idle(dctx)
		cancel()
	}
	l.cancel()
	l.once.Do(func() { l.markReady(); close(l.done) }) // Start never ran: now it never will
	<-l.done
	l.mu.Lock()
	c, ag := l.core, l.agent
	l.mu.Unlock()
	if ag != nil {
		_ = ag.Close() // first: the CLI gets no token from a closing app
	}
	if c != nil {
		c.Flows.Close()
		_ = c.Close(ctx)
	}
}

// flows waits (bounded) for Start and returns the flows, or nil when the
// backend is not running.
func (l *Lifecycle) flows() *signin.Flows {
	if c := l.backend(); c != nil {
		return c.Flows
	}
	return nil
}

// backend waits (bounded) for Start and returns the core, or nil when it is
// not running.
func (l *Lifecycle) backend() *core.Core {
	select {
	case <-l.ready:
	case <-time.After(linkWait):
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.core
}

// deliver hands a link from the door to the flows. A link that arrives while
// another operation runs (a resend, say) waits for it to end.
func (l *Lifecycle) deliver(link deeplink.Link) {
	f := l.flows()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(l.ctx, linkWait)
	defer cancel()
	for errors.Is(f.CompleteLink(ctx, link), signin.ErrBusy) {
		if f.Idle(ctx) != nil {
			return
		}
	}
}

func (l *Lifecycle) reject(err error) {
	l.log.Warn("incoming link rejected", "error", err.Error())
	if f := l.flows(); f != nil {
		_ = f.RejectLink(err)
	}
}

func (l *Lifecycle) bringToFront() {
	l.mu.Lock()
	win := l.win
	l.mu.Unlock()
	if win != nil {
		win.BringToFront()
	}
}

// State returns the current view.
func (l *Lifecycle) State() signin.View {
	select {
	case <-l.ready:
	default:
		return l.decorate(signin.View{Screen: signin.ScreenRestoring, Mode: string(l.cfg.Mode), Backend: l.cfg.Backend()})
	}
	l.mu.Lock()
	c, err := l.core, l.startErr
	l.mu.Unlock()
	if c == nil {
		return l.decorate(signin.View{Screen: signin.ScreenSignedOut, Mode: string(l.cfg.Mode), Backend: l.cfg.Backend(), Notice: &signin.Notice{Kind: core.StartKind(err)}})
	}
	return l.decorate(c.Flows.View())
}

// Warn records a condition that holds for the whole run — no single-instance
// lock (no session bus), so a link opened while the app runs starts a second
// window — and puts it on every view from now on (View.Warning).
func (l *Lifecycle) Warn(k signin.Kind) {
	l.mu.Lock()
	l.warning = k
	l.mu.Unlock()
}

func (l *Lifecycle) decorate(v signin.View) signin.View {
	l.mu.Lock()
	v.Warning = l.warning
	l.mu.Unlock()
	return v
}

// Do runs one screen action and returns the resulting view; errors are in
// view.Notice.
func (l *Lifecycle) Do(action func(ctx context.Context, f *signin.Flows) error) signin.View {
	f := l.flows()
	if f == nil {
		return l.State()
	}
	_ = action(l.ctx, f)
	return l.decorate(f.View())
}

// Paste takes what the user pasted into "link not opening? paste it here":
// through the same door as a link from the OS, waiting for the outcome.
// A code, or the page's "Copy link" (a link carrying a code), is redeemed.
func (l *Lifecycle) Paste(raw string) signin.View {
	if code, ok := signcode.CodeFromPaste(l.cfg.Scheme, raw); ok {
		return l.RedeemCode(code)
	}
	ctx, cancel := context.WithTimeout(l.ctx, linkWait)
	defer cancel()
	l.links.OfferPasted(ctx, raw)
	return l.State()
}

// RedeemCode takes a sign-in code from the /open page ("Got a code
// instead?"): the flows exchange it for its link, which then enters through
// the same door as a link from the OS (the inbox: de-duplication, order), so
// it completes with this app's PKCE verifier and a later click on the same
// email's link is refused as a duplicate instead of spending a second try.
func (l *Lifecycle) RedeemCode(code string) signin.View {
	f := l.flows()
	if f == nil {
		return l.State()
	}
	if link, err := f.RedeemCode(l.ctx, code); err == nil {
		ctx, cancel := context.WithTimeout(l.ctx, linkWait)
		defer cancel()
		l.links.OfferLink(ctx, link)
	}
	return l.State()
}

// OpenInbox opens the local API's inbox page in the system browser (local mode).
func (l *Lifecycle) OpenInbox() signin.View {
	l.mu.Lock()
	win, c := l.win, l.core
	l.mu.Unlock()
	if c != nil && c.InboxURL != "" && win != nil {
		win.OpenURL(c.InboxURL)
	}
	return l.State()
}

// SaveRecoveryCodes asks where to save the backup codes on screen (native
// save dialog) and writes them there; cancelling changes nothing.
func (l *Lifecycle) SaveRecoveryCodes() signin.View {
	f := l.flows()
	if f == nil {
		return l.State()
	}
	l.mu.Lock()
	saver, ok := l.win.(FileSaver)
	l.mu.Unlock()
	if !ok {
		return l.decorate(f.View())
	}
	path, err := saver.SaveFileDialog("Save your backup codes", "stytch-desktop-backup-codes.txt")
	if err != nil {
		l.log.Warn("save dialog failed", "error", err.Error())
		return l.decorate(f.View())
	}
	if path == "" {
		return l.decorate(f.View())
	}
	_ = f.SaveRecoveryCodes(l.ctx, func(c signin.BackupCodes) (string, error) {
		return path, writeBackupCodes(path, c)
	})
	return l.decorate(f.View())
}
