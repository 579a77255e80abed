package singleinstance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

// forwardTimeout bounds the whole hand-off to a running instance.
const forwardTimeout = 3 * time.Second

// Forward hands args to an instance that is already running, the way Wails'
// single-instance lock would, but before GTK and WebKit start: a link opened
// while the app runs then costs one D-Bus call instead of a whole second
// window process. It reports false (and the caller goes on to Claim) when no
// session bus or no running instance is there, or it exited in between. An
// error wrapping ErrTooLarge or ErrRefused means the link must not start an
// instance either: the caller exits with the reason. The
// running instance parses every argument strictly (deeplink.Inbox.OfferArgs):
// anything on the session bus could send the same message.
func Forward(uniqueID string, args []string) (bool, error) {
	// The size first, before the bus: an oversized hand-off is refused
	// whether or not an instance runs (the running one would refuse it, and
	// starting one for it would make two), and nothing is sent.
	wd, err := os.Getwd()
	if err != nil {
		wd = ""
	}
	if args == nil {
		args = []string{}
	}
	msg, err := json.Marshal(Message{Args: args, WorkingDirectory: wd})
	if err != nil {
		return false, err
	}
	if len(msg) > MaxHandOff {
		return false, fmt.Errorf("forward to running instance: %w (%d bytes, at most %d)", ErrTooLarge, len(msg), MaxHandOff)
	}
	addr, err := SessionBusAddress()
	if err != nil {
		return false, nil // no bus: nobody to forward to; Claim says so
	}
	ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
	defer cancel()
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("forward to running instance: connect: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, fmt.Errorf("forward to running instance: auth: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return false, fmt.Errorf("forward to running instance: hello: %w", err)
	}
	name, path := BusName(uniqueID)
	var running bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&running); err != nil {
		return false, fmt.Errorf("forward to running instance: NameHasOwner: %w", err)
	}
	if !running {
		return false, nil
	}
	call := conn.Object(name, dbus.ObjectPath(path)).CallWithContext(ctx, name+".SendMessage", 0, string(msg))
	if call.Err != nil {
		var derr dbus.Error
		if errors.As(call.Err, &derr) {
			switch derr.Name {
			case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
				return false, nil // it exited in between: start normally
			case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected":
				// nobody answered: not a refusal
			default:
				// The instance itself answered with an error: it is there
				// and said no. Its text names no argument; pass the name only.
				return false, fmt.Errorf("forward to running instance: %w (%s)", ErrRefused, derr.Name)
			}
		}
		return false, fmt.Errorf("forward to running instance: SendMessage: %w", call.Err)
	}
	return true, nil
}
