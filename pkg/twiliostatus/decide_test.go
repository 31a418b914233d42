package twiliostatus

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

var (
	now   = time.Date(2026, 12, 1, 8, 50, 0, 0, time.UTC)
	start = now.Add(10 * time.Minute)
)

const (
	sidA = "CA0000000000000000000000000000000a"
	sidB = "CA0000000000000000000000000000000b"
	sidC = "CA0000000000000000000000000000000c"
)

func sentCall(state store.DeliveryState, ref string) store.Delivery {
	return store.Delivery{ID: 7, Kind: store.KindReminder, Channel: schedule.ChannelCall, State: state, ProviderRef: ref,
		Attempts: 1, OccurrenceAt: start, Lead: 10 * time.Minute}
}

func progress(sid, status string, seq int, at time.Time) store.Progress {
	return store.Progress{DeliveryID: 7, ProviderRef: sid, Status: status, Sequence: seq, EventAt: at, Reports: 1}
}

func TestDecideCall(t *testing.T) {
	policy := RetryPolicy{Delay: 2 * time.Minute, Max: 2}
	ts := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		d        store.Delivery
		progress []store.Progress
		rep      Report
		policy   RetryPolicy
		err      error
		outcome  string
		state    store.DeliveryState // of the change; "" keeps
		next     time.Time
		clear    bool
		adopt    string
		lastErr  string // contained in LastError
	}{
		{name: "ringing", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "ringing", Seq: 1},
			outcome: "progress"},
		{name: "answered", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "in-progress", Seq: 2},
			outcome: "answered", state: store.StateAnswered},
		{name: "answered by a machine", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "in-progress", Seq: 2, AnsweredBy: "machine_start"},
			outcome: "answered", state: store.StateAnswered},
		{name: "completed after acknowledged", d: sentCall(store.StateAcknowledged, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", 2, time.Time{})}, rep: Report{SID: sidA, Status: "completed", Seq: 3},
			outcome: "completed"},
		{name: "completed without in-progress", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "completed", Seq: 3},
			outcome: "completed", state: store.StateAnswered},
		{name: "no answer: retry", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "no-answer", Seq: 2},
			outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute), clear: true, lastErr: "retry 1 of 2"},
		{name: "busy on the third call: no retry left", d: sentCall(store.StateSent, sidC),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{}), progress(sidB, "busy", 2, time.Time{})},
			rep:      Report{SID: sidC, Status: "busy", Seq: 2}, outcome: "failed", state: store.StateFailed, lastErr: "no retry left (3 calls)"},
		{name: "failed on the second call: last retry", d: sentCall(store.StateSent, sidB),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{})},
			rep:      Report{SID: sidB, Status: "failed", Seq: 2}, outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute),
			clear: true, lastErr: "retry 2 of 2"},
		{name: "no retries configured", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "no-answer", Seq: 2},
			policy: RetryPolicy{Delay: time.Minute, Max: 0}, outcome: "failed", state: store.StateFailed, lastErr: "no retry left"},
		{name: "no time before the event", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "busy", Seq: 2},
			policy: RetryPolicy{Delay: 10 * time.Minute, Max: 2}, outcome: "failed", state: store.StateFailed, lastErr: "no time to call again"},
		{name: "canceled", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "canceled", Seq: 2},
			outcome: "failed", state: store.StateFailed, lastErr: "canceled"},
		{name: "no answer after answered", d: sentCall(store.StateAnswered, sidA), rep: Report{SID: sidA, Status: "no-answer", Seq: 4},
			outcome: "ended"},
		{name: "ringing after completed, by sequence", d: sentCall(store.StateAnswered, sidA),
			progress: []store.Progress{progress(sidA, "completed", 3, time.Time{})}, rep: Report{SID: sidA, Status: "ringing", Seq: 1},
			outcome: "out_of_order"},
		{name: "the same report twice (a replay)", d: sentCall(store.StateAnswered, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", 2, time.Time{})}, rep: Report{SID: sidA, Status: "in-progress", Seq: 2},
			outcome: "out_of_order"},
		{name: "in-progress after no-answer retried: an earlier call", d: sentCall(store.StatePending, ""),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{})}, rep: Report{SID: sidA, Status: "in-progress", Seq: 1},
			outcome: "earlier_call"},
		{name: "older by timestamp", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", -1, ts(20))}, rep: Report{SID: sidA, Status: "ringing", Seq: -1, At: ts(5)},
			outcome: "out_of_order"},
		{name: "newer by timestamp", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "ringing", -1, ts(5))}, rep: Report{SID: sidA, Status: "in-progress", Seq: -1, At: ts(20)},
			outcome: "answered", state: store.StateAnswered},
		{name: "same second: by status", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", -1, ts(5))}, rep: Report{SID: sidA, Status: "ringing", Seq: -1, At: ts(5)},
			outcome: "out_of_order"},
		{name: "nothing after a final status", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "busy", 2, time.Time{})}, rep: Report{SID: sidA, Status: "in-progress", Seq: 9},
			outcome: "out_of_order"},
		{name: "adopted: invoke could not read the SID", d: sentCall(store.StateSent, ""), rep: Report{SID: sidA, Status: "ringing", Seq: 1},
			outcome: "progress", adopt: sidA},
		{name: "not our call", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidB, Status: "completed", Seq: 3}, err: ErrOtherCall},
		{name: "a call made although invoke's request failed: adopted, no retry", d: sentCall(store.StatePending, ""),
			rep: Report{SID: sidB, Status: "ringing", Seq: 1}, outcome: "progress", state: store.StateSent, adopt: sidB},
		{name: "the same, first heard of when it completed", d: sentCall(store.StatePending, ""),
			rep: Report{SID: sidB, Status: "completed", Seq: 3}, outcome: "completed", state: store.StateAnswered, adopt: sidB},
		{name: "the same, unanswered: it counts as the first call", d: sentCall(store.StatePending, ""),
			rep: Report{SID: sidB, Status: "no-answer", Seq: 2}, outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute),
			clear: true, adopt: sidB, lastErr: "retry 1 of 2"},
		{name: "a delivery never tried: not ours", d: store.Delivery{ID: 7, Kind: store.KindReminder, Channel: schedule.ChannelCall,
			State: store.StatePending, OccurrenceAt: start}, rep: Report{SID: sidB, Status: "completed", Seq: 3}, err: ErrOtherCall},
		{name: "a text message's delivery", d: store.Delivery{Channel: schedule.ChannelSMS, State: store.StateSent, ProviderRef: sidA},
			rep: Report{SID: sidA, Status: "ringing"}, err: ErrWrongChannel},
		{name: "before invoke recorded it: the SID kept, the state left to invoke", d: sentCall(store.StateSending, ""),
			rep: Report{SID: sidA, Status: "ringing", Seq: 1}, outcome: "progress", adopt: sidA},
		{name: "the SID kept while invoke waited, then a retry planned: adopted", d: sentCall(store.StatePending, sidA),
			rep: Report{SID: sidA, Status: "completed", Seq: 3}, outcome: "completed", state: store.StateAnswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy != (RetryPolicy{}) {
				p = tt.policy
			}
			got, err := DecideCall(store.Report{Delivery: tt.d, Progress: tt.progress, Now: now}, tt.rep, p)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || got.Change.Log != nil || got.Change.State != "" {
					t.Errorf("got %+v, %v; want nothing written and %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := got.Change
			if got.Outcome != tt.outcome || c.State != tt.state || !c.NextAttemptAt.Equal(tt.next) || c.ClearProviderRef != tt.clear ||
				c.AdoptProviderRef != tt.adopt {
				t.Errorf("got outcome %q state %q next %v clear %v adopt %q; want %q %q %v %v %q",
					got.Outcome, c.State, c.NextAttemptAt, c.ClearProviderRef, c.AdoptProviderRef,
					tt.outcome, tt.state, tt.next, tt.clear, tt.adopt)
			}
			if !strings.Contains(c.LastError, tt.lastErr) || (tt.lastErr == "" && c.LastError != "") {
				t.Errorf("got last error %q; want it to contain %q", c.LastError, tt.lastErr)
			}
			if c.Log == nil || c.Log.Outcome != got.Outcome && got.Outcome != "earlier_call" && got.Outcome != "out_of_order" ||
				c.Log.ProviderStatus != tt.rep.Status || !strings.Contains(c.Log.Detail, tt.rep.SID) || c.Log.Attempt != tt.d.Attempts {
				t.Errorf("got log %+v; want a row about %s %s", c.Log, tt.rep.SID, tt.rep.Status)
			}
			if c.Progress == nil || c.Progress.ProviderRef != tt.rep.SID || c.Progress.Reports < 1 {
				t.Fatalf("got progress %+v; want the row of %s", c.Progress, tt.rep.SID)
			}
			want := store.Progress{ProviderRef: tt.rep.SID, Sequence: -1}
			for _, p := range tt.progress {
				if p.ProviderRef == tt.rep.SID {
					want = p
				}
			}
			want.Reports++
			if got.Outcome != "out_of_order" && got.Outcome != "earlier_call" { // applied
				want.Status, want.Sequence, want.EventAt = tt.rep.Status, tt.rep.Seq, tt.rep.At
				if tt.rep.AnsweredBy != "" {
					want.AnsweredBy = tt.rep.AnsweredBy
				}
			}
			if *c.Progress != want {
				t.Errorf("got progress %+v after %q; want %+v", *c.Progress, got.Outcome, want)
			}
		})
	}
}

