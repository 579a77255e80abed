package keychain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"
)

const testValue = "tok-S3CR3T-value"

func TestKeyringStoresEncodedValue(t *testing.T) {
	fb := newFakeBackend()
	k := NewKeyring("svc", withBackend(fb))
	value := []byte{0, 1, 2, 0xff, '\n'}
	if err := k.Set(context.Background(), "session", value); err != nil {
		t.Fatal(err)
	}
	raw, ok := fb.raw("svc", "session")
	if !ok {
		t.Fatal("nothing stored under service svc, user session")
	}
	if want := "b64:AAEC/wo="; raw != want {
		t.Fatalf("stored %q, want %q", raw, want)
	}
}

func TestKeyringRejectsForeignValues(t *testing.T) {
	for _, stored := range []string{"plain-token", "b64:not base64!", "b64:QQ", "B64:QQ=="} {
		t.Run(stored, func(t *testing.T) {
			fb := newFakeBackend()
			fb.items[[2]string{"svc", "session"}] = stored
			k := NewKeyring("svc", withBackend(fb))
			v, err := k.Get(context.Background(), "session")
			if !errors.Is(err, ErrCorrupt) || v != nil {
				t.Fatalf("Get = %q, %v; want nil, ErrCorrupt", v, err)
			}
			if strings.Contains(err.Error(), strings.TrimPrefix(stored, "b64:")) {
				t.Fatalf("error quotes the stored value: %v", err)
			}
			// Set repairs it.
			if err := k.Set(context.Background(), "session", []byte("new")); err != nil {
				t.Fatal(err)
			}
			if v, err := k.Get(context.Background(), "session"); err != nil || string(v) != "new" {
				t.Fatalf("Get after Set = %q, %v", v, err)
			}
		})
	}
}

func TestSizeLimitsFitEveryPlatform(t *testing.T) {
	if n := encodedLen(MaxValueSize); n > maxStoredSize {
		t.Fatalf("MaxValueSize encodes to %d bytes, over the %d-byte platform limit", n, maxStoredSize)
	}
	if got := len(encode(make([]byte, MaxValueSize))); got != encodedLen(MaxValueSize) {
		t.Fatalf("encodedLen = %d, actual %d", encodedLen(MaxValueSize), got)
	}
	// Text is stored behind its prefix, with a margin for the item's framing.
	if n := len(textPrefix) + MaxTextSize; n > maxStoredSize-150 {
		t.Fatalf("MaxTextSize stores as %d bytes, too close to the %d-byte platform limit", n, maxStoredSize)
	}
}

func TestKeyringTimeout(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		name        string
		timeout     time.Duration
		ctxDeadline time.Duration // 0: none
		want        time.Duration
	}{
		{"store timeout", 50 * time.Millisecond, 0, 50 * time.Millisecond},
		{"earlier context deadline wins", 5 * time.Second, 40 * time.Millisecond, 40 * time.Millisecond},
		{"earlier store timeout wins", 30 * time.Millisecond, 5 * time.Second, 30 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend()
			g := newGate()
			fb.setHook(g.hook)
			defer g.open()
			k := NewKeyring("svc", WithTimeout(tt.timeout), withBackend(fb))

			ctx := context.Background()
			if tt.ctxDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxDeadline)
				defer cancel()
			}
			for _, op := range []func() error{
				func() error { _, err := k.Get(ctx, "session"); return err },
				func() error { return k.Set(ctx, "session", []byte(testValue)) },
				func() error { return k.Delete(ctx, "session") },
			} {
				if tt.ctxDeadline > 0 && ctx.Err() != nil {
					break // the shared deadline is spent; the first op checked it
				}
				start := time.Now()
				err := op()
				elapsed := time.Since(start)
				if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
				}
				if errors.Is(err, ErrNotFound) || errors.Is(err, ErrLocked) {
					t.Fatalf("timeout also matches another sentinel: %v", err)
				}
				if elapsed < tt.want-5*time.Millisecond || elapsed > tt.want+time.Second {
					t.Fatalf("returned after %v, want about %v", elapsed, tt.want)
				}
				if strings.Contains(err.Error(), testValue) {
					t.Fatalf("error quotes the value: %v", err)
				}
			}
			g.open()
		})
	}
}

