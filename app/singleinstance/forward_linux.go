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
// session bus or no running instance is there, or it exited in between. The
// running instance parses every argument strictly (deeplink.Inbox.OfferArgs):
// anything on the session bus could send the same message.
func Forward(uniqueID string, args []string) (bool, error) {
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
	call := conn.Object(name, dbus.ObjectPath(path)).CallWithContext(ctx, name+".SendMessage", 0, string(msg))
	if call.Err != nil {
		var derr dbus.Error
		if errors.As(call.Err, &derr) && derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" {
			return false, nil // it exited in between: start normally
		}
		return false, fmt.Errorf("forward to running instance: SendMessage: %w", call.Err)
	}
	return true, nil
}
