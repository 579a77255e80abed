package broker

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"stytch-desktop/app/openpage"
)

// limitKind names one rate limit; it is part of the key and the metric label.
type limitKind string

const (
	limitIP               limitKind = "ip"
	limitEmail            limitKind = "email"
	limitDomain           limitKind = "email_domain"
	limitOTPSendToken     limitKind = "otp_send_token"
	limitOTPSendMember    limitKind = "otp_send_member"
	limitOTPSendPhone     limitKind = "otp_send_phone_prefix"
	limitOTPAttemptToken  limitKind = "otp_attempt_token"
	limitOTPAttemptMember limitKind = "otp_attempt_member"
	limitCodeIP           limitKind = limitKind(openpage.LimitIP)
	limitCodeFlow         limitKind = limitKind(openpage.LimitFlow)
	limitCodeCode         limitKind = limitKind(openpage.LimitCode)
	limitCodeIssue        limitKind = "code_issue_ip"
	// limitUnavailable labels refusals because the shared store is down
	// (not a limit that was reached).
	limitUnavailable limitKind = "limiter_unavailable"
)

// limitKey is one bucket a request is counted in.
type limitKey struct {
	kind  limitKind
	value string // plain; hashed before it is used as a key
	// confirmed: the value is caller-chosen text naming someone else's
	// identity (a member id, a phone prefix). It is charged only after
	// Stytch has accepted the caller's token for that identity, so nobody
	// can use up another member's budget with made-up tokens; before the
	// call it is only checked (a full bucket still refuses).
	confirmed bool
}

func (l Limits) rate(k limitKind) Rate {
	switch k {
	case limitIP:
		return l.IP
	case limitEmail:
		return l.Email
	case limitDomain:
		return l.Domain
	case limitOTPSendToken, limitOTPSendMember, limitOTPSendPhone:
		return l.OTPSend
	case limitOTPAttemptToken, limitOTPAttemptMember:
		return l.OTPAttempt
	case limitCodeIP:
		return l.CodeIP
	case limitCodeFlow, limitCodeCode:
		return l.Code
	case limitCodeIssue:
		return l.CodeIssue
	}
	return Rate{}
}

// SharedLimiter is a rate-limit store shared by every replica (Redis). An
// error means the store could not answer; the broker then fails closed for
// sends and falls back to its local limits for everything else.
type SharedLimiter interface {
	Allow(ctx context.Context, key string, r Rate) (allowed bool, retryAfter time.Duration, err error)
	// Peek says whether Allow would admit one event, without counting it.
	Peek(ctx context.Context, key string, r Rate) (allowed bool, retryAfter time.Duration, err error)
	Ping(ctx context.Context) error
}

// memoryLimiter is GCRA (the generic cell rate algorithm) per key, in
// process memory: each key stores only its theoretical arrival time.
type memoryLimiter struct {
	now   func() time.Time
	mu    sync.Mutex
	tat   map[string]time.Time
	calls int
}

func newMemoryLimiter(now func() time.Time) *memoryLimiter {
	return &memoryLimiter{now: now, tat: map[string]time.Time{}}
}

// allow admits one event for key under r (burst r.N). When refused it
// returns how long until one event would be admitted. With commit false it
// only answers.
func (m *memoryLimiter) allow(key string, r Rate, commit bool) (bool, time.Duration) {
	now := m.now()
	interval := r.Per / time.Duration(r.N)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%4096 == 0 {
		m.sweep(now)
	}
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	allowAt := next.Add(-r.Per)
	if now.Before(allowAt) {
		return false, allowAt.Sub(now)
	}
	if commit {
		m.tat[key] = next
	}
	return true, 0
}

// sweep forgets keys whose bucket is full again, so memory stays bounded
// by the keys active within one period.
func (m *memoryLimiter) sweep(now time.Time) {
	for k, t := range m.tat {
		if t.Before(now) {
			delete(m.tat, k)
		}
	}
}

func (m *memoryLimiter) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}

// keyHasher turns limit values (emails, tokens, IPs) into keys that are the
// same on every replica (keyed by the project secret) yet reveal nothing in
// Redis or memory dumps.
type keyHasher struct{ key []byte }

func newKeyHasher(secret, purpose string) keyHasher {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("stytch-broker/" + purpose))
	return keyHasher{key: m.Sum(nil)}
}

func (h keyHasher) sum(v string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// limitResult is the outcome of checking all of a request's limits.
type limitResult struct {
	refused    *apiError
	kind       limitKind // which limit refused, for metrics
	sharedDown bool
}

// limitMode says what checkLimits does with each key.
type limitMode int

const (
	chargeUnconfirmed limitMode = iota // before the call: charge plain keys, check confirmed ones
	chargeConfirmed                    // after Stytch accepted the token: charge confirmed keys
)

// checkLimits applies each key's limit. With a shared store, its answer
// wins; when it fails (or the breaker knows it is down), sends are refused
// (fail closed: an attacker who can break Redis must not get unlimited
// emails or texts) and other routes use this replica's own limits.
func (b *Broker) checkLimits(ctx context.Context, cl class, keys []limitKey, mode ...limitMode) limitResult {
	md := chargeUnconfirmed
	if len(mode) > 0 {
		md = mode[0]
	}
	for _, k := range keys {
		r := b.cfg.Limits.rate(k.kind)
		if r.off() || (md == chargeConfirmed && !k.confirmed) {
			continue
		}
		commit := md == chargeConfirmed || !k.confirmed
		key := b.cfg.ProjectID + ":" + string(k.kind) + ":" + b.limitHash.sum(k.value)
		allowed, retry := true, time.Duration(0)
		useLocal := b.cfg.Shared == nil
		if !useLocal {
			var err error
			if b.breaker.open() {
				err = errBreakerOpen
			} else if commit {
				allowed, retry, err = b.cfg.Shared.Allow(ctx, key, r)
			} else {
				allowed, retry, err = b.cfg.Shared.Peek(ctx, key, r)
			}
			if err != nil {
				if !errors.Is(err, errBreakerOpen) {
					b.metrics.sharedErrors.inc()
				}
				b.breaker.failed(err)
				if (cl == classEmailSend || cl == classOTPSend) && md == chargeUnconfirmed {
					return limitResult{refused: errLimiterUnavailable(), kind: limitUnavailable, sharedDown: true}
				}
				useLocal = true
			} else {
				b.breaker.succeeded()
			}
		}
		if useLocal {
			allowed, retry = b.local.allow(key, r, commit)
		}
		if !allowed && md == chargeUnconfirmed {
			secs := int((retry + time.Second - 1) / time.Second)
			if secs < 1 {
				secs = 1
			}
			return limitResult{refused: errTooManyRequests(secs), kind: k.kind}
		}
	}
	return limitResult{}
}
