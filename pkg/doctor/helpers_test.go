package doctor

import (
	"context"
	"strings"
	"testing"
	"time"
)

// want is what a check must find: a status, words of the detail, words of
// the fix.
type want struct {
	status Status
	detail string
	fix    string
}

// expect runs c and compares its results with wants, in order.
func expect(t *testing.T, c Check, wants ...want) []Result {
	t.Helper()
	got := Run(context.Background(), []Check{c}, 10*time.Second)
	if len(got) != len(wants) {
		t.Fatalf("got %d results %+v; want %d", len(got), got, len(wants))
	}
	for i, w := range wants {
		r := got[i]
		if r.Status != w.status || !strings.Contains(r.Detail, w.detail) || !strings.Contains(r.Fix, w.fix) {
			t.Errorf("result %d: got %s %q (fix %q); want %s with %q (fix with %q)", i, r.Status, r.Detail, r.Fix, w.status, w.detail, w.fix)
		}
		if r.Status != OK && r.Fix == "" {
			t.Errorf("result %d: got %s without a fix; want what to do", i, r.Status)
		}
	}
	return got
}
