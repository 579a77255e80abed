package singleinstance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// claimTimeout bounds connecting to the bus and asking for the name.
const claimTimeout = 5 * time.Second

// Instance is the running instance's hold on the lock. It lasts until Close
// or the process ends (the bus releases the name with the connection).
type Instance struct {
	conn   *dbus.Conn
	filter *boundedConn
}

// Claim takes the single-instance lock for uniqueID on the session bus and
// serves hand-offs: each well-formed one calls handle with the sender's
// arguments (on a godbus goroutine; handle must not block). It returns
// ErrRunning when another instance holds the lock, ErrNoSessionBus when
// there is no session bus, or another error when the bus misbehaves.
func Claim(uniqueID string, handle func(args []string)) (*Instance, error) {
	return claim(uniqueID, handle, MaxMessage)
}

// claim is Claim with the size limit as a parameter (tests lower it to see
// a refusal reach a sender that checks against MaxHandOff).
func claim(uniqueID string, handle func(args []string), limit int) (*Instance, error) {
	addr, err := SessionBusAddress()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	raw, err := dialBus(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSessionBus, err)
	}
	filter := newBoundedConn(raw, limit)
	conn, err := dbus.NewConn(filter)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("singleinstance: %w", err)
	}
	_ = raw.SetDeadline(time.Now().Add(claimTimeout)) // auth has no context of its own
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("singleinstance: bus authentication: %w", err)
	}
	_ = raw.SetDeadline(time.Time{})
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("singleinstance: bus hello: %w", err)
	}
	name, path := BusName(uniqueID)
	if err := conn.Export(handoff(handle), dbus.ObjectPath(path), name); err != nil {
		conn.Close()
		return nil, fmt.Errorf("singleinstance: export: %w", err)
	}
	var reply uint32
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.RequestName", 0, name, uint32(dbus.NameFlagDoNotQueue)).Store(&reply); err != nil {
		conn.Close()
		return nil, fmt.Errorf("singleinstance: request name: %w", err)
	}
	switch dbus.RequestNameReply(reply) {
	case dbus.RequestNameReplyPrimaryOwner, dbus.RequestNameReplyAlreadyOwner:
		go refuse(conn, filter.refused)
		return &Instance{conn: conn, filter: filter}, nil
	case dbus.RequestNameReplyExists, dbus.RequestNameReplyInQueue:
		conn.Close()
		return nil, ErrRunning
	}
	conn.Close()
	return nil, fmt.Errorf("singleinstance: request name: unexpected reply %d", reply)
}

// Dropped counts hand-offs (or any messages) discarded for their size.
func (i *Instance) Dropped() int64 { return i.filter.Dropped() }

// Close releases the lock.
func (i *Instance) Close() error { return i.conn.Close() }

// errLimitsExceeded is the error a discarded call is answered with (the bus
// daemon's own name for a message over its limits).
const errLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded"

// refuse answers each discarded call with an error until the connection
// closes, so its sender learns at once that the instance is there and said
// no. The text names the limit only, never what was sent.
func refuse(conn *dbus.Conn, refused <-chan refusal) {
	text := fmt.Sprintf("hand-off larger than %d bytes refused", MaxMessage)
	for {
		select {
		case r := <-refused:
			conn.Send(&dbus.Message{
				Type: dbus.TypeError,
				Headers: map[dbus.HeaderField]dbus.Variant{
					dbus.FieldDestination: dbus.MakeVariant(r.sender),
					dbus.FieldReplySerial: dbus.MakeVariant(r.serial),
					dbus.FieldErrorName:   dbus.MakeVariant(errLimitsExceeded),
					dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(text)),
				},
				Body: []interface{}{text},
			}, nil)
		case <-conn.Context().Done():
			return
		}
	}
}

// handoff is the exported object: SendMessage(s) as Wails' lock has it.
type handoff func(args []string)

func (h handoff) SendMessage(message string) *dbus.Error {
	m, err := ParseMessage(message)
	if err != nil {
		return dbus.MakeFailedError(err)
	}
	h(m.Args)
	return nil
}

// SessionBusAddress finds the session bus the way godbus and libdbus do:
// DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus. It never launches a
// bus (godbus would run dbus-launch, which leaks a daemon per process).
func SessionBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a, nil
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		p := filepath.Join(d, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, nil
		}
	}
	return "", ErrNoSessionBus
}

// dialBus opens the first address of a D-Bus address list that answers
// (unix:path, unix:abstract and tcp; the forms session buses listen on).
func dialBus(ctx context.Context, addresses string) (net.Conn, error) {
	var errs []error
	var d net.Dialer
	for _, a := range strings.Split(addresses, ";") {
		transport, params, ok := strings.Cut(a, ":")
		if !ok {
			continue
		}
		kv := map[string]string{}
		for _, p := range strings.Split(params, ",") {
			k, v, _ := strings.Cut(p, "=")
			if uv, err := url.PathUnescape(v); err == nil {
				v = uv
			}
			kv[k] = v
		}
		var network, target string
		switch {
		case transport == "unix" && kv["path"] != "":
			network, target = "unix", kv["path"]
		case transport == "unix" && kv["abstract"] != "":
			network, target = "unix", "@"+kv["abstract"]
		case transport == "tcp" && kv["host"] != "" && kv["port"] != "":
			network, target = "tcp", net.JoinHostPort(kv["host"], kv["port"])
		default:
			errs = append(errs, fmt.Errorf("unsupported bus address transport %q", transport))
			continue
		}
		c, err := d.DialContext(ctx, network, target)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("empty bus address")
	}
	return nil, errors.Join(errs...)
}
