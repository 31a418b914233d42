package message

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// The texts that read nothing of a delivery's own are kept for everyone
// they say the same words to; the others are rendered every time.
func TestMemoKeepsSharedTexts(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	withID, err := NewTemplates(config.Templates{SMS: "{{.Title}} #{{.DeliveryID}}", Call: "{{.Title}} {{.Topic}}"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tmpl *Templates
		name string
		want bool
	}{
		{tmpl, PushTitle, true},
		{tmpl, PushBody, true},
		{tmpl, SMS, true},
		{tmpl, Call, true},
		{tmpl, EmailSubject, true},
		{tmpl, Webhook, true},
		{tmpl, EmailText, false}, // the acknowledge link is the delivery's own
		{tmpl, EmailHTML, false},
		{withID, SMS, false},
		{withID, Call, false}, // Topic is a method the memo does not know
		{withID, PushTitle, true},
	}
	for _, tt := range tests {
		if _, got := tt.tmpl.memo.keeps[tt.name]; got != tt.want {
			t.Errorf("%s kept: got %v; want %v", tt.name, got, tt.want)
		}
	}
}

// A kept text is only ever given for a message it was rendered for: every
// text, for messages that differ in one thing each, is what rendering
// afresh gives.
func TestMemoGivesTheRenderedText(t *testing.T) {
	overrides := config.Templates{SMS: "{{.Title}} #{{.DeliveryID}}", Webhook: "{{.Clock}} {{.MinutesLeft}} {{.Name}} {{.Location}}"}
	for _, o := range []config.Templates{{}, overrides} {
		tmpl, err := NewTemplates(o)
		if err != nil {
			t.Fatal(err)
		}
		plain := *tmpl
		plain.memo = nil
		now := start.Add(-10 * time.Minute)
		variants := map[string]func(m *Message, now *time.Time){
			"base": func(*Message, *time.Time) {},
			"delivery": func(m *Message, _ *time.Time) {
				m.DeliveryID, m.Token, m.AckURL = 8, "tok8", "https://n.example.org/ack/tok8"
			},
			"person":        func(m *Message, _ *time.Time) { m.To.UserID, m.To.Login, m.To.Name = 2, "bob", "Bob" },
			"no name":       func(m *Message, _ *time.Time) { m.To.Name = "" },
			"language":      func(m *Message, _ *time.Time) { m.To.Language = "ja" },
			"zone":          func(m *Message, _ *time.Time) { m.To.TimeZone = "Europe/Berlin" },
			"title":         func(m *Message, _ *time.Time) { m.Title = "Telecon" },
			"note":          func(m *Message, _ *time.Time) { m.Note = "Bring slides" },
			"location":      func(m *Message, _ *time.Time) { m.Location = "Room 2" },
			"url":           func(m *Message, _ *time.Time) { m.URL = "https://meet.example.org/x" },
			"start":         func(m *Message, _ *time.Time) { m.StartAt = m.StartAt.Add(time.Hour) },
			"minute later":  func(_ *Message, now *time.Time) { *now = now.Add(time.Minute) },
			"seconds later": func(_ *Message, now *time.Time) { *now = now.Add(20 * time.Second) },
		}
		for _, kind := range []string{KindReminder, KindMoved, KindCancelled, KindTest, KindMessage} {
			for _, name := range []string{PushTitle, PushBody, SMS, Call, EmailSubject, EmailText, EmailHTML, Webhook} {
				for _, round := range []string{"first", "again"} {
					for what, change := range variants {
						m, at := sample(kind), now
						change(&m, &at)
						got, err := tmpl.Render(name, m, at)
						want, werr := plain.Render(name, m, at)
						if err != nil || werr != nil || got != want {
							t.Errorf("%s %s %s (%s): got %q, %v; want %q, %v", name, kind, what, round, got, err, want, werr)
						}
					}
				}
			}
		}
	}
}

// The reminder of one event to a hundred people of one language and zone
// is rendered once.
func TestMemoSharesOneText(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	clear(tmpl.memo.texts) // what the start-up check rendered
	for i := range 100 {
		m := sample(KindReminder)
		m.DeliveryID, m.To.UserID, m.To.Login, m.To.Name = int64(i), int64(i), "p", "P"
		m.To.Name = string(rune('A' + i%26))
		if _, err := tmpl.Render(PushTitle, m, start.Add(-10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(tmpl.memo.texts); got != 1 {
		t.Errorf("got %d texts kept for 100 people; want 1", got)
	}
}
