package main

import (
	"fmt"
	"strings"

	"github.com/wailsapp/wails/v2/pkg/options/linux"
)

// gpuEnvVar chooses WebKitGTK's hardware-acceleration policy on Linux.
const gpuEnvVar = "STYTCH_DESKTOP_GPU"

// webviewGPUPolicy reads STYTCH_DESKTOP_GPU: "never" (the default), "on-demand"
// or "always". The default is deliberate: Wails applies "never" only when
// options.Linux is nil, and the zero value of linux.Options means "always",
// which on a machine without a usable GPU composites every frame through
// software OpenGL (measured by make bench: more memory in the web process,
// a later first paint, idle CPU). The sign-in screens are static forms and
// gain nothing from GPU compositing.
func webviewGPUPolicy(getenv func(string) string) (linux.WebviewGpuPolicy, error) {
	switch v := strings.ToLower(strings.TrimSpace(getenv(gpuEnvVar))); v {
	case "", "never":
		return linux.WebviewGpuPolicyNever, nil
	case "on-demand", "ondemand":
		return linux.WebviewGpuPolicyOnDemand, nil
	case "always":
		return linux.WebviewGpuPolicyAlways, nil
	default:
		return 0, fmt.Errorf("%s=%q: want never, on-demand or always", gpuEnvVar, v)
	}
}