func TestDecideMessage(t *testing.T) {
	sms := func(state store.DeliveryState) store.Delivery {
		return store.Delivery{ID: 8, Kind: store.KindReminder, Channel: schedule.ChannelSMS, State: state, ProviderRef: sidA, Attempts: 1}
	}
	tests := []struct {
		name     string
		d        store.Delivery
		progress []store.Progress
		rep      Report
		err      error
		outcome  string
		state    store.DeliveryState
	}{
		{name: "sent", d: sms(store.StateSent), rep: Report{SID: sidA, Status: "sent", Seq: -1}, outcome: "progress"},
		{name: "delivered", d: sms(store.StateSent), rep: Report{SID: sidA, Status: "delivered", Seq: -1}, outcome: "delivered"},
		{name: "undelivered", d: sms(store.StateSent), rep: Report{SID: sidA, Status: "undelivered", Seq: -1, Detail: " (error 30003)"},
			outcome: "failed", state: store.StateFailed},
		{name: "sent after delivered", d: sms(store.StateSent), progress: []store.Progress{progress(sidA, "delivered", -1, time.Time{})},
			rep: Report{SID: sidA, Status: "sent", Seq: -1}, outcome: "out_of_order"},
		{name: "another message", d: sms(store.StateSent), rep: Report{SID: sidB, Status: "delivered", Seq: -1}, err: ErrOtherCall},
		{name: "a message sent although invoke's request failed: adopted, no retry",
			d:   store.Delivery{ID: 8, Kind: store.KindReminder, Channel: schedule.ChannelSMS, State: store.StatePending, Attempts: 1},
			rep: Report{SID: sidB, Status: "delivered", Seq: -1}, outcome: "delivered", state: store.StateSent},
		{name: "a call's delivery", d: sentCall(store.StateSent, sidA), rep: Report{SID: sidA, Status: "delivered", Seq: -1}, err: ErrWrongChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecideMessage(store.Report{Delivery: tt.d, Progress: tt.progress, Now: now}, tt.rep)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("got %v; want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Outcome != tt.outcome || got.Change.State != tt.state {
				t.Errorf("got %q, state %q; want %q, %q", got.Outcome, got.Change.State, tt.outcome, tt.state)
			}
			if tt.state == store.StateFailed && !strings.Contains(got.Change.LastError, "30003") {
				t.Errorf("got last error %q; want the error code", got.Change.LastError)
			}
		})
	}
}
