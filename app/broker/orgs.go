package broker

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// The organization allow-list (--allow-organization) names organizations
// by id or slug; callers name them either way too. The broker learns each
// organization's id and slug from Stytch's answers (discovery lists, the
// organization object of every sign-in answer), so a list of slugs matches
// a request that names the id. A request naming a Stytch organization id the
// broker has not seen yet is forwarded, and the organization in Stytch's
// answer decides. Every answer that carries a session is checked the same
// way whatever the request named, so SSO, OAuth, magic-link and creation
// answers cannot hand out a session of an organization outside the list.

// orgNames is what this replica has learned: organization id → slug.
type orgNames struct {
	mu   sync.Mutex
	slug map[string]string
}

// maxLearnedOrgs bounds the map; only Stytch's answers fill it, so it holds
// the project's organizations, and a full map only means more forwarding.
const maxLearnedOrgs = 50_000

func (o *orgNames) learn(id, slug string) {
	if id == "" || slug == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.slug == nil {
		o.slug = map[string]string{}
	}
	if _, ok := o.slug[id]; ok || len(o.slug) < maxLearnedOrgs {
		o.slug[id] = slug
	}
}

func (o *orgNames) slugOf(id string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.slug[id]
	return s, ok
}

// orgVerdict is the allow-list's answer for a name a request carries.
type orgVerdict int

const (
	orgAllowed orgVerdict = iota
	orgRefused
	orgAskStytch // an id not learned yet: Stytch's answer decides
)

func (b *Broker) judgeOrganization(name string) orgVerdict {
	list := b.cfg.AllowedOrganizations
	if len(list) == 0 || slices.Contains(list, name) {
		return orgAllowed
	}
	if slug, ok := b.orgs.slugOf(name); ok {
		if slices.Contains(list, slug) {
			return orgAllowed
		}
		return orgRefused
	}
	if strings.HasPrefix(name, "organization-") {
		return orgAskStytch
	}
	return orgRefused
}

// answerOrg is the organization and session of a Stytch answer.
type answerOrg struct {
	SessionToken   string `json:"session_token"`
	SessionJWT     string `json:"session_jwt"`
	OrganizationID string `json:"organization_id"`
	Organization   *struct {
		ID   string `json:"organization_id"`
		Slug string `json:"organization_slug"`
	} `json:"organization"`
	MemberSession *struct {
		OrganizationID string `json:"organization_id"`
	} `json:"member_session"`
	Discovered []struct {
		Organization struct {
			ID   string `json:"organization_id"`
			Slug string `json:"organization_slug"`
		} `json:"organization"`
	} `json:"discovered_organizations"`
}

// checkAnswer learns the organizations an answer names and, with an
// allow-list, refuses an answer that hands out a session of an organization
// outside it (or, when askStytch, any answer whose organization is outside
// it). A refused session is revoked at Stytch first, so it is spent, not
// merely withheld.
func (b *Broker) checkAnswer(ctx context.Context, body []byte, askStytch bool) *apiError {
	var a answerOrg
	if json.Unmarshal(body, &a) != nil {
		if len(b.cfg.AllowedOrganizations) == 0 {
			return nil
		}
		return errInternal() // a 200 the broker cannot read may carry a session it cannot judge
	}
	for _, d := range a.Discovered {
		b.orgs.learn(d.Organization.ID, d.Organization.Slug)
	}
	id, slug := a.OrganizationID, ""
	if a.Organization != nil {
		b.orgs.learn(a.Organization.ID, a.Organization.Slug)
		id, slug = a.Organization.ID, a.Organization.Slug
	}
	if id == "" && a.MemberSession != nil {
		id = a.MemberSession.OrganizationID
	}
	hasSession := a.SessionToken != "" || a.SessionJWT != ""
	if len(b.cfg.AllowedOrganizations) == 0 || (!hasSession && !askStytch) {
		return nil
	}
	if id != "" && (b.judgeOrganization(id) == orgAllowed || (slug != "" && slices.Contains(b.cfg.AllowedOrganizations, slug))) {
		return nil
	}
	if hasSession {
		b.revoke(ctx, a.SessionToken, a.SessionJWT)
	}
	return errOrganizationNotAllowed()
}

// revoke ends a session the broker refused to hand out. Its failure is
// logged (without the token); the caller never sees the session either way.
func (b *Broker) revoke(ctx context.Context, token, jwt string) {
	body := map[string]string{"session_token": token}
	if token == "" {
		body = map[string]string{"session_jwt": jwt}
	}
	out, _ := json.Marshal(body)
	ans, fe := b.forward(context.WithoutCancel(ctx), http.MethodPost, "/v1/b2b/sessions/revoke", out, true, "")
	if fe != nil || ans.status != http.StatusOK {
		b.cfg.Logger.Error("could not revoke the session of an organization outside the allow-list", "route", "sessions.revoke")
	}
}
