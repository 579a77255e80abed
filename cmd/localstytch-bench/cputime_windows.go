//go:build windows

package main

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0
	}
	var c, e, k, u syscall.Filetime
	if err := syscall.GetProcessTimes(h, &c, &e, &k, &u); err != nil {
		return 0
	}
	// Filetime counts 100 ns ticks.
	ticks := int64(k.HighDateTime)<<32 | int64(k.LowDateTime) + (int64(u.HighDateTime)<<32 | int64(u.LowDateTime))
	return time.Duration(ticks * 100)
}
