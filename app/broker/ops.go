package broker

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// OpsHandler serves /healthz (the process answers), /readyz (Stytch and,
// if configured, Redis answer) and /metrics (Prometheus). Serve it on an
// internal listener: metrics are not for the public.
func (b *Broker) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", b.serveReady)
	mux.Handle("GET /metrics", b.metrics)
	return mux
}

func (b *Broker) serveReady(w http.ResponseWriter, r *http.Request) {
	if err := b.Ready(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

// Ready reports whether Stytch answers (the project's JWKS, no secret
// needed) and the shared limiter answers. Results are cached for a few
// seconds so probes cannot turn into load on Stytch.
func (b *Broker) Ready(ctx context.Context) error {
	b.readyMu.Lock()
	defer b.readyMu.Unlock()
	if time.Now().Before(b.readyUntil) {
		return b.readyErr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var errs []error
	ans, fe := b.forward(ctx, http.MethodGet, jwksPrefix+b.cfg.ProjectID, nil, false, "")
	switch {
	case fe != nil:
		errs = append(errs, errors.New("stytch unreachable: "+fe.errorType))
	case ans.status != http.StatusOK:
		errs = append(errs, errors.New("stytch answered the JWKS request with an error: "+ans.errorType))
	}
	if b.cfg.Shared != nil {
		if err := b.cfg.Shared.Ping(ctx); err != nil {
			errs = append(errs, errors.New("redis unreachable"))
		}
	}
	b.readyErr = errors.Join(errs...)
	b.readyUntil = time.Now().Add(2 * time.Second)
	return b.readyErr
}
