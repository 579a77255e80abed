package brokertest

import "testing"

func TestCheckLog(t *testing.T) {
	ok := `{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"request","route":"sessions.authenticate","method":"POST","status":200,"latency_ms":1.2,"client_ip":"127.0.0.1","request_id":"request-id-broker-0123456789abcdef0123456789abcdef","email_hash":"0123456789abcdef0123456789abcdef"}`
	for _, c := range []struct {
		name, log string
		bad       bool
	}{
		{"a clean line", ok, false},
		{"the secret", ok + "\n" + `{"msg":"request","route":"secret-test-x"}`, true},
		{"an email", `{"msg":"request","route":"a@b.example"}`, true},
		{"a token field", `{"msg":"request","session_token":"abc"}`, true},
		{"a token in a known field", `{"msg":"request","email_hash":"mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"}`, true},
		{"not JSON", "request route=x", true},
	} {
		if got := CheckLog(c.log, "secret-test-x"); (got != "") != c.bad {
			t.Errorf("%s: CheckLog = %q", c.name, got)
		}
	}
}
