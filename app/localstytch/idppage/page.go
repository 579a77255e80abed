// Package idppage renders the local identity-provider page: the stand-in
// for Google, Microsoft and a company's SAML/OIDC identity provider that the
// local API's SSO and OAuth start endpoints redirect to. It says plainly
// that it is local, loads nothing from elsewhere and runs no script: its
// Content-Security-Policy allows inline styles and form submission only to
// the page itself and the round trip's redirect targets. The server owns the
// round trip (what the page is for, what a choice leads to); this package
// owns only the HTML and its headers.
package idppage

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
)

// Account is a suggested account.
type Account struct {
	Email   string
	Checked bool
}

// Data fills the page.
type Data struct {
	Title       string // "Google", "Okta (SAML)"…
	What        string // sentence describing the round trip
	RequestID   string
	ReturnTo    string
	Accounts    []Account
	Email, Name string
	Error       string
	Hint        string
}

var pageTemplate = template.Must(template.New("idp").Parse(`<!doctype html>
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

var messageTemplate = template.Must(template.New("idp-msg").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}</title>
<style>:root { color-scheme: light dark; font-family: system-ui, sans-serif; } body { margin: 0 auto; max-width: 34rem; padding: 1.5rem; }</style>
</head>
<body><main><h1>{{.Heading}}</h1><p role="status">{{.Text}}</p></main></body>
</html>
`))

// Render writes the page for a round trip whose redirect targets are
// targets (they are allowed as form-action). A HEAD request gets the headers.
func Render(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, d Data, targets ...string) {
	writeHTML(w, r, log, status, csp(targets...), pageTemplate, d)
}

// RenderMessage writes a short page with a heading and a sentence (the end
// of a round trip, or why it cannot go on).
func RenderMessage(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, heading, text string) {
	writeHTML(w, r, log, status, csp(), messageTemplate, struct{ Heading, Text string }{heading, text})
}

// csp allows nothing but inline styles, and form submission to this
// server and to the round trip's redirect targets (the POST answers with a
// redirect there, which form-action also governs).
func csp(targets ...string) string {
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

func writeHTML(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, csp string, t *template.Template, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if err := t.Execute(w, data); err != nil {
		log.Error("localstytch: render identity-provider page", "err", err)
	}
}
