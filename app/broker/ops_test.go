package broker_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"stytch-desktop/app/broker"
)

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func containsJSONField(logs, key, value string) bool {
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m[key] == value {
			return true
		}
	}
	return false
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	if got := get(t, e.ops+"/healthz"); !contains(got, `"ok"`) {
		t.Fatalf("healthz: %s", got)
	}
	if got := get(t, e.ops+"/readyz"); !contains(got, `"ready"`) {
		t.Fatalf("readyz: %s", got)
	}
	e.signIn("demo@example.com", "northwind")
	e.post("/v1/b2b/organizations", map[string]any{})
	m := get(t, e.ops+"/metrics")
	for _, want := range []string{
		`stytch_broker_requests_total{route="magic_links.email.discovery.send",status="200"} 1`,
		`stytch_broker_requests_total{route="discovery.intermediate_sessions.exchange",status="200"} 1`,
		`stytch_broker_requests_total{route="route_not_found",status="404"} 1`,
		`stytch_broker_upstream_duration_seconds_count{route="magic_links.discovery.authenticate"} 1`,
		`# TYPE stytch_broker_upstream_duration_seconds histogram`,
	} {
		if !contains(m, want) {
			t.Fatalf("metrics lack %s:\n%s", want, m)
		}
	}
	// Every sample line is name{labels} value, as Prometheus parses it.
	sample := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$`)
	for _, line := range strings.Split(strings.TrimSpace(m), "\n") {
		if !strings.HasPrefix(line, "#") && !sample.MatchString(line) {
			t.Fatalf("malformed metrics line %q", line)
		}
	}
	// The API listener does not serve metrics.
	if a := e.call(http.MethodGet, "/metrics", "", ""); a.status != 404 {
		t.Fatalf("/metrics on the API listener: %d", a.status)
	}
}

// With the upstream gone, /readyz says so (and /healthz still answers).
func TestReadyzUpstreamDown(t *testing.T) {
	e := newEnv(t, func(c *broker.Config) { c.Upstream = "http://127.0.0.1:1" })
	resp, err := http.Get(e.ops + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the upstream down: %d", resp.StatusCode)
	}
	if got := get(t, e.ops+"/healthz"); !contains(got, `"ok"`) {
		t.Fatalf("healthz: %s", got)
	}
}
