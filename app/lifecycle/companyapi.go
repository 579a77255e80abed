package lifecycle

import (
	"context"
	"time"

	"stytch-desktop/app/companyapi"
)

// companyCallTimeout bounds the signed-in screen's call to the company API,
// a JWT refresh included.
const companyCallTimeout = 20 * time.Second

// CompanyAPIMe asks the company API who the member is (GET /api/me) with
// the session's JWT. The request runs here: the screen gets the status and
// the answer's fields, never a token.
func (l *Lifecycle) CompanyAPIMe() companyapi.Me {
	c := l.backend()
	if c == nil {
		return companyapi.Me{Status: companyapi.MeSignedOut}
	}
	base := c.CompanyAPIURL()
	if base == "" {
		return companyapi.Me{Status: companyapi.MeNotConfigured}
	}
	client, err := companyapi.New(base, c.Hub, nil)
	if err != nil { // the configuration checked the URL already
		l.log.Warn("company API URL refused", "error", err.Error())
		return companyapi.Me{Status: companyapi.MeNotConfigured}
	}
	ctx, cancel := context.WithTimeout(l.ctx, companyCallTimeout)
	defer cancel()
	me := client.MeResult(ctx)
	if me.Status != companyapi.MeOK {
		l.log.Info("company API call", "status", string(me.Status), "http_status", me.HTTPStatus)
	}
	return me
}
