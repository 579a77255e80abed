package keychaintest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/keychain"
	"stytch-desktop/app/keychain/keychaintest"
)

func TestFaultyFail(t *testing.T) {
	ctx := context.Background()
	mem := keychaintest.NewMemory()
	f := keychaintest.NewFaulty(mem)
	if err := f.Set(ctx, "session", []byte("old")); err != nil {
		t.Fatal(err)
	}

	f.Fail(keychaintest.OpSet, keychain.ErrLocked)
	for range 2 {
		if err := f.Set(ctx, "session", []byte("new")); !errors.Is(err, keychain.ErrLocked) {
			t.Fatalf("Set = %v, want ErrLocked", err)
		}
	}
	if v, _ := mem.Get(ctx, "session"); string(v) != "old" {
		t.Fatalf("a failed Set reached the store: %q", v)
	}
	// Other operations are unaffected.
	if v, err := f.Get(ctx, "session"); err != nil || string(v) != "old" {
		t.Fatalf("Get = %q, %v", v, err)
	}

	f.Fail(keychaintest.OpSet, nil)
	if err := f.Set(ctx, "session", []byte("new")); err != nil {
		t.Fatalf("Set after clearing the fault: %v", err)
	}
	if got := f.Calls(keychaintest.OpSet); got != 4 {
		t.Fatalf("Calls(OpSet) = %d, want 4", got)
	}
}

func TestFaultyFailOnce(t *testing.T) {
	ctx := context.Background()
	f := keychaintest.NewFaulty(keychaintest.NewMemory())
	f.Fail(keychaintest.OpGet, keychain.ErrUnavailable)
	f.FailOnce(keychaintest.OpGet, keychain.ErrTimeout)
	f.FailOnce(keychaintest.OpGet, keychain.ErrLocked)
	for i, want := range []error{keychain.ErrTimeout, keychain.ErrLocked, keychain.ErrUnavailable, keychain.ErrUnavailable} {
		if _, err := f.Get(ctx, "session"); !errors.Is(err, want) {
			t.Fatalf("call %d: %v, want %v", i, err, want)
		}
	}
	f.Reset()
	if _, err := f.Get(ctx, "session"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("after Reset: %v, want ErrNotFound", err)
	}
	if got := f.Calls(keychaintest.OpGet); got != 1 {
		t.Fatalf("Calls after Reset = %d, want 1", got)
	}
}

func TestFaultyDelay(t *testing.T) {
	f := keychaintest.NewFaulty(keychaintest.NewMemory())
	f.Delay(keychaintest.OpSet, time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := f.Set(ctx, "session", []byte("v"))
	if !errors.Is(err, keychain.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Set = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Set took %v despite a 30ms deadline", d)
	}

	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := f.Set(ctx, "session", []byte("v")); !errors.Is(err, context.Canceled) || errors.Is(err, keychain.ErrTimeout) {
		t.Fatalf("Set = %v, want context.Canceled only", err)
	}
	if _, err := f.Get(context.Background(), "session"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("a timed-out Set reached the store: %v", err)
	}

	f.Delay(keychaintest.OpSet, 20*time.Millisecond)
	start = time.Now()
	if err := f.Set(context.Background(), "session", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("Set returned after %v, want at least the 20ms delay", d)
	}
}

// TestFaultyConcurrentConfig: reconfiguring while in use is race-free.
func TestFaultyConcurrentConfig(t *testing.T) {
	f := keychaintest.NewFaulty(keychaintest.NewMemory())
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				_ = f.Set(ctx, fmt.Sprintf("k%d", i), []byte("v"))
				_, _ = f.Get(ctx, fmt.Sprintf("k%d", i))
				_ = f.Delete(ctx, fmt.Sprintf("k%d", j))
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				f.Fail(keychaintest.OpGet, keychain.ErrLocked)
				f.FailOnce(keychaintest.OpSet, keychain.ErrTimeout)
				f.Delay(keychaintest.OpDelete, time.Microsecond)
				_ = f.Calls(keychaintest.OpGet)
				f.Reset()
			}
		}()
	}
	wg.Wait()
}
