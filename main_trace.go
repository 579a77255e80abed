package main

import (
	"regexp"

	"stytch-desktop/app/trace"
)

// Tracer lets the page report milestones only it can see (a screen painted
// and focused) to `make bench` through app/trace. A no-op unless
// STYTCH_DESKTOP_TRACE is set.
type Tracer struct{}

// tracedScreen: the frontend may only name a screen, never send free text.
var tracedScreen = regexp.MustCompile(`^[a-z_]{1,32}$`)

// Rendered records that the page put screen in the DOM and focused it (the
// frame showing it comes after: Painted). atMs is the page's clock (epoch
// milliseconds) at that moment, so the call's own delay is not counted.
func (Tracer) Rendered(screen string, atMs float64) {
	if tracedScreen.MatchString(screen) {
		trace.MarkAtWall(atMs, "rendered", "screen", screen)
	}
}

// Painted records that the page painted screen and moved focus to it.
func (Tracer) Painted(screen string, atMs float64) {
	if tracedScreen.MatchString(screen) {
		trace.MarkAtWall(atMs, "painted", "screen", screen)
	}
}
