// Package secretstest is the contract every signin.Secrets implementation
// must pass (the real keychain, and the test stores in keychaintest). Each
// implementation's tests call Run; the sign-in flows rely on exactly these
// semantics and nothing more, including the size limits
// (signin.MaxSecretSize, signin.MaxSecretTextSize).
package secretstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"stytch-desktop/app/signin"
)

// opTimeout bounds each call in the suite, so a hung store fails the test
// instead of hanging it. Real keychains answer in milliseconds.
const opTimeout = 10 * time.Second

// secretMarker is put in values so the suite can check that no error ever
// quotes a value.
const secretMarker = "S3CR3T-MARKER"

// Run runs the contract suite. newStore is called once per subtest and must
// return an empty store that no other subtest uses; it should register any
// cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) signin.Secrets) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s signin.Secrets)
	}{
		{"GetMissing", testGetMissing},
		{"RoundTrip", testRoundTrip},
		{"CopiesValues", testCopiesValues},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"DeleteMissing", testDeleteMissing},
		{"TooBig", testTooBig},
		{"KeysIsolated", testKeysIsolated},
		{"InvalidKeys", testInvalidKeys},
		{"CancelledContext", testCancelledContext},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), opTimeout)
	t.Cleanup(cancel)
	return c
}

func mustSet(t *testing.T, s signin.Secrets, key string, value []byte) {
	t.Helper()
	if err := s.Set(ctx(t), key, value); err != nil {
		t.Fatalf("Set(%q, %d bytes): %v", key, len(value), err)
	}
}

func mustGet(t *testing.T, s signin.Secrets, key string, want []byte) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes %q, want %d bytes %q", key, len(got), trim(got), len(want), trim(want))
	}
}

func mustNotFound(t *testing.T, s signin.Secrets, key string) {
	t.Helper()
	got, err := s.Get(ctx(t), key)
	if !errors.Is(err, signin.ErrSecretNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, trim(got), err)
	}
	if got != nil {
		t.Fatalf("Get(%q) returned %d bytes with ErrNotFound, want nil", key, len(got))
	}
	for _, other := range []error{signin.ErrKeychainUnavailable, signin.ErrKeychainLocked, signin.ErrKeychainTimeout} {
		if errors.Is(err, other) {
			t.Fatalf("Get(%q) error %v matches both ErrNotFound and %v", key, err, other)
		}
	}
}

func trim(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func testGetMissing(t *testing.T, s signin.Secrets) {
	mustNotFound(t, s, "storetest-missing")
}

func testRoundTrip(t *testing.T, s signin.Secrets) {
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	maxSize := bytes.Repeat([]byte{0xff, 0x00, 'a', '\n'}, signin.MaxSecretSize/4+1)[:signin.MaxSecretSize]
	tests := []struct {
		name  string
		value []byte
	}{
		{"token", []byte("session-token-test-" + secretMarker + "-abcdefghijklmnopqrstuvwxyz")},
		{"empty", []byte{}},
		{"every byte value", allBytes},
		{"NUL and newlines", []byte("a\x00b\nc\r\n\x00")},
		{"invalid UTF-8", []byte{0xc3, 0x28, 0xa0, 0xa1}},
		{"unicode", []byte("jeton de séance ✓ 🔑")},
		{"exactly MaxSecretSize", maxSize},
		{"MaxSecretSize-1", maxSize[:len(maxSize)-1]},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("storetest-rt-%d", i)
			mustSet(t, s, key, tt.value)
			mustGet(t, s, key, tt.value)
		})
	}
	// A nil value is stored as empty.
	mustSet(t, s, "storetest-nil", nil)
	mustGet(t, s, "storetest-nil", []byte{})
}

func testCopiesValues(t *testing.T, s signin.Secrets) {
	in := []byte("original")
	mustSet(t, s, "storetest-copy", in)
	copy(in, "MUTATED!")
	mustGet(t, s, "storetest-copy", []byte("original"))

	got, err := s.Get(ctx(t), "storetest-copy")
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "MUTATED!")
	mustGet(t, s, "storetest-copy", []byte("original"))
}

func testOverwrite(t *testing.T, s signin.Secrets) {
	mustSet(t, s, "storetest-ow", []byte("first value, longer than the second"))
	mustSet(t, s, "storetest-ow", []byte("second"))
	mustGet(t, s, "storetest-ow", []byte("second"))
	mustSet(t, s, "storetest-ow", []byte{})
	mustGet(t, s, "storetest-ow", []byte{})
}

