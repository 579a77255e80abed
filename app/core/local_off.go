//go:build nolocalapi

package core

import (
	"context"
	"errors"
)

// A company build (make build BROKER_URL=…, -tags nolocalapi) signs in
// through its broker only; the local API is left out of the binary (about
// 1.7 MB: an HTTP server, pages, a signing key) as nobody can reach it.
func (c *Core) startLocal(context.Context, Options) (string, error) {
	return "", errors.New("this build has no local API (built for a company's broker)")
}
