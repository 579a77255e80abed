package deeplink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tokenN makes a distinct valid token per n.
func tokenN(n int) string { return fmt.Sprintf("tok%040d", n) }

func linkN(n int) string { return cb + "?stytch_token_type=discovery&token=" + tokenN(n) }

// recorder collects callbacks; all methods are safe for concurrent use.
type recorder struct {
	mu      sync.Mutex
	links   []Link
	errs    []error
	arrived int
	notify  chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1024)} }

func (r *recorder) deliver(l Link) {
	r.mu.Lock()
	r.links = append(r.links, l)
	r.mu.Unlock()
	r.notify <- struct{}{}
}

func (r *recorder) reject(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *recorder) arrival() {
	r.mu.Lock()
	r.arrived++
	r.mu.Unlock()
}

func (r *recorder) snapshot() ([]Link, []error, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Link(nil), r.links...), append([]error(nil), r.errs...), r.arrived
}

func (r *recorder) waitLinks(t *testing.T, n int) []Link {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		links, _, _ := r.snapshot()
		if len(links) >= n {
			return links
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %d links, have %d", n, len(links))
		}
	}
}

// eventually polls cond; the inbox reports rejections asynchronously.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestInboxBuffersUntilReadyInOrder(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, r.reject, WithOnArrival(r.arrival))
	defer in.Close()

	for i := range 5 {
		if !in.Offer(linkN(i)) {
			t.Fatalf("offer %d rejected", i)
		}
	}
	time.Sleep(20 * time.Millisecond) // give a buggy inbox the chance to deliver early
	if links, _, arrived := r.snapshot(); len(links) != 0 || arrived != 0 {
		t.Fatalf("delivered %d links / %d arrivals before Ready", len(links), arrived)
	}

	in.Ready()
	in.Offer(linkN(5)) // after Ready: delivered directly, after the buffered ones
	links := r.waitLinks(t, 6)
	for i, l := range links {
		if l.Token != tokenN(i) {
			t.Fatalf("link %d out of order", i)
		}
	}
	in.Ready() // idempotent
	if _, _, arrived := r.snapshot(); arrived != 6 {
		t.Fatalf("onArrival ran %d times, want 6", arrived)
	}
	if s := in.Stats(); s.Accepted != 6 || s.Delivered != 6 {
		t.Fatalf("stats %+v", s)
	}
}

func TestInboxDeduplicates(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, r.reject)
	defer in.Close()
	in.Ready()

	if !in.Offer(disc) {
		t.Fatal("first offer rejected")
	}
	// Same token via another path: cold-start argv + macOS event, the email
	// link pasted afterwards, a different token type or extra params.
	again := []func() bool{
		func() bool { return in.Offer(disc) },
		func() bool { return in.OfferArgs([]string{"app", disc}) == 1 },
		func() bool { return in.OfferPasted(noWait, " <"+emailLink+"> ") },
		func() bool {
			return in.Offer(cb + "?stytch_token_type=multi_tenant_magic_links&token=" + tokPadded + "&slug=acme")
		},
	}
	for i, f := range again {
		if f() {
			t.Fatalf("duplicate %d accepted", i)
		}
	}
	r.waitLinks(t, 1)
	eventually(t, "duplicate rejections", func() bool { _, errs, _ := r.snapshot(); return len(errs) == len(again) })
	_, errs, _ := r.snapshot()
	for _, err := range errs {
		if !errors.Is(err, ErrDuplicate) {
			t.Fatalf("reject got %v, want ErrDuplicate", err)
		}
	}
	if links, _, _ := r.snapshot(); len(links) != 1 {
		t.Fatalf("delivered %d, want 1", len(links))
	}
	if s := in.Stats(); s.Duplicates != len(again) {
		t.Fatalf("stats %+v", s)
	}
}

func TestInboxSeenSetIsBounded(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, nil)
	defer in.Close()
	in.Ready()

	for i := range seenTokens {
		if !in.Offer(linkN(i)) {
			t.Fatalf("offer %d rejected", i)
		}
		r.waitLinks(t, i+1) // keep the buffer empty so only de-dup matters
	}
	if in.Offer(linkN(0)) {
		t.Fatal("token 0 re-accepted while still remembered")
	}
	in.Offer(linkN(seenTokens)) // evicts token 0
	if !in.Offer(linkN(0)) {
		t.Fatal("evicted token not accepted; the seen set is not bounded as documented")
	}
	in.mu.Lock()
	held := len(in.seen)
	in.mu.Unlock()
	if held > seenTokens {
		t.Fatalf("seen set holds %d", held)
	}
}

