package broker

import (
	"log/slog"
	"net/http"
	"time"
)

// logAccess writes one JSON line per request: route, status, latency,
// client IP and a keyed hash of the email (so one person's requests can be
// followed without the log holding addresses). Never a token, a body, a
// query string, the raw path, the secret or a plain email.
func (b *Broker) logAccess(r *http.Request, x *exchange, requestID string, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("route", x.route.name),
		slog.String("method", logMethod(r.Method)),
		slog.Int("status", x.status),
		slog.Float64("latency_ms", float64(d.Microseconds())/1000),
		slog.String("client_ip", x.ip),
		slog.String("request_id", requestID),
	}
	if x.upstreamMS > 0 {
		attrs = append(attrs, slog.Float64("upstream_ms", x.upstreamMS))
	}
	if x.email != "" {
		attrs = append(attrs, slog.String("email_hash", b.logHash.sum(x.email)))
	}
	if x.errorType != "" {
		attrs = append(attrs, slog.String("error_type", x.errorType))
	}
	if x.limit != "" {
		attrs = append(attrs, slog.String("limit", string(x.limit)))
	}
	b.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// logMethod is the request method for the log: the standard ones as they
// are, anything else (caller text of any length) as "other", so a line's
// size does not depend on what a caller sends.
func logMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}
