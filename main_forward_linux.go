package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// forwardTimeout bounds the whole hand-off to a running instance.
const forwardTimeout = 3 * time.Second

// singleInstanceBusName is the session-bus name Wails' single-instance lock
// owns on Linux, with its object path (Wails v2.11 internal/frontend/desktop/
// linux/single_instance.go).
func singleInstanceBusName(uniqueID string) (name string, path dbus.ObjectPath) {
	id := "wails_app_" + strings.NewReplacer("-", "_", ".", "_").Replace(uniqueID)
	return "org." + id + ".SingleInstance", dbus.ObjectPath("/org/" + id + "/SingleInstance")
}

// forwardToRunningInstance hands args to an instance that is already running,
// the way Wails' single-instance lock would, but before GTK and WebKit start:
// a link opened while the app runs then costs one D-Bus call instead of a
// whole second window process. It reports false (and the caller starts
// normally, where Wails' own lock still applies) when no session bus or no
// running instance is there or the call fails. The running instance parses
// every argument strictly (deeplink.Inbox.OfferArgs): anything on the session
// bus could send the same message.
func forwardToRunningInstance(uniqueID string, args []string) (bool, error) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// godbus would try to autolaunch a bus; Wails' lock needs one anyway.
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
	defer cancel()
	conn, err := dbus.SessionBusPrivate(dbus.WithContext(ctx))
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
	name, path := singleInstanceBusName(uniqueID)
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
	msg, err := json.Marshal(struct {
		Args             []string
		WorkingDirectory string
	}{args, wd})
	if err != nil {
		return false, err
	}
	call := conn.Object(name, path).CallWithContext(ctx, name+".SendMessage", 0, string(msg))
	if call.Err != nil {
		var derr dbus.Error
		if errors.As(call.Err, &derr) && derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" {
			return false, nil // it exited in between: start normally
		}
		return false, fmt.Errorf("forward to running instance: SendMessage: %w", call.Err)
	}
	return true, nil
}
