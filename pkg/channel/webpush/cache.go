package webpush

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// sub is one browser subscription as the channel knows it. The fields
// after host change as pushes succeed and fail; subCache.mu guards them.
type sub struct {
	store.PushSubscription
	host     string                 // of the endpoint: the push service
	wp       webpushgo.Subscription // what webpush-go sends to, made once
	unusable error                  // why no push can reach it (not https, keys not base64url); nil: none

	lastSuccess time.Time
	failures    int
	expired     bool
}

// subCache holds each person's live subscriptions for a short time, so that
// a burst of deliveries to one person reads the database once. Concurrent
// misses for one person wait for a single load.
type subCache struct {
	src Subscriptions
	ttl time.Duration // < 0: every get loads

	mu        sync.Mutex
	users     map[int64]*userSubs
	lastSweep time.Time
}

type userSubs struct {
	ready    chan struct{} // closed when the load is done
	loadedAt time.Time
	subs     []*sub
	err      error
}

func newSubCache(src Subscriptions, ttl time.Duration) *subCache {
	return &subCache{src: src, ttl: ttl, users: make(map[int64]*userSubs)}
}

// get returns the live subscriptions of a user at now: those the store
// listed, minus the ones expired since. reload reads the store even when
// the cached list is fresh.
func (c *subCache) get(ctx context.Context, userID int64, now time.Time, reload bool) ([]*sub, error) {
	c.mu.Lock()
	e := c.users[userID]
	if e != nil && !reload && c.fresh(e, now) {
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		e = &userSubs{ready: make(chan struct{})}
		if c.ttl >= 0 {
			c.sweep(now)
			c.users[userID] = e
		}
		c.mu.Unlock()
		c.load(ctx, userID, now, e)
	}
	if e.err != nil {
		return nil, e.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	live := make([]*sub, 0, len(e.subs))
	for _, s := range e.subs {
		if !s.expired {
			live = append(live, s)
		}
	}
	return live, nil
}

// fresh reports whether e is loading or was loaded less than ttl ago.
// c.mu is held.
func (c *subCache) fresh(e *userSubs, now time.Time) bool {
	select {
	case <-e.ready:
		age := now.Sub(e.loadedAt)
		return e.err == nil && age >= 0 && age < c.ttl
	default:
		return true
	}
}

// prefetch loads, in one query, the subscriptions of those of users that
// have no fresh entry, so that their sends find them cached. Nothing is
// cached when the query fails: each send then loads its own.
func (c *subCache) prefetch(ctx context.Context, users []int64, now time.Time) error {
	if c.ttl < 0 {
		return nil
	}
	c.mu.Lock()
	var missing []int64
	for _, id := range users {
		if e := c.users[id]; (e == nil || !c.fresh(e, now)) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	lists, err := c.src.LivePushSubscriptionsOf(ctx, missing)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep(now)
	for _, id := range missing {
		if e := c.users[id]; e != nil && c.fresh(e, now) {
			continue // a send loaded it meanwhile
		}
		e := &userSubs{ready: make(chan struct{}), loadedAt: now}
		for _, p := range lists[id] {
			e.subs = append(e.subs, newSub(p))
		}
		close(e.ready)
		c.users[id] = e
	}
	return nil
}

func (c *subCache) load(ctx context.Context, userID int64, now time.Time, e *userSubs) {
	lists, err := c.src.LivePushSubscriptionsOf(ctx, []int64{userID})
	subs := make([]*sub, 0, len(lists[userID]))
	for _, p := range lists[userID] {
		subs = append(subs, newSub(p))
	}
	c.mu.Lock()
	e.subs, e.err, e.loadedAt = subs, err, now
	if err != nil && c.users[userID] == e {
		delete(c.users, userID)
	}
	c.mu.Unlock()
	close(e.ready)
}

// newSub reads once what each push to p needs: its push service and
// webpush-go's Subscription, and checks what webpush-go would not (an https
// endpoint, an auth secret; it checks that p256dh is a point itself).
func newSub(p store.PushSubscription) *sub {
	s := &sub{PushSubscription: p, lastSuccess: p.LastSuccessAt, failures: p.ConsecutiveFailures,
		wp: webpushgo.Subscription{Endpoint: p.Endpoint, Keys: webpushgo.Keys{P256dh: p.P256dh, Auth: p.Auth}}}
	u, err := url.Parse(p.Endpoint)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		s.unusable = errors.New("the endpoint is not an https:// URL")
	case !isKey(p.P256dh, 65):
		s.unusable = errors.New("the subscription's p256dh is not an uncompressed P-256 public key")
	case !isKey(p.Auth, 16):
		s.unusable = errors.New("the subscription's auth secret is not 16 bytes of base64url")
	}
	if err == nil {
		s.host = u.Host
	}
	return s
}

// isKey reports whether s is n bytes in base64url or standard base64.
func isKey(s string, n int) bool {
	b, err := decodeKey(s)
	return err == nil && len(b) == n
}

// sweep forgets the entries older than ttl, at most once per ttl. c.mu is held.
func (c *subCache) sweep(now time.Time) {
	if now.Sub(c.lastSweep) < c.ttl {
		return
	}
	c.lastSweep = now
	for id, e := range c.users {
		if !c.fresh(e, now) {
			delete(c.users, id)
		}
	}
}

// succeeded records a push s accepted at now and reports whether the
// store should hear of it: after failures, or when its last success there
// is older than touchEvery. Of pushes that race, one gets true. A write per
// push would cost the dispatcher a database round trip per delivery for
// nothing.
func (c *subCache) succeeded(s *sub, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.failures == 0 && now.Sub(s.lastSuccess) < touchEvery {
		return false
	}
	s.failures, s.lastSuccess = 0, now
	return true
}

// touchEvery is how stale a subscription's last success may get in the store.
const touchEvery = time.Hour

func (c *subCache) failed(s *sub, failures int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.failures = failures
}

func (c *subCache) expire(s *sub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.expired = true
}
