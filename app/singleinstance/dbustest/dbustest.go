// Package dbustest starts a private D-Bus session bus for a test: the
// single-instance lock and the link handler are tested against a real
// dbus-daemon, never the user's bus.
package dbustest

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// PrivateBus starts a dbus-daemon (session configuration: 1 GB messages
// allowed, as on a desktop) for this test only, points the session bus
// address at it, and returns that address. It stops with the test.
func PrivateBus(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon not installed (package dbus; scripts/install-deps.sh core)")
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", a)
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start")
	}
	return ""
}
