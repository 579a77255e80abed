package main

import (
	"net"
	"sync"
)

// capListener bounds how many connections are open at once. A connection
// over the cap is closed at once rather than left waiting in the accept
// queue: the client sees a clear reset instead of a hang, and a flood of
// slow connections cannot grow the broker's goroutines and buffers without
// bound (each open connection costs a goroutine and its read buffer).
type capListener struct {
	net.Listener
	slots chan struct{}
}

func newCapListener(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &capListener{Listener: ln, slots: make(chan struct{}, max)}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			_ = c.Close()
		}
	}
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
