//go:build !linux

package main

// forwardToRunningInstance is Linux-only: macOS delivers links as events to
// the running app, and Windows' single-instance lock runs before any window.
func forwardToRunningInstance(string, []string) (bool, error) { return false, nil }
