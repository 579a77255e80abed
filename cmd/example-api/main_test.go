package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/sessiontest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParse(t *testing.T) {
	secret := map[string]string{"STYTCH_SECRET": "s"}
	tests := []struct {
		args    []string
		env     map[string]string
		wantErr string
		want    options
	}{
		{args: []string{"--project-id", "p"}, env: secret, want: options{addr: "127.0.0.1:8788", projectID: "p", maxTokenAge: 5 * time.Minute, secret: "s"}},
		{args: []string{"--project-id", "p", "--max-token-age", "0", "--addr", "127.0.0.1:9", "--api-base-url", "http://127.0.0.1:8787"}, env: secret,
			want: options{addr: "127.0.0.1:9", projectID: "p", apiBase: "http://127.0.0.1:8787", secret: "s"}},
		{args: nil, env: map[string]string{"STYTCH_SECRET": "s", "STYTCH_PROJECT_ID": "q"}, want: options{addr: "127.0.0.1:8788", projectID: "q", maxTokenAge: 5 * time.Minute, secret: "s"}},
		{args: []string{"--project-id", "p"}, env: nil, wantErr: "STYTCH_SECRET is not set"},
		{args: []string{"--project-id", "p", "--secret", "s"}, env: secret, wantErr: "flag provided but not defined: -secret"},
		{args: []string{"--project-id", "p", "--max-token-age", "-1s"}, env: secret, wantErr: "must not be negative"},
		{args: []string{"--project-id", "p", "--max-token-age", "soon"}, env: secret, wantErr: "invalid value"},
		{args: []string{}, env: secret, wantErr: "--project-id is required"},
		{args: []string{"--project-id", "p", "extra"}, env: secret, wantErr: "unexpected argument"},
	}
	for _, tc := range tests {
		got, err := parse(tc.args, env(tc.env), io.Discard)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

// The command end to end: started against the local API, it answers
// /api/me for a real session and stops on cancel.
func TestRun(t *testing.T) {
	api := sessiontest.Start(t, localstytch.Options{})
	s := api.Member(t, "northwind")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--project-id", api.Server.ProjectID(), "--api-base-url", api.Base},
			env(map[string]string{"STYTCH_SECRET": api.Server.Secret()}), pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v (stderr %s)", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	base := strings.Fields(strings.TrimPrefix(line, "example-api listening on "))[0]
	req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+s.JWT)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me["email_address"] != s.Email {
		t.Fatalf("%d %v", resp.StatusCode, me)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), api.Server.Secret()) {
		t.Fatal("the secret reached the log")
	}
}
