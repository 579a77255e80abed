package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/localstytch"
)

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

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelpListsEveryOption(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"--help"}, env(nil), io.Discard, &out)
	if err != flag.ErrHelp {
		t.Fatalf("--help: %v", err)
	}
	help := out.String()
	n := 0
	newFlagSet(&options{}, io.Discard).VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(help, "-"+f.Name+" ") && !strings.Contains(help, "-"+f.Name+"\n") {
			t.Errorf("--help does not list --%s", f.Name)
		}
		if f.Usage == "" {
			t.Errorf("--%s has no description", f.Name)
		}
	})
	if n < 20 || !strings.Contains(help, "STYTCH_SECRET") {
		t.Fatalf("help lists %d options / does not explain the secret:\n%s", n, help)
	}
}

func TestBadValuesSayWhatToFix(t *testing.T) {
	good := []string{"--project-id", localstytch.DefaultProjectID, "--redirect-url", "stytch-desktop://auth/callback",
		"--upstream", "http://127.0.0.1:1", "--addr", "127.0.0.1:0", "--metrics-addr", ""}
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("secret-test-x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withSecret := env(map[string]string{"STYTCH_SECRET": "secret-test-x"})
	cases := []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"no secret", good, env(nil), "STYTCH_SECRET or --secret-file"},
		{"secret as a flag", append([]string{"--secret", "s"}, good...), withSecret, "-secret"},
		{"secret as an argument", append(append([]string{}, good...), "secret-test-x"), withSecret, "never a flag"},
		{"both secret sources", append([]string{"--secret-file", secretFile}, good...), withSecret, "use one"},
		{"missing secret file", append([]string{"--secret-file", "/nonexistent/secret"}, good...), env(nil), "--secret-file"},
		{"no project id", []string{"--redirect-url", "x://y"}, withSecret, "--project-id is required"},
		{"bad project id", []string{"--project-id", "proj", "--redirect-url", "x://y"}, withSecret, "project-test-"},
		{"no redirect URL", []string{"--project-id", localstytch.DefaultProjectID}, withSecret, "redirect URL: required"},
		{"plain http upstream", append(append([]string{}, good...), "--upstream", "http://stytch.example.com"), withSecret, "use https"},
		{"bad rate", append(append([]string{}, good...), "--limit-email", "lots"), withSecret, "N/duration"},
		{"session too long", append(append([]string{}, good...), "--max-session-minutes", "999999"), withSecret, "between 5 and 527040"},
		{"tls cert alone", append(append([]string{}, good...), "--tls-cert", "c.pem"), withSecret, "go together"},
		{"unreadable TLS files", append(append([]string{}, good...), "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"), withSecret, "--tls-cert/--tls-key"},
		{"bad address", append(append([]string{}, good...), "--addr", "nowhere"), withSecret, "host:port"},
		{"bad email domain", append(append([]string{}, good...), "--allow-email-domain", "@"), withSecret, "allowed email domain"},
		{"bad redis URL", append(append([]string{}, good...), "--redis-url", "mysql://x"), withSecret, "--redis-url"},
		{"bad upstream timeout", append(append([]string{}, good...), "--upstream-timeout", "1ns"), withSecret, "upstream timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), c.args, c.env, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret-test-x") {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
}

// The command runs in front of the local API with the secret from a file,
// serves the API and the ops listener, keeps the secret out of its output,
// and shuts down gracefully when its context ends.
func TestRunsAndShutsDown(t *testing.T) {
	c := startCommand(t)
	api, m, cancel, done, stdout := c.api, []string{"", c.apiURL, c.opsURL}, c.cancel, c.done, c.stdout
	resp, err := http.Post(m[1]+"/v1/b2b/sessions/authenticate", "application/json", strings.NewReader(`{"session_token":"nope"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound { // Stytch's session_not_found, through the broker with the file's secret
		t.Fatalf("sessions.authenticate through the command: %d", resp.StatusCode)
	}
	resp, err = http.Get(m[2] + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not shut down")
	}
	if out := stdout.String(); strings.Contains(out, api.Secret()) || !strings.Contains(out, "shutting down") {
		t.Fatalf("output shows the secret or no shutdown line:\n%s", out)
	}
}

// command is the broker command running in front of a local API.
type command struct {
	api            *localstytch.Server
	apiURL, opsURL string
	cancel         context.CancelFunc
	done           chan error
	stdout         *syncBuffer
}

// startCommand runs the command (secret from a file) with extra flags and
// waits for its listening line.
func startCommand(t *testing.T, extra ...string) *command {
	t.Helper()
	api, err := localstytch.New(localstytch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := api.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close(context.Background()) })
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(api.Secret()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &command{api: api, cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}}
	args := append([]string{"--project-id", api.ProjectID(), "--secret-file", secretFile, "--upstream", upstream,
		"--redirect-url", "stytch-desktop://auth/callback", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, extra...)
	go func() { c.done <- run(ctx, args, env(nil), c.stdout, io.Discard) }()
	re := regexp.MustCompile(`"api":"(https?://127\.0\.0\.1:\d+)","ops":"((?:http://127\.0\.0\.1:\d+)?)"`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(c.stdout.String()); m != nil {
			c.apiURL, c.opsURL = m[1], m[2]
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line:\n%s", c.stdout.String())
		}
	}
}
