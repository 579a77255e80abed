package deeplink

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
)

// Inbox limits. A person clicks one link at a time; these only exist so that a
// hostile process on the session bus can't grow memory or stall the app.
const (
	// InboxBuffer is how many accepted links may wait for the consumer.
	InboxBuffer = 16
	// rejectBuffer bounds rejections waiting to be reported.
	rejectBuffer = 16
	// seenTokens is how many recent tokens are remembered for de-duplication.
	// Stytch tokens are single-use and expire, so an old token coming back
	// after 64 newer ones would fail at Stytch anyway.
	seenTokens = 64
	// maxLinkArgs bounds how many URL-looking args one OfferArgs call looks at.
	maxLinkArgs = 8
)

var (
	// ErrDuplicate: the token was already accepted once in this process
	// (cold-start argv and the macOS event, or a double click, deliver the
	// same link twice).
	ErrDuplicate = errors.New("deeplink: inbox: link already received")
	// ErrInboxFull: the buffer was full; the link was dropped (not
	// remembered, so the user can open it again).
	ErrInboxFull = errors.New("deeplink: inbox: too many pending links, link dropped")
	// ErrTooManyArgs: OfferArgs saw more link-looking args than any launcher
	// passes; the extra ones were ignored.
	ErrTooManyArgs = errors.New("deeplink: inbox: too many link arguments, extra ignored")
)

// Stats counts what the inbox did, for diagnostics and tests.
type Stats struct {
	Accepted       int // passed validation and de-dup, queued
	Delivered      int // handed to deliver
	Malformed      int // failed the parser
	Duplicates     int // token seen before
	Dropped        int // buffer full, or args over the per-call limit
	RejectsDropped int // rejections not reported because their queue was full
	DroppedOnClose int // queued links never delivered because Close came first
	ArgsIgnored    int // args ignored because they don't look like our links (flags, paths)
}

// Option configures an Inbox.
type Option func(*Inbox)

// WithOnArrival sets a hook run (on the inbox goroutine) right before each
// link is delivered — the app uses it to bring its window to the front. It
// only runs after Ready, because on Wails runtime calls made before startup
// has finished fail.
func WithOnArrival(f func()) Option { return func(in *Inbox) { in.onArrival = f } }

// Inbox is the single place links enter the app. It validates each with the
// parser, drops tokens it has already seen, buffers until the consumer says
// Ready, and calls deliver on its own goroutine, one link at a time in arrival
// order. Offer never blocks on the consumer, so a D-Bus callback returns at
// once however slow the UI is.
type Inbox struct {
	parser    Parser
	deliver   func(Link)
	reject    func(error)
	onArrival func()

	mu      sync.Mutex
	links   []queued   // FIFO, len ≤ InboxBuffer
	rejects []rejected // FIFO, len ≤ rejectBuffer
	seen    map[[sha256.Size]byte]struct{}
	order   [seenTokens][sha256.Size]byte // ring of hashes in seen, oldest at next
	next    int
	ready   bool
	closed  bool
	stats   Stats

	wake      chan struct{} // cap 1: "there may be work"
	done      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// queued is an accepted link waiting for deliver; done (optional) is closed
// once deliver has returned or the link was dropped.
type queued struct {
	link    Link
	done    chan struct{}
	barrier bool // Flush's marker: no link, only done
}

// rejected is a refusal waiting for reject; done as for queued.
type rejected struct {
	err  error
	done chan struct{}
}

func closeDone(done chan struct{}) {
	if done != nil {
		close(done)
	}
}

// NewInbox starts an inbox. deliver receives valid, new links; reject (may be
// nil) receives *Error values from the parser, ErrDuplicate, ErrInboxFull or
// ErrTooManyArgs — never the raw input. Both run on the inbox goroutine.
// Call Close to stop it.
func NewInbox(p Parser, deliver func(Link), reject func(error), opts ...Option) *Inbox {
	if deliver == nil {
		panic("deeplink: NewInbox: deliver is nil")
	}
	in := &Inbox{
		parser:  p.withDefaults(),
		deliver: deliver,
		reject:  reject,
		seen:    make(map[[sha256.Size]byte]struct{}, seenTokens),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	for _, o := range opts {
		o(in)
	}
	go in.run()
	return in
}

// Offer takes one link from the OS (argv entry, D-Bus hand-off, macOS URL
// event). It reports whether the link was accepted for delivery. Safe from
// any goroutine; never blocks on the consumer.
func (in *Inbox) Offer(raw string) bool {
	l, err := in.parser.Parse(raw)
	return in.offer(l, err, nil)
}

// OfferPasted is Offer for the paste box: it also accepts the email's own
// http(s) link and tolerates surrounding whitespace and brackets. It waits
// (until ctx ends) for the link to be delivered or reported, so the paste box
// can show the outcome; a pasted link otherwise goes the same way as one
// from the OS: the same parser rules, de-duplication, buffer and order.
func (in *Inbox) OfferPasted(ctx context.Context, raw string) bool {
	l, err := in.parser.ParsePasted(raw)
	return in.offerAndWait(ctx, l, err)
}

// OfferLink is OfferPasted for a link the app obtained itself (a sign-in code
// redeemed at the /open page yields the email's link): no parsing, but the
// same door — de-duplication, buffer and order — so a code and a click on the
// same email cannot both reach the flows. It waits (until ctx ends) for the
// link to be delivered or reported.
func (in *Inbox) OfferLink(ctx context.Context, l Link) bool {
	return in.offerAndWait(ctx, l, nil)
}

// offerAndWait offers and waits (until ctx ends) for the outcome.
func (in *Inbox) offerAndWait(ctx context.Context, l Link, err error) bool {
	done := make(chan struct{})
	accepted := in.offer(l, err, done)
	select {
	case <-done:
	case <-ctx.Done():
	}
	return accepted
}

// OfferArgs scans command-line arguments (cold start, or those forwarded by a
// second instance) and offers each that starts with "<scheme>:" (any case).
// Flags, file paths and the program name are ignored silently. It returns how
// many links were accepted.
func (in *Inbox) OfferArgs(args []string) int {
	prefix := in.parser.Scheme + ":"
	accepted, considered := 0, 0
	for _, a := range args {
		if len(a) < len(prefix) || !strings.EqualFold(a[:len(prefix)], prefix) {
			in.mu.Lock()
			in.stats.ArgsIgnored++
			in.mu.Unlock()
			continue
		}
		if considered == maxLinkArgs {
			in.mu.Lock()
			in.stats.Dropped++
			in.queueRejectLocked(ErrTooManyArgs, nil)
			in.mu.Unlock()
			in.signal()
			break
		}
		considered++
		if in.Offer(a) {
			accepted++
		}
	}
	return accepted
}

func (in *Inbox) offer(l Link, err error, done chan struct{}) bool {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		closeDone(done)
		return false
	}
	accepted := false
	switch {
	case err != nil:
		in.stats.Malformed++
		in.queueRejectLocked(err, done)
	case in.seenLocked(l.Token):
		in.stats.Duplicates++
		in.queueRejectLocked(ErrDuplicate, done)
	case in.queuedLinksLocked() >= InboxBuffer:
		in.stats.Dropped++
		in.queueRejectLocked(ErrInboxFull, done)
	default:
		in.rememberLocked(l.Token)
		in.links = append(in.links, queued{link: l, done: done})
		in.stats.Accepted++
		accepted = true
	}
	in.mu.Unlock()
	in.signal()
	return accepted
}

// Flush waits (until ctx ends) for everything offered before it to be
// delivered or reported. Links wait for Ready, so Flush does too.
func (in *Inbox) Flush(ctx context.Context) error {
	done := make(chan struct{})
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return nil
	}
	in.links = append(in.links, queued{barrier: true, done: done})
	in.mu.Unlock()
	in.signal()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Ready says the consumer can take links: buffered ones are delivered in
// arrival order, later ones as they come. Calling it again is harmless.
func (in *Inbox) Ready() {
	in.mu.Lock()
	in.ready = true
	in.mu.Unlock()
	in.signal()
}

// Close stops the inbox goroutine and waits for it, so after Close returns
// deliver, reject and the arrival hook are no longer running and will not be
// called again. Links still queued are dropped (and counted). Offers after
// Close return false. Do not call Close from inside deliver or reject.
func (in *Inbox) Close() {
	in.closeOnce.Do(func() {
		in.mu.Lock()
		in.closed = true
		in.mu.Unlock()
		close(in.done)
	})
	<-in.stopped
}

// Stats returns a snapshot of the counters.
func (in *Inbox) Stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stats
}

