package broker_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"stytch-desktop/app/broker"
	"stytch-desktop/app/localstytch"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want broker.Rate
		bad  bool
	}{
		{"5/1m", broker.Rate{N: 5, Per: time.Minute}, false},
		{"5/m", broker.Rate{N: 5, Per: time.Minute}, false},
		{"10/10m", broker.Rate{N: 10, Per: 10 * time.Minute}, false},
		{"off", broker.Rate{}, false},
		{"5", broker.Rate{}, true},
		{"-1/1m", broker.Rate{}, true},
		{"5/1ms", broker.Rate{}, true},
		{"x/1m", broker.Rate{}, true},
	} {
		got, err := broker.ParseRate(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseRate(%q) = %v, %v", c.in, got, err)
		}
	}
}

// Per-email, per-domain and per-IP limits answer 429 too_many_requests
// with Retry-After, before Stytch is called.
func TestLocalLimits(t *testing.T) {
	cases := []struct {
		name   string
		limits broker.Limits
		emails []string // one send each, in order; the last must be refused
		hdr    []string
		want   string // limit label in the access log
	}{
		{"per email", broker.Limits{Email: broker.Rate{N: 2, Per: time.Hour}},
			[]string{"a@l.example", "A@L.example", "a@l.example"}, nil, "email"},
		{"per domain", broker.Limits{Domain: broker.Rate{N: 2, Per: time.Hour}},
			[]string{"a@d.example", "b@d.example", "c@d.example"}, nil, "email_domain"},
		{"per IP", broker.Limits{IP: broker.Rate{N: 2, Per: time.Hour}},
			[]string{"a@i.example", "b@i.example", "c@i.example"}, nil, "ip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *broker.Config) { cfg.Limits = c.limits })
			for i, addr := range c.emails {
				if i > 0 && c.want == "email" {
					time.Sleep(1100 * time.Millisecond) // the local API, like Stytch, allows one email a second per address
				}
				_, challenge := pkcePair()
				e.rec.reset()
				a := e.post("/v1/b2b/magic_links/email/discovery/send", map[string]any{"email_address": addr, "pkce_code_challenge": challenge})
				last := i == len(c.emails)-1
				if !last && a.status != 200 {
					t.Fatalf("send %d refused: %d %s", i, a.status, a.raw)
				}
				if last {
					retry, _ := strconv.Atoi(a.header.Get("Retry-After"))
					if a.status != 429 || a.str("error_type") != "too_many_requests" || retry < 1 {
						t.Fatalf("over the limit: %d %s Retry-After %q", a.status, a.raw, a.header.Get("Retry-After"))
					}
					if len(e.rec.all()) != 0 {
						t.Fatal("a limited send reached the upstream")
					}
				}
			}
			if !containsJSONField(e.logs.String(), "limit", c.want) {
				t.Fatalf("access log does not name limit %q:\n%s", c.want, e.logs.String())
			}
			m := get(t, e.ops+"/metrics")
			if want := `stytch_broker_rate_limited_total{route="magic_links.email.discovery.send",limit="` + c.want + `"} 1`; !contains(m, want) {
				t.Fatalf("metrics lack %s:\n%s", want, m)
			}
		})
	}
}

// OTP attempts are limited per intermediate session and per member: the
// member's attempts count across its intermediate sessions once Stytch has
// accepted each one (a wrong code is an attempt; a made-up token is not the
// member's, see TestMadeUpTokensDoNotLockOutMembers).
func TestOTPAttemptLimit(t *testing.T) {
	e := newEnv(t, func(cfg *broker.Config) { cfg.Limits = broker.Limits{OTPAttempt: broker.Rate{N: 3, Per: time.Hour}} })
	ist1, member := e.mfaIST(localstytch.DemoEmail, "fortress")
	time.Sleep(1100 * time.Millisecond) // one email a second per address
	ist2, _ := e.mfaIST(localstytch.DemoEmail, "fortress")
	attempt := func(ist string, i int) answer {
		return e.post("/v1/b2b/otps/sms/authenticate", map[string]any{
			"organization_id": "fortress", "member_id": member, "code": "00000" + strconv.Itoa(i),
			"intermediate_session_token": ist})
	}
	for i := range 3 {
		if a := attempt(ist1, i); a.status == http.StatusTooManyRequests || a.status == 200 {
			t.Fatalf("attempt %d: %d %s", i, a.status, a.raw)
		}
	}
	// A new intermediate session of the same member: the member key counts.
	if a := attempt(ist2, 3); a.status != http.StatusTooManyRequests {
		t.Fatalf("4th attempt for one member: %d %s", a.status, a.raw)
	}
	if !containsJSONField(e.logs.String(), "limit", "otp_attempt_member") {
		t.Fatalf("the refusal is not the member limit:\n%s", e.logs.String())
	}
}
