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

// clientKey is what per-client limits count: the address for IPv4, its /64
// for IPv6. One IPv6 subscriber is routinely given a whole /64, so keying
// each /128 would hand one client 2^64 separate buckets.
func clientKey(ip string) string {
	a := net.ParseIP(ip)
	switch {
	case a == nil:
		return ip
	case a.To4() != nil:
		return a.To4().String() // ::ffff:192.0.2.1 is 192.0.2.1
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
