package lifecycle

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"stytch-desktop/app/signin"
)

// FirstViewPath is where the page loads its first view from
// (frontend/index.html): a classic script that runs before the app's module,
// so the first screen is painted straight from it — no "Checking your
// session…" frame and no round trip through the bindings before the real
// screen. The request is made while the page's other files load, which is
// also while the backend restores.
const FirstViewPath = "/first-view.js"

// FirstViewGlobal is the window property the script sets (frontend/src/main.ts).
const FirstViewGlobal = "__stytchFirstView"

// firstViewWait bounds how long the page waits for the start-up restore: a
// keychain behind an unlock prompt must not keep the window blank. Past it
// the page gets the "restoring" view and follows the state events, as it
// would without this script.
const firstViewWait = 400 * time.Millisecond

// FirstView waits until the start-up restore is over (or ctx ends) and
// returns the current view.
func (l *Lifecycle) FirstView(ctx context.Context) signin.View {
	select {
	case <-l.settled:
	case <-ctx.Done():
	}
	return l.State()
}

// ServeFirstView answers FirstViewPath: `window.__stytchFirstView = {view};`.
// The view is what State returns to the page anyway (no secret is ever in a
// view); JSON is valid JavaScript, and encoding/json escapes <, > and &.
//
// Only the app's own page gets it: under `wails dev` the asset server is a
// localhost HTTP port, and a web page elsewhere could include the script
// (cross-site script inclusion) to read the signed-in member's email and
// organization. Browsers mark such a request (Sec-Fetch-Site, Referer).
func (l *Lifecycle) ServeFirstView(w http.ResponseWriter, r *http.Request) {
	if !sameSite(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), firstViewWait)
	defer cancel()
	b, err := json.Marshal(l.FirstView(ctx))
	if err != nil { // a View always encodes; the page then asks State
		b = []byte("null")
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("window." + FirstViewGlobal + " = "))
	_, _ = w.Write(b)
	_, _ = w.Write([]byte(";\n"))
}

// sameSite reports whether r comes from the app's own page (or names no
// other site).
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}
