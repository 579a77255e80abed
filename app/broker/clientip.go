package broker

import (
	"net"
	"net/http"
	"strings"
)

// clientIP is the address rate limits are keyed by. With no trusted proxy
// it is the peer address. Behind N trusted proxies, each appending the
// address it saw to X-Forwarded-For, it is the N-th entry from the right:
// everything further left was written by the client and can be forged.
func clientIP(r *http.Request, trustedHops int) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if trustedHops <= 0 {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				hops = append(hops, p)
			}
		}
	}
	if len(hops) == 0 {
		return peer
	}
	i := len(hops) - trustedHops
	if i < 0 {
		i = 0
	}
	if ip := net.ParseIP(strings.Trim(hops[i], "[]")); ip != nil {
		return ip.String()
	}
	return peer
}
