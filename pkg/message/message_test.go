package message

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
)

var (
	start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo
	alice = Recipient{UserID: 1, Login: "alice", Name: "Alice Liddell", TimeZone: "Asia/Tokyo", Language: "en-US"}
)

func sample(kind string) Message {
	return Message{DeliveryID: 7, RegistrationID: 3, Kind: kind, To: alice, Title: "Detector review", Note: "Room 4-S-030",
		URL: "https://meet.example.org/r", StartAt: start, Lead: 10 * time.Minute, AckURL: "https://notify.example.org/ack/tok"}
}

func TestBuiltInTexts(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	now := start.Add(-10 * time.Minute)
	tests := []struct {
		name, kind string
		want       []string
	}{
		{PushTitle, KindReminder, []string{"Detector review in 10 minutes"}},
		{PushBody, KindReminder, []string{"Tue 1 Dec 2026 09:00 JST", "Room 4-S-030"}},
		{SMS, KindReminder, []string{"Reminder: Detector review starts in 10 minutes (Tue 1 Dec 2026 09:00 JST). https://meet.example.org/r"}},
		{Call, KindReminder, []string{"Hello Alice Liddell.", "Detector review starts in 10 minutes, at 09:00."}},
		{EmailSubject, KindReminder, []string{"Reminder: Detector review in 10 minutes"}},
		{EmailText, KindReminder, []string{"Join: https://meet.example.org/r", "Got it: https://notify.example.org/ack/tok"}},
		{EmailHTML, KindReminder, []string{`<a href="https://meet.example.org/r">Join the meeting</a>`}},
		{Webhook, KindReminder, []string{"Reminder for Alice Liddell: *Detector review* starts in 10 minutes"}},
		{PushTitle, KindCancelled, []string{"Cancelled: Detector review"}},
		{SMS, KindMoved, []string{"Moved: Detector review now starts Tue 1 Dec 2026 09:00 JST."}},
		{Call, KindTest, []string{"This is a test call."}},
		// A moved or cancelled event is announced with its date and zone, not the clock time alone.
		{Call, KindMoved, []string{"Detector review has moved. It now starts on Tuesday 1 December at 09:00, JST."}},
		{Call, KindCancelled, []string{"Detector review, planned for Tuesday 1 December at 09:00, JST, is cancelled."}},
		{PushBody, KindMoved, []string{"Now Tue 1 Dec 2026 09:00 JST"}},
		{EmailHTML, KindReminder, []string{`<html lang="en">`, "The attached event.ics puts the event in your calendar."}},
	}
	for _, tt := range tests {
		got, err := tmpl.Render(tt.name, sample(tt.kind), now)
		if err != nil {
			t.Errorf("Render(%s, %s): %v", tt.name, tt.kind, err)
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(got, want) {
				t.Errorf("Render(%s, %s) = %q; want it to contain %q", tt.name, tt.kind, got, want)
			}
		}
	}
}

func TestHTMLIsEscaped(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	m := sample(KindReminder)
	m.Title, m.URL = `<script>alert(1)</script>`, `javascript:alert(1)`
	got, err := tmpl.Render(EmailHTML, m, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, `href="javascript:`) {
		t.Errorf("got %q; want the title escaped and the javascript: URL neutralised", got)
	}
}

func TestOverrides(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{SMS: "{{.Title}} @ {{.Clock}} ({{.MinutesLeft}} min)"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(SMS, sample(KindReminder), start.Add(-5*time.Minute))
	if want := "Detector review @ 09:00 (5 min)"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}

	for _, bad := range []config.Templates{{SMS: "{{.Nope}}"}, {EmailHTML: "{{.Title"}, {Call: "{{template \"x\"}}"}} {
		_, err := NewTemplates(bad)
		if err == nil || !strings.Contains(err.Error(), "templates.") {
			t.Errorf("NewTemplates(%+v) = %v; want an error naming the templates key", bad, err)
		}
	}
}

func TestViewTimes(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now     time.Time
		in      string
		minutes int
	}{
		{start.Add(-90 * time.Minute), "in 1 hour 30 minutes", 90},
		{start.Add(-time.Minute), "in 1 minute", 1},
		{start.Add(-10 * time.Second), "now", 0},
		{start.Add(time.Minute), "now", 0},
	}
	for _, tt := range tests {
		v := newView(sample(KindReminder), tokyo, tt.now, locale.Embedded().Language("en"))
		in, err := v.In()
		if err != nil || in != tt.in || v.MinutesLeft != tt.minutes {
			t.Errorf("at %v: got %q, %v, %d; want %q, %d", tt.now, in, err, v.MinutesLeft, tt.in, tt.minutes)
		}
	}
}

func TestClassify(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		err   error
		want  Outcome
		after time.Duration
	}{
		{base, OutcomeRetry, 0},
		{Retry(base, 30*time.Second), OutcomeRetry, 30 * time.Second},
		{fmt.Errorf("send: %w", Retry(base, time.Minute)), OutcomeRetry, time.Minute},
		{Permanent(base), OutcomePermanent, 0},
		{fmt.Errorf("send: %w", Permanentf("number %s rejected", "+1")), OutcomePermanent, 0},
		{fmt.Errorf("%w: no phone number", ErrNoTarget), OutcomeNoTarget, 0},
	}
	for _, tt := range tests {
		got, after := Classify(tt.err)
		if got != tt.want || after != tt.after {
			t.Errorf("Classify(%v) = %v, %v; want %v, %v", tt.err, got, after, tt.want, tt.after)
		}
	}
}

func TestStaleAndTopic(t *testing.T) {
	m := sample(KindReminder)
	if m.Stale(start.Add(-time.Second)) || !m.Stale(start) {
		t.Errorf("a reminder must be fresh before its start and stale from it")
	}
	if c := sample(KindCancelled); c.Stale(start.Add(time.Hour)) {
		t.Errorf("a cancellation notice is never stale")
	}
	if got, want := m.Topic(), fmt.Sprintf("r3-%d", start.Unix()); got != want || len(got) > 32 {
		t.Errorf("Topic() = %q; want %q (at most 32 characters)", got, want)
	}
}
