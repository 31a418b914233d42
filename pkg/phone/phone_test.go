package phone

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, region, want string
		wantErr          bool
	}{
		{in: "+1 (212) 555-0100", want: "+12125550100"},
		{in: "+41 22 767 61 11", want: "+41227676111"},
		{in: "0041 22 767 61 11", want: "+41227676111"},
		{in: "(212) 555-0100", region: "US", want: "+12125550100"},
		{in: "03-1234-5678", region: "jp", want: "+81312345678"},
		{in: "+81 3-1234-5678", region: "US", want: "+81312345678"},
		{in: "(212) 555-0100", wantErr: true}, // no country code, no region
		{in: "", region: "US", wantErr: true}, // empty
		{in: "call me maybe", region: "US", wantErr: true},
		{in: "+1 212 555", wantErr: true},     // too short
		{in: "+999 1234 5678", wantErr: true}, // no such country code
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in, tt.region)
		if tt.wantErr {
			if err == nil {
				t.Errorf("Normalize(%q, %q) = %q; want an error", tt.in, tt.region, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
		}
	}
}

func TestIsE164(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"+12125550100", true},
		{"+81312345678", true},
		{"12125550100", false},
		{"+1 212 555 0100", false},
		{"+0123456789", false},
		{"+1234567", false},
		{"+1234567890123456", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsE164(tt.in); got != tt.want {
			t.Errorf("IsE164(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
