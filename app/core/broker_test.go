package core_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stytch-desktop/app/broker/brokertest"
	"stytch-desktop/app/config"
	"stytch-desktop/app/localstytch"
	"stytch-desktop/app/signin"
)

func startAPIAndBroker(t *testing.T) (*localstytch.Server, string) {
	t.Helper()
	// A secret of its own: the local API's default one is a public constant
	// compiled into every build (local mode), so it proves nothing here.
	api, err := localstytch.New(localstytch.Options{Seed: true, Secret: "secret-test-broker-only-" + rand.Text()})
	if err != nil {
		t.Fatal(err)
	}
	base, err := api.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close(context.Background()) })
	return api, brokertest.Start(t, api.ProjectID(), api.Secret(), base)
}

// A build with the broker baked in (what make build BROKER_URL=…
// PROJECT_ID=… does through -ldflags -X and -tags nolocalapi) holds no
// secret and no local API, starts with an
// empty environment, shows the broker in its view, sends a sign-in email
// through it, and refuses STYTCH_SECRET saying why.
func TestBakedBrokerBuild(t *testing.T) {
	api, brokerURL := startAPIAndBroker(t)
	bin := filepath.Join(t.TempDir(), "bakedapp")
	ldflags := "-X stytch-desktop/app/config.bakedBrokerURL=" + brokerURL + " -X stytch-desktop/app/config.bakedProjectID=" + api.ProjectID() +
		" -X stytch-desktop/app/config.bakedPublicToken=public-token-test-00000000-0000-4000-8000-00000000b00c"
	build := exec.Command("go", "build", "-trimpath", "-tags", "nolocalapi", "-ldflags", ldflags, "-o", bin, "./testdata/bakedapp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(brokerURL)) {
		t.Fatal("the broker URL is not in the binary: the -X flags did not apply")
	}
	if bytes.Contains(data, []byte(api.Secret())) {
		t.Fatal("the project secret is in the binary")
	}
	// Not even the local API's public fake: a company build leaves the local API out.
	if m := regexp.MustCompile(`secret-(test|live)-[A-Za-z0-9_=-]{8,}`).Find(data); m != nil {
		t.Fatalf("something shaped like a Stytch secret is in the binary: %.16s…", m)
	}
	if bytes.Contains(data, []byte("stytch-desktop/app/localstytch")) {
		t.Fatal("the local API is in the company build")
	}

	home := t.TempDir()
	run := func(env ...string) (string, string, error) {
		cmd := exec.Command(bin, "demo@example.com")
		cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + home}, env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	out, errOut, err := run()
	if err != nil {
		t.Fatalf("baked build did not start without a secret: %v\n%s", err, errOut)
	}
	var v signin.View
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("view: %v: %s", err, out)
	}
	if v.Mode != string(config.ModeBroker) || v.Backend != brokerURL || v.Screen != signin.ScreenLinkSent {
		t.Fatalf("view mode=%q backend=%q screen=%q, want broker mode at %s with a link sent", v.Mode, v.Backend, v.Screen, brokerURL)
	}
	sent := false
	for _, m := range api.Messages() {
		sent = sent || m.To == "demo@example.com"
	}
	if !sent {
		t.Fatal("no sign-in email went out through the broker")
	}

	_, errOut, err = run("STYTCH_SECRET=secret-test-should-not-be-here")
	if err == nil || !strings.Contains(errOut, "signs in through the company's Stytch broker") || strings.Contains(errOut, "should-not-be-here") {
		t.Fatalf("baked build with STYTCH_SECRET: err=%v\n%s", err, errOut)
	}
}
