package dispatch

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestMessageOfAClaim(t *testing.T) {
	start := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	ev := &store.Event{ExternalID: "telecon-42@indico.example.org", Location: "Room 1", URL: "https://meet.example.org/x",
		StartAt: start, EndAt: start.Add(90 * time.Minute)}
	tests := []struct {
		name         string
		event        *store.Event
		occurrence   time.Time
		wantUID      string
		wantEnd      time.Time
		wantLocation string
	}{
		{"an event: its UID, its length after the occurrence", ev, start.Add(7 * 24 * time.Hour),
			"telecon-42@indico.example.org", start.Add(7*24*time.Hour + 90*time.Minute), "Room 1"},
		{"an ad-hoc registration: neither", nil, start, "", time.Time{}, ""},
	}
	for _, tt := range tests {
		c := store.Claim{Delivery: store.Delivery{ID: 7, Kind: store.KindReminder, OccurrenceAt: tt.occurrence, Token: "tok"},
			Event: tt.event}
		m := Message(c, "https://notify.example.org")
		if m.EventUID != tt.wantUID || !m.EndAt.Equal(tt.wantEnd) || m.Location != tt.wantLocation {
			t.Errorf("%s: got uid %q, end %s, location %q; want %q, %s, %q", tt.name, m.EventUID, m.EndAt, m.Location,
				tt.wantUID, tt.wantEnd, tt.wantLocation)
		}
		if m.AckURL != "https://notify.example.org/ack/tok" {
			t.Errorf("%s: got ack URL %q", tt.name, m.AckURL)
		}
	}
}
