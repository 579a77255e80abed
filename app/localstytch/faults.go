package localstytch

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault describes misbehaviour injected into one endpoint, for tests of the
// app's timeouts, retries and error handling. Faults apply only to /v1/
// paths. Several kinds may be combined; Latency is applied first, then the
// first of Drop, Status, MalformedJSON; ExtraFields affects success bodies
// of requests that are otherwise served normally.
//
// Drop, Status and MalformedJSON short-circuit the request BEFORE it is
// processed, so no token is consumed and no email is sent.
type Fault struct {
	Latency       time.Duration // delay before handling (cut short if the client goes away)
	Status        int           // respond with this HTTP status and a Stytch error body
	ErrorType     string        // error_type for Status; default from the status (e.g. too_many_requests)
	RetryAfter    time.Duration // sets a Retry-After header (whole seconds, rounded up) with Status
	Drop          bool          // close the TCP connection without a response
	MalformedJSON bool          // respond 200 with a truncated JSON body
	ExtraFields   bool          // add unknown fields to a 200 JSON body
	Times         int           // apply to the next Times requests only; 0 = until cleared
}

// faultWildcard as a SetFault path applies a fault to every /v1/ endpoint.
const faultWildcard = "*"

// SetFault installs f for requests whose URL path equals path exactly (e.g.
// "/v1/b2b/sessions/authenticate"), or every /v1/ path when path is "*".
// It replaces any fault previously set for that path.
func (s *Server) SetFault(path string, f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	fc := f
	s.faults[path] = &fc
}

// ClearFaults removes all injected faults.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = map[string]*Fault{}
}

// takeFault returns the fault to apply to this request (exact path wins
// over the wildcard) and counts it against Times.
func (s *Server) takeFault(path string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	key := path
	f, ok := s.faults[key]
	if !ok {
		key = faultWildcard
		f, ok = s.faults[key]
	}
	if !ok {
		return Fault{}, false
	}
	out := *f
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, key)
		}
	}
	return out, true
}

// applyFaults runs the fault for rc's path, if any. It returns false when the
// request has been fully answered (or dropped) and must not be processed.
func (s *Server) applyFaults(rc *reqCtx) bool {
	f, ok := s.takeFault(rc.r.URL.Path)
	if !ok {
		return true
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-rc.r.Context().Done():
			t.Stop()
			return false
		}
	}
	switch {
	case f.Drop:
		dropConnection(rc.w)
		return false
	case f.Status != 0:
		errType := f.ErrorType
		if errType == "" {
			errType = defaultErrorTypeForStatus(f.Status)
		}
		msg := "Injected fault."
		if spec, ok := errorTable[errType]; ok {
			msg = spec.message
		}
		if f.RetryAfter > 0 {
			secs := int(math.Ceil(f.RetryAfter.Seconds()))
			rc.w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeJSON(rc.w, f.Status, errorBody(f.Status, rc.requestID, errType, msg))
		return false
	case f.MalformedJSON:
		rc.w.Header().Set("Content-Type", "application/json")
		rc.w.WriteHeader(http.StatusOK)
		_, _ = rc.w.Write([]byte(`{"request_id":"` + rc.requestID + `","status_code":200,"member":{"member_id":`))
		return false
	}
	rc.extra = f.ExtraFields
	return true
}

func defaultErrorTypeForStatus(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "too_many_requests"
	case status == http.StatusUnauthorized:
		return "unauthorized_credentials"
	case status >= 500:
		return "internal_server_error"
	default:
		return "invalid_request"
	}
}

// dropConnection closes the client's TCP connection without a response.
func dropConnection(w http.ResponseWriter) {
	if rec, ok := w.(*statusRecorder); ok {
		w = rec.ResponseWriter
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a test recorder: abort the handler, which makes net/http
		// reset the stream / close the connection.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// withExtraFields adds fields a newer Stytch API version might send, so tests
// can check that clients ignore unknown fields.
func withExtraFields(body any) any {
	b, err := json.Marshal(body)
	if err != nil {
		return body
	}
	var resp map[string]any
	if json.Unmarshal(b, &resp) != nil {
		return body
	}
	resp["emulator_unknown_field"] = "ignored by well-behaved clients"
	resp["emulator_unknown_object"] = map[string]any{"nested": []any{1, "two", nil}}
	resp["intermediate_session_token_expires_at"] = time.Now().UTC().Format(time.RFC3339)
	return resp
}

// faultJSON is the wire form of POST /emulator/faults.
type faultJSON struct {
	Path              string `json:"path"`
	LatencyMS         int64  `json:"latency_ms"`
	Status            int    `json:"status"`
	ErrorType         string `json:"error_type"`
	RetryAfterSeconds int64  `json:"retry_after_seconds"`
	Drop              bool   `json:"drop"`
	MalformedJSON     bool   `json:"malformed_json"`
	ExtraFields       bool   `json:"extra_fields"`
	Times             int    `json:"times"`
}

// handleFaults serves POST (set one fault) and DELETE (clear all) on
// /emulator/faults. POST requires Content-Type application/json so that a
// cross-site HTML form cannot set faults (that would need a CORS preflight,
// which this server never grants).
func (s *Server) handleFaults(rc *reqCtx) {
	switch rc.r.Method {
	case http.MethodDelete:
		s.ClearFaults()
		writeJSON(rc.w, http.StatusOK, map[string]any{"status_code": 200, "request_id": rc.requestID})
	case http.MethodPost:
		if !strings.HasPrefix(rc.r.Header.Get("Content-Type"), "application/json") {
			s.writeError(rc, newErrMsg("invalid_request", "Content-Type must be application/json."))
			return
		}
		body, err := readLimited(rc)
		if err != nil {
			s.writeError(rc, newErr("request_body_too_large"))
			return
		}
		rc.body = body
		var fj faultJSON
		if e := decodeBody(rc, &fj); e != nil {
			s.writeError(rc, e)
			return
		}
		if fj.Path != faultWildcard && !strings.HasPrefix(fj.Path, "/v1/") {
			s.writeError(rc, newErrMsg("invalid_request", `path must start with /v1/ or be "*".`))
			return
		}
		if fj.Status != 0 && (fj.Status < 400 || fj.Status > 599) || fj.LatencyMS < 0 || fj.Times < 0 {
			s.writeError(rc, newErrMsg("invalid_request", "status must be 400-599; latency_ms and times must be >= 0."))
			return
		}
		s.SetFault(fj.Path, Fault{
			Latency:       time.Duration(fj.LatencyMS) * time.Millisecond,
			Status:        fj.Status,
			ErrorType:     fj.ErrorType,
			RetryAfter:    time.Duration(fj.RetryAfterSeconds) * time.Second,
			Drop:          fj.Drop,
			MalformedJSON: fj.MalformedJSON,
			ExtraFields:   fj.ExtraFields,
			Times:         fj.Times,
		})
		writeJSON(rc.w, http.StatusOK, map[string]any{"status_code": 200, "request_id": rc.requestID})
	default:
		s.writeError(rc, newErr("method_not_allowed"))
	}
}

func readLimited(rc *reqCtx) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(rc.w, rc.r.Body, maxBodyBytes))
}
