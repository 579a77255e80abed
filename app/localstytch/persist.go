package localstytch

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"stytch-desktop/app/localstytch/store"
)

// Persistence is batched. A mutation only marks the state dirty
// (persistLocked); one background writer coalesces all changes made within
// a window into one write of the whole file (temp file, fsync, rename: the
// file on disk is always one complete, consistent state).
//
// Durability window: a change reaches the disk at most persistWindow
// (200 ms) after it was made — longer only while the state is so big that
// encoding and writing it takes more than 1/8 of that: then the
// writer waits 8× the last write's duration, capped at maxPersistWindow
// (2 s), so saving never takes more than ~12 % of the time. A crash
// (kill -9, power loss) therefore loses at most the changes of that last
// window (≤ 2 s): sessions minted or links sent in it are unknown after a
// restart (the app sees session_not_found / a dead link and signs in
// again). Close and Flush write synchronously; a normal shutdown loses
// nothing.
//
// The state is encoded under s.mu (records hold slices and maps that
// handlers update in place, so a copy would have to be deep) and written
// and fsynced outside it: requests never wait for the disk, and the window
// rule above bounds the time they wait for the encoding to ~12 %.
const (
	persistWindow    = 200 * time.Millisecond
	maxPersistWindow = 2 * time.Second
)

type persister struct {
	path    string
	wake    chan struct{}                // a change is pending (buffer 1: signals coalesce)
	flushes chan chan error              // Flush: write now and report
	stop    chan chan error              // Close: final write and exit
	done    chan struct{}                // closed when the writer has exited
	lastDur time.Duration                // how long the last write took (writer goroutine only)
	onErr   func(error)                  // logs a failed background write
	snap    func() ([]byte, bool, error) // encodes the state if dirty
	restore func()                       // marks the state dirty again after a failed write
}

// persistLocked records that the state changed. Caller holds s.mu. The
// background writer saves it within the durability window; a failed write
// is logged and retried, the in-memory state stays correct.
func (s *Server) persistLocked() {
	if s.persist == nil {
		return
	}
	s.dirty = true
	select {
	case s.persist.wake <- struct{}{}:
	default: // a write is already pending; it will include this change
	}
}

func (s *Server) startPersister() {
	p := &persister{
		path:    s.statePath,
		wake:    make(chan struct{}, 1),
		flushes: make(chan chan error),
		stop:    make(chan chan error),
		done:    make(chan struct{}),
		onErr:   func(err error) { s.log.Error("localstytch: persist state", "err", err) },
		snap:    s.snapshotJSON,
		restore: func() {
			s.mu.Lock()
			s.persistLocked()
			s.mu.Unlock()
		},
	}
	s.persist = p
	go p.run()
}

// snapshotJSON returns the encoded state and clears the dirty mark, or
// false when nothing changed since the last write.
func (s *Server) snapshotJSON() ([]byte, bool, error) {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil, false, nil
	}
	s.dirty = false
	b, err := json.Marshal(s.st)
	s.mu.Unlock()
	return b, true, err
}

func (p *persister) write() error {
	start := time.Now()
	b, dirty, err := p.snap()
	if err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	if !dirty {
		return nil
	}
	err = store.WriteFileAtomic(p.path, b)
	p.lastDur = time.Since(start)
	if err != nil {
		p.restore() // keep it dirty so the next round retries
	}
	return err
}

func (p *persister) window() time.Duration {
	w := 8 * p.lastDur
	if w < persistWindow {
		w = persistWindow
	}
	if w > maxPersistWindow {
		w = maxPersistWindow
	}
	return w
}

func (p *persister) run() {
	defer close(p.done)
	var timer <-chan time.Time
	for {
		select {
		case <-p.wake:
			if timer == nil {
				timer = time.After(p.window())
			}
		case <-timer:
			timer = nil
			if err := p.write(); err != nil {
				p.onErr(err)
			}
		case reply := <-p.flushes:
			reply <- p.write()
		case reply := <-p.stop:
			reply <- p.write()
			return
		}
	}
}

// Flush writes pending state changes to the state file now (no-op without
// a state file). Useful before handing the file to another process; Close
// flushes too.
func (s *Server) Flush(ctx context.Context) error {
	if s.persist == nil {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case s.persist.flushes <- reply:
	case <-s.persist.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("localstytch.Flush: %w", ctx.Err())
	}
	if err := <-reply; err != nil {
		return fmt.Errorf("localstytch.Flush: %w", err)
	}
	return nil
}

// stopPersister makes the final write and stops the writer. Safe to call
// more than once.
func (s *Server) stopPersister() error {
	if s.persist == nil {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case s.persist.stop <- reply:
		return <-reply
	case <-s.persist.done:
		// Already stopped; write anything changed since (requests served
		// through ServeHTTP after Close).
		return s.persist.write()
	}
}
