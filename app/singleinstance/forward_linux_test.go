package singleinstance

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestForwardToRunningInstance(t *testing.T) {
	privateBus(t)
	// Nobody runs: start normally, nothing sent.
	ok, err := Forward(testID, []string{"stytch-desktop://auth/callback?token=x"})
	if ok || err != nil {
		t.Fatalf("no instance: forwarded=%v err=%v", ok, err)
	}

	got := make(chan []string, 4)
	inst, err := Claim(testID, func(args []string) { got <- args })
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	// The arguments travel as they are; the running instance parses them
	// strictly, hostile ones included.
	args := []string{"stytch-desktop://auth/callback?stytch_token_type=discovery&token=abc", "--evil=\"quoted\"\n", ""}
	ok, err = Forward(testID, args)
	if !ok || err != nil {
		t.Fatalf("instance running: forwarded=%v err=%v", ok, err)
	}
	select {
	case a := <-got:
		if strings.Join(a, "|") != strings.Join(args, "|") {
			t.Fatalf("got %q, want %q", a, args)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
	}

	// No arguments: still a hand-off, as Wails' own lock does (Args [], not null).
	ok, err = Forward(testID, nil)
	if !ok || err != nil {
		t.Fatalf("no args: forwarded=%v err=%v", ok, err)
	}
	if a := <-got; a == nil || len(a) != 0 {
		t.Fatalf("args = %#v", a)
	}
}

func TestForwardWithoutSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ok, err := Forward(testID, []string{"x"})
	if ok || err != nil {
		t.Fatalf("forwarded=%v err=%v", ok, err)
	}
}

// The bus at $XDG_RUNTIME_DIR/bus is found without DBUS_SESSION_BUS_ADDRESS,
// as libdbus and godbus find it (systemd user sessions).
func TestSessionBusInRuntimeDir(t *testing.T) {
	addr := privateBus(t)
	path, ok := strings.CutPrefix(strings.Split(addr, ",")[0], "unix:path=")
	if !ok {
		t.Fatalf("dbus-daemon listens on %s, not on a path socket this test can link", addr)
	}
	dir := t.TempDir()
	if err := os.Symlink(path, dir+"/bus"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", dir)
	inst, err := Claim(testID, func([]string) {})
	if err != nil {
		t.Fatal(err)
	}
	inst.Close()
}