// TestKeyringInFlightBound: a keyring that never answers must not pile up
// goroutines, and must not reorder operations.
func TestKeyringInFlightBound(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := newFakeBackend()
	g := newGate()
	fb.setHook(g.hook)
	defer g.open()
	const timeout = 40 * time.Millisecond
	k := NewKeyring("svc", WithTimeout(timeout), withBackend(fb))

	// The first call reaches the backend and is abandoned.
	if err := k.Set(context.Background(), "session", []byte("late write")); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Set = %v, want ErrTimeout", err)
	}
	if n := k.inFlightAbandoned(); n != 1 {
		t.Fatalf("abandoned calls = %d, want 1", n)
	}

	// Many more calls while it is stuck: all time out, none reaches the backend.
	const callers = 20
	var wg sync.WaitGroup
	errs := make([]error, callers)
	start := time.Now()
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				_, errs[i] = k.Get(context.Background(), "session")
			case 1:
				errs[i] = k.Set(context.Background(), "session", []byte("x"))
			default:
				errs[i] = k.Delete(context.Background(), "session")
			}
		}()
	}
	wg.Wait()
	if elapsed := time.Since(start); elapsed > timeout+time.Second {
		t.Fatalf("callers waited %v, want about %v", elapsed, timeout)
	}
	for i, err := range errs {
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("caller %d: %v, want ErrTimeout", i, err)
		}
	}
	calls, maxInFlight := fb.stats()
	if calls[opSet] != 1 || calls[opGet] != 0 || calls[opDelete] != 0 {
		t.Fatalf("backend calls = %v, want only the first set", calls)
	}
	if maxInFlight != 1 {
		t.Fatalf("max backend calls in flight = %d, want 1", maxInFlight)
	}

	// The user answers the prompt: the abandoned write lands, the slot frees,
	// and a later Delete runs after it (sign-out is not undone by the late write).
	g.open()
	fb.setHook(nil)
	if err := k.Delete(context.Background(), "session"); err != nil {
		t.Fatalf("Delete after release: %v", err)
	}
	if _, ok := fb.raw("svc", "session"); ok {
		t.Fatal("value still stored after Delete: the late Set ran after it")
	}
	if n := k.inFlightAbandoned(); n != 0 {
		t.Fatalf("abandoned calls = %d after release, want 0", n)
	}
	if _, err := k.Get(context.Background(), "session"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
}

func TestKeyringWaitsForSlotUntilDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := newFakeBackend()
	g := newGate()
	fb.setHook(g.hook)
	defer g.open()
	k := NewKeyring("svc", WithTimeout(5*time.Second), withBackend(fb))
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := k.Set(short, "session", []byte("v")); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Set = %v, want ErrTimeout", err)
	}
	// A caller with a longer deadline waits for the stuck call to end (the
	// user answering the prompt), then gets through.
	done := make(chan error, 1)
	go func() {
		_, err := k.Get(context.Background(), "session")
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	fb.setHook(nil)
	g.open()
	if err := <-done; err != nil {
		t.Fatalf("Get after the stuck call finished: %v", err)
	}
	if calls, _ := fb.stats(); calls[opSet] != 1 || calls[opGet] != 1 {
		t.Fatalf("backend calls = %v, want one set then one get", calls)
	}
}

func TestKeyringCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := newFakeBackend()
	k := NewKeyring("svc", withBackend(fb))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Set(ctx, "session", []byte("v")); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("Set = %v, want context.Canceled only", err)
	}
	if calls, _ := fb.stats(); len(calls) != 0 {
		t.Fatalf("backend called with a cancelled context: %v", calls)
	}

	// Cancelled while waiting for the keychain: Canceled, not ErrTimeout.
	g := newGate()
	fb.setHook(g.hook)
	defer g.open()
	ctx, cancel = context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := k.Get(ctx, "session"); errc <- err }()
	if _, ok := g.waitEntered(time.Second); !ok {
		t.Fatal("Get never reached the backend")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("Get = %v, want context.Canceled only", err)
	}
	g.open()
}

