package localstytch

import (
	"crypto/rand"
	"net"
	"net/http"

	"stytch-desktop/app/deeplink"
	"stytch-desktop/app/openpage"
)

// The /open page and its code redeem endpoint (app/openpage), the same code
// the broker serves, so local mode can register <base>/open as the redirect
// URL and the demo shows the page: the app opens from the browser, or the
// code shown there is typed into the app. Codes live in memory only (they
// last five minutes), under a key made fresh at every start.
func (s *Server) newOpenPage(appURL string) error {
	if appURL == "" {
		appURL = deeplink.DefaultParser.RedirectURL()
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	h, err := openpage.New(openpage.Config{
		AppURL: appURL,
		Store:  openpage.NewMemoryStore(s.now),
		Limit:  openpage.NewMemoryLimiter(s.now, nil),
		Key:    key,
		Now:    s.now,
	})
	if err != nil {
		return err
	}
	s.open = h
	return nil
}

// OpenURL is this server's /open page once Start ran ("" before).
func (s *Server) OpenURL() string {
	if b := s.BaseURL(); b != "" {
		return b + openpage.PagePath
	}
	return ""
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
