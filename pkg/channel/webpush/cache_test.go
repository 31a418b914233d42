package webpush

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

func TestSubscriptionsAreCachedBriefly(t *testing.T) {
	tests := []struct {
		name      string
		cacheTTL  time.Duration
		gaps      []time.Duration // clock advance before each send after the first
		wantLists int
	}{
		{"a burst within the TTL", 0, []time.Duration{time.Second, time.Second, time.Second}, 1},
		{"after the TTL", 0, []time.Duration{time.Second, DefaultCacheTTL}, 2},
		{"a longer TTL", time.Minute, []time.Duration{30 * time.Second, 29 * time.Second}, 1},
		{"no cache", -1, []time.Duration{0, 0}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.CacheTTL = tt.cacheTTL })
			e.subscribe(1)
			for i := range len(tt.gaps) + 1 {
				if i > 0 {
					e.clock.Advance(tt.gaps[i-1])
				}
				if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
					t.Fatalf("send %d: %v", i+1, err)
				}
			}
			if lists, _, _, _ := e.store.calls(); lists != tt.wantLists {
				t.Errorf("got %d store reads; want %d", lists, tt.wantLists)
			}
			if got := len(e.push.Pushes()); got != len(tt.gaps)+1 {
				t.Errorf("got %d pushes; want %d", got, len(tt.gaps)+1)
			}
		})
	}
}

func TestTestMessageReachesANewBrowser(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(1)
	if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
		t.Fatal(err)
	}
	fresh, _ := e.subscribe(1) // then, within the cache's TTL, the person subscribes this browser and asks for a test
	e.clock.Advance(time.Second)
	m := reminder()
	m.Kind = message.KindTest
	if _, err := e.ch.Send(context.Background(), m); err != nil || len(e.push.PushesTo(fresh)) != 1 {
		t.Errorf("got %v and %d pushes to the new browser; want the test to reach it", err, len(e.push.PushesTo(fresh)))
	}
}

func TestBurstToOnePersonReadsTheStoreOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(1)
	e.subscribe(1)
	const burst = 20
	e.store.gate, e.store.entered = make(chan struct{}), make(chan struct{}, burst)
	errs := make(chan error, burst)
	var wg sync.WaitGroup
	wg.Go(func() { _, err := e.ch.Send(context.Background(), reminder()); errs <- err })
	<-e.store.entered // the first send is reading the store; the others find it loading
	for range burst - 1 {
		wg.Go(func() { _, err := e.ch.Send(context.Background(), reminder()); errs <- err })
	}
	close(e.store.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	if lists, _, _, _ := e.store.calls(); lists != 1 {
		t.Errorf("got %d store reads for a burst of %d; want 1", lists, burst)
	}
	if got := len(e.push.Pushes()); got != 2*burst {
		t.Errorf("got %d pushes; want %d", got, 2*burst)
	}
}

func TestStoreErrorIsRetriedAndNotCached(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(1)
	e.store.listErr = errors.New("database is locked")
	_, err := e.ch.Send(context.Background(), reminder())
	if got, _ := message.Classify(err); got != message.OutcomeRetry || errors.Is(err, message.ErrNoTarget) {
		t.Errorf("got %v (%v); want a retry, not a fallback to another channel", got, err)
	}
	e.store.mu.Lock()
	e.store.listErr = nil
	e.store.mu.Unlock()
	if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
		t.Errorf("after the store recovered: %v; want it sent", err)
	}
}

func TestCacheForgetsOldEntries(t *testing.T) {
	e := newEnv(t, nil)
	for user := range int64(50) {
		e.subscribe(user + 1)
		m := reminder()
		m.To.UserID = user + 1
		if _, err := e.ch.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * DefaultCacheTTL)
	e.ch.Send(context.Background(), reminder())
	e.ch.cache.mu.Lock()
	n := len(e.ch.cache.users)
	e.ch.cache.mu.Unlock()
	if n != 1 {
		t.Errorf("got %d cached people after the TTL passed; want 1, the one just sent to", n)
	}
}

func TestPrefetch(t *testing.T) {
	send := func(e *env, user int64) error {
		m := reminder()
		m.To.UserID = user
		_, err := e.ch.Send(context.Background(), m)
		return err
	}
	tests := []struct {
		name      string
		before    []int64 // sent to before the prefetch
		prefetch  []int64
		failBatch bool
		advance   time.Duration // between the prefetch and the sends
		wantReads string        // the users of each read of the store, in order
	}{
		{"a batch, one query", nil, []int64{1, 2, 2, 3}, false, 0, "[[1 2 3]]"},
		{"people already cached are not asked for", []int64{1}, []int64{1, 2, 3}, false, 0, "[[1] [2 3]]"},
		{"everyone cached: no query", []int64{1, 2, 3}, []int64{1, 3}, false, 0, "[[1] [2] [3]]"},
		{"a failed query caches nothing", nil, []int64{1, 2, 3}, true, 0, "[[1 2 3] [1] [2] [3]]"},
		{"stale after the TTL", nil, []int64{1, 2, 3}, false, DefaultCacheTTL, "[[1 2 3] [1] [2] [3]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.subscribe(1)
			e.subscribe(2)
			e.subscribe(2)
			e.subscribe(3)
			for _, u := range tt.before {
				if err := send(e, u); err != nil {
					t.Fatalf("send to %d before: %v", u, err)
				}
			}
			if tt.failBatch {
				e.store.listErr = errors.New("database is locked")
			}
			err := e.ch.Prefetch(context.Background(), tt.prefetch)
			if gotErr := err != nil; gotErr != tt.failBatch {
				t.Fatalf("Prefetch: %v; want an error: %v", err, tt.failBatch)
			}
			e.store.mu.Lock()
			e.store.listErr = nil
			e.store.mu.Unlock()
			e.clock.Advance(tt.advance)
			for _, u := range []int64{1, 2, 3} {
				if err := send(e, u); err != nil {
					t.Errorf("send to %d: %v", u, err)
				}
			}
			e.store.mu.Lock()
			reads := fmt.Sprint(e.store.reads)
			e.store.mu.Unlock()
			if reads != tt.wantReads {
				t.Errorf("got store reads %s; want %s", reads, tt.wantReads)
			}
			if got, want := len(e.push.Pushes()), len(tt.before)+4+count(tt.before, 2); got != want {
				t.Errorf("got %d pushes; want %d", got, want)
			}
		})
	}
}

func count(users []int64, user int64) int {
	n := 0
	for _, u := range users {
		if u == user {
			n++
		}
	}
	return n
}