func TestKeyringBackendPanic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fb := newFakeBackend()
	fb.setHook(func(string) error {
		var m map[string]int
		m["x"]++ // nil map write: a runtime.Error
		return nil
	})
	k := NewKeyring("svc", withBackend(fb))
	_, err := k.Get(context.Background(), "session")
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("Get = %v, want a panic turned into an error", err)
	}
	fb.setHook(func(string) error { panic(testValue) })
	err = k.Set(context.Background(), "session", []byte("v"))
	if err == nil || strings.Contains(err.Error(), testValue) {
		t.Fatalf("Set = %v, want an error that does not quote the panic value", err)
	}
	fb.setHook(nil)
	if err := k.Set(context.Background(), "session", []byte("v")); err != nil {
		t.Fatalf("Set after panics: %v (slot not released?)", err)
	}
}

func TestKeyringNeedsService(t *testing.T) {
	k := &Keyring{backend: newFakeBackend()}
	if _, err := k.Get(context.Background(), "session"); err == nil {
		t.Fatal("Get with no service succeeded")
	}
	// The zero value with a service works.
	k = &Keyring{Service: "svc", backend: newFakeBackend()}
	if err := k.Set(context.Background(), "session", []byte("v")); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringErrorMapping(t *testing.T) {
	exitErr := exec.Command("false").Run()
	tests := []struct {
		name string
		err  error
		want error // nil: no sentinel
	}{
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"too big", keyring.ErrSetDataTooBig, ErrTooBig},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, ErrUnavailable},
		{"no dbus-launch", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrUnavailable},
		{"dbus-launch failed", exitErr, ErrUnavailable},
		{"no bus socket", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")}, ErrUnavailable},
		{"no bus address", errors.New("dbus: couldn't determine address of session bus"), ErrUnavailable},
		{"bus auth", errors.New("dbus: authentication failed"), ErrUnavailable},
		{"connection closed", dbus.ErrClosed, ErrUnavailable},
		{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable},
		{"no secret service, text only", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), ErrUnavailable},
		{"activation failed", &dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited", Body: []any{"exited"}}, ErrUnavailable},
		{"unlock refused", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"is locked", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"Cannot create an item in a locked collection"}}, ErrLocked},
		{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply", Body: []any{"Did not receive a reply"}}, ErrTimeout},
		{"other dbus error", dbus.Error{Name: "org.freedesktop.Secret.Error.NoSession", Body: []any{"no session"}}, nil},
		{"other", errors.New("something odd"), nil},
	}
	sentinels := []error{ErrNotFound, ErrUnavailable, ErrLocked, ErrTimeout, ErrTooBig, ErrCorrupt}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend()
			fb.setHook(func(string) error { return tt.err })
			k := NewKeyring("svc", withBackend(fb))
			err := k.Set(context.Background(), "session", []byte(testValue))
			if err == nil {
				t.Fatal("Set succeeded")
			}
			if !strings.HasPrefix(err.Error(), `keychain set "session": `) {
				t.Errorf("error %q does not name the operation", err)
			}
			if strings.Contains(err.Error(), testValue) {
				t.Errorf("error quotes the value: %v", err)
			}
			// dbus.Error is not comparable, so errors.Is cannot find it.
			if !strings.Contains(err.Error(), tt.err.Error()) {
				t.Errorf("error %v does not carry the cause %v", err, tt.err)
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.want; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
		})
	}
}

func TestKeyringDeleteMissingIsNil(t *testing.T) {
	fb := newFakeBackend()
	k := NewKeyring("svc", withBackend(fb))
	if err := k.Delete(context.Background(), "session"); err != nil {
		t.Fatalf("Delete of a missing item = %v, want nil", err)
	}
	fb.setHook(func(string) error { return fmt.Errorf("failed to unlock correct collection '/x'") })
	if err := k.Delete(context.Background(), "session"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Delete on a locked keyring = %v, want ErrLocked (not swallowed)", err)
	}
}
