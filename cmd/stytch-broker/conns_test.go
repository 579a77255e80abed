package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func dialURL(t *testing.T, u string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reports whether the server closes c (read gives EOF or a
// reset) within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// Slow clients cannot pile up: connections over the cap are closed at once,
// a client that does not finish its headers is cut off after
// --header-timeout, and idle keep-alive connections end after
// --idle-timeout, on the API and the ops listener alike.
func TestConnectionsBounded(t *testing.T) {
	c := startCommand(t, "--max-connections", "3", "--max-ops-connections", "2", "--header-timeout", "1s", "--idle-timeout", "1s")
	for _, l := range []struct {
		url string
		max int
	}{{c.apiURL, 3}, {c.opsURL, 2}} {
		var slow []net.Conn
		for range l.max {
			s := dialURL(t, l.url)
			if _, err := s.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil { // never finished
				t.Fatal(err)
			}
			slow = append(slow, s)
		}
		time.Sleep(100 * time.Millisecond)
		over := dialURL(t, l.url)
		_, _ = over.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
		if !closedWithin(over, 500*time.Millisecond) {
			t.Fatalf("%s: a connection over the cap was kept open", l.url)
		}
		for i, s := range slow {
			if !closedWithin(s, 3*time.Second) {
				t.Fatalf("%s: slow connection %d still open after the header timeout", l.url, i)
			}
		}
		// Slots are free again, and an idle keep-alive connection ends.
		k := dialURL(t, l.url)
		path := "/healthz"
		if l.url == c.apiURL {
			path = "/v1/b2b/sessions/jwks/" + c.api.ProjectID()
		}
		if _, err := k.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(k)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s after the slow clients left: %v %v", l.url, err, resp)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t0 := time.Now()
		_ = k.SetReadDeadline(time.Now().Add(4 * time.Second))
		if _, err := br.ReadByte(); err == nil {
			t.Fatalf("%s: unexpected data on an idle connection", l.url)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: idle keep-alive connection still open after %v", l.url, time.Since(t0))
		}
	}
}
