// Package sessionhub is the signed-in session as the rest of the desktop
// client sees it: who is signed in and a token source for that session.
// The sign-in core sets it when it adopts a session (sign-in, restore,
// switch) and clears it when the session ends; the per-user agent
// (app/agent), the company-API transport (accesstoken.Transport) and the
// screens read it. One Hub lives as long as the app; each session gets a
// new accesstoken.Source, so nothing of an old session leaks into a new one.
package sessionhub

import (
	"context"
	"sync"

	"stytch-desktop/app/accesstoken"
	"stytch-desktop/app/agent"
)

// Hub holds the current session. The zero value is a signed-out hub.
type Hub struct {
	mu  sync.Mutex
	id  agent.Identity
	src *accesstoken.Source
}

// Set makes (id, src) the current session, closing the previous source.
func (h *Hub) Set(id agent.Identity, src *accesstoken.Source) {
	h.mu.Lock()
	old := h.src
	h.id, h.src = id, src
	h.mu.Unlock()
	if old != nil && old != src {
		old.Close()
	}
}

// Clear forgets the session (sign-out, session ended).
func (h *Hub) Clear() { h.Set(agent.Identity{}, nil) }

// Current implements agent.Session. The roles are the latest known.
func (h *Hub) Current() (agent.Identity, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.src == nil {
		return agent.Identity{}, false
	}
	id := h.id
	if r := h.src.Current().Roles; len(r) > 0 {
		id.Roles = r
	}
	return id, true
}

func (h *Hub) source() *accesstoken.Source {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.src
}

// Token implements agent.Session and accesstoken.TokenSource. Signed out,
// it fails like an ended session.
func (h *Hub) Token(ctx context.Context) (accesstoken.Token, error) {
	src := h.source()
	if src == nil {
		return accesstoken.Token{}, errSignedOut
	}
	return src.Token(ctx)
}

// Refresh implements accesstoken.TokenSource.
func (h *Hub) Refresh(ctx context.Context, stale string) (accesstoken.Token, error) {
	src := h.source()
	if src == nil {
		return accesstoken.Token{}, errSignedOut
	}
	return src.Refresh(ctx, stale)
}

var errSignedOut = signedOut{}

type signedOut struct{}

func (signedOut) Error() string { return "not signed in" }

// Is makes a signed-out hub's error match accesstoken.ErrSessionEnded:
// callers treat both alike (sign in first).
func (signedOut) Is(target error) bool { return target == accesstoken.ErrSessionEnded }

var (
	_ agent.Session           = (*Hub)(nil)
	_ accesstoken.TokenSource = (*Hub)(nil)
)
