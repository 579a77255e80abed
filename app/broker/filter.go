package broker

import (
	"bytes"
	"encoding/json"
)

// filtersDiscovered marks the routes whose answer lists discovered
// organizations: with an organization allow-list the broker drops the others
// from the list, so the app never offers an organization the broker would
// refuse to enter.
var filtersDiscovered = map[string]bool{
	"magic_links.discovery.authenticate": true,
	"oauth.discovery.authenticate":       true,
	"discovery.organizations.list":       true,
}

// filterDiscovered removes discovered_organizations entries whose
// organization id and slug are both outside the allow-list (the ids learned
// from the same answer count: checkAnswer has just learned them). Everything else in
// Stytch's answer is kept as it came (fields are re-encoded, values not).
// An answer it cannot read is returned unchanged: Stytch's shape is the
// authority, and the exchange is still refused for a foreign organization.
func filterDiscovered(body []byte, judge func(string) orgVerdict) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return body
	}
	raw, ok := top["discovered_organizations"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return body
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return body
	}
	kept := make([]json.RawMessage, 0, len(list))
	for _, item := range list {
		var d struct {
			Organization struct {
				ID   string `json:"organization_id"`
				Slug string `json:"organization_slug"`
			} `json:"organization"`
		}
		if json.Unmarshal(item, &d) != nil {
			return body
		}
		if judge(d.Organization.ID) == orgAllowed || judge(d.Organization.Slug) == orgAllowed {
			kept = append(kept, item)
		}
	}
	if len(kept) == len(list) {
		return body
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return body
	}
	top["discovered_organizations"] = out
	b, err := json.Marshal(top)
	if err != nil {
		return body
	}
	return b
}
