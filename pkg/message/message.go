// Package message is what pfsnotify tells a person: the Message a channel
// sends (everything it needs, nothing it must look up), the Receipt it gives
// back, how a failed send is classified (retry, give up, no target), and the
// templates that turn a Message into the words of each channel.
package message

import (
	"fmt"
	"time"
)

// Kinds of message, as in the outbox (store.DeliveryKind).
const (
	KindReminder  = "reminder"
	KindMoved     = "moved"
	KindCancelled = "cancelled"
	KindTest      = "test"
	KindMessage   = "message" // sent now to groups and people: its title and text
)

// Recipient is the person a message goes to.
type Recipient struct {
	UserID   int64
	Login    string
	Name     string
	Email    string
	Phone    string // E.164, or ""
	TimeZone string // IANA
	Language string // BCP 47: the catalogue and voice that speak to them
}

// DisplayName is the name to greet the person by.
func (r Recipient) DisplayName() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Login
}

// Message is one notification of one delivery.
type Message struct {
	DeliveryID     int64
	RegistrationID int64
	Token          string // the delivery's unguessable token: serve-twiml's and the acknowledge link's key
	Kind           string // KindReminder, KindMoved, KindCancelled, KindTest, KindMessage
	Channel        string
	Attempt        int // 1 for the first try
	To             Recipient
	Title          string        // what the event is called
	Note           string        // the registration's own message
	Location       string        // where, if the calendar says
	URL            string        // the meeting's URL, if the calendar has one
	StartAt        time.Time     // when the event starts (UTC)
	EndAt          time.Time     // when it ends, if known (zero: unknown)
	EventUID       string        // the calendar's UID of the event, if known: the .ics of an email keeps it
	Lead           time.Duration // how long before the start this reminder was due
	AckURL         string        // opening it acknowledges the delivery; "" without public_url
	PanelURL       string        // where the person manages reminders; "" without public_url
}

// Stale reports whether the message is no use any more at now: a reminder
// (or a notice of a move) is not sent after its event has started.
func (m Message) Stale(now time.Time) bool {
	switch m.Kind {
	case KindReminder, KindMoved:
		return !now.Before(m.StartAt)
	}
	return false
}

// Topic groups the messages about one event occurrence of one registration,
// so that a newer notification replaces an older one on the person's device
// (Web Push Topic, notification tag). It is at most 32 URL-safe characters.
func (m Message) Topic() string {
	return fmt.Sprintf("r%d-%d", m.RegistrationID, m.StartAt.Unix())
}

// Receipt is what a channel reports after a send it considers done.
type Receipt struct {
	Target      string // where it went: a phone number, an address, "3 browsers"
	ProviderRef string // the provider's id, e.g. a Twilio call SID
	Status      string // the provider's status, e.g. "queued", "201"
	Detail      string // anything worth keeping in the delivery log
}
