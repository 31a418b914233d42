package twiml_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestReconcileEndToEnd: invoke places the call through the fake Twilio,
// whose status callbacks never reach serve-twiml (the voice and gather
// requests do). Once twiml.reconcile_after has passed, the next invoke
// pass looks the call up and finishes it from Twilio's record; a call
// acknowledged by its pressed 1 (the gather webhook, the one way to
// acknowledge) is not looked up at all.
func TestReconcileEndToEnd(t *testing.T) {
	tests := []struct {
		name    string
		answer  twiliotest.Answer
		state   store.DeliveryState
		fetched int    // look-ups of the call
		row     string // the reconciled log row, "" for none
	}{
		{"presses 1", twiliotest.Answer{Digits: []string{"1"}, DropStatusCallbacks: true}, store.StateAcknowledged, 0, ""},
		{"presses nothing", twiliotest.Answer{DropStatusCallbacks: true}, store.StateAnswered, 1,
			"reconciled from Twilio: completed; no status callback came; call %s: completed, 26 s; Twilio's record cannot show a pressed 1"},
		{"presses 5", twiliotest.Answer{Digits: []string{"5"}, DropStatusCallbacks: true}, store.StateAnswered, 1,
			"reconciled from Twilio: completed"},
		{"busy, the event about to start", twiliotest.Answer{By: twiliotest.Busy, DropStatusCallbacks: true}, store.StateFailed, 1,
			"reconciled from Twilio: busy; no status callback came; call %s: busy; no time to call again before the event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s)
				dl := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
				phone, err := twiliotest.NewPhone(f.http.URL)
				if err != nil {
					t.Fatal(err)
				}
				phone.Script = func(int, twiliotest.Call) twiliotest.Answer { return tt.answer }
				fake := twiliotest.New(t, twiliotest.Config{OnCall: phone.OnCall})
				opts := fake.CallOptions()
				opts.Now = f.clock.Now
				ch, err := twiliocall.New(opts)
				if err != nil {
					t.Fatal(err)
				}
				d, err := dispatch.New(dispatch.Options{
					Store: s, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelCall: ch}, Owner: "invoke-reconcile",
					Concurrency: 1, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second, MaxAttempts: 5,
					BackoffBase: 30 * time.Second, BackoffMax: 5 * time.Minute, PublicURL: twiliotest.PublicURL, Now: f.clock.Now,
					Reconcile: dispatch.ReconcileOptions{Calls: ch, After: 10 * time.Minute, RetryDelay: 2 * time.Minute, MaxCallRetries: 2},
				})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 1 {
					t.Fatalf("invoke: %s, %v; want the call placed", sum, err)
				}
				if err := phone.WaitEnded(ctx, 1); err != nil {
					t.Fatal(err)
				}
				sid := fake.Calls()[0].SID
				for _, e := range phone.Exchanges() {
					if e.Kind == "call-status" {
						t.Fatalf("a status callback was posted; want them all dropped")
					}
				}
				f.clock.Advance(10 * time.Minute)
				if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 0 {
					t.Fatalf("invoke after reconcile_after: %s, %v; want no call placed", sum, err)
				}
				fetched := 0
				for _, r := range fake.Requests() {
					if r.Method == "GET" && strings.HasSuffix(r.Path, "/Calls/"+sid+".json") && r.AuthOK {
						fetched++
					}
				}
				got := f.delivery(dl.Token)
				if got.State != tt.state || fetched != tt.fetched {
					t.Errorf("got %s (%s) after %d look-ups; want %s after %d", got.State, got.LastError, fetched, tt.state, tt.fetched)
				}
				var rows []string
				for _, a := range f.log(dl.ID) {
					if strings.HasPrefix(a.Detail, "reconciled from Twilio") {
						rows = append(rows, a.Detail)
					}
				}
				want := strings.ReplaceAll(tt.row, "%s", sid)
				switch {
				case want == "" && len(rows) != 0:
					t.Errorf("got reconciled rows %q; want none", rows)
				case want != "" && (len(rows) != 1 || !strings.HasPrefix(rows[0], want)):
					t.Errorf("got reconciled rows %q; want one starting %q", rows, want)
				}
			})
		})
	}
}
