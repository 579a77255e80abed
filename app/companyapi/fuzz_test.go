package companyapi

import (
	"net/url"
	"strings"
	"testing"
)

// Whatever path the page sends, the request stays under the API's base
// URL: same origin, under its path, no dot segments.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/api/me", "/api/items?page=2", "//evil.example/x", "/a/../b", "/%2e%2e/x", "/a%2fb", "https://x/y", "/a?b=%zz", "/\x00", "/a/./b", "/a//b"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://api.example.com/base")
	c := &Client{base: base}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := c.resolve(p)
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q resolved to an unparsable %q", p, got)
		}
		if u.Scheme != "https" || u.Host != "api.example.com" || u.User != nil || !strings.HasPrefix(u.Path, "/base/") {
			t.Fatalf("%q escaped the API: %q", p, got)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("%q kept a dot segment: %q", p, got)
			}
		}
	})
}
