package openpage

import (
	"html/template"
	"net/http"
)

type pageData struct {
	Nonce      string
	Invalid    bool
	Phone      bool
	AppLink    string // the app's link (carries the token): only in the Open button's href
	CodeLink   string // what Copy link copies: carries the code, not the token
	Code       string // grouped; "" when no code could be stored
	Busy       bool   // no code: this client reached its issuance limit (else: the store failed)
	Spelled    string
	TTLSeconds int
	TTLMinutes int
}

func renderPage(w http.ResponseWriter, r *http.Request, d pageData) {
	if r.Method == http.MethodHead {
		return
	}
	_ = pageTemplate.Execute(w, d)
}

// The page is one document: inline style and script allowed by nonce only,
// no external resources. Without JavaScript everything is shown and works
// (the Open button is a plain link, the code is in the HTML); the script
// adds the automatic open, the countdown and Copy link.
var pageTemplate = template.Must(template.New("open").Funcs(template.FuncMap{
	"safeURL": func(s string) template.URL { return template.URL(s) }, // built from parsed, validated values only
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{{if .Invalid}}Sign-in link not valid{{else if .Phone}}Your sign-in code{{else}}Opening stytch-desktop…{{end}} · stytch-desktop</title>
<style nonce="{{.Nonce}}">
:root { color-scheme: light dark; --bg: #f7f7f9; --card: #fff; --text: #1b1b1f; --muted: #55555f; --border: #d4d4dc;
  --accent: #3b4bd8; --accent-text: #fff; --code-bg: #eef0ff; --focus: #1f3bff; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15151a; --card: #1f1f26; --text: #f1f1f5; --muted: #b4b4c0; --border: #3a3a46;
    --accent: #8d99ff; --accent-text: #0d0d12; --code-bg: #272b4a; --focus: #aab3ff; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 34rem; margin: 0 auto; padding: 2rem 1.25rem; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 1.5rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 .75rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
p { margin: .5rem 0; }
.muted { color: var(--muted); }
.row { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
.button { display: inline-block; min-height: 44px; padding: .6rem 1.1rem; border-radius: 8px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-text); font: inherit; font-weight: 600; text-decoration: none; cursor: pointer; }
.button.ghost { background: transparent; color: var(--text); border-color: var(--border); }
.button:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.code { font: 700 2.25rem/1.2 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; letter-spacing: .12em;
  background: var(--code-bg); border-radius: 10px; padding: .75rem 1rem; margin: .75rem 0; text-align: center; word-break: keep-all; white-space: nowrap; }
details { margin-top: 1.25rem; border-top: 1px solid var(--border); padding-top: 1rem; }
summary { cursor: pointer; font-weight: 600; padding: .6rem 0; } /* list-item: keeps the disclosure triangle */
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
@media (max-width: 380px) { .code { font-size: 1.8rem; } main { padding: 1rem .75rem; } .card { padding: 1rem; } }
</style>
</head>
<body data-desktop="{{if .Phone}}0{{else}}1{{end}}" data-ttl="{{.TTLSeconds}}">
<main>
<div class="card">
{{- if .Invalid}}
<h1>This sign-in link isn't valid</h1>
<p>It may have been cut short or changed. Go back to stytch-desktop on your computer and send yourself a new link.</p>
{{- else}}
{{- if not .Phone}}
<h1 id="status" tabindex="-1">Opening stytch-desktop…</h1>
<p>If your browser asks, allow it to open stytch-desktop. You can close this tab once the app shows your sign-in.</p>
<div class="row">
<a class="button" id="open" href="{{safeURL .AppLink}}">Try again</a>
{{- if .CodeLink}}
<button class="button ghost" type="button" id="copy" data-link="{{.CodeLink}}" hidden>Copy link</button>
{{- end}}
</div>
<p id="copied" class="muted" role="status"></p>
{{- end}}
{{- if .Code}}
{{- if .Phone}}
<h1 tabindex="-1">Your sign-in code</h1>
{{- else}}
<details id="code-section" open>
<summary>Didn't open, or on another device? Use a sign-in code</summary>
{{- end}}
<p class="code" id="code"><span aria-hidden="true">{{.Code}}</span><span class="sr-only">{{.Spelled}}</span></p>
<p><strong>Type this code into stytch-desktop on your computer</strong>, under <em>Got a code instead?</em> on the <em>Check your email</em> screen.</p>
<p class="muted" role="timer" id="expiry">It works once, for {{.TTLMinutes}} minutes<span id="left"></span>.</p>
{{- if not .Phone}}
</details>
{{- end}}
{{- else}}
<p role="status" id="code-unavailable">{{if .Busy}}No more sign-in codes can be made from this network for a few minutes.{{else}}Sign-in codes are unavailable right now.{{end}}{{if .Phone}} Open this email on your computer instead, or try the link again later.{{else}} Use the button above, or try the link again later.{{end}}</p>
{{- end}}
{{- if .Phone}}
<p class="muted">Reading this on the computer with stytch-desktop? <a href="{{safeURL .AppLink}}" id="open">Open stytch-desktop</a>.</p>
{{- end}}
{{- end}}
</div>
</main>
{{- if not .Invalid}}
<script nonce="{{.Nonce}}">
(function () {
  "use strict";
  var body = document.body, open = document.getElementById("open");
  var section = document.getElementById("code-section");
  var deadline = Date.now() + Number(body.getAttribute("data-ttl")) * 1000;
  var left = document.getElementById("left"), expiry = document.getElementById("expiry");
  if (left) {
    var tick = function () {
      var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (s === 0) {
        expiry.textContent = "This code has expired. Click the link in the email again for a new one.";
        clearInterval(timer);
        return;
      }
      left.textContent = " (" + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") + " left)";
    };
    var timer = setInterval(tick, 1000);
    tick();
  }
  var copy = document.getElementById("copy"), copied = document.getElementById("copied");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-link")).then(function () {
        copied.textContent = "Copied. In stytch-desktop, paste it under \u201cLink not opening? Paste it here\u201d.";
      }, function () {
        copied.textContent = "Couldn't copy: type the code below into stytch-desktop instead.";
      });
    });
  }
  if (body.getAttribute("data-desktop") !== "1" || !open) return;
  // Desktop: open the app at once. If this page keeps the focus for a few
  // seconds, the app probably did not open: show the code.
  var away = false;
  window.addEventListener("blur", function () { away = true; });
  document.addEventListener("visibilitychange", function () { if (document.hidden) away = true; });
  if (section) section.open = false;
  setTimeout(function () {
    if (away) return;
    document.getElementById("status").textContent = "Didn't open? Use the code below or try again.";
    if (section) section.open = true;
  }, 3000);
  window.location.href = open.href;
})();
</script>
{{- end}}
</body>
</html>
`))
