package singleinstance

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

type rwc struct{ io.Reader }

func (rwc) Write(p []byte) (int, error) { return len(p), nil }
func (rwc) Close() error                { return nil }

func call(t *testing.T, order binary.ByteOrder, body string) []byte {
	t.Helper()
	m := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/x/SingleInstance")),
		dbus.FieldMember:      dbus.MakeVariant("SendMessage"),
		dbus.FieldInterface:   dbus.MakeVariant("org.x.SingleInstance"),
		dbus.FieldDestination: dbus.MakeVariant("org.x.SingleInstance"),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf("")),
	}, Body: []any{body}}
	var b bytes.Buffer
	if err := m.EncodeTo(&b, order); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Messages over the limit vanish from the stream whole, in either byte
// order; the ones around them decode as if nothing had been there.
func TestFilterDropsOversizedMessagesOnly(t *testing.T) {
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			const limit = 4096
			var stream bytes.Buffer
			stream.WriteString("OK 1234\r\n") // the handshake passes through untouched
			stream.Write(call(t, order, "first"))
			stream.Write(call(t, order, strings.Repeat("x", limit))) // just over: dropped
			stream.Write(call(t, order, strings.Repeat("y", 1<<20))) // far over: dropped
			stream.Write(call(t, order, "last"))
			c := newBoundedConn(rwc{&stream}, limit)
			line := make([]byte, 9)
			if _, err := io.ReadFull(c, line); err != nil || string(line) != "OK 1234\r\n" {
				t.Fatalf("handshake = %q, %v", line, err)
			}
			if _, err := c.Write([]byte("BEGIN\r\n")); err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				m, err := dbus.DecodeMessage(c)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("decode after %q: %v", got, err)
				}
				got = append(got, m.Body[0].(string))
			}
			if strings.Join(got, ",") != "first,last" || c.Dropped() != 2 {
				t.Fatalf("got %q, dropped %d", got, c.Dropped())
			}
		})
	}
}

func TestFilterRefusesGarbage(t *testing.T) {
	c := newBoundedConn(rwc{strings.NewReader(strings.Repeat("\x00", 32))}, 4096)
	c.begun.Store(true)
	if _, err := c.Read(make([]byte, 8)); err != errBadMessage {
		t.Fatalf("err = %v", err)
	}
}
