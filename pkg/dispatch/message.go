package dispatch

import (
	"fmt"
	"net/url"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Message builds what a channel sends for the delivery of c; publicURL
// (config's public_url, "" for none) makes its acknowledge and panel links.
// invoke sends it, and serve-twiml speaks it when Twilio asks what a call
// says.
func Message(c store.Claim, publicURL string) message.Message {
	u := c.User
	m := message.Message{
		DeliveryID: c.ID, RegistrationID: c.RegistrationID, Token: c.Token, Kind: string(c.Kind),
		Channel: string(c.Channel), Attempt: c.Attempts,
		To: message.Recipient{UserID: u.ID, Login: u.Login, Name: u.DisplayName, Email: u.Email, Phone: u.Phone,
			TimeZone: u.TimeZone, Language: u.Language},
		Title: c.Registration.Title, Note: c.Registration.Message, StartAt: c.OccurrenceAt, Lead: c.Lead,
	}
	if c.Event != nil {
		m.Location, m.URL, m.EventUID = c.Event.Location, c.Event.URL, c.Event.ExternalID
		if c.Event.EndAt.After(c.Event.StartAt) {
			m.EndAt = c.OccurrenceAt.Add(c.Event.EndAt.Sub(c.Event.StartAt))
		}
	}
	if publicURL != "" {
		m.AckURL = publicURL + "/ack/" + url.PathEscape(c.Token)
		m.PanelURL = publicURL + "/"
	}
	return m
}

// SkipReason says why the delivery of c, whose message is m, is not to be
// sent (or spoken) at now at all, or "": its registration or event was
// cancelled, its user disabled, or its event has started.
func SkipReason(c store.Claim, m message.Message, now time.Time) string {
	switch {
	case c.Registration.Status != store.RegistrationActive && c.Kind == store.KindReminder:
		return "registration cancelled"
	case c.User.Disabled:
		return "user disabled"
	case c.Event != nil && c.Event.Status == store.EventCancelled && c.Kind == store.KindReminder:
		return "event cancelled"
	case m.Stale(now):
		return "too late: the event started at " + c.OccurrenceAt.UTC().Format(time.RFC3339)
	case c.DuplicateOf != 0:
		return fmt.Sprintf("duplicate of delivery #%d: another registration reminds of the same event", c.DuplicateOf)
	}
	return ""
}
