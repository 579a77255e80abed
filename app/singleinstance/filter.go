package singleinstance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// boundedConn sits between godbus and the session-bus socket. During the
// authentication handshake (text lines) it passes bytes through; once the
// client has written BEGIN, the stream is D-Bus messages, and it reads each
// message's fixed header itself: a message whose total size exceeds limit is
// read into a small buffer and thrown away, so it is never held in memory;
// others go through untouched. The bus daemon delivers whole messages in
// order on the one connection, so skipping one leaves the stream aligned.
type boundedConn struct {
	rw    io.ReadWriteCloser
	limit uint64

	begun   atomic.Bool // the client wrote BEGIN: binary messages from here on
	dropped atomic.Int64

	mu        sync.Mutex // guards the read state below (godbus reads from one goroutine)
	pending   []byte     // header bytes of the current message not yet returned
	remaining uint64     // bytes of the current message still to pass through after pending
	hdr       [16]byte
}

func newBoundedConn(rw io.ReadWriteCloser, limit int) *boundedConn {
	return &boundedConn{rw: rw, limit: uint64(limit)}
}

var beginLine = []byte("BEGIN\r\n")

func (c *boundedConn) Write(p []byte) (int, error) {
	if !c.begun.Load() && bytes.Equal(p, beginLine) {
		c.begun.Store(true)
	}
	return c.rw.Write(p)
}

func (c *boundedConn) Close() error { return c.rw.Close() }

// Dropped counts the messages discarded for their size.
func (c *boundedConn) Dropped() int64 { return c.dropped.Load() }

var errBadMessage = errors.New("singleinstance: malformed D-Bus message header")

func (c *boundedConn) Read(p []byte) (int, error) {
	if !c.begun.Load() {
		return c.rw.Read(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.pending) == 0 && c.remaining == 0 {
		if _, err := io.ReadFull(c.rw, c.hdr[:]); err != nil {
			return 0, err
		}
		var order binary.ByteOrder
		switch c.hdr[0] {
		case 'l':
			order = binary.LittleEndian
		case 'B':
			order = binary.BigEndian
		default:
			return 0, errBadMessage
		}
		body := uint64(order.Uint32(c.hdr[4:8]))
		fields := uint64(order.Uint32(c.hdr[12:16]))
		// fixed header (16, of which the fields' length is the last 4), header
		// fields padded to 8, body
		total := 16 + (fields+7)&^7 + body
		if total > c.limit {
			c.dropped.Add(1)
			if _, err := io.CopyN(io.Discard, c.rw, int64(total-16)); err != nil {
				return 0, err
			}
			continue
		}
		c.pending = c.hdr[:]
		c.remaining = total - 16
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if uint64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.rw.Read(p)
	c.remaining -= uint64(n)
	return n, err
}
