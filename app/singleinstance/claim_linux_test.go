package singleinstance

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"stytch-desktop/app/singleinstance/dbustest"
)

func privateBus(t *testing.T) string { return dbustest.PrivateBus(t) }

const testID = "io.stytch-desktop.test"

// send makes the hand-off call a second instance makes, from this process;
// an answer that takes over 5 s counts as none (context deadline exceeded).
func send(t *testing.T, message string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}
	name, path := BusName(testID)
	return conn.Object(name, dbus.ObjectPath(path)).CallWithContext(ctx, name+".SendMessage", 0, message).Err
}

func handOff(args ...string) string {
	b, _ := json.Marshal(Message{Args: args, WorkingDirectory: "/"})
	return string(b)
}

func TestClaimForwardsAndKeepsOneInstance(t *testing.T) {
	privateBus(t)
	if name, path := BusName("io.stytch-desktop.signin"); name != "org.wails_app_io_stytch_desktop_signin.SingleInstance" ||
		path != "/org/wails_app_io_stytch_desktop_signin/SingleInstance" {
		t.Fatalf("bus name %q %q differs from the one Wails uses", name, path)
	}
	got := make(chan []string, 4)
	inst, err := Claim(testID, func(args []string) { got <- args })
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()

	if _, err := Claim(testID, func([]string) {}); !errors.Is(err, ErrRunning) {
		t.Fatalf("second claim: err = %v, want ErrRunning", err)
	}
	link := "stytch-desktop://auth/callback?stytch_token_type=discovery&token=abc"
	if err := send(t, handOff(link, "--flag")); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if strings.Join(a, "|") != link+"|--flag" {
			t.Fatalf("args = %q", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hand-off did not arrive")
	}
	if err := send(t, "not json"); err == nil {
		t.Fatal("a malformed hand-off was answered with success")
	}

	// Released on Close: the next instance gets the lock.
	inst.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		next, err := Claim(testID, func([]string) {})
		if err == nil {
			next.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock not released: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHostileSender is not a test: run by TestOversizedHandOffIsNeverBuffered
// (and scripts/e2e-desktop.sh) in a child process, it sends one hand-off of
// HOSTILE_BYTES bytes to HOSTILE_ID's instance, as any process on the session
// bus can.
func TestHostileSender(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOSTILE_BYTES"))
	if n == 0 {
		return
	}
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}
	id := os.Getenv("HOSTILE_ID") // the e2e test aims it at the real app
	if id == "" {
		id = testID
	}
	name, path := BusName(id)
	msg := `{"Args":["` + strings.Repeat("a", n) + `"],"WorkingDirectory":"/"}`
	// No reply comes for a discarded message: don't wait for one.
	conn.Object(name, dbus.ObjectPath(path)).Go(name+".SendMessage", dbus.FlagNoReplyExpected, nil, msg)
	// Wait until the bus has taken it all (a flush: a round trip to the bus).
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Err; err != nil {
		t.Fatal(err)
	}
}

// One 100 MiB hand-off: the app never allocates it (Wails' handler held
// ~500 MB afterwards). Measured as the bytes this process allocated while the
// message went by, which includes everything godbus would have decoded.
func TestOversizedHandOffIsNeverBuffered(t *testing.T) {
	privateBus(t)
	got := make(chan []string, 4)
	inst, err := Claim(testID, func(args []string) { got <- args })
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const hostile = 100 << 20
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileSender$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HOSTILE_BYTES="+strconv.Itoa(hostile))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hostile sender: %v\n%s", err, out)
	}
	deadline := time.After(30 * time.Second)
	var delivered []string
wait:
	for inst.Dropped() == 0 {
		select {
		case delivered = <-got:
			break wait
		case <-deadline:
			t.Fatal("the oversized hand-off was never seen")
		case <-time.After(20 * time.Millisecond):
		}
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d MiB hand-off made this process allocate %.1f MiB", hostile>>20, float64(allocated)/(1<<20))
	if allocated > 8<<20 {
		t.Fatalf("allocated %d bytes for a discarded hand-off; the limit is %d", allocated, MaxMessage)
	}
	if delivered != nil {
		t.Fatalf("the oversized hand-off was delivered (%d args)", len(delivered))
	}

	// The connection is still in step: the next, normal hand-off arrives.
	if err := send(t, handOff("stytch-desktop://auth/callback?token=after")); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if len(a) != 1 || !strings.HasSuffix(a[0], "token=after") {
			t.Fatalf("args = %q", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a normal hand-off after the oversized one did not arrive")
	}
	// Just under the limit still goes through (the limit is on the whole message).
	if err := send(t, handOff(strings.Repeat("b", MaxMessage-1024))); err != nil {
		t.Fatal(err)
	}
	if a := <-got; len(a) != 1 || len(a[0]) != MaxMessage-1024 {
		t.Fatalf("a hand-off under the limit was cut: %d args", len(a))
	}
	if inst.Dropped() != 1 {
		t.Fatalf("dropped = %d, want 1", inst.Dropped())
	}
}

func TestNoSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no bus socket in it
	if _, err := Claim(testID, func([]string) {}); !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("err = %v, want ErrNoSessionBus", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/gone")
	if _, err := Claim(testID, func([]string) {}); !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("dead address: err = %v, want ErrNoSessionBus", err)
	}
}
