package localstytch

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"stytch-desktop/app/localstytch/idppage"
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

// handleIdPPage serves GET (the page) and POST (the choice).
func (s *Server) handleIdPPage(rc *reqCtx) {
	switch rc.r.Method {
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		req := s.pendingIdPRequestLocked(rc.r.URL.Query().Get("request"), s.clock())
		var data idppage.Data
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
func (s *Server) idpPageDataLocked(req *idpRequest) idppage.Data {
	d := idppage.Data{RequestID: req.ID, Hint: req.ProviderParams["login_hint"]}
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
		d.Accounts = append(d.Accounts, idppage.Account{Email: e, Checked: i == 0})
	}
	return d
}

func (s *Server) writeIdPPage(rc *reqCtx, status int, data idppage.Data, req *idpRequest) {
	idppage.Render(rc.w, rc.r, s.log, status, data, req.DiscoveryURL, req.LoginURL, req.SignupURL)
}

func (s *Server) writeIdPMessage(rc *reqCtx, status int, heading, text string) {
	idppage.RenderMessage(rc.w, rc.r, s.log, status, heading, text)
}
