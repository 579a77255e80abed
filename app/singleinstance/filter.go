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
//
// A discarded method call that expects a reply is queued on refused (its
// sender and serial, read from the header fields, which are small): the
// Instance answers it with an error, so the sender knows the instance is
// there and said no, rather than waiting out its timeout and starting a
// second instance.
type boundedConn struct {
	rw      io.ReadWriteCloser
	limit   uint64
	refused chan refusal

	begun   atomic.Bool // the client wrote BEGIN: binary messages from here on
	dropped atomic.Int64

	mu        sync.Mutex // guards the read state below (godbus reads from one goroutine)
	pending   []byte     // header bytes of the current message not yet returned
	remaining uint64     // bytes of the current message still to pass through after pending
	hdr       [16]byte
}

func newBoundedConn(rw io.ReadWriteCloser, limit int) *boundedConn {
	return &boundedConn{rw: rw, limit: uint64(limit), refused: make(chan refusal, 16)}
}

// refusal names a discarded call to answer: its sender and serial.
type refusal struct {
	sender string
	serial uint32
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
			skip := total - 16
			const methodCall, noReplyExpected = 1, 0x1
			if fieldsLen := (fields + 7) &^ 7; c.hdr[1] == methodCall && c.hdr[2]&noReplyExpected == 0 && fieldsLen <= maxFieldsRead {
				buf := make([]byte, fieldsLen)
				if _, err := io.ReadFull(c.rw, buf); err != nil {
					return 0, err
				}
				skip -= fieldsLen
				if sender, ok := headerSender(order, buf[:fields]); ok {
					select {
					case c.refused <- refusal{sender: sender, serial: order.Uint32(c.hdr[8:12])}:
					default: // a flood of them: the rest go unanswered
					}
				}
			}
			if _, err := io.CopyN(io.Discard, c.rw, int64(skip)); err != nil {
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

// maxFieldsRead bounds the header fields read from a discarded message to
// find whom to answer (a normal call's are a few hundred bytes).
const maxFieldsRead = 4 << 10

// headerSender finds the SENDER field (code 7, a string) in a message's
// header fields: an array of 8-aligned (byte code, variant) structs starting
// at offset 16 of the message, so alignment within b is alignment in the
// message. It gives up on anything it does not expect.
func headerSender(order binary.ByteOrder, b []byte) (string, bool) {
	const senderField = 7
	for i := 0; i < len(b); {
		i = (i + 7) &^ 7
		if i+2 > len(b) {
			return "", false
		}
		code, sigLen := b[i], int(b[i+1])
		i += 2
		if sigLen != 1 || i+2 > len(b) {
			return "", false
		}
		sig := b[i]
		i += 2 // the signature and its NUL
		switch sig {
		case 's', 'o': // uint32 length, bytes, NUL
			i = (i + 3) &^ 3
			if i+4 > len(b) {
				return "", false
			}
			n := int(order.Uint32(b[i : i+4]))
			i += 4
			if n < 0 || i+n+1 > len(b) {
				return "", false
			}
			if code == senderField {
				return string(b[i : i+n]), true
			}
			i += n + 1
		case 'g': // byte length, bytes, NUL
			if i+1 > len(b) {
				return "", false
			}
			i += 1 + int(b[i]) + 1
		case 'u':
			i = (i+3)&^3 + 4
		default:
			return "", false
		}
	}
	return "", false
}
