package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// RedisLimiter shares rate limits between replicas through Redis, with
// redis_rate's GCRA Lua script (one round trip, atomic per key).
type RedisLimiter struct {
	rdb *redis.Client
	lim *redis_rate.Limiter
}

var _ SharedLimiter = (*RedisLimiter)(nil)

// NewRedisLimiter connects lazily to the Redis at url
// (redis://[:password@]host:port/db or rediss:// for TLS). Timeouts are
// short (a second: a busy but working Redis must not read as down) and there
// are no retries: a down Redis is handled by the broker's fallback.
func NewRedisLimiter(url string) (*RedisLimiter, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w (want redis://host:port/db or rediss://…)", err)
	}
	opt.DialTimeout = time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	opt.MaxRetries = -1 // go-redis: -1 disables retries
	opt.PoolTimeout = time.Second
	rdb := redis.NewClient(opt)
	return &RedisLimiter{rdb: rdb, lim: redis_rate.NewLimiter(rdb)}, nil
}

// Allow admits one event for key under r.
func (l *RedisLimiter) Allow(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
	res, err := l.lim.Allow(ctx, "stytch-broker:"+key, redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per})
	if err != nil {
		return false, 0, fmt.Errorf("redis rate limit: %w", err)
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// Peek says whether Allow would admit one event now, without counting it:
// redis_rate's GCRA with cost 0 reports how many events remain.
func (l *RedisLimiter) Peek(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
	res, err := l.lim.AllowN(ctx, "stytch-broker:"+key, redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per}, 0)
	if err != nil {
		return false, 0, fmt.Errorf("redis rate limit: %w", err)
	}
	if res.Remaining >= 1 {
		return true, 0, nil
	}
	retry := res.ResetAfter - r.Per + r.Per/time.Duration(r.N)
	return false, max(retry, time.Second), nil
}

// Ping checks Redis for /readyz.
func (l *RedisLimiter) Ping(ctx context.Context) error {
	if err := l.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close releases the connection pool.
func (l *RedisLimiter) Close() error { return l.rdb.Close() }

// Put stores a sign-in code's sealed record for ttl unless the key exists
// (SET NX PX), so every replica can redeem a code another one issued.
func (l *RedisLimiter) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, "stytch-broker:"+key, value, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis code store: %w", err)
	}
	return ok, nil
}

// Take reads and deletes a code's record in one step (GETDEL): a code is
// redeemed once even when two replicas race.
func (l *RedisLimiter) Take(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := l.rdb.GetDel(ctx, "stytch-broker:"+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redis code store: %w", err)
	}
	return v, true, nil
}
