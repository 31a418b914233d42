package message

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// A ja-JP member in Tokyo and a de-DE member in Berlin are reminded of the
// same event: each gets their own words and their own local time, with
// the zone named, in every channel; "1 minute" and "10 minutes" take each
// language's plural forms.
func TestTwoMembersOneEvent(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	event := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
	ja := Recipient{Login: "haruki", Name: "村上", TimeZone: "Asia/Tokyo", Language: "ja-JP"}
	de := Recipient{Login: "greta", Name: "Greta", TimeZone: "Europe/Berlin", Language: "de-DE"}
	tests := []struct {
		to       Recipient
		left     time.Duration
		name     string
		want     []string
		notWants []string
	}{
		{ja, time.Minute, SMS, []string{"1分後", "2026年12月3日(木) 19:30 JST"}, []string{"Reminder", "11:30"}},
		{ja, 10 * time.Minute, SMS, []string{"10分後", "12月3日(木) 19:30 JST"}, nil},
		{ja, 10 * time.Minute, PushTitle, []string{"Detector review：10分後"}, nil},
		{ja, 10 * time.Minute, Call, []string{"村上さん", "10分後、19時30分に始まります"}, []string{"Hello"}},
		{ja, 10 * time.Minute, EmailSubject, []string{"リマインダー", "10分後"}, nil},
		{de, time.Minute, SMS, []string{"in 1 Minute ", "Do., 3. Dez. 2026, 11:30 MEZ"}, []string{"Minuten", "JST", "Reminder"}},
		{de, 10 * time.Minute, SMS, []string{"in 10 Minuten", "Do., 3. Dez. 2026, 11:30 MEZ"}, nil},
		{de, 10 * time.Minute, PushTitle, []string{"Detector review in 10 Minuten"}, nil},
		{de, 10 * time.Minute, Call, []string{"Hallo Greta", "beginnt in 10 Minuten, um 11:30 Uhr"}, []string{"Hello"}},
		{de, 10 * time.Minute, EmailText, []string{"Hallo Greta,", "Do., 3. Dez. 2026, 11:30 MEZ"}, nil},
	}
	for _, tt := range tests {
		m := Message{Kind: KindReminder, To: tt.to, Title: "Detector review", StartAt: event, Lead: 10 * time.Minute}
		got, err := tmpl.Render(tt.name, m, event.Add(-tt.left))
		if err != nil {
			t.Errorf("%s %s: %v", tt.to.Language, tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s, %v before: got %q; want it to contain %q", tt.to.Language, tt.name, tt.left, got, w)
			}
		}
		for _, w := range tt.notWants {
			if strings.Contains(got, w) {
				t.Errorf("%s %s, %v before: got %q; want no %q", tt.to.Language, tt.name, tt.left, got, w)
			}
		}
	}
}

// A member whose language has no catalogue hears the deployment's default
// language; a global template (templates.sms) speaks every language
// through .T.
func TestFallbackAndGlobalTemplate(t *testing.T) {
	tmpl, err := NewTemplates(config.Templates{SMS: `{{.T "SMSReminder"}} [{{.Lang}}]`})
	if err != nil {
		t.Fatal(err)
	}
	event := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
	for tag, want := range map[string]string{
		"ko-KR": "Reminder: Detector review starts in 10 minutes (Thu 3 Dec 2026 10:30 UTC). [en]",
		"ja":    "リマインダー：Detector reviewは10分後に始まります（2026年12月3日(木) 10:30 UTC）。 [ja]",
	} {
		m := Message{Kind: KindReminder, To: Recipient{TimeZone: "UTC", Language: tag}, Title: "Detector review", StartAt: event}
		if got, err := tmpl.Render(SMS, m, event.Add(-10*time.Minute)); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", tag, got, err, want)
		}
	}
	if _, err := NewTemplates(config.Templates{SMS: `{{.T "NoSuchMessage"}}`}); err == nil || !strings.Contains(err.Error(), "templates.sms") {
		t.Errorf("a template naming an unknown message: got %v; want an error naming templates.sms at start", err)
	}
}
