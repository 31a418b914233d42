package dispatch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// prefetchingChannel is a recordingChannel that also notes what it was
// asked to prefetch, and whether each send came after its batch's prefetch.
type prefetchingChannel struct {
	*recordingChannel
	mu       sync.Mutex
	batches  [][]int64
	fetched  map[int64]bool
	unready  int // sends to a person not prefetched
	failWith error
}

func (c *prefetchingChannel) Prefetch(_ context.Context, users []int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, users)
	if c.failWith != nil {
		return c.failWith
	}
	for _, u := range users {
		c.fetched[u] = true
	}
	return nil
}

func (c *prefetchingChannel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	c.mu.Lock()
	if !c.fetched[m.To.UserID] {
		c.unready++
	}
	c.mu.Unlock()
	return c.recordingChannel.Send(ctx, m)
}

func TestChannelsPrefetchEachBatch(t *testing.T) {
	tests := []struct {
		name        string
		failWith    error
		wantUnready int
	}{
		{"prefetched before the sends", nil, 0},
		{"a failed prefetch sends all the same", errors.New("database is locked"), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s)
				start := t0.Add(time.Hour)
				f.register(start, []schedule.Channel{schedule.ChannelPush, schedule.ChannelEmail},
					10*time.Minute, 20*time.Minute, 30*time.Minute, 40*time.Minute, 50*time.Minute, 55*time.Minute, 59*time.Minute)
				pushes := &prefetchingChannel{recordingChannel: newRecordingChannel(), fetched: map[int64]bool{}, failWith: tt.failWith}
				mails := newRecordingChannel()
				d := f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: pushes, schedule.ChannelEmail: mails},
					func(o *Options) { o.BatchSize = 4 })
				f.clock.Set(start.Add(-5 * time.Minute))
				if sum := f.run(d); sum.Sent != 14 {
					t.Fatalf("%s: %s; want 14 sent", tt.name, sum)
				}
				pushes.mu.Lock()
				defer pushes.mu.Unlock()
				var asked int
				for _, b := range pushes.batches {
					for _, u := range b {
						if u != f.user.ID {
							t.Errorf("%s: prefetch asked for user %d; want only %d", tt.name, u, f.user.ID)
						}
					}
					asked += len(b)
				}
				if asked != 7 || len(pushes.batches) < 2 || pushes.unready != tt.wantUnready {
					t.Errorf("%s: got %d prefetches for %d push deliveries and %d sends before a prefetch; want 7 in batches of at most 4, %d",
						tt.name, len(pushes.batches), asked, pushes.unready, tt.wantUnready)
				}
			})
		})
	}
}