func testDelete(t *testing.T, s signin.Secrets) {
	mustSet(t, s, "storetest-del", []byte("v"))
	if err := s.Delete(ctx(t), "storetest-del"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustNotFound(t, s, "storetest-del")
	// Deleting again is not an error.
	if err := s.Delete(ctx(t), "storetest-del"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	// The key is usable again afterwards.
	mustSet(t, s, "storetest-del", []byte("again"))
	mustGet(t, s, "storetest-del", []byte("again"))
}

func testDeleteMissing(t *testing.T, s signin.Secrets) {
	if err := s.Delete(ctx(t), "storetest-never-set"); err != nil {
		t.Fatalf("Delete of a missing key = %v, want nil", err)
	}
	mustNotFound(t, s, "storetest-never-set")
}

func testTooBig(t *testing.T, s signin.Secrets) {
	mustSet(t, s, "storetest-big", []byte("old"))
	for _, n := range []int{signin.MaxSecretTextSize + 1, 64 << 10} {
		big := []byte(strings.Repeat(secretMarker, n/len(secretMarker)+1)[:n])
		err := s.Set(ctx(t), "storetest-big", big)
		if !errors.Is(err, signin.ErrSecretTooBig) {
			t.Fatalf("Set(%d bytes) = %v, want ErrTooBig", n, err)
		}
		if strings.Contains(err.Error(), secretMarker) {
			t.Fatalf("error quotes the value: %v", err)
		}
		mustGet(t, s, "storetest-big", []byte("old"))
	}
	// Binary values have the lower limit (they are base64-encoded).
	if err := s.Set(ctx(t), "storetest-big", make([]byte, signin.MaxSecretSize+1)); !errors.Is(err, signin.ErrSecretTooBig) {
		t.Fatalf("Set(binary MaxSecretSize+1) = %v, want ErrTooBig", err)
	}
	mustGet(t, s, "storetest-big", []byte("old"))
	// A session JWT's worth of text fits.
	jwtSized := []byte(strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", signin.MaxSecretTextSize)[:signin.MaxSecretTextSize])
	mustSet(t, s, "storetest-big", jwtSized)
	mustGet(t, s, "storetest-big", jwtSized)
	// Too big for a key that does not exist leaves it missing.
	big := make([]byte, signin.MaxSecretSize+1)
	if err := s.Set(ctx(t), "storetest-big-new", big); !errors.Is(err, signin.ErrSecretTooBig) {
		t.Fatalf("Set(new key, too big) = %v, want ErrTooBig", err)
	}
	mustNotFound(t, s, "storetest-big-new")
}

func testKeysIsolated(t *testing.T, s signin.Secrets) {
	mustSet(t, s, "storetest-a", []byte("value a"))
	mustSet(t, s, "storetest-b", []byte("value b"))
	mustSet(t, s, "storetest-A", []byte("value A")) // keys are case-sensitive
	mustGet(t, s, "storetest-a", []byte("value a"))
	mustGet(t, s, "storetest-b", []byte("value b"))
	mustGet(t, s, "storetest-A", []byte("value A"))
	if err := s.Delete(ctx(t), "storetest-a"); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, s, "storetest-a")
	mustGet(t, s, "storetest-b", []byte("value b"))
	mustGet(t, s, "storetest-A", []byte("value A"))
	mustNotFound(t, s, "storetest-") // no prefix matching
}

func testInvalidKeys(t *testing.T, s signin.Secrets) {
	for _, key := range []string{"", "a\x00b", "\xff\xfe", strings.Repeat("k", 257)} {
		if _, err := s.Get(ctx(t), key); err == nil || errors.Is(err, signin.ErrSecretNotFound) {
			t.Errorf("Get(%q) = %v, want an invalid-key error", key, err)
		}
		if err := s.Set(ctx(t), key, []byte("v")); err == nil {
			t.Errorf("Set(%q) succeeded, want an error", key)
		}
		if err := s.Delete(ctx(t), key); err == nil {
			t.Errorf("Delete(%q) succeeded, want an error", key)
		}
	}
}

func testCancelledContext(t *testing.T, s signin.Secrets) {
	mustSet(t, s, "storetest-ctx", []byte("kept"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	if err := s.Set(cancelled, "storetest-ctx", []byte("changed")); !errors.Is(err, context.Canceled) {
		t.Errorf("Set with cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Set(cancelled, "storetest-ctx-new", []byte("new")); !errors.Is(err, context.Canceled) {
		t.Errorf("Set(new key) with cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Delete(cancelled, "storetest-ctx"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with cancelled context = %v, want context.Canceled", err)
	}
	if v, err := s.Get(cancelled, "storetest-ctx"); !errors.Is(err, context.Canceled) || v != nil {
		t.Errorf("Get with cancelled context = %d bytes, %v; want nil, context.Canceled", len(v), err)
	}
	mustGet(t, s, "storetest-ctx", []byte("kept"))
	mustNotFound(t, s, "storetest-ctx-new")

	// A deadline that has already passed is a timeout, and changes nothing.
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if err := s.Set(expired, "storetest-ctx", []byte("changed")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Set with expired deadline = %v, want context.DeadlineExceeded", err)
	}
	mustGet(t, s, "storetest-ctx", []byte("kept"))
}

func testConcurrent(t *testing.T, s signin.Secrets) {
	const workers, rounds = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	shared := map[string]bool{}
	for w := range workers {
		shared[fmt.Sprintf("shared value %d", w)] = true
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := fmt.Sprintf("storetest-conc-%d", w)
			for r := range rounds {
				want := []byte(fmt.Sprintf("worker %d round %d", w, r))
				if err := s.Set(ctx(t), own, want); err != nil {
					errs <- fmt.Errorf("Set(%s): %w", own, err)
					return
				}
				got, err := s.Get(ctx(t), own)
				if err != nil || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("Get(%s) = %q, %v; want %q", own, got, err, want)
					return
				}
				if err := s.Set(ctx(t), "storetest-conc-shared", []byte(fmt.Sprintf("shared value %d", w))); err != nil {
					errs <- fmt.Errorf("Set(shared): %w", err)
					return
				}
				got, err = s.Get(ctx(t), "storetest-conc-shared")
				if err != nil || !shared[string(got)] {
					errs <- fmt.Errorf("Get(shared) = %q, %v; want one of the written values", got, err)
					return
				}
			}
			if err := s.Delete(ctx(t), own); err != nil {
				errs <- fmt.Errorf("Delete(%s): %w", own, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range workers {
		mustNotFound(t, s, fmt.Sprintf("storetest-conc-%d", w))
	}
}
