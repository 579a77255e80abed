package broker

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics is a small Prometheus registry in the text exposition format
// (0.0.4). The broker exports a handful of series, so a hand-written
// registry avoids pulling client_golang's dependency tree into the module
// every desktop build also compiles.
type metrics struct {
	requests     *counterVec // route, status
	limited      *counterVec // route, limit
	upstream     *histogramVec
	sharedErrors *counter
	breakerTrips *counter
	sharedDown   *gauge
}

func newMetrics() *metrics {
	return &metrics{
		requests: newCounterVec("stytch_broker_requests_total", "API requests by route and HTTP status answered.", "route", "status"),
		limited:  newCounterVec("stytch_broker_rate_limited_total", "Requests refused by a rate limit, by route and limit.", "route", "limit"),
		upstream: newHistogramVec("stytch_broker_upstream_duration_seconds", "Latency of calls to Stytch, by route.",
			[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, "route"),
		sharedErrors: &counter{name: "stytch_broker_shared_limiter_errors_total", help: "Calls to the shared (Redis) rate-limit store that failed."},
		breakerTrips: &counter{name: "stytch_broker_shared_limiter_breaker_trips_total", help: "Times the shared (Redis) store was found down and the broker switched to local limits."},
		sharedDown:   &gauge{name: "stytch_broker_shared_limiter_down", help: "1 while the broker treats the shared (Redis) store as down (limits are this replica's own, sends are refused)."},
	}
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.requests.write(w)
	m.limited.write(w)
	m.upstream.write(w)
	m.sharedErrors.write(w)
	m.breakerTrips.write(w)
	m.sharedDown.write(w)
}

type counter struct {
	name, help string
	v          atomic.Uint64
}

func (c *counter) inc() { c.v.Add(1) }

func (c *counter) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", c.name, c.help, c.name, c.name, c.v.Load())
}

type gauge struct {
	name, help string
	v          atomic.Int64
}

func (g *gauge) set(v int64) { g.v.Store(v) }

func (g *gauge) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", g.name, g.help, g.name, g.name, g.v.Load())
}

type counterVec struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	v          map[string]uint64 // rendered label set -> count
}

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{name: name, help: help, labels: labels, v: map[string]uint64{}}
}

func (c *counterVec) inc(values ...string) {
	k := labelSet(c.labels, values)
	c.mu.Lock()
	c.v[k]++
	c.mu.Unlock()
}

func (c *counterVec) get(values ...string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v[labelSet(c.labels, values)]
}

func (c *counterVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
	c.mu.Lock()
	keys := make([]string, 0, len(c.v))
	for k := range c.v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s{%s} %d\n", c.name, k, c.v[k])
	}
	c.mu.Unlock()
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

type histogramVec struct {
	name, help string
	buckets    []float64
	labels     []string
	mu         sync.Mutex
	v          map[string]*histogram
}

func newHistogramVec(name, help string, buckets []float64, labels ...string) *histogramVec {
	return &histogramVec{name: name, help: help, buckets: buckets, labels: labels, v: map[string]*histogram{}}
}

func (h *histogramVec) observe(d time.Duration, values ...string) {
	s := d.Seconds()
	k := labelSet(h.labels, values)
	h.mu.Lock()
	defer h.mu.Unlock()
	x := h.v[k]
	if x == nil {
		x = &histogram{counts: make([]uint64, len(h.buckets))}
		h.v[k] = x
	}
	for i, b := range h.buckets {
		if s <= b {
			x.counts[i]++
			break
		}
	}
	x.count++
	x.sum += s
}

func (h *histogramVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, h.help, h.name)
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.v))
	for k := range h.v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		x := h.v[k]
		var cum uint64
		for i, b := range h.buckets {
			cum += x.counts[i]
			fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", h.name, k, strconv.FormatFloat(b, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n", h.name, k, x.count)
		fmt.Fprintf(w, "%s_sum{%s} %s\n", h.name, k, strconv.FormatFloat(x.sum, 'g', -1, 64))
		fmt.Fprintf(w, "%s_count{%s} %d\n", h.name, k, x.count)
	}
}

// labelSet renders name="value" pairs. Values are route names, limit kinds
// and status codes (fixed sets chosen by the broker, never caller text), but
// are escaped anyway.
func labelSet(names, values []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		b.WriteString(n + "=" + strconv.Quote(v))
	}
	return b.String()
}
