package dispatch

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// many registers alice for n events, each with 10 reminders per channel
// (leads of 10 to 19 minutes), and moves the clock to when all are due.
func (f *fixture) many(n int, channels ...schedule.Channel) []store.Registration {
	f.t.Helper()
	start := t0.Add(time.Hour)
	leads := make([]time.Duration, 10)
	for i := range leads {
		leads[i] = time.Duration(i+10) * time.Minute
	}
	regs := make([]store.Registration, n)
	for i := range regs {
		regs[i], _ = f.register(start, channels, leads...)
	}
	f.clock.Set(start.Add(-5 * time.Minute))
	return regs
}

// states counts the states of the deliveries of regs.
func (f *fixture) states(regs []store.Registration) map[store.DeliveryState]int {
	f.t.Helper()
	out := make(map[store.DeliveryState]int)
	for _, r := range regs {
		for _, d := range f.deliveries(r.ID) {
			out[d.State]++
		}
	}
	return out
}

func TestConcurrentDispatchersSendEachOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(50, schedule.ChannelPush, schedule.ChannelEmail, schedule.ChannelSMS, schedule.ChannelWebhook)
		shared := newRecordingChannel() // one channel object for all: it counts sends per delivery
		channels := map[schedule.Channel]Channel{schedule.ChannelPush: shared, schedule.ChannelEmail: shared,
			schedule.ChannelSMS: shared, schedule.ChannelWebhook: shared}

		var wg sync.WaitGroup
		sums := make([]Summary, 4)
		for i := range sums {
			d := f.dispatcher(fmt.Sprintf("host-%d", i), channels, func(o *Options) { o.BatchSize = 37 })
			wg.Go(func() {
				var err error
				if sums[i], err = d.RunOnce(context.Background()); err != nil {
					t.Errorf("dispatcher %d: %v", i, err)
				}
			})
		}
		wg.Wait()

		total := 0
		for i, sum := range sums {
			total += sum.Sent
			if sum.Failed+sum.Retrying+sum.Skipped+sum.Lost != 0 {
				t.Errorf("dispatcher %d: %s; want only sends", i, sum)
			}
		}
		deliveries, sends := shared.total()
		if total != 2000 || deliveries != 2000 || sends != 2000 {
			t.Fatalf("sent %d (summaries), %d deliveries in %d sends; want 2000 each: every delivery exactly once", total, deliveries, sends)
		}
		if got := f.states(regs); got[store.StateSent] != 2000 {
			t.Fatalf("got states %v; want 2000 sent", got)
		}
	})
}

// A run killed mid-way (SIGKILL: no cleanup) leaves its claims leased;
// the next run after the lease takes them over and loses nothing.
func TestKilledRunLosesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(6, schedule.ChannelPush)
		ctx := context.Background()
		if claimed, err := s.ClaimDue(ctx, "killed", time.Minute, 25); err != nil || len(claimed) != 25 {
			t.Fatalf("the doomed run claimed %d, %v; want 25", len(claimed), err)
		}
		ch := newRecordingChannel()
		d := f.dispatcher("next", map[schedule.Channel]Channel{schedule.ChannelPush: ch})
		if sum := f.run(d); sum.Sent != 35 {
			t.Fatalf("while the dead run's leases hold: %s; want the 35 unclaimed sent", sum)
		}
		f.clock.Set(f.clock.Now().Add(time.Minute + time.Second))
		if sum := f.run(d); sum.Sent != 25 {
			t.Fatalf("after the leases expired: %s; want the 25 taken over", sum)
		}
		if n, sends := ch.total(); n != 60 || sends != 60 {
			t.Errorf("got %d deliveries in %d sends; want 60 in 60", n, sends)
		}
		if got := f.states(regs); got[store.StateSent] != 60 {
			t.Errorf("got states %v; want 60 sent", got)
		}
		takenOver := 0
		for _, r := range regs {
			for _, d := range f.deliveries(r.ID) {
				log, err := s.AttemptsOfDelivery(context.Background(), d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(log) > 0 && strings.Contains(log[len(log)-1].Detail, "taking over the expired claim") {
					takenOver++
				}
			}
		}
		if takenOver != 25 {
			t.Errorf("got %d delivery logs saying the claim was taken over; want the 25", takenOver)
		}
	})
}

// A run told to stop finishes the sends under way, gives back what it had
// claimed but not started, and leaves no claim behind.
func TestCleanStopLeavesNoClaim(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(4, schedule.ChannelPush)
		ch := newRecordingChannel()
		ch.block = make(chan struct{})
		ch.entered = make(chan int64, 2)
		d := f.dispatcher("stopping", map[schedule.Channel]Channel{schedule.ChannelPush: ch}, func(o *Options) { o.Concurrency = 2 })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan Summary)
		go func() {
			sum, err := d.RunOnce(ctx)
			if err != nil {
				t.Errorf("RunOnce: %v", err)
			}
			done <- sum
		}()
		for range 2 { // both workers are now blocked in a send
			select {
			case <-ch.entered:
			case <-time.After(30 * time.Second):
				t.Fatal("no two sends began within 30 s")
			}
		}
		cancel()
		close(ch.block)
		sum := <-done
		if sum.Sent != 2 {
			t.Errorf("got %s; want the 2 sends under way finished", sum)
		}
		pending := 0
		for _, r := range regs {
			for _, dl := range f.deliveries(r.ID) {
				switch dl.State {
				case store.StateSending:
					t.Errorf("delivery #%d left claimed by %q", dl.ID, dl.LeaseOwner)
				case store.StatePending:
					pending++
					if dl.Attempts != 0 {
						t.Errorf("released delivery #%d counts %d attempts; want 0", dl.ID, dl.Attempts)
					}
				}
			}
		}
		if pending != 38 {
			t.Errorf("got %d pending; want 38", pending)
		}
	})
}
