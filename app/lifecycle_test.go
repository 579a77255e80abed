package app_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"stytch-desktop/app"
	"stytch-desktop/app/config"
	"stytch-desktop/app/core"
	"stytch-desktop/app/lifecycle"
)

// newApp is what main.go wires: a lifecycle, and the bound screen actions on it.
func newApp(cfg config.Config, opts core.Options) (*app.App, *lifecycle.Lifecycle) {
	lc := lifecycle.New(cfg, opts)
	return app.New(lc), lc
}

// Wails binds every exported method of app.App to JavaScript: they must be
// exactly the screens' actions listed in the frontend's Backend interface,
// nothing more (no Start, no link door) and nothing less.
func TestBindingsAreScreenActions(t *testing.T) {
	src, err := os.ReadFile("../frontend/src/lib/backend.ts")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)export interface Backend \{(.*?)\n\}`).FindSubmatch(src)
	if body == nil {
		t.Fatal("interface Backend not found in backend.ts")
	}
	var screens []string
	for _, m := range regexp.MustCompile(`(?m)^\s+([A-Z]\w*)\(`).FindAllSubmatch(body[1], -1) {
		screens = append(screens, string(m[1]))
	}
	var bound []string
	typ := reflect.TypeOf(&app.App{})
	for i := range typ.NumMethod() {
		bound = append(bound, typ.Method(i).Name)
	}
	slices.Sort(screens)
	slices.Sort(bound)
	if len(screens) < 5 || !slices.Equal(screens, bound) {
		t.Fatalf("bound methods %v\nscreen actions %v", bound, screens)
	}
}
