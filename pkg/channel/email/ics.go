package email

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// ICSName is the file name of the event attached to a mail.
const ICSName = "event.ics"

// icsContentType is the attachment's type: an iCalendar object published
// for the reader's own calendar, not an invitation to answer.
const icsContentType = "text/calendar; method=PUBLISH"

// eventICS is the iCalendar object (RFC 5545, METHOD:PUBLISH) of m's event,
// or nil for a message that has none (a test, a message sent now). Its UID is the event's, so
// that a calendar that took the reminder's file updates the same entry
// when the event moves or is cancelled; a message that does not know it
// gets one per registration, under the sender's domain.
func eventICS(m message.Message, domain string, now time.Time) ([]byte, error) {
	if m.Kind == message.KindTest || m.Kind == message.KindMessage {
		return nil, nil
	}
	ev := ical.NewEvent()
	uid := m.EventUID
	if uid == "" {
		uid = fmt.Sprintf("pfsnotify-registration-%d@%s", m.RegistrationID, domain)
	}
	ev.Props.SetText(ical.PropUID, uid)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeStart, m.StartAt.UTC())
	if m.EndAt.After(m.StartAt) {
		ev.Props.SetDateTime(ical.PropDateTimeEnd, m.EndAt.UTC())
	}
	ev.Props.SetText(ical.PropSummary, m.Title)
	if m.Location != "" {
		ev.Props.SetText(ical.PropLocation, m.Location)
	}
	if m.Note != "" {
		ev.Props.SetText(ical.PropDescription, m.Note)
	}
	if u, err := url.Parse(m.URL); err == nil && m.URL != "" && (u.Scheme == "https" || u.Scheme == "http") {
		ev.Props.SetURI(ical.PropURL, u)
	}
	if m.Kind == message.KindCancelled {
		ev.SetStatus(ical.EventCancelled)
	} else {
		ev.SetStatus(ical.EventConfirmed)
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//pfsnotify//pfsnotify//"+strings.ToUpper(m.To.Language))
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	cal.Children = append(cal.Children, ev.Component)
	var b bytes.Buffer
	if err := ical.NewEncoder(&b).Encode(cal); err != nil {
		return nil, fmt.Errorf("event.ics: %w", err)
	}
	return b.Bytes(), nil
}
