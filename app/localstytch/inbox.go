package localstytch

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is one email or text message in the emulator's outbox. Channel
// tells them apart ("email" or "sms"). An email's Link is its magic link: the
// /v1/magic_links/redirect URL on this server. A text message goes To a
// phone number (also in Phone) and carries its one-time Code and Body.
type Message struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Link      string    `json:"link,omitempty"`
	TokenType string    `json:"token_type,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Code      string    `json:"code,omitempty"`
	Body      string    `json:"body,omitempty"`
	SentAt    time.Time `json:"sent_at"`
}

// Outbox channels.
const (
	channelEmail = "email"
	channelSMS   = "sms"
)

// messageRecord is one outbox entry. PathQuery embeds the raw magic-link
// token, so these records are kept in memory only (Server.outbox) and never
// written to the state file: after a restart the inbox starts empty, while
// the links already delivered keep working because the token records are
// persisted (hashed).
type messageRecord struct {
	ID, To, Subject, TokenType string
	Origin                     string // scheme://host the link was minted for when the server's base URL is unknown
	PathQuery                  string // /v1/magic_links/redirect?...
	Channel                    string // "" = email; channelSMS for texts (handlers_mfa.go)
	Code, Body                 string // texts only: the one-time code, in memory only
	SentAt                     time.Time
}

// maxMessages bounds the outbox: a ring of the newest messages, so a
// long-running local API (or a benchmark) keeps at most this many. Older
// links keep working (their token records are separate); they just leave
// the inbox.
const maxMessages = 1000

// outboxRing is the in-memory outbox. Caller holds Server.mu.
type outboxRing struct {
	buf  []*messageRecord // len ≤ maxMessages
	next int              // where the next message goes once buf is full
}

func (r *outboxRing) add(m *messageRecord) {
	if len(r.buf) < maxMessages {
		r.buf = append(r.buf, m)
		return
	}
	r.buf[r.next] = m
	r.next = (r.next + 1) % maxMessages
}

// newestFirst calls f on each message, newest first, until f returns false.
func (r *outboxRing) newestFirst(f func(*messageRecord) bool) {
	n := len(r.buf)
	for i := range n {
		// The newest is just before next (or the last element while filling).
		idx := (r.next - 1 - i + 2*n) % n
		if len(r.buf) < maxMessages {
			idx = n - 1 - i
		}
		if !f(r.buf[idx]) {
			return
		}
	}
}

// addMessageLocked puts a message in the outbox. Caller holds s.mu.
func (s *Server) addMessageLocked(m *messageRecord) { s.outbox.add(m) }

// Messages returns the outbox, newest first.
func (s *Server) Messages() []Message { return s.messages("", 0) }

// messages returns the outbox newest first, only messages to the address
// `to` (case-insensitive) if it is set, at most limit (0 = all).
func (s *Server) messages(to string, limit int) []Message {
	base := s.BaseURL()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	s.outbox.newestFirst(func(m *messageRecord) bool {
		if to != "" && !strings.EqualFold(m.To, to) &&
			// "?to=+1555…" arrives as " 1555…" ("+" is a space in a query).
			!(m.Channel == channelSMS && strings.TrimLeft(m.To, "+") == strings.TrimLeft(strings.TrimSpace(to), "+")) {
			return true
		}
		origin := base
		if origin == "" {
			origin = m.Origin // served via ServeHTTP only (e.g. httptest)
		}
		if m.Channel == channelSMS {
			out = append(out, Message{ID: m.ID, Channel: channelSMS, To: m.To, Subject: m.Subject,
				Phone: m.To, Code: m.Code, Body: m.Body, SentAt: m.SentAt})
			return limit <= 0 || len(out) < limit
		}
		out = append(out, Message{ID: m.ID, Channel: channelEmail, To: m.To, Subject: m.Subject, Link: origin + m.PathQuery,
			TokenType: m.TokenType, SentAt: m.SentAt})
		return limit <= 0 || len(out) < limit
	})
	return out
}

// handleMessages serves GET /emulator/messages[?to=address][&limit=n]:
// {"messages":[…]} newest first (so .messages[0] is the latest email).
func (s *Server) handleMessages(rc *reqCtx) {
	if rc.r.Method != http.MethodGet {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	q := rc.r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMessages {
			s.writeError(rc, newErrMsg("invalid_request", "limit must be a whole number from 1 to "+strconv.Itoa(maxMessages)+"."))
			return
		}
		limit = n
	}
	writeJSON(rc.w, http.StatusOK, map[string]any{"messages": s.messages(q.Get("to"), limit)})
}

var inboxTemplate = template.Must(template.New("inbox").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local Stytch inbox</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 56rem; padding: 1.5rem; }
  header { display: flex; align-items: baseline; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
  h1 { font-size: 1.3rem; margin: 0; }
  .muted { opacity: .7; font-size: .85rem; }
  form { display: flex; gap: .5rem; }
  input { padding: .35rem .5rem; }
  ul { list-style: none; padding: 0; }
  li { border: 1px solid color-mix(in srgb, currentColor 20%, transparent); border-radius: .5rem; padding: .8rem 1rem; margin: .6rem 0; }
  .row { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
  .subject { font-weight: 600; }
  a.button { display: inline-block; margin-top: .5rem; padding: .35rem .8rem; border-radius: .4rem; background: #2563eb; color: #fff; text-decoration: none; }
  code { font-size: .8rem; word-break: break-all; }
  .code { font-size: 1.3rem; letter-spacing: .2em; font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<header>
  <h1>Local Stytch inbox</h1>
  <form method="get" action="/"><input type="text" name="to" placeholder="Filter by address or phone" aria-label="Filter by email address or phone number" value="{{.Filter}}"><button>Filter</button> <a href="/">All</a></form>
</header>
<p class="muted">Emails and text messages the local Stytch emulator would have sent. Nothing leaves this computer. Newest first; reload to refresh.</p>
{{if .Messages}}
<ul>
{{range .Messages}}
  <li>
    <div class="row"><span class="subject">{{.Subject}}</span><span class="muted">{{.SentAt.Format "2006-01-02 15:04:05 MST"}}</span></div>
    {{if eq .Channel "sms"}}
    <div class="muted">Text message to {{.Phone}}</div>
    <p>{{.Body}}</p>
    <div>Code: <strong class="code">{{.Code}}</strong></div>
    {{else}}
    <div class="muted">To: {{.To}} · type: {{.TokenType}}</div>
    <a class="button" href="{{.Link}}" rel="noreferrer">Open sign-in link</a>
    <div><code>{{.Link}}</code></div>
    {{end}}
  </li>
{{end}}
</ul>
{{else}}
<p>No messages yet{{if .Filter}} for {{.Filter}}{{end}}.</p>
{{end}}
</body>
</html>
`))

// handleInbox serves the HTML inbox at GET /.
func (s *Server) handleInbox(rc *reqCtx) {
	if rc.r.Method != http.MethodGet && rc.r.Method != http.MethodHead {
		s.writeError(rc, newErr("method_not_allowed"))
		return
	}
	filter := rc.r.URL.Query().Get("to")
	h := rc.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	data := struct {
		Filter   string
		Messages []Message
	}{filter, s.messages(filter, 0)}
	if err := inboxTemplate.Execute(rc.w, data); err != nil {
		s.log.Error("localstytch: render inbox", "err", err)
	}
}
