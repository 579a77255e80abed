package exampleapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v2"
	"github.com/stytchauth/stytch-go/v16/stytch"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b"
	"github.com/stytchauth/stytch-go/v16/stytch/config"
)

// StytchClients are the stytch-go clients the API uses.
type StytchClients struct {
	Sessions *b2b.SessionsClient
	Members  *b2b.OrganizationsMembersClient
}

// NewStytch builds the stytch-go clients for a project, fetching its
// signing keys (JWKS) first: a service should fail at start, not at its
// first request, when Stytch or the keys are unreachable. The keys are then
// refreshed hourly and on an unknown key id (at most every 5 minutes) while
// ctx lives — the options b2bstytchapi.NewClient uses. It builds only the
// two clients the API needs (b2bstytchapi would build every one).
// baseURL "" means Stytch's own API for the project (test or live by id).
func NewStytch(ctx context.Context, projectID, secret, baseURL string) (*StytchClients, error) {
	if projectID == "" || secret == "" {
		return nil, fmt.Errorf("stytch client: project id and secret are required")
	}
	sc := stytch.New(projectID, secret)
	sc.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	if baseURL != "" {
		sc.Config.BaseURI = config.BaseURI(strings.TrimSuffix(baseURL, "/"))
	}
	jwks, err := keyfunc.Get(fmt.Sprintf("%s/v1/b2b/sessions/jwks/%s", sc.Config.BaseURI, projectID), keyfunc.Options{
		Client:            sc.HTTPClient,
		Ctx:               ctx,
		RefreshInterval:   time.Hour,
		RefreshRateLimit:  5 * time.Minute,
		RefreshTimeout:    10 * time.Second,
		RefreshUnknownKID: true,
	})
	if err != nil {
		return nil, fmt.Errorf("stytch client: fetch the project's signing keys: %w", err)
	}
	return &StytchClients{
		Sessions: b2b.NewSessionsClient(sc, jwks, b2b.NewPolicyCache(b2b.NewRBACClient(sc))),
		Members:  b2b.NewOrganizationsMembersClient(sc),
	}, nil
}
