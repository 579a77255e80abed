package singleinstance

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
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

// A hand-off over the limit must never make a second instance: the sender
// refuses it before sending (whether or not an instance runs), and a running
// instance answers an oversized call with an error at once, which the sender
// reads as "refused", not as "nobody is there" (issue 22 #6).
func TestOversizedHandOffIsRefused(t *testing.T) {
	privateBus(t)
	link := "stytch-desktop://auth/callback?token=" + strings.Repeat("x", 64<<10)

	// No instance: still refused, nothing to start.
	ok, err := Forward(testID, []string{link})
	if ok || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("no instance, 64 KiB link: forwarded=%v err=%v, want ErrTooLarge", ok, err)
	}

	got := make(chan []string, 4)
	inst, err := Claim(testID, func(args []string) { got <- args })
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	for _, n := range []int{64 << 10, 1 << 20} {
		start := time.Now()
		ok, err := Forward(testID, []string{"stytch-desktop://auth/callback?token=" + strings.Repeat("x", n)})
		if ok || !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%d-byte link: forwarded=%v err=%v, want ErrTooLarge", n, ok, err)
		}
		if strings.Contains(err.Error(), "xxxx") {
			t.Fatalf("the error carries the link: %.80s", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusing took %v", d)
		}
	}
	if inst.Dropped() != 0 {
		t.Fatalf("the sender sent an oversized hand-off (%d dropped)", inst.Dropped())
	}

	// A sender that does not check (an older build, any process on the bus):
	// the instance answers with an error instead of leaving it to time out.
	start := time.Now()
	err = send(t, handOff(strings.Repeat("y", 1<<20)))
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the oversized call was answered after %v", d)
	}
	var derr dbus.Error
	if !errors.As(err, &derr) || derr.Name != errLimitsExceeded {
		t.Fatalf("oversized call answered with %v, want a %s error", err, errLimitsExceeded)
	}
	if inst.Dropped() != 1 {
		t.Fatalf("dropped = %d, want 1", inst.Dropped())
	}
	select {
	case a := <-got:
		t.Fatalf("an oversized hand-off was delivered (%d args)", len(a))
	default:
	}
	// Still in step afterwards.
	if ok, err := Forward(testID, []string{"stytch-desktop://auth/callback?token=after"}); !ok || err != nil {
		t.Fatalf("after the refusals: forwarded=%v err=%v", ok, err)
	}
	if a := <-got; len(a) != 1 || !strings.HasSuffix(a[0], "token=after") {
		t.Fatalf("args = %q", a)
	}
}

// The instance's refusal reaches Forward as ErrRefused (it is there and said
// no), not as "nobody is there": here the instance's limit is lowered below
// what Forward checks, as an older or newer build's might be.
func TestForwardTreatsAnAnswerAsRefused(t *testing.T) {
	privateBus(t)
	got := make(chan []string, 1)
	inst, err := claim(testID, func(args []string) { got <- args }, 4<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	start := time.Now()
	ok, err := Forward(testID, []string{strings.Repeat("z", 8<<10)})
	if ok || !errors.Is(err, ErrRefused) {
		t.Fatalf("forwarded=%v err=%v, want ErrRefused", ok, err)
	}
	if d := time.Since(start); d >= forwardTimeout {
		t.Fatalf("the refusal took %v: the sender waited out its timeout", d)
	}
	select {
	case a := <-got:
		t.Fatalf("delivered %d args", len(a))
	default:
	}
}
