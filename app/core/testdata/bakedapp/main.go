// Command bakedapp is the desktop app's start-up without the window: the
// configuration from the environment (and what the linker baked in), then
// core.Start, then one sign-in email. app/core's tests build it with a
// broker URL baked in (as make build BROKER_URL=… PROJECT_ID=… does) to show
// such a build carries no secret and starts without one.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/keychain/keychaintest"
)

func main() {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stytch-desktop:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := core.Start(ctx, cfg, core.Options{Secrets: keychaintest.NewMemory(), SkipSchemeRegistration: true, StateDir: os.TempDir()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "stytch-desktop: start:", err)
		os.Exit(1)
	}
	defer c.Close(context.Background())
	if err := c.Flows.Restore(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "stytch-desktop: restore:", err)
		os.Exit(1)
	}
	if len(os.Args) > 1 {
		if err := c.Flows.StartSignIn(ctx, os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "stytch-desktop: sign in:", err)
			os.Exit(1)
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(c.Flows.View())
}
