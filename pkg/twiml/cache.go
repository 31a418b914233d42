package twiml

import (
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// DefaultCacheTTL is how long a looked-up call is reused when Options leave
// CacheTTL 0.
const DefaultCacheTTL = 2 * time.Second

// maxCachedCalls bounds the cache; past it, entries are swept (expired
// first) before a new one is kept.
const maxCachedCalls = 10_000

// callCache keeps the delivery that a token names, as the database gave
// it, for a moment: a burst of requests about one call (Twilio retrying a
// slow answer, a person pressing a key other than 1 again and again, a
// status callback on the heels of the answer) reads the database once.
// What this server writes about a call drops its entry at once; what other
// processes write (invoke, the panel, calendar-sync) shows within the TTL.
// Only lookups that found the call recorded are kept: not an unknown
// token, not a call invoke has yet to record.
type callCache struct {
	ttl time.Duration // <= 0: nothing is kept

	mu    sync.Mutex
	calls map[string]cachedCall
}

type cachedCall struct {
	claim    store.Claim
	words    string // the call template rendered for it; "" until a request renders it
	loadedAt time.Time
}

func newCallCache(ttl time.Duration) *callCache {
	return &callCache{ttl: ttl, calls: make(map[string]cachedCall)}
}

// get returns the call of token loaded less than the TTL before now.
func (c *callCache) get(token string, now time.Time) (store.Claim, bool) {
	if c.ttl <= 0 {
		return store.Claim{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.calls[token]
	if !ok || !c.fresh(e, now) {
		return store.Claim{}, false
	}
	return e.claim, true
}

func (c *callCache) put(token string, claim store.Claim, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) >= maxCachedCalls {
		for t, e := range c.calls {
			if !c.fresh(e, now) {
				delete(c.calls, t)
			}
		}
		if len(c.calls) >= maxCachedCalls {
			clear(c.calls)
		}
	}
	c.calls[token] = cachedCall{claim: claim, loadedAt: now}
}

// words returns what the call of token says, if a request rendered it
// since the call was loaded. The relative time in it ("in 10 minutes") is
// rounded to the minute: within the TTL it is the same, or a minute off
// at a boundary.
func (c *callCache) words(token string, now time.Time) (string, bool) {
	if c.ttl <= 0 {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.calls[token]
	if !ok || e.words == "" || !c.fresh(e, now) {
		return "", false
	}
	return e.words, true
}

// keepWords stores the words of token's call with its cached entry, if any.
func (c *callCache) keepWords(token, words string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.calls[token]; ok && c.fresh(e, now) {
		e.words = words
		c.calls[token] = e
	}
}

// forget drops token's call: this server has just written about it.
func (c *callCache) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.calls, token)
}

func (c *callCache) fresh(e cachedCall, now time.Time) bool {
	age := now.Sub(e.loadedAt)
	return age >= 0 && age < c.ttl
}
