//go:build !linux

package singleinstance

// Instance is unused off Linux: macOS delivers links as events to the running
// app and Windows' lock (Wails') runs before any window.
type Instance struct{}

// Claim is Linux-only; elsewhere the app keeps Wails' own lock.
func Claim(string, func([]string)) (*Instance, error) { return nil, ErrUnsupported }

// Dropped is always 0 off Linux.
func (*Instance) Dropped() int64 { return 0 }

// Close does nothing off Linux.
func (*Instance) Close() error { return nil }

// Forward is Linux-only: macOS delivers links as events to the running app,
// and Windows' single-instance lock (Wails') runs before any window.
func Forward(string, []string) (bool, error) { return false, nil }
