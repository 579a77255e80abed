//go:build linux || freebsd || openbsd || netbsd || dragonfly

package keychain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// errNoSessionBus is returned before go-keyring runs when there is no
// session bus to find.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and none was found)")

// checkSessionBus refuses to call go-keyring when godbus would otherwise
// autolaunch a private bus with dbus-launch: that bus outlives the app (the
// daemons leak) and a Secret Service activated on it holds a keyring nobody
// can unlock, so it can only turn "unavailable" into a slower, misleading
// "locked". It mirrors godbus's own address lookup.
func checkSessionBus() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	runDir := fmt.Sprintf("/run/user/%d", os.Getuid())
	if _, err := os.Stat(filepath.Join(runDir, "bus")); err == nil {
		return nil
	}
	if b, err := os.ReadFile(filepath.Join(runDir, "dbus-session")); err == nil &&
		strings.HasPrefix(string(b), "DBUS_SESSION_BUS_ADDRESS=") {
		return nil
	}
	return errNoSessionBus
}
