package main

import (
	"testing"

	"github.com/wailsapp/wails/v2/pkg/options/linux"
)

func TestWebviewGPUPolicy(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    linux.WebviewGpuPolicy
		wantErr bool
	}{
		{"", linux.WebviewGpuPolicyNever, false},
		{"never", linux.WebviewGpuPolicyNever, false},
		{" On-Demand ", linux.WebviewGpuPolicyOnDemand, false},
		{"ondemand", linux.WebviewGpuPolicyOnDemand, false},
		{"always", linux.WebviewGpuPolicyAlways, false},
		{"yes", 0, true},
		{"1", 0, true},
	} {
		got, err := webviewGPUPolicy(func(k string) string {
			if k != gpuEnvVar {
				t.Fatalf("read %s", k)
			}
			return tc.in
		})
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("%q: got %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
