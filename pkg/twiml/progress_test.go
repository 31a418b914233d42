package twiml

import (
	"errors"
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
)

func sentCall(state store.DeliveryState, ref string) store.Delivery {
	return store.Delivery{ID: 7, Kind: store.KindReminder, Channel: schedule.ChannelCall, State: state, ProviderRef: ref,
		Attempts: 1, OccurrenceAt: start, Lead: 10 * time.Minute}
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
		if !errors.Is(err, tt.err) || got.Outcome != tt.outcome || got.Change.State != tt.state {
			t.Errorf("%s: got %q %q, %v; want %q %q, %v", tt.name, got.Outcome, got.Change.State, err, tt.outcome, tt.state, tt.err)
		}
		if tt.state == store.StateAcknowledged && (!got.Change.MarkRead || got.Change.CancelSiblings == "" || got.Change.Log.Outcome != "acknowledged") {
			t.Errorf("%s: got %+v; want it read, its siblings cancelled, logged", tt.name, got.Change)
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
