package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The container image (deploy/broker/Dockerfile) is distroless/static: the
// binary must be built exactly as there and need no dynamic loader or libc.
func TestStaticBuildAsInDockerfile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the container build is for Linux; run this test on Linux (GOOS=%s)", runtime.GOOS)
	}
	dockerfile, err := os.ReadFile("../../deploy/broker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	const build = `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/stytch-broker ./cmd/stytch-broker`
	if !strings.Contains(string(dockerfile), build) || !strings.Contains(string(dockerfile), "USER nonroot") {
		t.Fatalf("the Dockerfile no longer builds as this test does, or does not run as non-root; keep them in step")
	}
	bin := filepath.Join(t.TempDir(), "stytch-broker")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Fatalf("the binary is dynamically linked (program header %v)", p.Type)
		}
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--redirect-url") && !strings.Contains(string(out), "-redirect-url") {
		t.Fatalf("--help: %v\n%s", err, out)
	}
}
