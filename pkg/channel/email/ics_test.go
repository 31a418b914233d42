package email_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email"
	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// A mail about an event carries it as event.ics (METHOD:PUBLISH, the
// event's UID) that a calendar reads; a test mail has none.
func TestEventAttachment(t *testing.T) {
	end := start.Add(time.Hour)
	tests := []struct {
		name   string
		change func(*message.Message)
		uid    string
		status ical.EventStatus
		end    bool
	}{
		{"reminder with the event's UID", func(m *message.Message) { m.EventUID, m.EndAt = "abc123@google.com", end },
			"abc123@google.com", ical.EventConfirmed, true},
		{"moved, UID unknown", func(m *message.Message) { m.Kind = message.KindMoved },
			"pfsnotify-registration-3@notify.example.org", ical.EventConfirmed, false},
		{"cancelled", func(m *message.Message) { m.Kind, m.EventUID = message.KindCancelled, "abc123@google.com" },
			"abc123@google.com", ical.EventCancelled, false},
	}
	for _, tt := range tests {
		srv := smtptest.Start(t, smtptest.Options{})
		ch := newChannel(t, srv, email.TLSNone, "", "")
		m := sample()
		m.Location = "Room 4-S-030, Building 40"
		tt.change(&m)
		if _, err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("%s: Send: %v", tt.name, err)
		}
		r := parse(t, srv.Mails()[0].Data)
		data, ok := r.files[email.ICSName]
		if !ok {
			t.Fatalf("%s: no %s attached; parts %v", tt.name, email.ICSName, r.nested)
		}
		if got := r.partTypes["text/calendar"]["method"]; got != "PUBLISH" {
			t.Errorf("%s: attachment Content-Type method=%q; want PUBLISH", tt.name, got)
		}
		cal, err := ical.NewDecoder(strings.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("%s: decode event.ics: %v\n%s", tt.name, err, data)
		}
		if got, _ := cal.Props.Text(ical.PropMethod); got != "PUBLISH" {
			t.Errorf("%s: METHOD %q; want PUBLISH", tt.name, got)
		}
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%s: %d events; want 1", tt.name, len(events))
		}
		ev := events[0]
		uid, _ := ev.Props.Text(ical.PropUID)
		summary, _ := ev.Props.Text(ical.PropSummary)
		location, _ := ev.Props.Text(ical.PropLocation)
		dtstart, err := ev.DateTimeStart(time.UTC)
		status, _ := ev.Status()
		if uid != tt.uid || summary != "Detector review" || location != m.Location || err != nil || !dtstart.Equal(start) || status != tt.status {
			t.Errorf("%s: got UID %q, SUMMARY %q, LOCATION %q, DTSTART %v (%v), STATUS %s; want %q, Detector review, %q, %v, %s",
				tt.name, uid, summary, location, dtstart, err, status, tt.uid, m.Location, start, tt.status)
		}
		if dtend, err := ev.DateTimeEnd(time.UTC); tt.end && (err != nil || !dtend.Equal(end)) {
			t.Errorf("%s: DTEND %v, %v; want %v", tt.name, dtend, err, end)
		}
		if u, err := ev.Props.URI(ical.PropURL); err != nil || u == nil || u.String() != m.URL {
			t.Errorf("%s: URL %v, %v; want %s", tt.name, u, err, m.URL)
		}
	}

	srv := smtptest.Start(t, smtptest.Options{})
	ch := newChannel(t, srv, email.TLSNone, "", "")
	m := sample()
	m.Kind = message.KindTest
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if r := parse(t, srv.Mails()[0].Data); len(r.files) != 0 || r.mediaType != "multipart/alternative" {
		t.Errorf("test mail: got %s with files %v; want multipart/alternative and no attachment", r.mediaType, r.files)
	}
}
