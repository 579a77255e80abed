//go:build linux

package keychain_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"stytch-desktop/app/keychain"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/signin/secretstest"
)

// The tests below talk to a real Secret Service. scripts/test-keyring.sh runs
// them in throw-away D-Bus sessions: KEYCHAIN_REAL=1 enables them, and
// KEYCHAIN_REAL_SCENARIO says which session this is ("" = unlocked
// gnome-keyring, "locked", "no-secret-service").

const skipReal = "set KEYCHAIN_REAL=1 under a real Secret Service; scripts/test-keyring.sh does"

func requireReal(t *testing.T, scenario string) {
	t.Helper()
	if os.Getenv("KEYCHAIN_REAL") != "1" {
		t.Skip(skipReal)
	}
	if got := os.Getenv("KEYCHAIN_REAL_SCENARIO"); got != scenario {
		t.Skipf("this D-Bus session is scenario %q, test needs %q; scripts/test-keyring.sh runs each", got, scenario)
	}
}

// randomService returns a per-test service name and removes whatever the
// test leaves under it.
func randomService(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	svc := "stytch-desktop-test-" + hex.EncodeToString(b)
	t.Cleanup(func() { _ = exec.Command("secret-tool", "clear", "service", svc).Run() })
	return svc
}

// secretToolSearch returns what secret-tool sees under service. It prints
// attributes on stderr and the rest on stdout, so both are kept.
func secretToolSearch(t *testing.T, service string) string {
	t.Helper()
	out, err := exec.Command("secret-tool", "search", "--all", "service", service).CombinedOutput()
	if err != nil {
		t.Fatalf("secret-tool search: %v\n%s", err, out)
	}
	return string(out)
}

func TestRealKeyringContract(t *testing.T) {
	requireReal(t, "")
	secretstest.Run(t, func(t *testing.T) signin.Secrets {
		return keychain.NewKeyring(randomService(t))
	})
}

// TestRealKeyringSecretTool checks with an independent client that items
// really land in, and leave, the Secret Service, and measures the calls.
func TestRealKeyringSecretTool(t *testing.T) {
	requireReal(t, "")
	ctx := context.Background()
	svc := randomService(t)
	k := keychain.NewKeyring(svc)
	value := []byte("session-token-\x00\xff-test")

	if err := k.Set(ctx, "session", value); err != nil {
		t.Fatalf("Set: %v", err)
	}
	found := secretToolSearch(t, svc)
	for _, want := range []string{
		"attribute.service = " + svc,
		"attribute.username = session",
		"secret = b64:c2Vzc2lvbi10b2tlbi0A/y10ZXN0",
	} {
		if !strings.Contains(found, want) {
			t.Fatalf("secret-tool does not show %q after Set; it shows:\n%s", want, found)
		}
	}
	out, err := exec.Command("secret-tool", "lookup", "service", svc, "username", "session").Output()
	if err != nil || string(out) != "b64:c2Vzc2lvbi10b2tlbi0A/y10ZXN0" {
		t.Fatalf("secret-tool lookup = %q, %v", out, err)
	}
	if got, err := k.Get(ctx, "session"); err != nil || !bytes.Equal(got, value) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := k.Delete(ctx, "session"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if found := secretToolSearch(t, svc); strings.Contains(found, "attribute.service") {
		t.Fatalf("secret-tool still finds the item after Delete:\n%s", found)
	}
	if _, err := k.Get(ctx, "session"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}

	// Timings, reported by the script.
	const rounds = 20
	var set, get, del []time.Duration
	token := bytes.Repeat([]byte("t"), 44) // the size of a Stytch session token
	for range rounds {
		start := time.Now()
		if err := k.Set(ctx, "session", token); err != nil {
			t.Fatal(err)
		}
		set = append(set, time.Since(start))
		start = time.Now()
		if _, err := k.Get(ctx, "session"); err != nil {
			t.Fatal(err)
		}
		get = append(get, time.Since(start))
		start = time.Now()
		if err := k.Delete(ctx, "session"); err != nil {
			t.Fatal(err)
		}
		del = append(del, time.Since(start))
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"Set", set}, {"Get", get}, {"Delete", del}} {
		slices.Sort(m.d)
		t.Logf("timing %-6s n=%d min=%v median=%v max=%v", m.name, len(m.d), m.d[0], m.d[len(m.d)/2], m.d[len(m.d)-1])
	}
}

