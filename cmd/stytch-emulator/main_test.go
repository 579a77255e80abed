package main

import "testing"

func TestRequireLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8787", true},
		{"localhost:0", true},
		{"[::1]:8787", true},
		{"0.0.0.0:8787", false},
		{":8787", false},
		{"192.168.1.10:8787", false},
		{"example.com:80", false},
		{"nonsense", false},
	}
	for _, tt := range tests {
		err := requireLoopback(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("requireLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}
