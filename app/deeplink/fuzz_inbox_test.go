package deeplink

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// offerBound is how long one batch of offers may take. Offer never waits on
// the consumer, so anything near this is a hang, not slowness (it is generous
// for -race on a loaded CI machine).
const offerBound = 2 * time.Second

// inboxRunning reports whether any goroutine is still inside Inbox.run. It
// replaces goleak.VerifyNone per input: under -fuzz the worker has its own
// goroutines that VerifyNone would flag, but none of them is an inbox.
func inboxRunning() bool {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return bytes.Contains(buf[:n], []byte("deeplink.(*Inbox).run("))
}

// waitInboxGone gives an exiting inbox goroutine a moment: Close returns once
// run has closed stopped, a hair before the goroutine itself is gone.
func waitInboxGone(t *testing.T) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if !inboxRunning() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("inbox goroutine still running after Close")
}

// FuzzOfferArgs feeds what a hostile process on the session bus can send in
// the single-instance hand-off (an arbitrary []string, here the fuzz input
// split on NUL) through OfferArgs, and each piece through OfferPasted.
// readyFirst covers both orders: links arriving while the consumer is
// attached and links buffered until Ready.
func FuzzOfferArgs(f *testing.F) {
	for _, s := range []struct {
		args       []string
		readyFirst bool
	}{
		{[]string{"/usr/bin/stytch-desktop", disc}, true},
		{[]string{"/usr/bin/stytch-desktop", "--verbose", disc, disc, emailLink}, false},
		{[]string{q("slug=acme-corp", "stytch_token_type=multi_tenant_magic_links", "token="+tokPlain), linkN(1), linkN(2)}, true},
		{[]string{"STYTCH-DESKTOP://auth/callback?stytch_token_type=discovery&token=" + tokPlain, " <" + emailLink + "> "}, false},
		{[]string{linkN(0), linkN(1), linkN(2), linkN(3), linkN(4), linkN(5), linkN(6), linkN(7), linkN(8), linkN(9)}, true},
		{[]string{"stytch-desktop:", "stytch-desktop:x", "stytch-desktop://auth/callback?token=" + tokPlain + "&stytch_token_type=discovery#frag"}, false},
		{[]string{""}, true},
	} {
		f.Add(strings.Join(s.args, "\x00"), s.readyFirst)
	}
	f.Fuzz(func(t *testing.T, data string, readyFirst bool) {
		args := strings.Split(data, "\x00")

		var (
			mu        sync.Mutex
			delivered []Link
			rejected  []error
		)
		in := NewInbox(DefaultParser, func(l Link) {
			mu.Lock()
			delivered = append(delivered, l)
			mu.Unlock()
		}, func(err error) {
			mu.Lock()
			rejected = append(rejected, err)
			mu.Unlock()
		})
		closed := false
		defer func() {
			if !closed {
				in.Close()
			}
		}()
		if readyFirst {
			in.Ready()
		}

		// Offer on another goroutine so a hang fails the input instead of
		// stalling the fuzzer.
		accepted := make(chan int, 1)
		go func() {
			n := in.OfferArgs(args)
			for _, a := range args {
				if in.OfferPasted(noWait, a) {
					n++
				}
			}
			accepted <- n
		}()
		var nAccepted int
		select {
		case nAccepted = <-accepted:
		case <-time.After(offerBound):
			t.Fatalf("offering %d args blocked for over %v", len(args), offerBound)
		}
		if !readyFirst {
			in.Ready()
		}

		// Every accepted link must reach deliver once the consumer is ready.
		deadline := time.Now().Add(offerBound)
		for {
			mu.Lock()
			n := len(delivered)
			mu.Unlock()
			if n == nAccepted {
				break
			}
			if n > nAccepted || time.Now().After(deadline) {
				t.Fatalf("%d links accepted, %d delivered", nAccepted, n)
			}
			time.Sleep(100 * time.Microsecond)
		}

		in.Close()
		closed = true
		waitInboxGone(t)
		if in.Offer(disc) || in.OfferPasted(noWait, emailLink) || in.OfferArgs([]string{disc}) != 0 {
			t.Fatal("offer accepted after Close")
		}

		mu.Lock()
		defer mu.Unlock()

		// What the parser would accept from these args: anything delivered
		// must be one of them, so the inbox can't invent or mangle a link.
		legit := map[Link]bool{}
		for _, a := range args {
			if l, err := DefaultParser.ParsePasted(a); err == nil {
				legit[l] = true
			}
		}
		tokens := map[string]bool{}
		for _, l := range delivered {
			if err := l.Validate(); err != nil {
				t.Fatalf("delivered link fails Validate: %v", err)
			}
			if !legit[l] {
				t.Fatalf("delivered %v, which no arg parses to", l)
			}
			if tokens[l.Token] {
				t.Fatalf("token delivered twice (%v)", l)
			}
			tokens[l.Token] = true
		}

		// A rejection is either one of the inbox's sentinels (the very value,
		// so its text is fixed) or a parser *Error, whose text must be one
		// of the parser's fixed messages and carry no token.
		for _, err := range rejected {
			switch err {
			case ErrDuplicate, ErrInboxFull, ErrTooManyArgs:
				continue
			}
			if ReasonOf(err) == 0 {
				t.Fatalf("reject got an unexpected error %T", err)
			}
			for _, a := range args {
				assertErrorLeaksNothing(t, err, a)
			}
		}

		s := in.Stats()
		if s.Accepted != nAccepted || s.Delivered != nAccepted {
			t.Fatalf("returned %d accepted, stats %+v", nAccepted, s)
		}
		if s.DroppedOnClose != 0 {
			t.Fatalf("links dropped on close after all were delivered: %+v", s)
		}
		if got := len(rejected) + s.RejectsDropped; got > s.Malformed+s.Duplicates+s.Dropped {
			t.Fatalf("%d rejections for %+v", got, s)
		}
	})
}
