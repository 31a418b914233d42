package twiml

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
	policy := retryPolicy{delay: 2 * time.Minute, max: 2}
	ts := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		d        store.Delivery
		progress []store.Progress
		rep      report
		policy   retryPolicy
		err      error
		outcome  string
		state    store.DeliveryState // of the change; "" keeps
		next     time.Time
		clear    bool
		adopt    string
		lastErr  string // contained in LastError
	}{
		{name: "ringing", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "ringing", seq: 1},
			outcome: "progress"},
		{name: "answered", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "in-progress", seq: 2},
			outcome: "answered", state: store.StateAnswered},
		{name: "answered by a machine", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "in-progress", seq: 2, answeredBy: "machine_start"},
			outcome: "answered", state: store.StateAnswered},
		{name: "completed after acknowledged", d: sentCall(store.StateAcknowledged, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", 2, time.Time{})}, rep: report{sid: sidA, status: "completed", seq: 3},
			outcome: "completed"},
		{name: "completed without in-progress", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "completed", seq: 3},
			outcome: "completed", state: store.StateAnswered},
		{name: "no answer: retry", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "no-answer", seq: 2},
			outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute), clear: true, lastErr: "retry 1 of 2"},
		{name: "busy on the third call: no retry left", d: sentCall(store.StateSent, sidC),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{}), progress(sidB, "busy", 2, time.Time{})},
			rep:      report{sid: sidC, status: "busy", seq: 2}, outcome: "failed", state: store.StateFailed, lastErr: "no retry left (3 calls)"},
		{name: "failed on the second call: last retry", d: sentCall(store.StateSent, sidB),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{})},
			rep:      report{sid: sidB, status: "failed", seq: 2}, outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute),
			clear: true, lastErr: "retry 2 of 2"},
		{name: "no retries configured", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "no-answer", seq: 2},
			policy: retryPolicy{delay: time.Minute, max: 0}, outcome: "failed", state: store.StateFailed, lastErr: "no retry left"},
		{name: "no time before the event", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "busy", seq: 2},
			policy: retryPolicy{delay: 10 * time.Minute, max: 2}, outcome: "failed", state: store.StateFailed, lastErr: "no time to call again"},
		{name: "canceled", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "canceled", seq: 2},
			outcome: "failed", state: store.StateFailed, lastErr: "canceled"},
		{name: "no answer after answered", d: sentCall(store.StateAnswered, sidA), rep: report{sid: sidA, status: "no-answer", seq: 4},
			outcome: "ended"},
		{name: "ringing after completed, by sequence", d: sentCall(store.StateAnswered, sidA),
			progress: []store.Progress{progress(sidA, "completed", 3, time.Time{})}, rep: report{sid: sidA, status: "ringing", seq: 1},
			outcome: "out_of_order"},
		{name: "the same report twice (a replay)", d: sentCall(store.StateAnswered, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", 2, time.Time{})}, rep: report{sid: sidA, status: "in-progress", seq: 2},
			outcome: "out_of_order"},
		{name: "in-progress after no-answer retried: an earlier call", d: sentCall(store.StatePending, ""),
			progress: []store.Progress{progress(sidA, "no-answer", 2, time.Time{})}, rep: report{sid: sidA, status: "in-progress", seq: 1},
			outcome: "earlier_call"},
		{name: "older by timestamp", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", -1, ts(20))}, rep: report{sid: sidA, status: "ringing", seq: -1, at: ts(5)},
			outcome: "out_of_order"},
		{name: "newer by timestamp", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "ringing", -1, ts(5))}, rep: report{sid: sidA, status: "in-progress", seq: -1, at: ts(20)},
			outcome: "answered", state: store.StateAnswered},
		{name: "same second: by status", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "in-progress", -1, ts(5))}, rep: report{sid: sidA, status: "ringing", seq: -1, at: ts(5)},
			outcome: "out_of_order"},
		{name: "nothing after a final status", d: sentCall(store.StateSent, sidA),
			progress: []store.Progress{progress(sidA, "busy", 2, time.Time{})}, rep: report{sid: sidA, status: "in-progress", seq: 9},
			outcome: "out_of_order"},
		{name: "adopted: invoke could not read the SID", d: sentCall(store.StateSent, ""), rep: report{sid: sidA, status: "ringing", seq: 1},
			outcome: "progress", adopt: sidA},
		{name: "not our call", d: sentCall(store.StateSent, sidA), rep: report{sid: sidB, status: "completed", seq: 3}, err: errOtherCall},
		{name: "a call made although invoke's request failed: adopted, no retry", d: sentCall(store.StatePending, ""),
			rep: report{sid: sidB, status: "ringing", seq: 1}, outcome: "progress", state: store.StateSent, adopt: sidB},
		{name: "the same, first heard of when it completed", d: sentCall(store.StatePending, ""),
			rep: report{sid: sidB, status: "completed", seq: 3}, outcome: "completed", state: store.StateAnswered, adopt: sidB},
		{name: "the same, unanswered: it counts as the first call", d: sentCall(store.StatePending, ""),
			rep: report{sid: sidB, status: "no-answer", seq: 2}, outcome: "retry", state: store.StatePending, next: now.Add(2 * time.Minute),
			clear: true, adopt: sidB, lastErr: "retry 1 of 2"},
		{name: "a delivery never tried: not ours", d: store.Delivery{ID: 7, Kind: store.KindReminder, Channel: schedule.ChannelCall,
			State: store.StatePending, OccurrenceAt: start}, rep: report{sid: sidB, status: "completed", seq: 3}, err: errOtherCall},
		{name: "a text message's delivery", d: store.Delivery{Channel: schedule.ChannelSMS, State: store.StateSent, ProviderRef: sidA},
			rep: report{sid: sidA, status: "ringing"}, err: errWrongChannel},
		{name: "before invoke recorded it: the SID kept, the state left to invoke", d: sentCall(store.StateSending, ""),
			rep: report{sid: sidA, status: "ringing", seq: 1}, outcome: "progress", adopt: sidA},
		{name: "the SID kept while invoke waited, then a retry planned: adopted", d: sentCall(store.StatePending, sidA),
			rep: report{sid: sidA, status: "completed", seq: 3}, outcome: "completed", state: store.StateAnswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy != (retryPolicy{}) {
				p = tt.policy
			}
			got, err := decideCall(store.Report{Delivery: tt.d, Progress: tt.progress, Now: now}, tt.rep, p)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || got.change.Log != nil || got.change.State != "" {
					t.Errorf("got %+v, %v; want nothing written and %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := got.change
			if got.outcome != tt.outcome || c.State != tt.state || !c.NextAttemptAt.Equal(tt.next) || c.ClearProviderRef != tt.clear ||
				c.AdoptProviderRef != tt.adopt {
				t.Errorf("got outcome %q state %q next %v clear %v adopt %q; want %q %q %v %v %q",
					got.outcome, c.State, c.NextAttemptAt, c.ClearProviderRef, c.AdoptProviderRef,
					tt.outcome, tt.state, tt.next, tt.clear, tt.adopt)
			}
			if !strings.Contains(c.LastError, tt.lastErr) || (tt.lastErr == "" && c.LastError != "") {
				t.Errorf("got last error %q; want it to contain %q", c.LastError, tt.lastErr)
			}
			if c.Log == nil || c.Log.Outcome != got.outcome && got.outcome != "earlier_call" && got.outcome != "out_of_order" ||
				c.Log.ProviderStatus != tt.rep.status || !strings.Contains(c.Log.Detail, tt.rep.sid) || c.Log.Attempt != tt.d.Attempts {
				t.Errorf("got log %+v; want a row about %s %s", c.Log, tt.rep.sid, tt.rep.status)
			}
			if c.Progress == nil || c.Progress.ProviderRef != tt.rep.sid || c.Progress.Reports < 1 {
				t.Fatalf("got progress %+v; want the row of %s", c.Progress, tt.rep.sid)
			}
			want := store.Progress{ProviderRef: tt.rep.sid, Sequence: -1}
			for _, p := range tt.progress {
				if p.ProviderRef == tt.rep.sid {
					want = p
				}
			}
			want.Reports++
			if got.outcome != "out_of_order" && got.outcome != "earlier_call" { // applied
				want.Status, want.Sequence, want.EventAt = tt.rep.status, tt.rep.seq, tt.rep.at
				if tt.rep.answeredBy != "" {
					want.AnsweredBy = tt.rep.answeredBy
				}
			}
			if *c.Progress != want {
				t.Errorf("got progress %+v after %q; want %+v", *c.Progress, got.outcome, want)
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
		rep      report
		err      error
		outcome  string
		state    store.DeliveryState
	}{
		{name: "sent", d: sms(store.StateSent), rep: report{sid: sidA, status: "sent", seq: -1}, outcome: "progress"},
		{name: "delivered", d: sms(store.StateSent), rep: report{sid: sidA, status: "delivered", seq: -1}, outcome: "delivered"},
		{name: "undelivered", d: sms(store.StateSent), rep: report{sid: sidA, status: "undelivered", seq: -1, detail: " (error 30003)"},
			outcome: "failed", state: store.StateFailed},
		{name: "sent after delivered", d: sms(store.StateSent), progress: []store.Progress{progress(sidA, "delivered", -1, time.Time{})},
			rep: report{sid: sidA, status: "sent", seq: -1}, outcome: "out_of_order"},
		{name: "another message", d: sms(store.StateSent), rep: report{sid: sidB, status: "delivered", seq: -1}, err: errOtherCall},
		{name: "a message sent although invoke's request failed: adopted, no retry",
			d:   store.Delivery{ID: 8, Kind: store.KindReminder, Channel: schedule.ChannelSMS, State: store.StatePending, Attempts: 1},
			rep: report{sid: sidB, status: "delivered", seq: -1}, outcome: "delivered", state: store.StateSent},
		{name: "a call's delivery", d: sentCall(store.StateSent, sidA), rep: report{sid: sidA, status: "delivered", seq: -1}, err: errWrongChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decideMessage(store.Report{Delivery: tt.d, Progress: tt.progress, Now: now}, tt.rep)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("got %v; want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.outcome != tt.outcome || got.change.State != tt.state {
				t.Errorf("got %q, state %q; want %q, %q", got.outcome, got.change.State, tt.outcome, tt.state)
			}
			if tt.state == store.StateFailed && !strings.Contains(got.change.LastError, "30003") {
				t.Errorf("got last error %q; want the error code", got.change.LastError)
			}
		})
	}
}

func TestDecideAckAndMachine(t *testing.T) {
	tests := []struct {
		name    string
		d       store.Delivery
		sid     string
		err     error
		outcome string
		state   store.DeliveryState
	}{
		{"sent", sentCall(store.StateSent, sidA), sidA, nil, "acknowledged", store.StateAcknowledged},
		{"answered", sentCall(store.StateAnswered, sidA), sidA, nil, "acknowledged", store.StateAcknowledged},
		{"again", sentCall(store.StateAcknowledged, sidA), sidA, nil, "acknowledged_again", ""},
		{"another call", sentCall(store.StateAnswered, sidA), sidB, errOtherCall, "", ""},
		{"cancelled", sentCall(store.StateCancelled, sidA), sidA, errCancelled, "", ""},
		{"retry planned", sentCall(store.StatePending, ""), sidA, errOtherCall, "", ""},
	}
	for _, tt := range tests {
		got, err := decideAck(store.Report{Delivery: tt.d, Now: now}, tt.sid)
		if !errors.Is(err, tt.err) || got.outcome != tt.outcome || got.change.State != tt.state {
			t.Errorf("%s: got %q %q, %v; want %q %q, %v", tt.name, got.outcome, got.change.State, err, tt.outcome, tt.state, tt.err)
		}
		if tt.state == store.StateAcknowledged && (!got.change.MarkRead || got.change.CancelSiblings == "" || got.change.Log.Outcome != "acknowledged") {
			t.Errorf("%s: got %+v; want it read, its siblings cancelled, logged", tt.name, got.change)
		}
	}

	for _, tt := range []struct {
		by    string
		d     store.Delivery
		state store.DeliveryState
	}{
		{"machine_end_beep", sentCall(store.StateSent, sidA), store.StateAnswered},
		{"fax", sentCall(store.StateSent, sidA), store.StateFailed},
		{"machine_start", sentCall(store.StateAcknowledged, sidA), ""},
	} {
		c := decideMachine(store.Report{Delivery: tt.d, Now: now}, sidA, tt.by)
		if c.State != tt.state || c.Progress == nil || c.Progress.AnsweredBy != tt.by || c.Log == nil {
			t.Errorf("%s on %s: got %+v; want state %q, the progress and a log row", tt.by, tt.d.State, c, tt.state)
		}
	}
}
