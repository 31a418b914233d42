package schedule

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// brief writes a Planned as "channel lead due-UTC", for comparing lists.
func brief(ps []Planned) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s %s %s", p.Channel, FormatLeads([]time.Duration{p.Lead}), p.DueAt.Format(time.RFC3339))
	}
	return out
}

func TestPlan(t *testing.T) {
	const start = "2026-12-01T00:00:00Z" // 09:00 in Tokyo
	channels := []Channel{ChannelCall, ChannelPush}
	tests := []struct {
		name         string
		leads        []time.Duration
		now          string
		due, skipped []string
	}{
		{
			name:  "all ahead, leads given shortest first",
			leads: []time.Duration{2 * minute, 10 * minute},
			now:   "2026-11-30T23:00:00Z",
			due: []string{
				"call 10m 2026-11-30T23:50:00Z", "push 10m 2026-11-30T23:50:00Z",
				"call 2m 2026-11-30T23:58:00Z", "push 2m 2026-11-30T23:58:00Z",
			},
		},
		{
			name:    "the 10m reminders are past",
			leads:   []time.Duration{10 * minute, 2 * minute},
			now:     "2026-11-30T23:55:00Z",
			due:     []string{"call 2m 2026-11-30T23:58:00Z", "push 2m 2026-11-30T23:58:00Z"},
			skipped: []string{"call 10m 2026-11-30T23:50:00Z", "push 10m 2026-11-30T23:50:00Z"},
		},
		{
			name:  "due exactly now is not past",
			leads: []time.Duration{10 * minute},
			now:   "2026-11-30T23:50:00Z",
			due:   []string{"call 10m 2026-11-30T23:50:00Z", "push 10m 2026-11-30T23:50:00Z"},
		},
		{
			name:  "at the start, now",
			leads: []time.Duration{0},
			now:   start,
			due:   []string{"call 0 2026-12-01T00:00:00Z", "push 0 2026-12-01T00:00:00Z"},
		},
		{
			name:    "the event already started",
			leads:   []time.Duration{hour, 0},
			now:     "2026-12-01T00:00:01Z",
			skipped: []string{"call 1h 2026-11-30T23:00:00Z", "push 1h 2026-11-30T23:00:00Z", "call 0 2026-12-01T00:00:00Z", "push 0 2026-12-01T00:00:00Z"},
		},
	}
	for _, tt := range tests {
		due, skipped := Plan(mustUTC(t, start), channels, tt.leads, mustUTC(t, tt.now))
		if got := brief(due); !slices.Equal(got, tt.due) {
			t.Errorf("%s: due = %q; want %q", tt.name, got, tt.due)
		}
		if got := brief(skipped); !slices.Equal(got, tt.skipped) {
			t.Errorf("%s: skipped = %q; want %q", tt.name, got, tt.skipped)
		}
		for _, p := range slices.Concat(due, skipped) {
			if !p.OccurrenceAt.Equal(mustUTC(t, start)) || p.OccurrenceAt.Location() != time.UTC || p.DueAt.Location() != time.UTC {
				t.Errorf("%s: %+v; want OccurrenceAt %s and both times in UTC", tt.name, p, start)
			}
		}
	}
}

