package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// Claims by several owners give calls slots a gap apart between them, take
// no slot further ahead than Pace.Ahead, say when the next slot comes
// within reach, and still take the pushes queued behind calls that wait.
func TestClaimPacesCallsAcrossOwners(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := testNow
		s.SetClock(func() time.Time { return now })
		start := testNow.Add(time.Hour)
		for i := range 6 { // six calls due at start-10m, ahead of ...
			u := addUser(t, s, fmt.Sprintf("caller%d", i), "UTC")
			if _, _, _, err := s.Register(ctx, adHoc(u.ID, start, []schedule.Channel{schedule.ChannelCall}, 10*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 { // ... two pushes due at start-5m
			u := addUser(t, s, fmt.Sprintf("reader%d", i), "UTC")
			if _, _, _, err := s.Register(ctx, adHoc(u.ID, start, []schedule.Channel{schedule.ChannelPush}, 5*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		now = start.Add(-4 * time.Minute)
		t0 := now
		pace := store.Pace{Gap: map[schedule.Channel]time.Duration{schedule.ChannelCall: time.Second}, Ahead: 2 * time.Second}
		claim := func(owner string, limit int) store.ClaimBatch {
			t.Helper()
			b, err := s.Claim(ctx, store.ClaimRequest{Owner: owner, Lease: time.Minute, Limit: limit, Pace: pace})
			if err != nil {
				t.Fatalf("claim by %s: %v", owner, err)
			}
			return b
		}
		slots := map[time.Time]int64{}
		check := func(owner string, b store.ClaimBatch, wantCalls, wantPushes int, wantUntil time.Time) {
			t.Helper()
			calls, pushes := 0, 0
			for _, c := range b.Claims {
				switch c.Channel {
				case schedule.ChannelCall:
					calls++
					if other, taken := slots[c.NotBefore]; taken {
						t.Errorf("%s: call #%d got the slot %s of call #%d", owner, c.ID, c.NotBefore.Sub(t0), other)
					}
					slots[c.NotBefore] = c.ID
					ds, err := s.DeliveriesOfRegistration(ctx, c.RegistrationID)
					if err != nil || len(ds) != 1 || !ds[0].NextAttemptAt.Equal(c.NotBefore) {
						t.Errorf("%s: call #%d's delivery %+v, %v; want next_attempt_at at its slot %s", owner, c.ID, ds, err, c.NotBefore)
					}
				case schedule.ChannelPush:
					pushes++
					if !c.NotBefore.IsZero() {
						t.Errorf("%s: push #%d must wait until %s; want no wait", owner, c.ID, c.NotBefore)
					}
				}
			}
			if calls != wantCalls || pushes != wantPushes || !b.PacedUntil.Equal(wantUntil) {
				t.Errorf("%s: got %d calls, %d pushes, paced until t0+%s; want %d, %d, t0+%s",
					owner, calls, pushes, b.PacedUntil.Sub(t0), wantCalls, wantPushes, wantUntil.Sub(t0))
			}
		}
		// a picks four calls, gets the slots t0, t0+1s, t0+2s, and one push
		// from behind the call left waiting.
		check("a", claim("a", 4), 3, 1, t0.Add(time.Second))
		// b, at the same moment, gets no slot, but the other push.
		check("b", claim("b", 10), 0, 1, t0.Add(time.Second))
		// A second later, the slot t0+3s is within reach.
		now = t0.Add(time.Second)
		check("c", claim("c", 10), 1, 0, t0.Add(2*time.Second))
		for slot := range slots {
			if off := slot.Sub(t0); off%time.Second != 0 || off < 0 || off > 3*time.Second {
				t.Errorf("a call got the slot t0+%s; want t0, +1s, +2s, +3s", off)
			}
		}
		if len(slots) != 4 {
			t.Errorf("got %d slots; want 4", len(slots))
		}
	})
}
