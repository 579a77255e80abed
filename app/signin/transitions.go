package signin

import "slices"

// Action names one move of the sign-in state machine: a screen action, a
// link arriving, or a background event.
type Action string

// User actions (one bound method each) and link arrivals.
const (
	ActRestore            Action = "restore"
	ActRetryRestore       Action = "retry_restore"
	ActSendLink           Action = "send_link"
	ActResend             Action = "resend"
	ActUseAnotherEmail    Action = "use_another_email"
	ActCompleteLink       Action = "complete_link"
	ActChooseOrganization Action = "choose_organization"
	ActCreateOrganization Action = "create_organization"
	ActSignOut            Action = "sign_out"
	ActDismissNotice      Action = "dismiss_notice"

	// SSO and OAuth in the system browser (sso.go).
	ActStartOAuth    Action = "start_oauth"    // "Continue with Google / Microsoft"
	ActStartSSO      Action = "start_sso"      // "Sign in with SSO", or choosing one of the organization's connections
	ActCancelBrowser Action = "cancel_browser" // stop waiting for the browser (or for the connection choice)
)

// Background events: not started by the user, never holding the operation
// slot, and applied only to the session they are about.
const (
	EvSessionChecked Action = "session_checked" // Stytch confirmed (or couldn't reach) the session
	EvSessionEnded   Action = "session_ended"   // Stytch said the session is gone
	EvLinkRejected   Action = "link_rejected"   // the inbox refused a link: only the notice changes
)

// Transition is one row of the table: the screens an action is offered on,
// and every screen it may show while it runs or when it ends (passing
// screens such as "completing" included). Background marks events.
type Transition struct {
	Action     Action
	From       []Screen
	To         []Screen
	Background bool
}

// settled are the screens on which nothing is running: a link may arrive on
// any of them (only a flow waiting for it completes; anywhere else the link
// is answered with link_not_requested).
var settled = []Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth, ScreenSignedIn,
	ScreenBrowser, ScreenChoosingSSOConnection}

var allScreens = []Screen{ScreenRestoring, ScreenSignedOut, ScreenLinkSent, ScreenCompleting, ScreenChoosingOrganization,
	ScreenEntering, ScreenNeedsMoreAuth, ScreenSignedIn, ScreenBrowser, ScreenChoosingSSOConnection}

// ssoNext are the screens an organization that asks for SSO leads to (sso.go).
var ssoNext = []Screen{ScreenBrowser, ScreenChoosingSSOConnection}

// transitions is the whole state machine. An action is refused (KindBusy,
// ErrNotNow, nothing changes) on any screen not in its From, and a screen
// change not in its To is a bug the tests catch (see moveAllowed).
// New steps (MFA, organization switching, SSO) add their rows here.
var transitions = []Transition{
	{Action: ActRestore, From: []Screen{ScreenRestoring, ScreenSignedOut},
		To: []Screen{ScreenRestoring, ScreenSignedIn, ScreenLinkSent, ScreenSignedOut}},
	{Action: ActRetryRestore, From: []Screen{ScreenRestoring, ScreenSignedOut},
		To: []Screen{ScreenRestoring, ScreenSignedIn, ScreenLinkSent, ScreenSignedOut}},
	{Action: ActSendLink, From: []Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth},
		To: []Screen{ScreenLinkSent}},
	{Action: ActResend, From: []Screen{ScreenLinkSent},
		To: []Screen{ScreenLinkSent}},
	{Action: ActUseAnotherEmail, From: []Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth},
		To: []Screen{ScreenSignedOut}},
	{Action: ActCompleteLink, From: settled,
		To: append([]Screen{ScreenCompleting, ScreenChoosingOrganization, ScreenSignedIn, ScreenNeedsMoreAuth, ScreenLinkSent, ScreenSignedOut}, ssoNext...)},
	{Action: ActChooseOrganization, From: []Screen{ScreenChoosingOrganization, ScreenNeedsMoreAuth},
		To: append([]Screen{ScreenEntering, ScreenSignedIn, ScreenNeedsMoreAuth, ScreenChoosingOrganization, ScreenSignedOut}, ssoNext...)},
	{Action: ActCreateOrganization, From: []Screen{ScreenChoosingOrganization},
		To: append([]Screen{ScreenEntering, ScreenSignedIn, ScreenNeedsMoreAuth, ScreenChoosingOrganization, ScreenSignedOut}, ssoNext...)},

	// SSO and OAuth. Starting opens the system browser (browser screen) or,
	// for an organization with several connections and no default, asks
	// which one; the browser's answer arrives as a link (complete_link).
	{Action: ActStartOAuth, From: []Screen{ScreenSignedOut, ScreenLinkSent},
		To: []Screen{ScreenBrowser}},
	{Action: ActStartSSO, From: []Screen{ScreenSignedOut, ScreenChoosingOrganization, ScreenNeedsMoreAuth, ScreenChoosingSSOConnection},
		To: append([]Screen{ScreenSignedOut}, ssoNext...)},
	{Action: ActCancelBrowser, From: ssoNext,
		To: []Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth}},
	{Action: ActSignOut, From: []Screen{ScreenSignedIn},
		To: []Screen{ScreenSignedOut}},
	{Action: ActDismissNotice, From: allScreens},

	{Action: EvSessionChecked, From: []Screen{ScreenSignedIn}, Background: true},
	{Action: EvSessionEnded, From: []Screen{ScreenSignedIn}, To: []Screen{ScreenSignedOut}, Background: true},
	{Action: EvLinkRejected, From: allScreens, Background: true},
}

// Transitions returns a copy of the table, for tests and documentation.
func Transitions() []Transition {
	out := make([]Transition, len(transitions))
	for i, t := range transitions {
		out[i] = Transition{Action: t.Action, From: slices.Clone(t.From), To: slices.Clone(t.To), Background: t.Background}
	}
	return out
}

// Screens lists every screen.
func Screens() []Screen { return slices.Clone(allScreens) }

func rowFor(a Action) (Transition, bool) {
	for _, t := range transitions {
		if t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// offeredOn reports whether action a may start on screen s.
func offeredOn(a Action, s Screen) bool {
	t, ok := rowFor(a)
	return ok && slices.Contains(t.From, s)
}

// moveAllowed reports whether action a may change the screen from one to to.
func moveAllowed(a Action, from, to Screen) bool {
	t, ok := rowFor(a)
	return ok && (from == to || slices.Contains(t.To, to))
}