// TestRealLocked runs against a gnome-keyring whose login keyring exists
// (the script stored an item in it in an earlier session) but is locked,
// with no display for the unlock prompt.
func TestRealLocked(t *testing.T) {
	requireReal(t, "locked")
	svc := os.Getenv("KEYCHAIN_REAL_SEEDED_SERVICE")
	if svc == "" {
		t.Fatal("KEYCHAIN_REAL_SEEDED_SERVICE not set: the script seeds an item first")
	}
	expectAll(t, keychain.NewKeyring(svc), keychain.ErrLocked, []string{"session", "never-stored"})
}

// TestRealNoSecretService runs on a session bus on which nothing provides
// org.freedesktop.secrets.
func TestRealNoSecretService(t *testing.T) {
	requireReal(t, "no-secret-service")
	expectAll(t, keychain.NewKeyring(randomService(t)), keychain.ErrUnavailable, []string{"session"})
}

// expectAll checks that Get, Set and Delete on every key fail quickly with
// want, and never look like "not found" (which would sign the user out).
func expectAll(t *testing.T, k *keychain.Keyring, want error, keys []string) {
	t.Helper()
	ctx := context.Background()
	for _, key := range keys {
		for _, op := range []struct {
			name string
			do   func() error
		}{
			{"Get", func() error { _, err := k.Get(ctx, key); return err }},
			{"Set", func() error { return k.Set(ctx, key, []byte("v")) }},
			{"Delete", func() error { return k.Delete(ctx, key) }},
		} {
			start := time.Now()
			err := op.do()
			elapsed := time.Since(start)
			t.Logf("timing %s(%q) -> %v in %v", op.name, key, err, elapsed)
			if !errors.Is(err, want) {
				t.Errorf("%s(%q) = %v, want %v", op.name, key, err, want)
			}
			if errors.Is(err, keychain.ErrNotFound) {
				t.Errorf("%s(%q) = %v: must not look like not found", op.name, key, err)
			}
			if elapsed > 2*time.Second {
				t.Errorf("%s(%q) took %v, want a prompt answer", op.name, key, elapsed)
			}
		}
	}
}

// The no-bus tests need a fresh process: godbus caches the session bus
// connection for the life of the process, and reads the environment once.

const helperEnv = "KEYCHAIN_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(runHelper())
	}
	os.Exit(m.Run())
}

// runHelper performs Get, Set and Delete and prints one line per call:
// "<op> <sentinel> <milliseconds>".
func runHelper() int {
	k := keychain.NewKeyring("stytch-desktop-test-helper", keychain.WithTimeout(10*time.Second))
	ctx := context.Background()
	ops := []struct {
		name string
		do   func() error
	}{
		{"get", func() error { _, err := k.Get(ctx, "session"); return err }},
		{"set", func() error { return k.Set(ctx, "session", []byte("v")) }},
		{"delete", func() error { return k.Delete(ctx, "session") }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.do()
		fmt.Printf("%s %s %d\n", op.name, sentinelName(err), time.Since(start).Milliseconds())
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", op.name, err)
		}
	}
	return 0
}

func sentinelName(err error) string {
	for _, s := range []struct {
		name string
		err  error
	}{
		{"notfound", keychain.ErrNotFound}, {"unavailable", keychain.ErrUnavailable},
		{"locked", keychain.ErrLocked}, {"timeout", keychain.ErrTimeout}, {"toobig", keychain.ErrTooBig},
	} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "other"
}

func runHelperProcess(t *testing.T, env []string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(env, helperEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 {
			got[f[0]] = f[1]
			t.Logf("timing %s -> %s in %sms", f[0], f[1], f[2])
		}
	}
	t.Logf("helper errors:\n%s", stderr.String())
	return got
}

// environWithout returns the environment minus the named variables.
func environWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			env = append(env, kv)
		}
	}
	return env
}

