package localstytch

import (
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/store"
)

// The local identity-provider page stands in for Google, Microsoft and a
// company's SAML/OIDC identity provider. The start endpoints redirect here;
// the user picks (or types) an account; the page then redirects back to the
// app's redirect URL with ?stytch_token_type=…&token=…, as Stytch does after
// a real provider. It says plainly that it is local, loads nothing from
// elsewhere and runs no script (strict CSP).
const idpPagePath = "/emulator/idp"

// idpTokenLifetime is how long the callback token may wait for the app's
// authenticate call (guess: Stytch does not document it; 10 minutes like the
// intermediate session).
const idpTokenLifetime = 10 * time.Minute

// maxIdPFormBytes bounds the page's form body.
const maxIdPFormBytes = 16 << 10

type idpAccount struct {
	Email   string
	Checked bool
}

type idpPageData struct {
	Title       string // "Google", "Okta (SAML)"…
	What        string // sentence describing the round trip
	RequestID   string
	ReturnTo    string
	Accounts    []idpAccount
	Email, Name string
	Error       string
	Hint        string
}

var idpTemplate = template.Must(template.New("idp").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with {{.Title}} (local stand-in)</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 34rem; padding: 1.5rem; line-height: 1.45; }
  h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
  .local { border: 2px dashed #b45309; border-radius: .5rem; padding: .6rem .8rem; margin: 0 0 1rem; }
  .error { border: 2px solid #b91c1c; border-radius: .5rem; padding: .6rem .8rem; margin: 0 0 1rem; }
  fieldset { border: 1px solid color-mix(in srgb, currentColor 25%, transparent); border-radius: .5rem; margin: 0 0 1rem; padding: .6rem .9rem; }
  legend { font-weight: 600; padding: 0 .3rem; }
  .account { display: block; padding: .3rem 0; }
  label.field { display: block; margin: .5rem 0 .2rem; font-weight: 600; }
  input[type=email], input[type=text] { width: 100%; box-sizing: border-box; padding: .45rem .55rem; font: inherit; }
  .actions { display: flex; gap: .6rem; flex-wrap: wrap; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 1px solid currentColor; cursor: pointer; }
  button.primary { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
  :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .muted { opacity: .75; font-size: .9rem; word-break: break-all; }
</style>
</head>
<body>
<main>
<h1>Sign in with {{.Title}}</h1>
<p class="local" role="note"><strong>Local stand-in.</strong> This page is served by the local Stytch emulator on
this computer. It is not {{.Title}} and no password is asked: nothing leaves this computer.</p>
{{if .Error}}<p class="error" role="alert" id="idp-error">{{.Error}}</p>{{end}}
<p>{{.What}}</p>
<form method="post" action="/emulator/idp">
  <input type="hidden" name="request" value="{{.RequestID}}">
  {{if .Accounts}}
  <fieldset>
    <legend>Choose an account</legend>
    {{range .Accounts}}<label class="account"><input type="radio" name="account" value="{{.Email}}"{{if .Checked}} checked{{end}}> {{.Email}}</label>
    {{end}}
  </fieldset>
  {{end}}
  <label class="field" for="idp-email">{{if .Accounts}}Or use another email address{{else}}Email address{{end}}</label>
  <input id="idp-email" type="email" name="email" autocomplete="email" value="{{.Email}}"{{if .Error}} aria-describedby="idp-error" aria-invalid="true"{{end}}{{if not .Accounts}} required{{end}}>
  <label class="field" for="idp-name">Full name (optional)</label>
  <input id="idp-name" type="text" name="name" autocomplete="name" maxlength="128" value="{{.Name}}">
  {{if .Hint}}<p class="muted">The app suggested: {{.Hint}}</p>{{end}}
  <p class="muted">After you continue, your browser returns to {{.ReturnTo}}</p>
  <div class="actions">
    <button class="primary" type="submit" name="action" value="continue">Continue</button>
    <button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
  </div>
</form>
</main>
</body>
</html>
`))

var idpMessageTemplate = template.Must(template.New("idp-msg").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}</title>
<style>:root { color-scheme: light dark; font-family: system-ui, sans-serif; } body { margin: 0 auto; max-width: 34rem; padding: 1.5rem; }</style>
</head>
<body><main><h1>{{.Heading}}</h1><p role="status">{{.Text}}</p></main></body>
</html>
`))

// handleIdPPage serves GET (the page) and POST (the choice).
func (s *Server) handleIdPPage(rc *reqCtx) {
	switch rc.r.Method {
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		req := s.pendingIdPRequestLocked(rc.r.URL.Query().Get("request"), s.clock())
		var data idpPageData
		if req != nil {
			data = s.idpPageDataLocked(req)
		}
		s.mu.Unlock()
		if req == nil {
			s.writeIdPMessage(rc, http.StatusNotFound, "Sign-in request not found",
				"This sign-in request has expired or was already used. Start again from the app.")
			return
		}
		s.writeIdPPage(rc, http.StatusOK, data, req)
	case http.MethodPost:
		s.handleIdPChoice(rc)
	default:
		s.writeError(rc, newErr("method_not_allowed"))
	}
}

func (s *Server) handleIdPChoice(rc *reqCtx) {
	// A cross-site page must not complete a round trip on the user's
	// behalf: browsers send Origin on form posts.
	if o := rc.r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || !s.allowAnyHost && !s.allowedHost(u.Host) {
			s.writeError(rc, newErr("forbidden_host"))
			return
		}
	}
	rc.r.Body = http.MaxBytesReader(rc.w, rc.r.Body, maxIdPFormBytes)
	if err := rc.r.ParseForm(); err != nil {
		s.writeIdPMessage(rc, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	form := rc.r.PostForm
	s.mu.Lock()
	now := s.clock()
	req := s.pendingIdPRequestLocked(form.Get("request"), now)
	if req == nil {
		s.mu.Unlock()
		s.writeIdPMessage(rc, http.StatusNotFound, "Sign-in request not found",
			"This sign-in request has expired or was already used. Start again from the app.")
		return
	}
	if form.Get("action") == "cancel" {
		delete(s.idpRequests, req.ID)
		s.mu.Unlock()
		s.writeIdPMessage(rc, http.StatusOK, "Sign-in cancelled",
			"Nothing was sent to the app. You can close this tab and return to the app.")
		return
	}
	raw := strings.TrimSpace(form.Get("email"))
	if raw == "" {
		raw = form.Get("account")
	}
	name := strings.TrimSpace(form.Get("name"))
	email, e := normalizeEmail(raw)
	if e == nil && (len([]rune(name)) > maxOrgNameLen || hasControl(name)) {
		e = newErr("invalid_request")
	}
	if e != nil {
		data := s.idpPageDataLocked(req)
		s.mu.Unlock()
		data.Email, data.Name = raw, name
		data.Error = "Enter a valid email address (and a name of at most 128 characters)."
		if raw == "" {
			data.Error = "Choose an account or enter an email address."
		}
		s.writeIdPPage(rc, http.StatusBadRequest, data, req)
		return
	}
	// Single use: the request is gone whatever happens next.
	delete(s.idpRequests, req.ID)
	redirect := req.DiscoveryURL
	if req.Kind != kindDiscoveryOAuth {
		// Stytch sends existing members to the login URL, others to signup.
		redirect = req.SignupURL
		if s.st.MemberOf(req.OrgID, email) != nil {
			redirect = req.LoginURL
		}
	}
	s.sweepLocked(now)
	token := store.NewToken()
	s.st.IdPTokens[store.HashToken(token)] = &store.IdPToken{
		Kind: req.Kind, Email: email, Name: name, Provider: req.Provider, OrgID: req.OrgID,
		ConnectionID: req.ConnectionID, PKCEChallenge: req.PKCEChallenge, RedirectURL: redirect,
		CreatedAt: now, ExpiresAt: now.Add(idpTokenLifetime),
	}
	s.persistLocked()
	s.mu.Unlock()

	u, err := url.Parse(redirect)
	if err != nil { // allow-listed URLs were valid when stored
		s.writeError(rc, newErr("internal_server_error"))
		return
	}
	q := u.Query()
	q.Set("stytch_token_type", req.Kind)
	q.Set("token", token)
	u.RawQuery = q.Encode()
	h := rc.w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	http.Redirect(rc.w, rc.r, u.String(), http.StatusSeeOther)
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// idpPageDataLocked describes the round trip and suggests accounts: the
// organization's members for SSO/OAuth into one organization, every known
// member address for discovery. Caller holds s.mu.
func (s *Server) idpPageDataLocked(req *idpRequest) idpPageData {
	d := idpPageData{RequestID: req.ID, Hint: req.ProviderParams["login_hint"]}
	o := s.st.Orgs[req.OrgID]
	switch req.Kind {
	case kindSSO:
		c := o.Auth.Connection(req.ConnectionID)
		d.Title = c.DisplayName + " (" + strings.ToUpper(c.Protocol) + ")"
		d.What = "Your organization " + o.Name + " signs you in through its identity provider " + c.DisplayName + "."
		d.ReturnTo = req.LoginURL
	case kindOAuth:
		d.Title = oauthProviders[req.Provider]
		d.What = "Sign in to " + o.Name + " with your " + d.Title + " account."
		d.ReturnTo = req.LoginURL
	default:
		d.Title = oauthProviders[req.Provider]
		d.What = "Continue with your " + d.Title + " account to see the organizations you can enter."
		d.ReturnTo = req.DiscoveryURL
	}
	seen := map[string]bool{}
	var emails []string
	add := func(e string) {
		if e != "" && !seen[e] && e != sandboxEmail {
			seen[e] = true
			emails = append(emails, e)
		}
	}
	var members []*store.Member
	for _, m := range s.st.Members {
		if req.Kind == kindDiscoveryOAuth || m.OrgID == req.OrgID {
			members = append(members, m)
		}
	}
	sort.Slice(members, func(i, j int) bool { return members[i].Email < members[j].Email })
	if req.Kind == kindDiscoveryOAuth || s.st.MemberOf(req.OrgID, DemoEmail) != nil {
		add(DemoEmail)
	}
	for _, m := range members {
		if len(emails) >= 8 {
			break
		}
		add(m.Email)
	}
	for i, e := range emails {
		d.Accounts = append(d.Accounts, idpAccount{Email: e, Checked: i == 0})
	}
	return d
}

// idpCSP allows nothing but inline styles, and form submission to this
// server and to the round trip's redirect targets (the POST answers with a
// redirect there, which form-action also governs).
func idpCSP(targets ...string) string {
	src := ""
	seen := map[string]bool{}
	for _, t := range targets {
		if c := cspSource(t); c != "" && !seen[c] {
			seen[c] = true
			src += c
		}
	}
	return "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'" + src +
		"; frame-ancestors 'none'; base-uri 'none'"
}

func (s *Server) writeIdPPage(rc *reqCtx, status int, data idpPageData, req *idpRequest) {
	s.writeHTML(rc, status, idpCSP(req.DiscoveryURL, req.LoginURL, req.SignupURL), idpTemplate, data)
}

// cspSource is the form-action source for a redirect URL (" scheme://host"
// or " scheme:"), or "".
func cspSource(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Scheme == "" {
		return ""
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return " " + u.Scheme + "://" + u.Host
	}
	return " " + u.Scheme + ":"
}

func (s *Server) writeIdPMessage(rc *reqCtx, status int, heading, text string) {
	s.writeHTML(rc, status, idpCSP(), idpMessageTemplate, struct{ Heading, Text string }{heading, text})
}

func (s *Server) writeHTML(rc *reqCtx, status int, csp string, t *template.Template, data any) {
	h := rc.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	rc.w.WriteHeader(status)
	if rc.r.Method == http.MethodHead {
		return
	}
	if err := t.Execute(rc.w, data); err != nil {
		s.log.Error("localstytch: render identity-provider page", "err", err)
	}
}
