package schedule

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo files
)

// mustZone loads a zone the test relies on.
func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// mustUTC reads an RFC 3339 instant written in a test table.
func mustUTC(t testing.TB, s string) time.Time {
	t.Helper()
	u, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return u.UTC()
}

func TestLoadZone(t *testing.T) {
	const example = `: name an IANA zone such as "Europe/Paris"`
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "Europe/Paris"},
		{in: "America/New_York"},
		{in: "UTC"},
		{in: "", wantErr: `time zone "" is empty` + example},
		{in: "Local", wantErr: `time zone "Local" is not allowed` + example},
		{in: "Europe/Pari", wantErr: `unknown time zone "Europe/Pari"`},
		{in: "europe/paris", wantErr: `unknown time zone "europe/paris"`},
		{in: "../../etc/passwd", wantErr: `unknown time zone "../../etc/passwd"`},
	}
	for _, tt := range tests {
		loc, err := LoadZone(tt.in)
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("LoadZone(%q) error = %q; want %q", tt.in, gotErr, tt.wantErr)
			continue
		}
		if err == nil && loc.String() != tt.in {
			t.Errorf("LoadZone(%q).String() = %q; want %q", tt.in, loc.String(), tt.in)
		}
	}
}

func TestFormatInZone(t *testing.T) {
	tests := []struct {
		utc, zone, want string
	}{
		{"2026-12-01T00:00:00Z", "Asia/Tokyo", "2026-12-01 09:00 JST (+09:00)"},
		{"2026-12-01T00:00:30Z", "Asia/Tokyo", "2026-12-01 09:00:30 JST (+09:00)"},
		{"2026-11-01T05:55:00Z", "America/New_York", "2026-11-01 01:55 EDT (-04:00)"},
		{"2026-11-01T06:55:00Z", "America/New_York", "2026-11-01 01:55 EST (-05:00)"},
		{"2026-11-30T22:30:00Z", "Australia/Adelaide", "2026-12-01 09:00 ACDT (+10:30)"},
		{"2026-12-01T12:00:00Z", "America/Santiago", "2026-12-01 09:00 (-03:00)"},
		{"2026-12-01T09:00:00Z", "UTC", "2026-12-01 09:00 UTC (+00:00)"},
	}
	for _, tt := range tests {
		got := FormatInZone(mustUTC(t, tt.utc), mustZone(t, tt.zone))
		if got != tt.want {
			t.Errorf("FormatInZone(%s, %s) = %q; want %q", tt.utc, tt.zone, got, tt.want)
		}
	}
}
