package deeplink

import "errors"

// Reason says why a link was rejected. Callers switch on it to pick a message
// for the user ("that is not a sign-in link" vs. "this link is incomplete");
// the values are stable, the strings are for logs.
type Reason uint8

const (
	_ Reason = iota
	// TooLong: the input exceeds the size limit; nothing else was looked at.
	TooLong
	// InvalidCharacter: control characters, whitespace, non-ASCII (fullwidth
	// letters, homoglyphs, bidi overrides) or characters RFC 3986 never allows
	// in a URL, either raw or after percent-decoding a parameter.
	InvalidCharacter
	// NotAURL: net/url could not parse it, or it is the opaque "scheme:rest"
	// form rather than "scheme://host/path".
	NotAURL
	// WrongScheme: not our custom scheme (or, for pastes, not http/https).
	WrongScheme
	// WrongTarget: host or path differ from the expected callback.
	WrongTarget
	// ForbiddenURLPart: userinfo, a port (custom scheme), an empty port, or a
	// fragment. None of them appear in a genuine link.
	ForbiddenURLPart
	// BadQuery: the query string does not parse cleanly (semicolons, empty
	// pairs, bad percent-encoding, missing '=').
	BadQuery
	// TooManyParams: more query parameters than any genuine link carries.
	TooManyParams
	// MissingParam: stytch_token_type or token is absent.
	MissingParam
	// DuplicateParam: a parameter appears more than once (parameter pollution:
	// different parsers pick different copies).
	DuplicateParam
	// UnknownTokenType: stytch_token_type is not one this app handles.
	UnknownTokenType
	// BadToken: token is empty, too short/long, or outside base64url.
	BadToken
	// BadParam: slug or an extra parameter has a bad name or value.
	BadParam
)

var reasonText = [...]string{
	TooLong:          "link is too long",
	InvalidCharacter: "link contains a character that is not allowed",
	NotAURL:          "not a well-formed URL",
	WrongScheme:      "not a sign-in link (wrong scheme)",
	WrongTarget:      "not a sign-in link (wrong host or path)",
	ForbiddenURLPart: "link has a user, port or fragment part",
	BadQuery:         "link query is malformed",
	TooManyParams:    "link has too many parameters",
	MissingParam:     "link is missing a required parameter",
	DuplicateParam:   "link repeats a parameter",
	UnknownTokenType: "link has an unsupported token type",
	BadToken:         "link token is malformed",
	BadParam:         "link has a malformed parameter",
}

func (r Reason) String() string {
	if int(r) < len(reasonText) && reasonText[r] != "" {
		return reasonText[r]
	}
	return "unknown reason"
}

// ErrMalformed matches every *Error via errors.Is, for callers that only need
// "was this a bad link?".
var ErrMalformed = errors.New("deeplink: malformed sign-in link")

// Error is the only error type Parse and ParsePasted return.
//
// It deliberately carries no part of the input: the input may hold a live
// token and comes from untrusted processes, so echoing it would put secrets
// and attacker-chosen text into logs. Param is only ever set to one of the
// fixed names this package knows (never a name taken from the input).
type Error struct {
	Reason Reason
	Param  string // "stytch_token_type", "token", "slug", or ""
}

func (e *Error) Error() string {
	msg := "deeplink: parse link: " + e.Reason.String()
	if e.Param != "" {
		msg += " (parameter " + e.Param + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrMalformed) true for every *Error, and
// errors.Is(err, &Error{Reason: X}) true when the reasons match (Param is
// ignored so callers can test for a reason without knowing the parameter).
func (e *Error) Is(target error) bool {
	if target == ErrMalformed {
		return true
	}
	t, ok := target.(*Error)
	return ok && t != nil && t.Reason == e.Reason
}

// ReasonOf returns the Reason of a parse error, or 0 if err is not one.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

func fail(r Reason, param string) error { return &Error{Reason: r, Param: param} }