func (in *Inbox) queuedLinksLocked() int {
	n := 0
	for _, q := range in.links {
		if !q.barrier {
			n++
		}
	}
	return n
}

func (in *Inbox) signal() {
	select {
	case in.wake <- struct{}{}:
	default: // a wake-up is already pending; the loop drains everything
	}
}

func (in *Inbox) queueRejectLocked(err error, done chan struct{}) {
	if in.reject == nil {
		closeDone(done)
		return
	}
	if len(in.rejects) >= rejectBuffer {
		in.stats.RejectsDropped++
		closeDone(done)
		return
	}
	in.rejects = append(in.rejects, rejected{err: err, done: done})
}

func (in *Inbox) seenLocked(token string) bool {
	_, ok := in.seen[sha256.Sum256([]byte(token))]
	return ok
}

// rememberLocked stores only a hash, so the de-dup set never holds a usable
// token, and evicts the oldest once seenTokens are held.
func (in *Inbox) rememberLocked(token string) {
	h := sha256.Sum256([]byte(token))
	if len(in.seen) == seenTokens {
		delete(in.seen, in.order[in.next])
	}
	in.seen[h] = struct{}{}
	in.order[in.next] = h
	in.next = (in.next + 1) % seenTokens
}

func (in *Inbox) run() {
	defer close(in.stopped)
	for {
		select {
		case <-in.done:
			in.mu.Lock()
			in.stats.DroppedOnClose += len(in.links)
			for _, q := range in.links {
				closeDone(q.done)
			}
			for _, r := range in.rejects {
				closeDone(r.done)
			}
			in.links, in.rejects = nil, nil
			in.mu.Unlock()
			return
		case <-in.wake:
		}
		// step returns false once Close has been called, so a long backlog
		// doesn't delay shutdown by more than the callback in flight.
		for in.step() {
		}
	}
}

// step performs one callback (a rejection first, then a link if ready) and
// reports whether it did anything. Callbacks run without the lock so they can
// call Offer/Stats.
func (in *Inbox) step() bool {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return false
	}
	if len(in.rejects) > 0 {
		r := in.rejects[0]
		in.rejects[0] = rejected{}
		in.rejects = in.rejects[1:]
		in.mu.Unlock()
		in.reject(r.err)
		closeDone(r.done)
		return true
	}
	if in.ready && len(in.links) > 0 {
		q := in.links[0]
		in.links[0] = queued{} // don't keep the token reachable from the backing array
		in.links = in.links[1:]
		if q.barrier {
			in.mu.Unlock()
			closeDone(q.done)
			return true
		}
		in.stats.Delivered++
		in.mu.Unlock()
		if in.onArrival != nil {
			in.onArrival()
		}
		in.deliver(q.link)
		closeDone(q.done)
		return true
	}
	in.mu.Unlock()
	return false
}
