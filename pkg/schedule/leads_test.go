package schedule

import (
	"slices"
	"testing"
	"time"
)

const (
	minute = time.Minute
	hour   = time.Hour
)

func TestParseLeads(t *testing.T) {
	const notDuration = " is not a duration: write it like 10m, 1h30m, 2d or 0"
	tests := []struct {
		in      string
		want    []time.Duration
		wantErr string
	}{
		{in: "10m,2m", want: []time.Duration{10 * minute, 2 * minute}},
		{in: "2m,10m", want: []time.Duration{10 * minute, 2 * minute}},
		{in: " 10m , 2m ", want: []time.Duration{10 * minute, 2 * minute}},
		{in: "1h30m", want: []time.Duration{90 * minute}},
		{in: "1.5h", want: []time.Duration{90 * minute}},
		{in: "0", want: []time.Duration{0}},
		{in: "-0", want: []time.Duration{0}},
		{in: "+5m", want: []time.Duration{5 * minute}},
		{in: "30s", want: []time.Duration{30 * time.Second}},
		{in: "1d", want: []time.Duration{24 * hour}},
		{in: "2d", want: []time.Duration{48 * hour}},
		{in: "1d12h", want: []time.Duration{36 * hour}},
		{in: "30d", want: []time.Duration{720 * hour}},
		{in: "720h", want: []time.Duration{720 * hour}},
		{in: "10m,600s,10m", want: []time.Duration{10 * minute}},
		{in: "0,5m,1h,1d", want: []time.Duration{24 * hour, hour, 5 * minute, 0}},

		{in: "", wantErr: "no lead times given: write them like 10m,2m"},
		{in: " ", wantErr: "no lead times given: write them like 10m,2m"},
		{in: "10m,,2m", wantErr: `empty lead time in "10m,,2m": separate lead times with single commas, e.g. 10m,2m`},
		{in: "-5m", wantErr: "lead time -5m is negative: a reminder comes before the event"},
		{in: "10m,-1d", wantErr: "lead time -1d is negative: a reminder comes before the event"},
		{in: "10x", wantErr: `lead time "10x"` + notDuration},
		{in: "abc", wantErr: `lead time "abc"` + notDuration},
		{in: "5", wantErr: `lead time "5"` + notDuration},
		{in: "d", wantErr: `lead time "d"` + notDuration},
		{in: "1.5d", wantErr: `lead time "1.5d"` + notDuration},
		{in: "1d2d", wantErr: `lead time "1d2d"` + notDuration},
		{in: "1d-5m", wantErr: `lead time "1d-5m"` + notDuration},
		{in: "--5m", wantErr: `lead time "--5m"` + notDuration},
		{in: "10 m", wantErr: `lead time "10 m"` + notDuration},
		{in: "31d", wantErr: "lead time 31d is more than 30 days"},
		{in: "30d1s", wantErr: "lead time 30d1s is more than 30 days"},
		{in: "721h", wantErr: "lead time 721h is more than 30 days"},
		{in: "1d2562047h", wantErr: "lead time 1d2562047h is more than 30 days"},
		{in: "99999999999999999999d", wantErr: "lead time 99999999999999999999d is more than 30 days"},
		{in: "1500ms", wantErr: "lead time 1500ms is not a whole number of seconds"},
	}
	for _, tt := range tests {
		got, err := ParseLeads(tt.in)
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("ParseLeads(%q) error = %q; want %q", tt.in, gotErr, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseLeads(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestFormatLeadsRoundTrip(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want string
	}{
		{[]time.Duration{10 * minute, 2 * minute}, "10m,2m"},
		{[]time.Duration{36 * hour, 25 * hour, 24 * hour, 90 * minute, hour}, "1d12h,1d1h,1d,1h30m,1h"},
		{[]time.Duration{90 * time.Second, 30 * time.Second, 0}, "1m30s,30s,0"},
		{[]time.Duration{720 * hour}, "30d"},
	}
	for _, tt := range tests {
		got := FormatLeads(tt.in)
		if got != tt.want {
			t.Errorf("FormatLeads(%v) = %q; want %q", tt.in, got, tt.want)
		}
		back, err := ParseLeads(got)
		if err != nil || !slices.Equal(back, tt.in) {
			t.Errorf("ParseLeads(%q) = %v, %v; want %v, nil", got, back, err, tt.in)
		}
	}
}

func TestHumanLead(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 minutes"},
		{minute, "1 minute"},
		{10 * minute, "10 minutes"},
		{90 * minute, "1 hour 30 minutes"},
		{48 * hour, "2 days"},
		{25*hour + time.Second, "1 day 1 hour 1 second"},
	}
	for _, tt := range tests {
		if got := HumanLead(tt.in); got != tt.want {
			t.Errorf("HumanLead(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestLeadSecondsRoundTrip(t *testing.T) {
	leads := []time.Duration{24 * hour, 10 * minute, 2 * minute, 0}
	const want = "86400,600,120,0"
	got := EncodeLeadSeconds(leads)
	if got != want {
		t.Fatalf("EncodeLeadSeconds(%v) = %q; want %q", leads, got, want)
	}
	back, err := DecodeLeadSeconds(got)
	if err != nil || !slices.Equal(back, leads) {
		t.Errorf("DecodeLeadSeconds(%q) = %v, %v; want %v, nil", got, back, err, leads)
	}
}

func TestDecodeLeadSeconds(t *testing.T) {
	const outOfRange = " is not a number of seconds from 0 to 2592000"
	tests := []struct {
		in      string
		want    []time.Duration
		wantErr string
	}{
		{in: "600", want: []time.Duration{10 * minute}},
		{in: "120,600,120", want: []time.Duration{10 * minute, 2 * minute}},
		{in: "2592000", want: []time.Duration{720 * hour}},
		{in: "", wantErr: "stored lead times are empty"},
		{in: "600,abc", wantErr: `stored lead times "600,abc": "abc"` + outOfRange},
		{in: "600, 120", wantErr: `stored lead times "600, 120": " 120"` + outOfRange},
		{in: "-60", wantErr: `stored lead times "-60": "-60"` + outOfRange},
		{in: "2592001", wantErr: `stored lead times "2592001": "2592001"` + outOfRange},
		{in: "600,", wantErr: `stored lead times "600,": ""` + outOfRange},
	}
	for _, tt := range tests {
		got, err := DecodeLeadSeconds(tt.in)
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("DecodeLeadSeconds(%q) error = %q; want %q", tt.in, gotErr, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("DecodeLeadSeconds(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseLeads(f *testing.F) {
	for _, seed := range []string{"10m,2m", "1h30m", "0", "1d12h", "-5m", "31d", "1d2562047h", "1.5s", "10x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		leads, err := ParseLeads(s)
		if err != nil {
			return
		}
		for i, d := range leads {
			if d < 0 || d > MaxLead || d%time.Second != 0 || (i > 0 && d >= leads[i-1]) {
				t.Fatalf("ParseLeads(%q) = %v; want whole seconds from 0 to 30 days, longest first, no duplicates", s, leads)
			}
		}
		text := FormatLeads(leads)
		if back, err := ParseLeads(text); err != nil || !slices.Equal(back, leads) {
			t.Errorf("ParseLeads(%q) = %v, written %q, which parses back as %v, %v", s, leads, text, back, err)
		}
		stored := EncodeLeadSeconds(leads)
		if back, err := DecodeLeadSeconds(stored); err != nil || !slices.Equal(back, leads) {
			t.Errorf("ParseLeads(%q) = %v, stored %q, which decodes as %v, %v", s, leads, stored, back, err)
		}
	})
}
