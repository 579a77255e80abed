package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/wailsapp/wails/v2/pkg/options"

	"stytch-desktop/app/handoff"
	"stytch-desktop/app/lifecycle"
	"stytch-desktop/app/signin"
	"stytch-desktop/app/singleinstance"
	"stytch-desktop/app/trace"
)

// handOffEarly hands argv to a running instance before GTK and WebKit start
// (Wails' own lock would only check after creating a window) and reports
// whether it did; the caller then exits. The scheme handler
// (cmd/stytch-desktop-open) runs the same app/handoff code without loading
// GTK at all; this covers the app started by hand or through an entry that
// names it.
// A refused link (too large, or the running instance said no) ends this
// process with the reason: starting anyway would make a second instance.
func handOffEarly(logger *slog.Logger) bool {
	forwarded, err := handoff.Forward(os.Args[1:], logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "stytch-desktop: %v; nothing was started\n", err)
		os.Exit(handoff.ExitRefused)
	}
	return forwarded
}

// singleInstanceLock takes the lock and routes hand-offs to the link door.
// On Linux the app holds the lock itself (app/singleinstance: same D-Bus
// interface as Wails', but a hand-off larger than 64 KiB is discarded unread)
// and Wails' lock stays off; elsewhere Wails' lock does it. handedOff is true
// when another instance won the lock since handOffEarly looked and took argv:
// the caller then exits. Without a session bus there is no lock: it is
// logged and the screens say so.
func singleInstanceLock(lc *lifecycle.Lifecycle, logger *slog.Logger) (lock *options.SingleInstanceLock, handedOff bool) {
	offer := func(args []string) {
		trace.Mark("link-forwarded")
		lc.Links().OfferArgs(args)
	}
	inst, err := singleinstance.Claim(handoff.ID, offer)
	switch {
	case err == nil:
		held = inst // held for the process's life; the bus frees it at exit
		return nil, false
	case errors.Is(err, singleinstance.ErrUnsupported):
		return &options.SingleInstanceLock{
			UniqueId:               handoff.ID,
			OnSecondInstanceLaunch: func(d options.SecondInstanceData) { offer(d.Args) },
		}, false
	case errors.Is(err, singleinstance.ErrRunning):
		if ok := handOffEarly(logger); ok {
			return nil, true
		}
		// It holds the lock but took nothing (exiting, hung): run anyway
		// rather than lose a link; the user sees two windows at worst.
		logger.Warn("another instance holds the single-instance lock but did not take the hand-off; starting anyway")
	default:
		logger.Warn("single-instance lock unavailable: a link opened while the app runs will start a second window "+
			"(no usable D-Bus session bus)", "error", err.Error())
	}
	lc.Warn(signin.KindSingleInstanceUnavailable)
	return nil, false
}

// held keeps the lock's connection referenced for the process's life.
var held *singleinstance.Instance