// TestNoSessionBus needs no keyring: it points the process at a bus that is
// not there. It runs everywhere on Linux, and under the script too.
func TestNoSessionBus(t *testing.T) {
	dir := t.TempDir()
	t.Run("address of a missing socket", func(t *testing.T) {
		env := append(environWithout("DBUS_SESSION_BUS_ADDRESS"),
			"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(dir, "no-such-bus"))
		expectHelper(t, runHelperProcess(t, env), "unavailable")
	})
	t.Run("no address: dbus-launch is not run", func(t *testing.T) {
		// godbus also looks for /run/user/<uid>/bus before running dbus-launch.
		runDir := fmt.Sprintf("/run/user/%d", os.Getuid())
		for _, f := range []string{"bus", "dbus-session"} {
			if _, err := os.Stat(filepath.Join(runDir, f)); err == nil {
				t.Skipf("%s/%s exists: this machine has a discoverable session bus", runDir, f)
			}
		}
		// A dbus-launch that records being run: autolaunching a private bus
		// would leak its daemon, so the Keyring must not get that far.
		bin := t.TempDir()
		marker := filepath.Join(bin, "dbus-launch-ran")
		script := "#!/bin/sh\ntouch " + marker + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		env := append(environWithout("DBUS_SESSION_BUS_ADDRESS", "PATH"), "PATH="+bin)
		expectHelper(t, runHelperProcess(t, env), "unavailable")
		if _, err := os.Stat(marker); err == nil {
			t.Fatal("dbus-launch was run")
		}
	})
}

func expectHelper(t *testing.T, got map[string]string, want string) {
	t.Helper()
	for _, op := range []string{"get", "set", "delete"} {
		if got[op] != want {
			t.Errorf("%s: %q, want %q", op, got[op], want)
		}
	}
}

// stuckSecretService owns org.freedesktop.secrets and answers nothing until
// released: a real D-Bus stand-in for a keyring behind an unanswered prompt.
type stuckSecretService struct {
	release chan struct{}
	calls   chan string
}

// Get is org.freedesktop.DBus.Properties.Get, the first call go-keyring makes.
func (s *stuckSecretService) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	s.calls <- "Properties.Get"
	<-s.release
	return dbus.MakeVariant([]dbus.ObjectPath{}), nil
}

// OpenSession is the first call of go-keyring's Set.
func (s *stuckSecretService) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	s.calls <- "OpenSession"
	<-s.release
	return dbus.MakeVariant(""), "/", dbus.NewError("org.freedesktop.DBus.Error.NotSupported", []any{"stuck test service"})
}

// TestRealSecretServiceNeverAnswers runs on the bus without a Secret
// Service, where it plays one that never replies.
func TestRealSecretServiceNeverAnswers(t *testing.T) {
	requireReal(t, "no-secret-service")
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close() // releases the name for any later test
	stuck := &stuckSecretService{release: make(chan struct{}), calls: make(chan string, 100)}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(stuck.release) }) }
	defer release()
	for _, iface := range []string{"org.freedesktop.DBus.Properties", "org.freedesktop.Secret.Service"} {
		if err := conn.Export(stuck, "/org/freedesktop/secrets", iface); err != nil {
			t.Fatal(err)
		}
	}
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName = %v, %v", reply, err)
	}

	const timeout = 300 * time.Millisecond
	k := keychain.NewKeyring(randomService(t), keychain.WithTimeout(timeout))
	ctx := context.Background()
	start := time.Now()
	_, err = k.Get(ctx, "session")
	elapsed := time.Since(start)
	t.Logf("timing Get on a stuck Secret Service -> %v in %v", err, elapsed)
	if !errors.Is(err, keychain.ErrTimeout) {
		t.Fatalf("Get = %v, want ErrTimeout", err)
	}
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Fatalf("Get returned after %v, want about %v", elapsed, timeout)
	}

	// While the first call is stuck, more calls time out without reaching
	// the bus: at most one call is ever in flight.
	for _, op := range []func() error{
		func() error { _, err := k.Get(ctx, "session"); return err },
		func() error { return k.Set(ctx, "session", []byte("v")) },
		func() error { return k.Delete(ctx, "session") },
	} {
		if err := op(); !errors.Is(err, keychain.ErrTimeout) {
			t.Fatalf("call while stuck = %v, want ErrTimeout", err)
		}
	}
	if n := len(stuck.calls); n != 1 {
		t.Fatalf("the service received %d calls, want 1 (only the first Get)", n)
	}

	// The "user answers the prompt": the stuck call finishes and the store
	// is usable again (this stand-in then fails with a non-timeout error).
	release()
	err = k.Set(ctx, "session", []byte("v"))
	t.Logf("Set after release -> %v", err)
	if err == nil || errors.Is(err, keychain.ErrTimeout) {
		t.Fatalf("Set after release = %v, want the service's own error, not a timeout", err)
	}
}
