package exampleapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Running is an example API served in the background.
type Running struct {
	URL string // http://HOST:PORT
	srv *http.Server
}

// Start serves the example API for a project on addr (e.g. "127.0.0.1:0")
// until Close: for the desktop app's local mode, which runs it in-process
// beside the local Stytch-compatible API so a newcomer sees the whole loop
// (sign in → the app calls a protected API) with no account.
func Start(ctx context.Context, addr, projectID, secret, stytchBase string, maxTokenAge time.Duration) (*Running, error) {
	clients, err := NewStytch(ctx, projectID, secret, stytchBase)
	if err != nil {
		return nil, err
	}
	h, err := New(Config{Sessions: clients.Sessions, MaxTokenAge: maxTokenAge, Members: StytchMembers{Search: clients.Members}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("example API: %w", err)
	}
	r := &Running{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	// Serve returns ErrServerClosed after Close; any other end (the
	// listener failed) shows as failed requests, which the screen reports.
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Close stops the server, waiting for requests in flight until ctx ends.
func (r *Running) Close(ctx context.Context) error { return r.srv.Shutdown(ctx) }
