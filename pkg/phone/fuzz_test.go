package phone

import (
	"strings"
	"testing"
)

// FuzzNormalize: whatever a person types, Normalize either refuses it with
// a message that quotes it, or gives E.164 that reads back as itself, with
// or without a region.
func FuzzNormalize(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzNormalize.
	f.Fuzz(func(t *testing.T, s, region string) {
		got, err := Normalize(s, region)
		if err != nil {
			if err.Error() == "" || (strings.TrimSpace(s) != "" && !strings.Contains(err.Error(), "\"")) {
				t.Errorf("Normalize(%q, %q): error %q does not quote the input", s, region, err)
			}
			return
		}
		if !IsE164(got) {
			t.Fatalf("Normalize(%q, %q) = %q; want E.164", s, region, got)
		}
		for _, r := range []string{"", region} {
			again, err := Normalize(got, r)
			if err != nil || again != got {
				t.Errorf("Normalize(%q, %q) = %q, but Normalize(%q, %q) = %q, %v; want it unchanged", s, region, got, got, r, again, err)
			}
		}
	})
}
