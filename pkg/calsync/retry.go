package calsync

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry says how often, and after how long, a fetch is tried again after a
// rate limit, a server error or a network error.
type Retry struct {
	Attempts int           // tries in all, the first included; 0: 4
	Base     time.Duration // the wait before the second try, doubled for each next one; 0: 1s
	Max      time.Duration // the longest wait, also for a server's Retry-After; 0: 30s
}

func (r Retry) attempts() int {
	if r.Attempts <= 0 {
		return 4
	}
	return r.Attempts
}

// wait returns how long to wait before try n+1 (n counts from 1), with
// up to a quarter of jitter, or what the server asked for, bounded by Max.
func (r Retry) wait(n int, retryAfter time.Duration) time.Duration {
	base, limit := r.Base, r.Max
	if base <= 0 {
		base = time.Second
	}
	if limit <= 0 {
		limit = 30 * time.Second
	}
	d := base << (n - 1)
	if d <= 0 || d > limit {
		d = limit
	}
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, limit)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads a Retry-After header given in seconds; 0 when absent.
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// transientStatus reports whether an HTTP status is worth another try.
func transientStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code != http.StatusNotImplemented
}
