// Package brokertest starts a Stytch broker in front of an upstream (the
// local Stytch-compatible API) for tests in other packages, so a flow test
// can run through the broker exactly as the app does in broker mode.
package brokertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"stytch-desktop/app/broker"
)

// RedirectURL is the redirect URL test brokers are configured with: the
// desktop app's default.
const RedirectURL = "stytch-desktop://auth/callback"

// Config is the configuration Start uses before options: the app's
// redirect URL, organization creation on, default limits, logs discarded.
func Config(projectID, secret, upstream string) broker.Config {
	return broker.Config{
		ProjectID:               projectID,
		Secret:                  secret,
		Upstream:                upstream,
		RedirectURL:             RedirectURL,
		AllowOrganizationCreate: true,
		Limits:                  broker.DefaultLimits,
	}
}

// Start runs a broker on 127.0.0.1 until the test ends and returns its URL.
// Its access log is checked when the test ends (CheckLog), so every flow
// test that runs through a broker also shows the log holds nothing secret.
func Start(t testing.TB, projectID, secret, upstream string, opts ...func(*broker.Config)) string {
	t.Helper()
	cfg := Config(projectID, secret, upstream)
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	for _, o := range opts {
		o(&cfg)
	}
	b, err := broker.New(cfg)
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() {
		srv.Close()
		b.Close()
		if err := CheckLog(logs.String(), secret); err != "" {
			t.Errorf("broker access log: %s", err)
		}
	})
	return srv.URL
}

// logFields are the only fields an access-log line may have; their values
// are fixed vocabularies, numbers, addresses or hashes.
var logFields = map[string]*regexp.Regexp{
	"time": nil, "level": nil,
	"msg":         regexp.MustCompile(`^(request|stytch refused the broker's project credentials: check the project id and secret|could not revoke the session of an organization outside the allow-list)$`),
	"route":       regexp.MustCompile(`^[a-z_.]+$`),
	"method":      regexp.MustCompile(`^([A-Z]+|other)$`),
	"status":      nil,
	"latency_ms":  nil,
	"upstream_ms": nil,
	"client_ip":   regexp.MustCompile(`^[0-9a-f.:]+$`),
	"request_id":  regexp.MustCompile(`^request-id-broker-[0-9a-f]{32}$`),
	"email_hash":  regexp.MustCompile(`^[0-9a-f]{32}$`),
	"error_type":  regexp.MustCompile(`^[a-z_]+$`),
	"limit":       regexp.MustCompile(`^[a-z_]+$`),
}

// CheckLog returns "" when every line of a broker's JSON access log has only
// the known fields with values of their expected shapes, and none contains
// the secret or an email address; otherwise what is wrong.
func CheckLog(log, secret string) string {
	if secret != "" && strings.Contains(log, secret) {
		return "contains the project secret"
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return "a line is not JSON: " + err.Error()
		}
		for k, v := range m {
			re, known := logFields[k]
			if !known {
				return "unexpected field " + k
			}
			if s, ok := v.(string); ok && (strings.Contains(s, "@") || re != nil && !re.MatchString(s)) {
				return "field " + k + " has an unexpected value"
			}
		}
	}
	return ""
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// EmulatorLinkToken reads the newest email to addr from a standalone local
// API's outbox (GET /emulator/messages) and follows its link as a browser
// would, returning the token of the redirect into the app.
func EmulatorLinkToken(c *http.Client, emulatorURL, addr string) (string, error) {
	resp, err := c.Get(emulatorURL + "/emulator/messages?limit=1&to=" + url.QueryEscape(addr))
	if err != nil {
		return "", fmt.Errorf("read the outbox: %w", err)
	}
	var m struct {
		Messages []struct {
			Link string `json:"link"`
		} `json:"messages"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || len(m.Messages) == 0 {
		return "", fmt.Errorf("no email to %s", addr)
	}
	nc := &http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = nc.Get(m.Messages[0].Link)
	if err != nil {
		return "", fmt.Errorf("follow the link: %w", err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", fmt.Errorf("the link's redirect: %w", err)
	}
	return u.Query().Get("token"), nil
}
