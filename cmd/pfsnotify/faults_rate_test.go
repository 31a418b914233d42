package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Four pfsnotify invoke processes started together (overlapping cron runs)
// over one database place the calls of one meeting at the account's rate
// between them, not each at its own: the send slots they take in the
// database are at least a second apart at 1 call per second, no call
// reaches Twilio before its slot, and every call starts before the
// meeting. (That no two calls reach Twilio within a second also depends on
// how promptly the machine runs each process: bench/faults measures it.)
func TestCallRateHoldsAcrossInvokers(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes at 1 call per second, about 35 s")
	}
	faultBackends(t, func(t *testing.T, f *faultFixture) {
		const n, invokers = 30, 4
		twilio := twiliotest.New(t, twiliotest.Config{})
		f.env = append(f.env, "PFSNOTIFY_PUBLIC_URL=https://notify.example.org",
			"PFSNOTIFY_TWILIO_ACCOUNT_SID="+twiliotest.AccountSID, "PFSNOTIFY_TWILIO_AUTH_TOKEN="+twiliotest.AuthToken,
			"PFSNOTIFY_TWILIO_FROM_NUMBER="+twiliotest.FromNumber, "PFSNOTIFY_TWILIO_API_URL="+twilio.URL,
			// The default lease and HTTP timeout: claims take slots up to 10 s ahead.
			"PFSNOTIFY_TWILIO_CALLS_PER_SECOND=1", "PFSNOTIFY_INVOKE_LEASE=2m", "PFSNOTIFY_INVOKE_HTTP_TIMEOUT=15s")
		meeting := time.Now().Add(n*time.Second + time.Minute)
		f.seedCalls(n, meeting)

		var runs []*child
		for range invokers {
			runs = append(runs, f.start("invoke", "-q"))
		}
		for _, c := range runs {
			if code := c.wait(t, 2*time.Minute); code != 0 {
				t.Fatalf("invoke: exit %d: %s", code, c.stderr.String())
			}
		}

		// Each call's slot, taken in the database, is its delivery's
		// next_attempt_at; the call's voice URL names its delivery's token.
		slotOf := f.callSlots()
		calls := twilio.Calls()
		if len(calls) != n {
			t.Fatalf("got %d calls at Twilio; want %d", len(calls), n)
		}
		var slots, created []time.Time
		for _, c := range calls {
			token := c.URL[strings.LastIndex(c.URL, "/")+1:]
			slot, ok := slotOf[token]
			if !ok {
				t.Fatalf("call to %s names no delivery (%s)", c.To, c.URL)
			}
			if c.Created.Before(slot) {
				t.Errorf("call to %s reached Twilio at %s, before its slot %s", c.To, c.Created.Format(time.StampMicro), slot.Format(time.StampMicro))
			}
			slots, created = append(slots, slot), append(created, c.Created)
		}
		slices.SortFunc(slots, time.Time.Compare)
		slices.SortFunc(created, time.Time.Compare)
		for i := 1; i < len(slots); i++ {
			if gap := slots[i].Sub(slots[i-1]); gap < time.Second {
				t.Errorf("slots %d and %d are %s apart; want at least 1s (1 call per second, for all invokers together)", i-1, i, gap)
			}
		}
		if last := created[len(created)-1]; !last.Before(meeting) {
			t.Errorf("the last call started at %s, after the meeting at %s", last.Format(time.TimeOnly), meeting.Format(time.TimeOnly))
		}
		// How close calls came at Twilio depends on how late each left its
		// slot on this machine: logged here, measured by bench/faults.
		minGap := time.Hour
		for i := 1; i < len(created); i++ {
			minGap = min(minGap, created[i].Sub(created[i-1]))
		}
		t.Logf("smallest gap between two calls at Twilio: %s", minGap.Round(time.Millisecond))
		t.Logf("%d calls by %d invokers in %s", n, invokers, created[len(created)-1].Sub(created[0]).Round(time.Millisecond))
	})
}

// seedCalls registers n people with a phone for a meeting at start, with a
// call reminder each, all due now.
func (f *faultFixture) seedCalls(n int, start time.Time) {
	f.t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, f.admin)
	if err != nil {
		f.t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("caller%04d", i), Phone: fmt.Sprintf("+4122767%04d", i),
			TimeZone: "Europe/Zurich", Language: "en"})
		if err != nil {
			f.t.Fatal(err)
		}
		if _, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Run coordination",
			StartAt: start, TimeZone: "Europe/Zurich", Channels: []schedule.Channel{schedule.ChannelCall},
			Leads: []time.Duration{time.Minute}, CreatedBy: "test"}); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.exec(`UPDATE deliveries SET next_attempt_at = ?`, time.Now().UTC().Add(-time.Minute).Truncate(time.Microsecond)); err != nil {
		f.t.Fatal(err)
	}
}

// callSlots maps each call delivery's token to its next_attempt_at: the
// slot its claim took.
func (f *faultFixture) callSlots() map[string]time.Time {
	f.t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, f.admin)
	if err != nil {
		f.t.Fatal(err)
	}
	defer s.Close()
	regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, r := range regs {
		ds, err := s.DeliveriesOfRegistration(ctx, r.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, d := range ds {
			out[d.Token] = d.NextAttemptAt
		}
	}
	return out
}
