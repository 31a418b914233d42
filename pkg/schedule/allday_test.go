package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseAllDayAt(t *testing.T) {
	tests := []struct {
		in   string
		want AllDayAt
		bad  bool
	}{
		{in: "09:00 the day before", want: AllDayAt{Hour: 9, DaysBefore: 1}},
		{in: "18:30 2 days before", want: AllDayAt{Hour: 18, Minute: 30, DaysBefore: 2}},
		{in: "08:00", want: AllDayAt{Hour: 8}},
		{in: "07:15 on the day", want: AllDayAt{Hour: 7, Minute: 15}},
		{in: "  09:00  The Day Before ", want: AllDayAt{Hour: 9, DaysBefore: 1}},
		{in: "9:00 the day before", bad: true},
		{in: "24:00", bad: true},
		{in: "09:60", bad: true},
		{in: "09:00 the week before", bad: true},
		{in: "09:00 31 days before", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseAllDayAt(tt.in)
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "09:00 the day before") {
				t.Errorf("ParseAllDayAt(%q) = %+v, %v; want an error with an example", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAllDayAt(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if again, err := ParseAllDayAt(got.String()); err != nil || again != got {
			t.Errorf("ParseAllDayAt(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
}

// Each member is reminded at 09:00 the day before in their own zone.
func TestPlanAllDay(t *testing.T) {
	date := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	start := date // midnight UTC
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for zone, want := range map[string]string{
		"Asia/Tokyo":       "2026-12-02T00:00:00Z", // 09:00 JST
		"America/New_York": "2026-12-02T14:00:00Z", // 09:00 EST
	} {
		loc, err := LoadZone(zone)
		if err != nil {
			t.Fatal(err)
		}
		due, skipped := PlanAllDay(start, date, loc, []Channel{ChannelPush, ChannelEmail}, DefaultAllDayAt, now)
		if len(due) != 2 || len(skipped) != 0 || due[0].DueAt.Format(time.RFC3339) != want || due[0].OccurrenceAt != start {
			t.Errorf("%s: got %+v, skipped %+v; want 2 due at %s", zone, due, skipped, want)
		}
	}
	late := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tokyo, _ := LoadZone("Asia/Tokyo")
	if due, skipped := PlanAllDay(start, date, tokyo, []Channel{ChannelPush}, DefaultAllDayAt, late); len(due) != 0 || len(skipped) != 1 {
		t.Errorf("after 09:00 in Tokyo: %d due, %d skipped; want it skipped", len(due), len(skipped))
	}
}