func TestInboxFloodIsBounded(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, r.reject)
	defer in.Close()

	const flood = 1000
	accepted := 0
	for i := range flood {
		if in.Offer(linkN(i)) {
			accepted++
		}
	}
	for range flood { // malformed flood too
		in.Offer("stytch-desktop://evil")
	}
	if accepted != InboxBuffer {
		t.Fatalf("accepted %d before Ready, want %d", accepted, InboxBuffer)
	}
	s := in.Stats()
	if s.Dropped != flood-InboxBuffer || s.Malformed != flood {
		t.Fatalf("stats %+v", s)
	}
	in.mu.Lock()
	queued, rejects := len(in.links), len(in.rejects)
	in.mu.Unlock()
	if queued > InboxBuffer || rejects > rejectBuffer {
		t.Fatalf("queues grew: %d links, %d rejects", queued, rejects)
	}
	eventually(t, "rejections reported", func() bool {
		_, errs, _ := r.snapshot()
		return len(errs)+in.Stats().RejectsDropped == 2*flood-InboxBuffer
	})

	// A dropped link was not remembered: the user can open it again.
	in.Ready()
	r.waitLinks(t, InboxBuffer)
	if !in.Offer(linkN(flood - 1)) {
		t.Fatal("a link dropped by the flood can never be used")
	}
	r.waitLinks(t, InboxBuffer+1)
}

func TestInboxRejectsAreTypedAndClean(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, r.reject)
	defer in.Close()
	bad := "stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + tokPadded
	if in.Offer(bad) {
		t.Fatal("accepted a bad link")
	}
	eventually(t, "rejection", func() bool { _, errs, _ := r.snapshot(); return len(errs) == 1 })
	_, errs, _ := r.snapshot()
	if !errors.Is(errs[0], ErrMalformed) || ReasonOf(errs[0]) != WrongTarget {
		t.Fatalf("reject got %v", errs[0])
	}
	assertErrorLeaksNothing(t, errs[0], bad)
}

func TestInboxOfferArgs(t *testing.T) {
	r := newRecorder()
	in := NewInbox(DefaultParser, r.deliver, r.reject)
	defer in.Close()
	in.Ready()

	args := []string{
		"/usr/bin/stytch-desktop", "--verbose", "-psn_0_12345", "file.txt", "",
		"STYTCH-DESKTOP://auth/callback?stytch_token_type=discovery&token=" + tokPadded,
		"stytch-desktop://evil/callback?stytch_token_type=discovery&token=" + tokPlain,
		"https://test.stytch.com/v1/magic_links/redirect?stytch_token_type=discovery&token=" + tokPlain, // not our scheme: ignored
	}
	if n := in.OfferArgs(args); n != 1 {
		t.Fatalf("accepted %d, want 1", n)
	}
	r.waitLinks(t, 1)
	eventually(t, "one rejection", func() bool { _, errs, _ := r.snapshot(); return len(errs) == 1 })
	_, errs, _ := r.snapshot()
	if ReasonOf(errs[0]) != WrongTarget {
		t.Fatalf("reject got %v", errs[0])
	}
	if s := in.Stats(); s.ArgsIgnored != 6 {
		t.Fatalf("ArgsIgnored = %d, want 6", s.ArgsIgnored)
	}

	// A forwarded argv stuffed with links: only maxLinkArgs are looked at.
	many := make([]string, 0, 100)
	for i := range 100 {
		many = append(many, linkN(1000+i))
	}
	if n := in.OfferArgs(many); n != maxLinkArgs {
		t.Fatalf("accepted %d of a stuffed argv, want %d", n, maxLinkArgs)
	}
	eventually(t, "ErrTooManyArgs", func() bool {
		_, errs, _ := r.snapshot()
		return len(errs) == 2 && errors.Is(errs[1], ErrTooManyArgs)
	})
	if n := in.OfferArgs(nil); n != 0 {
		t.Fatal("nil args")
	}
}

func TestInboxOfferNeverBlocksOnSlowConsumer(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	deliver := func(Link) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}
	in := NewInbox(DefaultParser, deliver, func(error) { <-release })
	in.Ready()
	in.Offer(linkN(0))
	<-entered // the consumer is now stuck inside deliver

	done := make(chan struct{})
	go func() {
		for i := 1; i < 500; i++ {
			in.Offer(linkN(i))
			in.Offer("garbage")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Offer blocked behind a slow consumer")
	}
	close(release)
	in.Close()
}

