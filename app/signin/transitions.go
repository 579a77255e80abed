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
	ActRedeemCode         Action = "redeem_code" // a code from the /open page, exchanged for its link (code.go)
	ActChooseOrganization Action = "choose_organization"
	ActCreateOrganization Action = "create_organization"
	// From "needs more verification" back to the discovered organizations.
	ActBackToOrganizations Action = "back_to_organizations"
	ActSignOut             Action = "sign_out"
	ActDismissNotice       Action = "dismiss_notice"

	// SSO and OAuth in the system browser (sso.go).
	ActStartOAuth    Action = "start_oauth"    // "Continue with Google / Microsoft"
	ActStartSSO      Action = "start_sso"      // "Sign in with SSO", or choosing one of the organization's connections
	ActCancelBrowser Action = "cancel_browser" // stop waiting for the browser (or for the connection choice)

	// MFA (mfa.go) and organization switching (switch.go).
	ActSubmitMFACode        Action = "submit_mfa_code"        // a texted or authenticator code
	ActResendSMS            Action = "resend_sms"             // text a new code
	ActUseMFAMethod         Action = "use_mfa_method"         // text me instead / authenticator / backup code / enrollment choice
	ActSubmitPhone          Action = "submit_phone"           // enrollment: the number to text codes to
	ActSubmitBackupCode     Action = "submit_backup_code"     // a recovery code
	ActConfirmRecoveryCodes Action = "confirm_recovery_codes" // "I saved my backup codes"
	ActSaveRecoveryCodes    Action = "save_recovery_codes"    // write the backup codes to a file the user chose
	ActCancelMFA            Action = "cancel_mfa"             // back to the organization list (or email entry), or to the current session when switching
	ActListOrganizations    Action = "list_organizations"     // the organizations a signed-in member can switch to
	ActSwitchOrganization   Action = "switch_organization"    // sessions.exchange into another organization
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
var settled = screens([]Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth, ScreenSignedIn,
	ScreenBrowser, ScreenChoosingSSOConnection}, mfaScreens, []Screen{ScreenMFARecoveryCodes})

var allScreens = screens([]Screen{ScreenRestoring, ScreenSignedOut, ScreenLinkSent, ScreenCompleting, ScreenChoosingOrganization,
	ScreenEntering, ScreenNeedsMoreAuth, ScreenSignedIn, ScreenBrowser, ScreenChoosingSSOConnection}, mfaScreens, []Screen{ScreenMFARecoveryCodes})

// ssoNext are the screens an organization that asks for SSO leads to (sso.go).
var ssoNext = []Screen{ScreenBrowser, ScreenChoosingSSOConnection}

// mfaScreens are the MFA steps a user can leave (cancel) before a session
// exists. The recovery-codes screen comes after the session: it is left
// only by confirming the codes were saved.
var mfaScreens = []Screen{ScreenMFASMS, ScreenMFATOTP, ScreenMFABackupCode, ScreenMFAEnrollChoose, ScreenMFAEnrollPhone, ScreenMFAEnrollTOTP}

// afterPrimary is every screen a primary step can end on: signed in, the
// MFA step chosen for the member (mfa.go), or another primary method needed.
var afterPrimary = screens([]Screen{ScreenSignedIn, ScreenNeedsMoreAuth}, mfaScreens)

