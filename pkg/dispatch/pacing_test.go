package dispatch

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestPlanBurst(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	calls := func(dues ...int) []store.PendingCall {
		var out []store.PendingCall
		for i, d := range dues {
			out = append(out, store.PendingCall{ID: int64(i + 1), NextAttemptAt: at(d), OccurrenceAt: at(d + 120)})
		}
		return out
	}
	tests := []struct {
		name      string
		calls     []store.PendingCall
		cps       float64
		now       time.Time
		wantMoves map[int64]time.Time
		wantLate  int
	}{
		{"spread out already", calls(0, 10, 20), 1, at(-600), map[int64]time.Time{}, 0},
		{"three at once at 1 per second", calls(0, 0, 0), 1, at(-600), map[int64]time.Time{1: at(-2), 2: at(-1)}, 0},
		{"two per second", calls(0, 0, 0, 0), 2, at(-600), map[int64]time.Time{1: at(0).Add(-1500 * time.Millisecond), 2: at(-1), 3: at(0).Add(-500 * time.Millisecond)}, 0},
		// Starts at -1, 99, 199: the last one after its event at 120.
		{"a burst too big for the time left", calls(0, 0, 0), 0.01, at(-1), map[int64]time.Time{1: at(-200), 2: at(-100)}, 1},
	}
	for _, tt := range tests {
		moves, late := planBurst(tt.calls, time.Duration(float64(time.Second)/tt.cps), tt.now)
		if len(moves) != len(tt.wantMoves) {
			t.Errorf("%s: got moves %v; want %v", tt.name, moves, tt.wantMoves)
		}
		for id, want := range tt.wantMoves {
			if !moves[id].Equal(want) {
				t.Errorf("%s: call %d moved to %v; want %v", tt.name, id, moves[id], want)
			}
		}
		if len(late) != tt.wantLate {
			t.Errorf("%s: got %d late; want %d", tt.name, len(late), tt.wantLate)
		}
	}
}

// 10 people, one telecon, a 2-minute lead, 1 call per second: the burst
// starts 9 gaps (1.1 s each, with the margin) early so that the last call
// starts when it is due.
func TestCallBurstStartsEarly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		start := t0.Add(time.Hour)
		for range 10 {
			f.register(start, []schedule.Channel{schedule.ChannelCall}, 2*time.Minute)
		}
		f.clock.Set(start.Add(-10 * time.Minute))
		d := f.dispatcher("a", map[schedule.Channel]Channel{}, func(o *Options) { o.CallsPerSecond, o.CallLookahead = 1, 15*time.Minute })
		if err := d.planCalls(context.Background()); err != nil {
			t.Fatal(err)
		}
		calls, err := s.PendingCalls(context.Background(), start)
		if err != nil || len(calls) != 10 {
			t.Fatalf("got %d calls, %v", len(calls), err)
		}
		due := start.Add(-2 * time.Minute)
		for i, c := range calls {
			if want := due.Add(time.Duration(i-9) * paceGap(1)); !c.NextAttemptAt.Equal(want) {
				t.Errorf("call %d starts at %v; want %v", i, c.NextAttemptAt, want)
			}
		}
	})
}

// The calls of a message set for a time are not started early, nor said
// to be late for an "event": a message has none (its occurrence is its
// send time); only reminders are planned.
func TestCallBurstLeavesMessagesAlone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		sendAt := t0.Add(time.Hour)
		to, err := s.Recipients(ctx, store.Audience{Logins: []string{f.user.Login}, Channels: []schedule.Channel{schedule.ChannelCall}})
		if err != nil {
			t.Fatal(err)
		}
		to[0].Channel = schedule.ChannelCall
		for range 3 {
			if _, _, err := s.QueueMessage(ctx, store.NewMessage{Title: "Run cancelled", Body: "High winds.", CreatedBy: "test",
				SendAt: sendAt}, to); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(sendAt.Add(-time.Minute))
		var logged strings.Builder
		d := f.dispatcher("a", map[schedule.Channel]Channel{}, func(o *Options) {
			o.CallsPerSecond, o.CallLookahead = 1, 15*time.Minute
			o.Log = slog.New(slog.NewTextHandler(&logged, nil))
		})
		if err := d.planCalls(ctx); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueNow(ctx, 10)
		if err != nil || len(due) != 0 {
			t.Errorf("a minute before the send time: %d due (%v); want none moved earlier", len(due), err)
		}
		if strings.Contains(logged.String(), "cannot all start before their event") {
			t.Errorf("got the warning %q; a message has no event to be late for", logged.String())
		}
	})
}
