package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// privateBus starts a dbus-daemon for this test only and points the session
// bus address at it.
func privateBus(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon not installed (package dbus; scripts/install-deps.sh core)")
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", a)
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start")
	}
}

// receiver stands in for a running instance: it owns the name and exports
// SendMessage exactly as Wails' single-instance lock does.
type receiver chan string

func (r receiver) SendMessage(message string) *dbus.Error {
	r <- message
	return nil
}

func runningInstance(t *testing.T, uniqueID string) receiver {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	name, path := singleInstanceBusName(uniqueID)
	r := make(receiver, 4)
	if err := conn.Export(r, path, name); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}
	return r
}

func TestForwardToRunningInstance(t *testing.T) {
	privateBus(t)
	const id = "io.stytch-desktop.test"
	if name, _ := singleInstanceBusName(singleInstanceID); name != "org.wails_app_io_stytch_desktop_signin.SingleInstance" {
		t.Fatalf("bus name %q differs from the one Wails owns", name)
	}

	// Nobody runs: start normally, nothing sent.
	ok, err := forwardToRunningInstance(id, []string{"stytch-desktop://auth/callback?token=x"})
	if ok || err != nil {
		t.Fatalf("no instance: forwarded=%v err=%v", ok, err)
	}

	r := runningInstance(t, id)
	// The arguments travel as they are; the running instance parses them
	// strictly, hostile ones included.
	args := []string{"stytch-desktop://auth/callback?stytch_token_type=discovery&token=abc", "--evil=\"quoted\"\n", ""}
	ok, err = forwardToRunningInstance(id, args)
	if !ok || err != nil {
		t.Fatalf("instance running: forwarded=%v err=%v", ok, err)
	}
	var got struct {
		Args             []string
		WorkingDirectory string
	}
	select {
	case m := <-r:
		if err := json.Unmarshal([]byte(m), &got); err != nil {
			t.Fatalf("message %q: %v", m, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
	}
	wd, _ := os.Getwd()
	if strings.Join(got.Args, "|") != strings.Join(args, "|") || got.WorkingDirectory != wd {
		t.Fatalf("got %+v, want args %q in %s", got, args, wd)
	}

	// No arguments: still a hand-off (the running window comes forward), as
	// Wails' own lock does; Args is an empty list, not null.
	ok, err = forwardToRunningInstance(id, nil)
	if !ok || err != nil {
		t.Fatalf("no args: forwarded=%v err=%v", ok, err)
	}
	if m := <-r; !strings.Contains(m, `"Args":[]`) {
		t.Fatalf("message %q", m)
	}
}

func TestForwardWithoutSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	ok, err := forwardToRunningInstance("io.stytch-desktop.test", []string{"x"})
	if ok || err != nil {
		t.Fatalf("forwarded=%v err=%v", ok, err)
	}
}
