// Package singleinstance keeps one instance of the app per user on Linux and
// hands a second instance's arguments (a sign-in link) to the running one —
// with a bound on what a hand-off may cost.
//
// It speaks the same D-Bus interface as Wails' own single-instance lock
// (name org.wails_app_<id>.SingleInstance, method SendMessage taking JSON
// {"Args":[…],"WorkingDirectory":"…"}), so senders need not change. Wails'
// version reads every message whole before looking at it (godbus allocates
// the body, then a string, then JSON): one 100 MiB call from any process on
// the session bus took the app from 163 to 677 MB, for good. Here the
// session-bus connection reads through a filter that looks at each message's
// fixed 16-byte header and discards, in small chunks, any message larger than
// MaxMessage before godbus sees a byte of it. So a hand-off never costs the
// app more than MaxMessage however big the call, and only the bus daemon ever
// holds the oversized message.
package singleinstance

import (
	"encoding/json"
	"errors"
	"strings"
)

// MaxMessage bounds one D-Bus message the app reads: a hand-off carries a
// few links (each at most a few KiB, deeplink's limit) and a working
// directory (PATH_MAX); 64 KiB is far above that.
const MaxMessage = 64 << 10

// MaxHandOff bounds the JSON a sender puts in one hand-off: MaxMessage less
// room for the message's headers (path, interface, member, destination,
// signature, and the sender the bus adds: about 250 bytes for the app's
// names). A sender checks it before sending, so a hand-off it sends is never
// one the running instance must refuse.
const MaxHandOff = MaxMessage - 512

var (
	// ErrNoSessionBus: there is no session bus to hold the lock on. The app
	// then runs without single-instance protection: a link opened while it
	// runs starts a second window.
	ErrNoSessionBus = errors.New("singleinstance: no D-Bus session bus")
	// ErrRunning: another instance holds the lock; hand the arguments to it.
	ErrRunning = errors.New("singleinstance: another instance is running")
	// ErrUnsupported: this platform uses Wails' own lock (macOS, Windows).
	ErrUnsupported = errors.New("singleinstance: not implemented on this platform")
	// ErrTooLarge: the hand-off is over MaxHandOff; nothing was sent. Starting
	// an instance for it instead would break the single-instance promise.
	ErrTooLarge = errors.New("singleinstance: hand-off too large")
	// ErrRefused: the running instance answered the hand-off with an error
	// (too large for it, or malformed). It is running, so nothing else may
	// start in its place.
	ErrRefused = errors.New("singleinstance: the running instance refused the hand-off")
)

// BusName is the session-bus name and object path Wails' single-instance
// lock uses for uniqueID (Wails v2.11 internal/frontend/desktop/linux/
// single_instance.go), and so the ones every sender calls.
func BusName(uniqueID string) (name, path string) {
	id := "wails_app_" + strings.NewReplacer("-", "_", ".", "_").Replace(uniqueID)
	return "org." + id + ".SingleInstance", "/org/" + id + "/SingleInstance"
}

// Message is what a second instance sends (Wails' options.SecondInstanceData).
type Message struct {
	Args             []string
	WorkingDirectory string
}

// ParseMessage decodes a hand-off. Anything on the session bus can send one:
// the arguments are untrusted and go to the strict link parser
// (deeplink.Inbox.OfferArgs) only.
func ParseMessage(s string) (Message, error) {
	var m Message
	if len(s) > MaxMessage {
		return Message{}, ErrTooLarge
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Message{}, errors.New("singleinstance: hand-off is not the JSON a second instance sends")
	}
	return m, nil
}