func TestInboxConcurrent(t *testing.T) {
	var mu sync.Mutex
	count := map[string]int{}
	in := NewInbox(DefaultParser, func(l Link) {
		mu.Lock()
		count[l.Token]++
		mu.Unlock()
	}, func(error) {})

	const goroutines, distinct = 8, 40 // distinct < seenTokens: no eviction, so at-most-once is exact
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range distinct {
				switch (g + i) % 4 {
				case 0:
					in.Offer(linkN(i))
				case 1:
					in.OfferArgs([]string{"app", linkN(i)})
				case 2:
					in.OfferPasted(noWait, " "+linkN(i)+"\n")
				case 3:
					in.Offer("stytch-desktop://auth/callback?token=x")
				}
				if g == 0 && i == distinct/2 {
					in.Ready()
				}
				_ = in.Stats()
			}
		}()
	}
	wg.Wait()
	eventually(t, "drain", func() bool { s := in.Stats(); return s.Delivered == s.Accepted })
	in.Close()

	s := in.Stats()
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range count {
		if n != 1 {
			t.Fatalf("a token was delivered %d times", n)
		}
		total++
	}
	if total != s.Delivered || s.Delivered != s.Accepted {
		t.Fatalf("delivered %d distinct, stats %+v", total, s)
	}
	offers := goroutines * distinct
	if s.Accepted+s.Duplicates+s.Dropped+s.Malformed != offers {
		t.Fatalf("stats don't add up to %d offers: %+v", offers, s)
	}
}

func TestInboxClose(t *testing.T) {
	defer goleak.VerifyNone(t)

	release := make(chan struct{})
	entered := make(chan struct{})
	var calls int
	var mu sync.Mutex
	in := NewInbox(DefaultParser, func(Link) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			close(entered)
			<-release
		}
	}, nil)
	in.Ready()
	in.Offer(linkN(0))
	in.Offer(linkN(1)) // queued behind the blocked delivery
	<-entered

	closed := make(chan struct{})
	go func() { in.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while deliver was still running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-closed

	if in.Offer(linkN(2)) {
		t.Fatal("Offer after Close accepted")
	}
	in.Close() // idempotent
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Fatalf("deliver called %d times; queued link delivered after Close", calls)
	}
	if s := in.Stats(); s.DroppedOnClose != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestInboxCloseWithoutReady(t *testing.T) {
	defer goleak.VerifyNone(t)
	in := NewInbox(DefaultParser, func(Link) { t.Error("delivered without Ready") }, nil)
	in.Offer(disc)
	in.Close()
}

func TestNewInboxNilDeliverPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewInbox(DefaultParser, nil, nil)
}

// noWait is an ended context: OfferPasted then offers without waiting for
// the outcome (these tests look at the queue, not the consumer).
var noWait = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// A pasted link waits for its outcome and goes the same way as one from the
// OS: delivered once, a second paste of the same token is a duplicate, and a
// malformed paste is reported without reaching deliver.
func TestOfferPastedWaitsForTheOutcome(t *testing.T) {
	delivered := make(chan Link, 4)
	var rejects []error
	var mu sync.Mutex
	release := make(chan struct{})
	in := NewInbox(DefaultParser, func(l Link) { <-release; delivered <- l }, func(err error) {
		mu.Lock()
		rejects = append(rejects, err)
		mu.Unlock()
	})
	defer in.Close()
	in.Ready()
	link := "stytch-desktop://auth/callback?stytch_token_type=discovery&token=" + strings.Repeat("P", 44)
	returned := make(chan bool)
	go func() { returned <- in.OfferPasted(context.Background(), "  <"+link+">\n") }()
	select {
	case <-returned:
		t.Fatal("OfferPasted returned before the link was delivered")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if !<-returned {
		t.Fatal("pasted link not accepted")
	}
	if l := <-delivered; l.Token != strings.Repeat("P", 44) {
		t.Fatalf("delivered %v", l)
	}
	if in.OfferPasted(context.Background(), link) {
		t.Fatal("the same token pasted twice was accepted twice")
	}
	if in.OfferPasted(context.Background(), "https://evil.test/?token=x") {
		t.Fatal("malformed paste accepted")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rejects) != 2 || !errors.Is(rejects[0], ErrDuplicate) {
		t.Fatalf("rejects %v", rejects)
	}
}
