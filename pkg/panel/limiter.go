package panel

import (
	"sync"
	"time"
)

// maxLimiterKeys bounds the memory of a failureLimiter: past it, entries
// older than the window are swept, then those not blocked, then all: an
// attacker cycling through logins cannot grow the map without end (and
// meets the per-address limit first).
const maxLimiterKeys = 100_000

// failureLimiter counts failures per key (a login, an address) in a
// sliding window; a key with limit failures in the window is blocked
// until the oldest of them leaves it. It lives in memory: each
// serve-panel process has its own.
type failureLimiter struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	hits map[string][]time.Time // failures in the window, oldest first
}

func newFailureLimiter(limit int, window time.Duration) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, hits: make(map[string][]time.Time)}
}

// blocked reports whether key is blocked at now, and until when.
func (l *failureLimiter) blocked(key string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hits := l.recent(key, now)
	if len(hits) < l.limit {
		return false, time.Time{}
	}
	return true, hits[len(hits)-l.limit].Add(l.window)
}

// fail records a failure of key at now.
func (l *failureLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) >= maxLimiterKeys {
		l.sweepLocked(now)
		if len(l.hits) >= maxLimiterKeys {
			l.dropOldestLocked()
		}
	}
	hits := l.recent(key, now)
	if len(hits) >= 2*l.limit { // enough to stay blocked; keep memory bounded
		hits = hits[1:]
	}
	l.hits[key] = append(hits, now)
}

// reset forgets key's failures (a successful sign-in).
func (l *failureLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// recent drops key's failures older than the window and returns the rest.
func (l *failureLimiter) recent(key string, now time.Time) []time.Time {
	hits := l.hits[key]
	i := 0
	for i < len(hits) && !hits[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(hits) {
		delete(l.hits, key)
		return nil
	}
	hits = hits[i:]
	l.hits[key] = hits
	return hits
}

// sweep forgets every failure that has left the window.
func (l *failureLimiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
}

func (l *failureLimiter) sweepLocked(now time.Time) {
	for key := range l.hits {
		l.recent(key, now)
	}
}

func (l *failureLimiter) dropOldestLocked() {
	for key, hits := range l.hits {
		if len(hits) < l.limit { // not blocked: the least to lose
			delete(l.hits, key)
		}
	}
	if len(l.hits) >= maxLimiterKeys {
		clear(l.hits)
	}
}