// TestDueAtAcrossTransitions checks that a lead is real time, whatever the clocks do.
func TestDueAtAcrossTransitions(t *testing.T) {
	tests := []struct {
		zone, start string
		lead        time.Duration
		wantUTC     string
		wantLocal   string
	}{
		// The event is at 01:05 EST, after the fall back; 10 minutes earlier clocks showed EDT.
		{"America/New_York", "2026-11-01 01:05 -05:00", 10 * minute, "2026-11-01T05:55:00Z", "2026-11-01 01:55 EDT (-04:00)"},
		{"America/New_York", "2026-11-01 01:05 -05:00", hour, "2026-11-01T05:05:00Z", "2026-11-01 01:05 EDT (-04:00)"},
		{"America/New_York", "2026-11-01 02:00", hour, "2026-11-01T06:00:00Z", "2026-11-01 01:00 EST (-05:00)"},
		// Spring forward: 10 minutes before 03:05 EDT is 01:55 EST.
		{"America/New_York", "2027-03-14 03:05", 10 * minute, "2027-03-14T06:55:00Z", "2027-03-14 01:55 EST (-05:00)"},
		{"America/New_York", "2026-03-08 03:30", hour, "2026-03-08T06:30:00Z", "2026-03-08 01:30 EST (-05:00)"},
		// A day is 24 hours: the day before 09:00 CEST, after spring forward, is 08:00 CET.
		{"Europe/Paris", "2027-03-28 09:00", Day, "2027-03-27T07:00:00Z", "2027-03-27 08:00 CET (+01:00)"},
		{"Australia/Adelaide", "2026-10-04 03:10", 15 * minute, "2026-10-03T16:25:00Z", "2026-10-04 01:55 ACST (+09:30)"},
		{"Asia/Tokyo", "2026-12-01 09:00", 2 * Day, "2026-11-29T00:00:00Z", "2026-11-29 09:00 JST (+09:00)"},
	}
	for _, tt := range tests {
		loc := mustZone(t, tt.zone)
		start, err := ParseLocalTime(tt.start, loc)
		if err != nil {
			t.Fatal(err)
		}
		got := DueAt(start, tt.lead)
		if want := mustUTC(t, tt.wantUTC); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("DueAt(%s in %s, %v) = %v; want %v", tt.start, tt.zone, tt.lead, got, want)
		}
		if local := FormatInZone(got, loc); local != tt.wantLocal {
			t.Errorf("DueAt(%s in %s, %v) in its zone = %q; want %q", tt.start, tt.zone, tt.lead, local, tt.wantLocal)
		}
	}
}

func TestMove(t *testing.T) {
	start := mustUTC(t, "2026-12-01T00:00:00Z")
	p := Planned{Channel: ChannelPush, Lead: 10 * minute, OccurrenceAt: start, DueAt: DueAt(start, 10*minute)}
	tests := []struct {
		name     string
		newStart string
		now      string
		wantDue  string
		wantPast bool
	}{
		{"later", "2026-12-01T02:00:00Z", "2026-12-01T01:00:00Z", "2026-12-01T01:50:00Z", false},
		{"earlier, still ahead", "2026-11-30T23:30:00Z", "2026-11-30T23:00:00Z", "2026-11-30T23:20:00Z", false},
		{"earlier, reminder time gone", "2026-11-30T23:30:00Z", "2026-11-30T23:25:00Z", "2026-11-30T23:20:00Z", true},
	}
	for _, tt := range tests {
		moved := Move(p, mustUTC(t, tt.newStart))
		if !moved.DueAt.Equal(mustUTC(t, tt.wantDue)) || !moved.OccurrenceAt.Equal(mustUTC(t, tt.newStart)) {
			t.Errorf("%s: Move to %s = due %v, occurrence %v; want due %s, occurrence %s",
				tt.name, tt.newStart, moved.DueAt, moved.OccurrenceAt, tt.wantDue, tt.newStart)
		}
		if moved.Channel != p.Channel || moved.Lead != p.Lead {
			t.Errorf("%s: Move changed channel or lead: %+v; want %s, %v", tt.name, moved, p.Channel, p.Lead)
		}
		if got := moved.Past(mustUTC(t, tt.now)); got != tt.wantPast {
			t.Errorf("%s: Past(%s) = %v; want %v", tt.name, tt.now, got, tt.wantPast)
		}
	}
}

func TestPlannedMessages(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	due := mustUTC(t, "2026-11-30T23:50:00Z")
	tests := []struct {
		p    Planned
		want string
	}{
		{Planned{Channel: ChannelPush, Lead: 10 * minute, DueAt: due},
			"reminder 10m before (push) would be due at 2026-12-01 08:50 JST (+09:00), which is in the past; skipped"},
		{Planned{Channel: ChannelSMS, Lead: 90 * minute, DueAt: due},
			"reminder 1h30m before (sms) would be due at 2026-12-01 08:50 JST (+09:00), which is in the past; skipped"},
		{Planned{Channel: ChannelCall, Lead: 0, DueAt: due},
			"reminder at the start (call) would be due at 2026-12-01 08:50 JST (+09:00), which is in the past; skipped"},
	}
	for _, tt := range tests {
		if got := tt.p.SkippedWarning(tokyo); got != tt.want {
			t.Errorf("SkippedWarning(%+v) = %q; want %q", tt.p, got, tt.want)
		}
	}
}
