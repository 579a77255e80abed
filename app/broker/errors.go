package broker

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is one of the broker's own refusals, written in Stytch's error
// object so any Stytch SDK reads it like one of Stytch's. Errors from Stytch
// itself are never rewritten (except unauthorized_credentials, see
// upstream.go), so the app's messages stay as precise as in direct mode.
type apiError struct {
	status    int
	errorType string
	message   string
	retry     int // seconds for Retry-After, 429 only
}

func (e *apiError) Error() string { return e.errorType + ": " + e.message }

// The broker's own error types. bad_request, route_not_found,
// method_not_allowed, too_many_requests and internal_server_error are
// Stytch's names; the others are the broker's and say what the company's
// configuration refused.
func errBadRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", msg, 0}
}

func errRouteNotFound() *apiError {
	return &apiError{http.StatusNotFound, "route_not_found", "This route is not served by the Stytch broker.", 0}
}

func errMethodNotAllowed() *apiError {
	return &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "HTTP method not allowed for this route.", 0}
}

func errTooManyRequests(retry int) *apiError {
	return &apiError{http.StatusTooManyRequests, "too_many_requests", "Too many requests have been made; try again later.", retry}
}

func errInternal() *apiError {
	return &apiError{http.StatusInternalServerError, "internal_server_error", "Oops, something went wrong. Please try again.", 0}
}

func errEmailDomainNotAllowed() *apiError {
	return &apiError{http.StatusForbidden, "email_domain_not_allowed", "This email domain may not sign in through this broker.", 0}
}

func errOrganizationNotAllowed() *apiError {
	return &apiError{http.StatusForbidden, "organization_not_allowed", "This organization may not be entered through this broker.", 0}
}

func errPhoneCountryNotAllowed() *apiError {
	return &apiError{http.StatusForbidden, "phone_country_not_allowed", "Text messages to this country are not allowed by this broker.", 0}
}

func errInvalidEmail() *apiError {
	return &apiError{http.StatusBadRequest, "invalid_email", "Email format is invalid.", 0}
}

// errLimiterUnavailable: the shared rate-limit store is down, so sends are
// refused (fail closed) rather than let through unlimited.
func errLimiterUnavailable() *apiError {
	return &apiError{http.StatusServiceUnavailable, "rate_limiter_unavailable", "Sign-in emails and codes are paused: the broker cannot reach its rate-limit store. Try again shortly.", 0}
}

func errUpstreamUnavailable() *apiError {
	return &apiError{http.StatusBadGateway, "upstream_unavailable", "The broker could not reach Stytch. Try again shortly.", 0}
}

func errUpstreamTimeout() *apiError {
	return &apiError{http.StatusGatewayTimeout, "upstream_timeout", "Stytch did not answer in time. Try again shortly.", 0}
}

// writeError writes e as Stytch's error object. status_code is in the body
// because the Node SDK reads it from there.
func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	if e.retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retry))
	}
	writeJSON(w, e.status, map[string]any{
		"status_code":   e.status,
		"request_id":    requestID,
		"error_type":    e.errorType,
		"error_message": e.message,
		"error_url":     "https://stytch.com/docs/api/errors/" + strconv.Itoa(e.status),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // maps of strings and ints only
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
