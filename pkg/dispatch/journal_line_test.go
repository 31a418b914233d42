package dispatch

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// A journal line reads back, with json.Unmarshal as readJournal reads it,
// as the result that was written, and as encoding/json's line of it would
// (invalid UTF-8 as U+FFFD, a byte each).
func TestResultLineRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 30, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		r    store.Result
	}{
		{"sent", store.Result{ID: 1, State: store.StateSent, Target: "2 browsers", Attempt: 1, Outcome: "sent", ProviderStatus: "201"}},
		{"retry", store.Result{ID: 1 << 40, State: store.StatePending, NextAttemptAt: at, Error: "push service: 503", Attempt: 3,
			Outcome: "retry"}},
		{"fallback", store.Result{ID: 7, State: store.StateFailed, Outcome: "no-target", Fallback: &store.Fallback{RegistrationID: 3,
			UserID: 4, Kind: store.KindMessage, Channel: schedule.ChannelSMS, Lead: 10 * time.Minute, OccurrenceAt: at}}},
		{"escapes", store.Result{ID: 8, Detail: "quote \" backslash \\ newline \n tab \t cr \r nul \x00 bell \x07 <b>&",
			Error: "日本語 é 😀 \u2028"}},
		{"invalid UTF-8", store.Result{ID: 10, Detail: "cut \xe6\x97 here \xff"}},
		{"zone", store.Result{ID: 9, NextAttemptAt: time.Date(2026, 3, 29, 2, 30, 0, 0, time.FixedZone("CEST", 2*3600))}},
	}
	for _, tt := range tests {
		line := appendResultLine(nil, tt.r)
		var got store.Result
		if err := json.Unmarshal(line, &got); err != nil {
			t.Errorf("%s: %s does not read back: %v", tt.name, line, err)
			continue
		}
		if !sameResult(got, tt.r) && tt.name != "invalid UTF-8" {
			t.Errorf("%s: got %+v; want %+v (line %s)", tt.name, got, tt.r, line)
		}
		want, _ := json.Marshal(tt.r)
		var viaJSON store.Result
		json.Unmarshal(want, &viaJSON)
		if !sameResult(got, viaJSON) {
			t.Errorf("%s: got %+v; want what encoding/json's line gives, %+v", tt.name, got, viaJSON)
		}
	}
}

// sameResult compares results, times by instant.
func sameResult(a, b store.Result) bool {
	if !a.NextAttemptAt.Equal(b.NextAttemptAt) {
		return false
	}
	a.NextAttemptAt, b.NextAttemptAt = time.Time{}, time.Time{}
	if (a.Fallback == nil) != (b.Fallback == nil) {
		return false
	}
	if a.Fallback != nil {
		fa, fb := *a.Fallback, *b.Fallback
		if !fa.OccurrenceAt.Equal(fb.OccurrenceAt) {
			return false
		}
		fa.OccurrenceAt, fb.OccurrenceAt = time.Time{}, time.Time{}
		if fa != fb {
			return false
		}
		a.Fallback, b.Fallback = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// Any text in any field reads back as encoding/json would have written it.
func FuzzResultLine(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\x00", "日本語", "\xff\xfe", "\u2028</script>"} {
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, s string, id int64) {
		r := store.Result{ID: id, State: store.DeliveryState(s), Target: s, Error: s, Detail: s, Outcome: s,
			Fallback: &store.Fallback{Kind: store.DeliveryKind(s), Channel: schedule.Channel(s)}}
		var got, want store.Result
		if err := json.Unmarshal(appendResultLine(nil, r), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		line, err := json.Marshal(r)
		if err != nil {
			t.Skip() // encoding/json cannot write it either
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		if !sameResult(got, want) {
			t.Errorf("%q: got %+v; want %+v", s, got, want)
		}
	})
}

// BenchmarkResultLine is the cost of a journal line, written for every
// send, against encoding/json's (bench/README.md, "invoke").
func BenchmarkResultLine(b *testing.B) {
	r := store.Result{ID: 123456, State: store.StateSent, Target: "1 browser", Attempt: 1, Outcome: "sent", ProviderStatus: "201"}
	b.Run("appendResultLine", func(b *testing.B) {
		b.ReportAllocs()
		var line []byte
		for b.Loop() {
			line = appendResultLine(line[:0], r)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
