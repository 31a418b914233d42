package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseAt(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	// Friday 2027-10-29 12:00 in Berlin (CEST); clocks go back on Sunday the 31st at 03:00.
	now := time.Date(2027, 10, 29, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    string // RFC 3339, UTC
		wantErr string // part of the error
	}{
		{in: "now", want: "2027-10-29T10:00:00Z"},
		{in: "+2h", want: "2027-10-29T12:00:00Z"},
		{in: " +90m ", want: "2027-10-29T11:30:00Z"},
		{in: "+1d12h", want: "2027-10-30T22:00:00Z"},
		{in: "+3d", want: "2027-11-01T10:00:00Z"},
		{in: "today 14:30", want: "2027-10-29T12:30:00Z"},
		{in: "Today 14:30:15", want: "2027-10-29T12:30:15Z"},
		{in: "tomorrow 09:00", want: "2027-10-30T07:00:00Z"},
		{in: "TOMORROW 9:00", want: "2027-10-30T07:00:00Z"},
		{in: "friday 13:00", want: "2027-10-29T11:00:00Z"}, // today, still ahead
		{in: "friday 09:00", want: "2027-11-05T08:00:00Z"}, // today's has passed: next week, in CET
		{in: "mon 09:00", want: "2027-11-01T08:00:00Z"},
		{in: "sunday 02:30 +01:00", want: "2027-10-31T01:30:00Z"},
		{in: "sunday 02:30 +02:00", want: "2027-10-31T00:30:00Z"},
		{in: "2027-10-31 02:30 +01:00", want: "2027-10-31T01:30:00Z"},
		{in: "2027-10-31 02:30 +02:00", want: "2027-10-31T00:30:00Z"},
		{in: "2027-10-31T00:30:00Z", want: "2027-10-31T00:30:00Z"},
		{in: "2027-10-31 02:30 +05:00", wantErr: "Europe/Berlin is at CEST +02:00 or CET +01:00 at 2027-10-31 02:30, not +05:00"},
		{in: "sunday 02:30 +05:00", wantErr: "not +05:00"},
		{in: "sunday 02:30", wantErr: "happens twice in Europe/Berlin"},
		{in: "2028-03-26 02:30", wantErr: "does not exist in Europe/Berlin"},
		{in: "tomorrow", wantErr: `give a clock time after "tomorrow"`},
		{in: "tomorrow 25:00", wantErr: "hour 25 is out of range"},
		{in: "+0h", wantErr: "not after now"},
		{in: "+-2h", wantErr: "sign inside"},
		{in: "+2x", wantErr: "not a duration"},
		{in: "+", wantErr: "not a duration"},
		{in: "+5000d", wantErr: "more than 1000 days"},
		{in: "+99999999999h", wantErr: "not a duration"},
		{in: "next week", wantErr: `"tomorrow 09:00"`},
		{in: "", wantErr: "cannot read"},
	}
	for _, tt := range tests {
		got, err := ParseAt(tt.in, berlin, now)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAt(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("ParseAt(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	var offErr *OffsetError
	if _, err := ParseAt("2027-10-31 02:30 +05:00", berlin, now); !errors.As(err, &offErr) || len(offErr.Valid) != 2 {
		t.Errorf("got %v; want an *OffsetError with the two valid instants", err)
	}
}

// FuzzParseAt: every --at either fails with a message or names a UTC
// instant; a relative form lands after now and within its bound, a day
// form on the day it names (in the zone), and a numeric offset is one the
// zone has at that instant.
func FuzzParseAt(f *testing.F) {
	zones := make([]*time.Location, len(fuzzZones))
	for i, name := range fuzzZones {
		zones[i] = mustZone(f, name)
	}
	now := time.Date(2027, 10, 29, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range zones {
			got, err := ParseAt(s, loc, now)
			if err != nil {
				if err.Error() == "" {
					t.Errorf("ParseAt(%q, %s) failed with an empty message", s, loc)
				}
				continue
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseAt(%q, %s) = %v; want UTC", s, loc, got)
			}
			in := strings.ToLower(strings.TrimSpace(s))
			first, _, _ := strings.Cut(in, " ")
			_, isWeekday := weekday(first)
			switch {
			case strings.HasPrefix(in, "+"):
				if !got.After(now) || got.Sub(now) > maxRelative {
					t.Errorf("ParseAt(%q) = %v; want after %v, within %v", s, got, now, maxRelative)
				}
			case first == "today" || first == "tomorrow" || isWeekday:
				days := got.In(loc).Sub(now.In(loc)).Hours() / 24
				if days < -2 || days > 15 {
					t.Errorf("ParseAt(%q, %s) = %v; want within two weeks of %v", s, loc, got, now)
				}
			}
			if m := localTimePattern.FindStringSubmatch(strings.TrimSpace(s)); m != nil && m[8] != "" && m[8] != "Z" && m[8] != "z" {
				d, _ := parseOffset(m[8])
				if offsetAt(loc, got) != d {
					t.Errorf("ParseAt(%q, %s) = %v, where the zone is at %v, not the offset written", s, loc, got, offsetAt(loc, got))
				}
			}
		}
	})
}
