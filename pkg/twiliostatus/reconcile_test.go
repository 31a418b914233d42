package twiliostatus

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestReconcile: what a call's status looked up at Twilio does to a
// delivery whose callbacks never came, ten minutes after it was placed
// (the event a day away, so that a retry has time) or past GiveUpAfter.
func TestReconcile(t *testing.T) {
	policy := RetryPolicy{Delay: 2 * time.Minute, Max: 2}
	placed := func(state store.DeliveryState, ago time.Duration) store.Delivery {
		d := sentCall(state, sidA)
		d.OccurrenceAt, d.SentAt = now.Add(24*time.Hour), now.Add(-ago)
		return d
	}
	tests := []struct {
		name     string
		d        store.Delivery
		progress []store.Progress
		call     Call
		outcome  string
		state    store.DeliveryState // of the change; "" keeps
		touch    bool
		detail   string // contained in the log row's detail; "" means no log row
		lastErr  string // contained in LastError
	}{
		{name: "completed", d: placed(store.StateSent, 10*time.Minute), call: Call{SID: sidA, Status: "completed", Duration: 35},
			outcome: "completed", state: store.StateAnswered, detail: "reconciled from Twilio: completed; no status callback came; call " + sidA + ": completed, 35 s; Twilio's record cannot show a pressed 1"},
		{name: "completed by a machine", d: placed(store.StateSent, 10*time.Minute),
			call:    Call{SID: sidA, Status: "completed", AnsweredBy: "machine_end_beep", Duration: 20},
			outcome: "completed", state: store.StateAnswered, detail: "(answering machine)"},
		{name: "busy: retry", d: placed(store.StateSent, 10*time.Minute), call: Call{SID: sidA, Status: "busy", Duration: -1},
			outcome: "retry", state: store.StatePending, detail: "reconciled from Twilio: busy", lastErr: "retry 1 of 2"},
		{name: "no-answer on the third call: failed", d: placed(store.StateSent, 10*time.Minute),
			progress: []store.Progress{progress(sidB, "no-answer", 2, time.Time{}), progress(sidC, "busy", 2, time.Time{})},
			call:     Call{SID: sidA, Status: "no-answer", Duration: -1}, outcome: "failed", state: store.StateFailed,
			detail: "reconciled from Twilio: no-answer", lastErr: "no retry left (3 calls)"},
		{name: "failed, the event too close", d: func() store.Delivery { d := placed(store.StateSent, 10*time.Minute); d.OccurrenceAt = now; return d }(),
			call: Call{SID: sidA, Status: "failed", Duration: -1}, outcome: "failed", state: store.StateFailed, lastErr: "no time to call again"},
		{name: "canceled", d: placed(store.StateSent, 10*time.Minute), call: Call{SID: sidA, Status: "canceled", Duration: -1},
			outcome: "failed", state: store.StateFailed, lastErr: "canceled"},
		{name: "in progress: looked up again", d: placed(store.StateSent, 10*time.Minute), call: Call{SID: sidA, Status: "in-progress", Duration: -1},
			outcome: "progress", touch: true, detail: "reconciled from Twilio: in-progress; call " + sidA + " has no final status yet"},
		{name: "ringing: looked up again", d: placed(store.StateSent, time.Hour), call: Call{SID: sidA, Status: "ringing", Duration: -1},
			outcome: "progress", touch: true, detail: "reconciled from Twilio: ringing"},
		{name: "a status pfsnotify does not know", d: placed(store.StateSent, time.Hour), call: Call{SID: sidA, Status: "teleported", Duration: -1},
			outcome: "unknown_status", touch: true, detail: "teleported, not a call status"},
		{name: "in progress for two hours: answered", d: placed(store.StateSent, GiveUpAfter), call: Call{SID: sidA, Status: "in-progress", Duration: -1},
			outcome: "answered", state: store.StateAnswered, detail: "given up, counted as answered"},
		{name: "queued for two hours: failed", d: placed(store.StateSent, GiveUpAfter+time.Minute), call: Call{SID: sidA, Status: "queued", Duration: -1},
			outcome: "failed", state: store.StateFailed, detail: "failed (no retry)", lastErr: "still queued at Twilio 2h0m0s after it was placed"},
		{name: "acknowledged meanwhile", d: placed(store.StateAcknowledged, 10*time.Minute), call: Call{SID: sidA, Status: "completed"},
			outcome: "settled"},
		{name: "answered meanwhile", d: placed(store.StateAnswered, 10*time.Minute), call: Call{SID: sidA, Status: "completed"},
			outcome: "settled"},
		{name: "retried meanwhile", d: func() store.Delivery { d := placed(store.StatePending, 10*time.Minute); d.ProviderRef = ""; return d }(),
			call: Call{SID: sidA, Status: "busy"}, outcome: "settled"},
		{name: "a final status recorded", d: placed(store.StateSent, 10*time.Minute),
			progress: []store.Progress{progress(sidA, "completed", 3, time.Time{})}, call: Call{SID: sidA, Status: "completed"}, outcome: "settled"},
		{name: "another call", d: placed(store.StateSent, 10*time.Minute), call: Call{SID: sidB, Status: "completed"}, outcome: "settled"},
		{name: "a text message", d: func() store.Delivery {
			d := placed(store.StateSent, 10*time.Minute)
			d.Channel = schedule.ChannelSMS
			return d
		}(),
			call: Call{SID: sidA, Status: "completed"}, outcome: "settled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Reconcile(store.Report{Delivery: tt.d, Progress: tt.progress, Now: now}, tt.call, policy)
			c := got.Change
			if got.Outcome != tt.outcome || c.State != tt.state || c.Touch != tt.touch {
				t.Errorf("got outcome %q state %q touch %v; want %q %q %v", got.Outcome, c.State, c.Touch, tt.outcome, tt.state, tt.touch)
			}
			if c.State == store.StateAcknowledged || c.MarkRead || c.CancelSiblings != "" {
				t.Errorf("got %+v; want nothing acknowledged", c)
			}
			switch {
			case tt.outcome == "settled":
				if c.Log != nil || c.Progress != nil || c.State != "" || c.Touch {
					t.Errorf("got change %+v; want nothing written", c)
				}
			case c.Log == nil:
				t.Errorf("got no log row; want one")
			case !strings.HasPrefix(c.Log.Detail, "reconciled from Twilio: "+tt.call.Status) || !strings.Contains(c.Log.Detail, tt.detail) ||
				c.Log.Attempt != tt.d.Attempts || c.Log.ProviderStatus != tt.call.Status:
				t.Errorf("got log %+v; want a row of attempt %d, status %s, saying %q", *c.Log, tt.d.Attempts, tt.call.Status, tt.detail)
			}
			if !strings.Contains(c.LastError, tt.lastErr) || (tt.lastErr == "" && c.LastError != "") {
				t.Errorf("got last error %q; want it to contain %q", c.LastError, tt.lastErr)
			}
		})
	}
}