func screens(groups ...[]Screen) []Screen {
	var out []Screen
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// transitions is the whole state machine. An action is refused (KindBusy,
// ErrNotNow, nothing changes) on any screen not in its From, and a screen
// change not in its To is a bug the tests catch (see moveAllowed). A new
// step adds its rows here, and the walk in transitions_test.go makes it
// list what it does on every screen.
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
		To: screens([]Screen{ScreenCompleting, ScreenChoosingOrganization, ScreenLinkSent, ScreenSignedOut}, afterPrimary, ssoNext)},
	{Action: ActRedeemCode, From: []Screen{ScreenLinkSent},
		To: []Screen{ScreenLinkSent}},
	{Action: ActChooseOrganization, From: []Screen{ScreenChoosingOrganization, ScreenNeedsMoreAuth},
		To: screens([]Screen{ScreenEntering, ScreenChoosingOrganization, ScreenSignedOut}, afterPrimary, ssoNext)},
	{Action: ActCreateOrganization, From: []Screen{ScreenChoosingOrganization},
		To: screens([]Screen{ScreenEntering, ScreenChoosingOrganization, ScreenSignedOut}, afterPrimary, ssoNext)},

	// SSO and OAuth. Starting opens the system browser (browser screen) or,
	// for an organization with several connections and no default, asks
	// which one; the browser's answer arrives as a link (complete_link).
	{Action: ActStartOAuth, From: []Screen{ScreenSignedOut, ScreenLinkSent},
		To: []Screen{ScreenBrowser}},
	{Action: ActStartSSO, From: []Screen{ScreenSignedOut, ScreenChoosingOrganization, ScreenNeedsMoreAuth, ScreenChoosingSSOConnection},
		To: append([]Screen{ScreenSignedOut}, ssoNext...)},
	{Action: ActCancelBrowser, From: ssoNext,
		To: []Screen{ScreenSignedOut, ScreenLinkSent, ScreenChoosingOrganization, ScreenNeedsMoreAuth, ScreenSignedIn}},
	// From the "needs more verification" screen back to the discovered
	// organizations, with the same intermediate session (Stytch's answer
	// renewed it; it may still enter another organization). To signed_out
	// only when that session has run out.
	{Action: ActBackToOrganizations, From: []Screen{ScreenNeedsMoreAuth},
		To: []Screen{ScreenChoosingOrganization, ScreenSignedOut}},
	{Action: ActSignOut, From: screens([]Screen{ScreenSignedIn}, mfaScreens),
		To: []Screen{ScreenSignedOut}},

	// MFA. An expired intermediate session ends on signed_out (sign-in) or
	// back on signed_in (switching); a session ends on signed_in, or first on
	// the recovery codes when an authenticator app was just set up.
	{Action: ActSubmitMFACode, From: []Screen{ScreenMFASMS, ScreenMFATOTP, ScreenMFAEnrollTOTP},
		To: []Screen{ScreenMFASMS, ScreenMFATOTP, ScreenMFAEnrollTOTP, ScreenMFARecoveryCodes, ScreenSignedIn, ScreenSignedOut}},
	{Action: ActResendSMS, From: []Screen{ScreenMFASMS},
		To: []Screen{ScreenMFASMS, ScreenSignedIn, ScreenSignedOut}},
	{Action: ActUseMFAMethod, From: mfaScreens,
		To: screens(mfaScreens, []Screen{ScreenSignedIn, ScreenSignedOut})},
	{Action: ActSubmitPhone, From: []Screen{ScreenMFAEnrollPhone},
		To: []Screen{ScreenMFAEnrollPhone, ScreenMFASMS, ScreenSignedIn, ScreenSignedOut}},
	{Action: ActSubmitBackupCode, From: []Screen{ScreenMFABackupCode},
		To: []Screen{ScreenMFABackupCode, ScreenSignedIn, ScreenSignedOut}},
	{Action: ActConfirmRecoveryCodes, From: []Screen{ScreenMFARecoveryCodes},
		To: []Screen{ScreenSignedIn}},
	{Action: ActSaveRecoveryCodes, From: []Screen{ScreenMFARecoveryCodes}},
	{Action: ActCancelMFA, From: mfaScreens,
		To: []Screen{ScreenSignedOut, ScreenSignedIn, ScreenChoosingOrganization}},

	// Switching organizations: the current session stays until the new one is stored.
	{Action: ActListOrganizations, From: []Screen{ScreenSignedIn}},
	{Action: ActSwitchOrganization, From: []Screen{ScreenSignedIn},
		To: screens([]Screen{ScreenEntering}, afterPrimary, ssoNext)},
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
