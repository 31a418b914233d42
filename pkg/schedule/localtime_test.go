package schedule

import (
	"errors"
	"testing"
	"time"
)

func TestParseLocalTime(t *testing.T) {
	const (
		newYork  = "America/New_York"
		paris    = "Europe/Paris"
		tokyo    = "Asia/Tokyo"
		adelaide = "Australia/Adelaide"
		santiago = "America/Santiago"
	)
	tests := []struct {
		zone, in string
		want     string // the instant, RFC 3339 in UTC
		wantErr  string
	}{
		// America/New_York, 2026: DST from 2026-03-08 02:00 EST to 2026-11-01 02:00 EDT.
		{zone: newYork, in: "2026-07-01 09:00", want: "2026-07-01T13:00:00Z"},
		{zone: newYork, in: "2026-12-01 09:00", want: "2026-12-01T14:00:00Z"},
		{zone: newYork, in: "2026-03-08 01:59:59", want: "2026-03-08T06:59:59Z"},
		{zone: newYork, in: "2026-03-08 02:00", wantErr: "2026-03-08 02:00 does not exist in America/New_York: clocks jump from 02:00 to 03:00"},
		{zone: newYork, in: "2026-03-08 02:30", wantErr: "2026-03-08 02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00"},
		{zone: newYork, in: "2026-03-08 03:00", want: "2026-03-08T07:00:00Z"},
		{zone: newYork, in: "2027-03-14 02:30", wantErr: "2027-03-14 02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00"},
		{zone: newYork, in: "2027-03-14T02:59:59", wantErr: "2027-03-14 02:59:59 does not exist in America/New_York: clocks jump from 02:00 to 03:00"},
		{zone: newYork, in: "2026-11-01 00:59", want: "2026-11-01T04:59:00Z"},
		{zone: newYork, in: "2026-11-01 01:30", wantErr: `2026-11-01 01:30 happens twice in America/New_York (EDT -04:00 and EST -05:00); add the offset, e.g. "2026-11-01 01:30 -04:00"`},
		{zone: newYork, in: "2026-11-01 01:00", wantErr: `2026-11-01 01:00 happens twice in America/New_York (EDT -04:00 and EST -05:00); add the offset, e.g. "2026-11-01 01:00 -04:00"`},
		{zone: newYork, in: "2026-11-01 01:30 -04:00", want: "2026-11-01T05:30:00Z"},
		{zone: newYork, in: "2026-11-01 01:30 -05:00", want: "2026-11-01T06:30:00Z"},
		{zone: newYork, in: "2026-11-01 02:00", want: "2026-11-01T07:00:00Z"},
		{zone: newYork, in: "2026-11-01 01:30 +09:00", wantErr: `2026-11-01 01:30 +09:00: America/New_York is at EDT -04:00 or EST -05:00 at 2026-11-01 01:30, not +09:00; drop the offset or write one of those`},
		{zone: newYork, in: "2026-07-01 09:00 -05:00", wantErr: `2026-07-01 09:00 -05:00: America/New_York is at EDT -04:00 at 2026-07-01 09:00, not -05:00; drop the offset or write one of those`},
		{zone: newYork, in: "2026-07-01 09:00 +00:00", wantErr: `2026-07-01 09:00 +00:00: America/New_York is at EDT -04:00 at 2026-07-01 09:00, not +00:00; drop the offset or write one of those`},
		{zone: newYork, in: "2026-07-01T13:00:00Z", want: "2026-07-01T13:00:00Z"}, // Z: an instant, any zone (RFC 9557)
		{zone: newYork, in: "2026-03-08 02:30 -05:00", wantErr: `2026-03-08 02:30 -05:00: 2026-03-08 02:30 does not exist in America/New_York (clocks skip it), with or without an offset`},

		// Europe/Paris: DST from the last Sunday of March to the last Sunday of October, at 01:00 UTC.
		{zone: paris, in: "2026-12-01 09:00", want: "2026-12-01T08:00:00Z"},
		{zone: paris, in: "2026-07-01 09:00", want: "2026-07-01T07:00:00Z"},
		{zone: paris, in: "2027-03-28 02:30", wantErr: "2027-03-28 02:30 does not exist in Europe/Paris: clocks jump from 02:00 to 03:00"},
		{zone: paris, in: "2027-03-28 03:00", want: "2027-03-28T01:00:00Z"},
		{zone: paris, in: "2026-10-25 02:30", wantErr: `2026-10-25 02:30 happens twice in Europe/Paris (CEST +02:00 and CET +01:00); add the offset, e.g. "2026-10-25 02:30 +02:00"`},
		{zone: paris, in: "2026-10-25 02:30 +02:00", want: "2026-10-25T00:30:00Z"},
		{zone: paris, in: "2026-10-25 02:30 +01:00", want: "2026-10-25T01:30:00Z"},
		{zone: paris, in: "2026-10-25 02:30 +0100", want: "2026-10-25T01:30:00Z"},
		{zone: paris, in: "2026-10-25T02:30:00+01:00", want: "2026-10-25T01:30:00Z"},

		// Asia/Tokyo: +09:00 all year; the other zones' transition times are ordinary here.
		{zone: tokyo, in: "2026-03-08 02:30", want: "2026-03-07T17:30:00Z"},
		{zone: tokyo, in: "2026-11-01 01:30", want: "2026-10-31T16:30:00Z"},
		{zone: tokyo, in: "2026-12-01 09:00", want: "2026-12-01T00:00:00Z"},
		{zone: tokyo, in: "2026-12-01 9:00", want: "2026-12-01T00:00:00Z"},
		{zone: tokyo, in: "2026-12-01T09:00", want: "2026-12-01T00:00:00Z"},
		{zone: tokyo, in: " 2026-12-01 09:00:30 ", want: "2026-12-01T00:00:30Z"},
		{zone: tokyo, in: "2026-12-01T09:00:00Z", want: "2026-12-01T09:00:00Z"},
		{zone: tokyo, in: "2026-12-01 09:00Z", want: "2026-12-01T09:00:00Z"},
		{zone: tokyo, in: "2026-12-01T09:00:00.5+09:00", want: "2026-12-01T00:00:00.5Z"},
		{zone: tokyo, in: "2028-02-29 09:00", want: "2028-02-29T00:00:00Z"},

		// Australia/Adelaide: ACST +09:30, ACDT +10:30 from the first Sunday of October
		// (02:00 -> 03:00) to the first Sunday of April (03:00 -> 02:00).
		{zone: adelaide, in: "2026-10-04 01:59", want: "2026-10-03T16:29:00Z"},
		{zone: adelaide, in: "2026-10-04 02:30", wantErr: "2026-10-04 02:30 does not exist in Australia/Adelaide: clocks jump from 02:00 to 03:00"},
		{zone: adelaide, in: "2026-10-04 03:00", want: "2026-10-03T16:30:00Z"},
		{zone: adelaide, in: "2027-04-04 02:30", wantErr: `2027-04-04 02:30 happens twice in Australia/Adelaide (ACDT +10:30 and ACST +09:30); add the offset, e.g. "2027-04-04 02:30 +10:30"`},
		{zone: adelaide, in: "2027-04-04 02:30 +10:30", want: "2027-04-03T16:00:00Z"},
		{zone: adelaide, in: "2027-04-04 02:30 +09:30", want: "2027-04-03T17:00:00Z"},
		{zone: adelaide, in: "2026-12-01 09:00", want: "2026-11-30T22:30:00Z"},
		{zone: adelaide, in: "2026-07-01 09:00", want: "2026-06-30T23:30:00Z"},

		// America/Santiago: clocks change at midnight; abbreviations are bare numbers.
		{zone: santiago, in: "2026-09-06 00:30", wantErr: "2026-09-06 00:30 does not exist in America/Santiago: clocks jump from 00:00 to 01:00"},
		{zone: santiago, in: "2027-04-03 23:30", wantErr: `2027-04-03 23:30 happens twice in America/Santiago (-03:00 and -04:00); add the offset, e.g. "2027-04-03 23:30 -03:00"`},

		// The last day of a leap year far ahead, where time.Time.ZoneBounds is wrong (golang/go#81583).
		{zone: paris, in: "2076-12-31 01:00", want: "2076-12-31T00:00:00Z"},
		{zone: newYork, in: "2076-12-30 22:00:00.000000001", want: "2076-12-31T03:00:00.000000001Z"},
		{zone: adelaide, in: "2076-12-31 12:00", want: "2076-12-31T01:30:00Z"},

		// Input that is not a date-time, or names one that no calendar has.
		{zone: tokyo, in: "", wantErr: `cannot read "" as a date and time: write it like ` + acceptedForms},
		{zone: tokyo, in: "tomorrow", wantErr: `cannot read "tomorrow" as a date and time: write it like ` + acceptedForms},
		{zone: tokyo, in: "2026-12-01", wantErr: `cannot read "2026-12-01" as a date and time: write it like ` + acceptedForms},
		{zone: tokyo, in: "2026-12-01  09:00", wantErr: `cannot read "2026-12-01  09:00" as a date and time: write it like ` + acceptedForms},
		{zone: tokyo, in: "2026-12-01 09:00 JST", wantErr: `cannot read "2026-12-01 09:00 JST" as a date and time: write it like ` + acceptedForms},
		{zone: tokyo, in: "2026-02-30 09:00", wantErr: `invalid date-time "2026-02-30 09:00": February 2026 has no day 30`},
		{zone: tokyo, in: "2027-02-29 09:00", wantErr: `invalid date-time "2027-02-29 09:00": February 2027 has no day 29`},
		{zone: tokyo, in: "2026-12-00 09:00", wantErr: `invalid date-time "2026-12-00 09:00": December 2026 has no day 0`},
		{zone: tokyo, in: "2026-13-01 09:00", wantErr: `invalid date-time "2026-13-01 09:00": month 13 does not exist (01-12)`},
		{zone: tokyo, in: "2026-00-01 09:00", wantErr: `invalid date-time "2026-00-01 09:00": month 0 does not exist (01-12)`},
		{zone: tokyo, in: "2026-12-01 25:00", wantErr: `invalid date-time "2026-12-01 25:00": hour 25 is out of range (00-23)`},
		{zone: tokyo, in: "2026-12-01 24:00", wantErr: `invalid date-time "2026-12-01 24:00": hour 24 is out of range (00-23)`},
		{zone: tokyo, in: "2026-12-01 09:60", wantErr: `invalid date-time "2026-12-01 09:60": minute 60 is out of range (00-59)`},
		{zone: tokyo, in: "2026-12-01 09:00:60", wantErr: `invalid date-time "2026-12-01 09:00:60": second 60 is out of range (00-59)`},
		{zone: tokyo, in: "2026-12-01 09:00 +24:00", wantErr: `invalid date-time "2026-12-01 09:00 +24:00": offset +24:00 is out of range`},
	}
	for _, tt := range tests {
		got, err := ParseLocalTime(tt.in, mustZone(t, tt.zone))
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("ParseLocalTime(%q, %s) error = %q; want %q", tt.in, tt.zone, gotErr, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if want := mustUTC(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseLocalTime(%q, %s) = %v; want %v", tt.in, tt.zone, got, want)
		}
	}
}

func TestParseLocalTimeErrorTypes(t *testing.T) {
	newYork := mustZone(t, "America/New_York")

	_, err := ParseLocalTime("2026-11-01 01:30", newYork)
	var ambiguous *AmbiguousTimeError
	if !errors.As(err, &ambiguous) {
		t.Fatalf("ParseLocalTime in an overlap: got error %v; want an *AmbiguousTimeError", err)
	}
	if want := mustUTC(t, "2026-11-01T05:30:00Z"); !ambiguous.Earlier.Equal(want) {
		t.Errorf("Earlier = %v; want %v", ambiguous.Earlier, want)
	}
	if want := mustUTC(t, "2026-11-01T06:30:00Z"); !ambiguous.Later.Equal(want) {
		t.Errorf("Later = %v; want %v", ambiguous.Later, want)
	}

	_, err = ParseLocalTime("2027-03-14 02:30", newYork)
	var nonexistent *NonexistentTimeError
	if !errors.As(err, &nonexistent) {
		t.Fatalf("ParseLocalTime in a gap: got error %v; want a *NonexistentTimeError", err)
	}
	if want := mustUTC(t, "2027-03-14T07:00:00Z"); !nonexistent.Jump.Equal(want) {
		t.Errorf("Jump = %v; want %v", nonexistent.Jump, want)
	}
}

func TestParseLocalTimeWithoutZone(t *testing.T) {
	if _, err := ParseLocalTime("2026-12-01 09:00", nil); errString(err) != `cannot read "2026-12-01 09:00": no time zone given` {
		t.Errorf("ParseLocalTime without offset or zone: got error %v; want one saying no time zone was given", err)
	}
	got, err := ParseLocalTime("2026-12-01 09:00 +09:00", nil)
	if want := mustUTC(t, "2026-12-01T00:00:00Z"); err != nil || !got.Equal(want) {
		t.Errorf("ParseLocalTime with offset and no zone = %v, %v; want %v, nil", got, err, want)
	}
}

func TestStartOfDay(t *testing.T) {
	tests := []struct {
		zone, date string
		want       string // the instant, RFC 3339 in UTC
		wantErr    string
	}{
		{zone: "Europe/Paris", date: "2026-12-01", want: "2026-11-30T23:00:00Z"},
		{zone: "Asia/Tokyo", date: "2026-12-01", want: "2026-11-30T15:00:00Z"},
		{zone: "America/New_York", date: "2026-03-08", want: "2026-03-08T05:00:00Z"},   // the gap is at 02:00
		{zone: "America/Santiago", date: "2026-09-06", want: "2026-09-06T04:00:00Z"},   // 00:00 -04 jumps to 01:00 -03
		{zone: "America/Havana", date: "2026-03-08", want: "2026-03-08T05:00:00Z"},     // 00:00 CST jumps to 01:00 CDT
		{zone: "America/Havana", date: "2026-11-01", want: "2026-11-01T04:00:00Z"},     // 00:00 happens twice: CDT first
		{zone: "Asia/Beirut", date: "2026-03-29", want: "2026-03-28T22:00:00Z"},        // 00:00 EET jumps to 01:00 EEST
		{zone: "Australia/Adelaide", date: "2026-10-04", want: "2026-10-03T14:30:00Z"}, // +09:30 until 02:00
		{zone: "Pacific/Apia", date: "2011-12-30", wantErr: "2011-12-30 does not exist in Pacific/Apia: clocks jump from 2011-12-30 00:00 to 2011-12-31 00:00"},
		{zone: "Europe/Paris", date: "2026-02-30", wantErr: `invalid date "2026-02-30": February 2026 has no day 30`},
		{zone: "Europe/Paris", date: "2026/12/01", wantErr: `cannot read "2026/12/01" as a date: write it like 2026-12-01`},
		{zone: "Europe/Paris", date: "2026-12-01 00:00", wantErr: `cannot read "2026-12-01 00:00" as a date: write it like 2026-12-01`},
	}
	for _, tt := range tests {
		got, err := StartOfDay(tt.date, mustZone(t, tt.zone))
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("StartOfDay(%q, %s) error = %q; want %q", tt.date, tt.zone, gotErr, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if want := mustUTC(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("StartOfDay(%q, %s) = %v; want %v", tt.date, tt.zone, got, want)
		}
	}
}

// TestParseLocalTimeAgreesWithTimePackage sweeps wall times across DST changes and checks
// ParseLocalTime against an oracle built from time.Date and Time.In alone.
func TestParseLocalTimeAgreesWithTimePackage(t *testing.T) {
	const layout = "2006-01-02 15:04"
	zones := []string{"America/New_York", "Europe/Paris", "Australia/Adelaide", "Australia/Lord_Howe", "America/Santiago"}
	for _, name := range zones {
		loc := mustZone(t, name)
		gaps, overlaps := 0, 0
		for wall := mustUTC(t, "2026-01-01T00:00:00Z"); wall.Before(mustUTC(t, "2027-05-01T00:00:00Z")); wall = wall.Add(29 * minute) {
			in := wall.Format(layout)
			got, err := ParseLocalTime(in, loc)

			// time.Date returns an instant showing the wall time if there is one.
			d := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, loc)
			if d.In(loc).Format(layout) != in {
				var nonexistent *NonexistentTimeError
				if !errors.As(err, &nonexistent) {
					t.Errorf("ParseLocalTime(%q, %s) = %v, %v; want a *NonexistentTimeError", in, name, got, err)
				}
				gaps++
				continue
			}
			// DST changes here are 30 or 60 minutes: a second instant is that far away.
			var twin time.Time
			for _, shift := range []time.Duration{-hour, -30 * minute, 30 * minute, hour} {
				if u := d.Add(shift); u.In(loc).Format(layout) == in {
					twin = u
				}
			}
			if twin.IsZero() {
				if err != nil || !got.Equal(d) {
					t.Errorf("ParseLocalTime(%q, %s) = %v, %v; want %v, nil", in, name, got, err, d)
				}
				continue
			}
			overlaps++
			earlier, later := d, twin
			if later.Before(earlier) {
				earlier, later = later, earlier
			}
			var ambiguous *AmbiguousTimeError
			if !errors.As(err, &ambiguous) || !ambiguous.Earlier.Equal(earlier) || !ambiguous.Later.Equal(later) {
				t.Errorf("ParseLocalTime(%q, %s) = %v, %v; want an *AmbiguousTimeError for %v and %v", in, name, got, err, earlier, later)
			}
		}
		if gaps == 0 || overlaps == 0 {
			t.Errorf("the sweep in %s met %d gap and %d overlap wall times; want some of each", name, gaps, overlaps)
		}
	}
}

// fuzzZones are zones with the kinds of rules that make wall times hard: none, northern and
// southern DST, half-hour offsets, half-hour DST (Lord Howe), midnight changes (Santiago),
// a skipped day (Apia), and local mean time offsets with seconds in their early history.
var fuzzZones = []string{
	"UTC", "Asia/Tokyo", "America/New_York", "Europe/Paris", "Australia/Adelaide",
	"Australia/Lord_Howe", "America/Santiago", "Pacific/Apia", "Asia/Kolkata",
}

func FuzzParseLocalTime(f *testing.F) {
	for _, seed := range []string{
		"2026-12-01 09:00", "2026-12-01 09:00:30", "2026-12-01T09:00", "2026-12-01 09:00 +09:00",
		"2026-12-01T09:00:00Z", "2027-03-14 02:30", "2026-11-01 01:30", "2026-10-04 02:30",
		"2027-04-04 02:30", "2011-12-30 12:00", "1883-11-18 12:03:58", "0000-01-01 00:00 +23:59",
		"9999-12-31 23:59:59.999999999 -23:59", "2026-02-30 09:00", "",
	} {
		f.Add(seed)
	}
	zones := make([]*time.Location, len(fuzzZones))
	for i, name := range fuzzZones {
		zones[i] = mustZone(f, name)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range zones {
			got, err := ParseLocalTime(s, loc)
			if err != nil {
				if err.Error() == "" {
					t.Errorf("ParseLocalTime(%q, %s) failed with an empty message", s, loc)
				}
				continue
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseLocalTime(%q, %s) = %v; want a UTC time", s, loc, got)
			}
			local := got.In(loc)
			if local.Year() < 0 || local.Year() > 9999 {
				continue // no four-digit year to write it back with
			}
			again := local.Format("2006-01-02 15:04:05.999999999")
			back, err := ParseLocalTime(again, loc)
			var ambiguous *AmbiguousTimeError
			switch {
			case errors.As(err, &ambiguous):
				if !got.Equal(ambiguous.Earlier) && !got.Equal(ambiguous.Later) {
					t.Errorf("ParseLocalTime(%q, %s) = %v, which is neither of the instants %v, %v its wall time %q names",
						s, loc, got, ambiguous.Earlier, ambiguous.Later, again)
				}
			case err != nil:
				t.Errorf("ParseLocalTime(%q, %s) = %v, whose wall time %q fails to parse back: %v", s, loc, got, again, err)
			case !back.Equal(got):
				t.Errorf("ParseLocalTime(%q, %s) = %v; its wall time %q parses back as %v", s, loc, got, again, back)
			}
		}
	})
}