func TestVanished(t *testing.T) {
	d := sentCall(store.StateSent, sidA)
	err := errors.New("twilio answered 404 (code 20404)")
	got := Vanished(store.Report{Delivery: d, Now: now}, sidA, err)
	if got.Outcome != "failed" || got.Change.State != store.StateFailed || !strings.Contains(got.Change.LastError, "Twilio has no call "+sidA) ||
		!strings.Contains(got.Change.LastError, "20404") {
		t.Errorf("got %+v; want failed, saying Twilio has no call %s (20404)", got, sidA)
	}
	if l := got.Change.Log; l == nil || !strings.HasPrefix(l.Detail, "reconciled from Twilio: not found") || l.Outcome != "failed" {
		t.Errorf("got log %+v; want a failed row saying reconciled from Twilio: not found", l)
	}
	d.State = store.StateAnswered
	if got := Vanished(store.Report{Delivery: d, Now: now}, sidA, err); got.Outcome != "settled" || got.Change.Log != nil {
		t.Errorf("answered meanwhile: got %+v; want nothing written", got)
	}
}

// TestFinalStatuses: the store's list of final statuses (what it leaves
// out of CallsToReconcile) is the decision's.
func TestFinalStatuses(t *testing.T) {
	var final []string
	for s := range callRank {
		if FinalCall(s) {
			final = append(final, s)
		}
	}
	slices.Sort(final)
	want := slices.Sorted(slices.Values(store.FinalCallStatuses))
	if !slices.Equal(final, want) {
		t.Errorf("got final statuses %q; store.FinalCallStatuses are %q", final, want)
	}
}
