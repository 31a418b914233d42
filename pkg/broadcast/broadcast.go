// Package broadcast sends a message now (or at a set time) to groups and
// people: it says, before anything is sent, who will get it on which
// channel and who cannot be reached, and queues it in the outbox, where
// invoke sends it as it sends reminders (exactly once, at Twilio's rates,
// with retries and the delivery log). The CLI's send, the panel's "Send a
// message" page and the API use it.
package broadcast

import (
	"context"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/reach"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Store is what broadcast needs of the database.
type Store interface {
	Recipients(ctx context.Context, a store.Audience) ([]store.Recipient, error)
	QueueMessage(ctx context.Context, nm store.NewMessage, to []store.Recipient) (store.Message, int, error)
}

// fallbackChannels are the channels, in order, of people who set no
// preferences, when a message names none.
func fallbackChannels() []schedule.Channel {
	return []schedule.Channel{schedule.ChannelPush, schedule.ChannelEmail, schedule.ChannelSMS}
}

// Line says what happens to one recipient: the channel the message goes on,
// or why none reaches them.
type Line struct {
	Login       string `json:"login"`
	Channel     string `json:"channel,omitempty"`
	Unreachable string `json:"unreachable,omitempty"`
}

// Plan is who gets a message on which channel, and who cannot be reached.
type Plan struct {
	Lines       []Line `json:"recipients"`
	Reachable   int    `json:"reachable"`
	Unreachable int    `json:"unreachable"`

	recipients []store.Recipient
}

// Result is what a send did, as the CLI (-o json) and the API answer it:
// the message and how many deliveries were queued (none on a dry run),
// with the plan.
type Result struct {
	Message int64 `json:"message,omitempty"`
	Queued  int   `json:"queued"`
	DryRun  bool  `json:"dry_run"`
	Plan
}

// Broadcaster plans and queues messages.
type Broadcaster struct {
	store Store
	cfg   config.Config
}

// New makes a Broadcaster over s, deciding reach by what cfg sets up.
func New(s Store, cfg config.Config) *Broadcaster { return &Broadcaster{store: s, cfg: cfg} }

// Plan checks the message nm (at now), resolves an audience and chooses
// each person's channel: the first of theirs (the audience's channels,
// else their preferences, else push, email, SMS) that the configuration
// sets up and they have a target on. It writes nothing.
func (b *Broadcaster) Plan(ctx context.Context, nm *store.NewMessage, a store.Audience, now time.Time) (Plan, error) {
	if err := nm.Check(now); err != nil {
		return Plan{}, err
	}
	if len(a.Fallback) == 0 {
		a.Fallback = fallbackChannels()
	}
	recipients, err := b.store.Recipients(ctx, a)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{recipients: recipients}
	for i, r := range recipients {
		c, ok, why := reach.First(b.cfg, r.Channels, reach.Target{Phone: r.User.Phone, Email: r.User.Email, LivePush: r.LivePush})
		line := Line{Login: r.User.Login}
		if ok {
			p.recipients[i].Channel = c
			line.Channel = string(c)
			p.Reachable++
		} else {
			line.Unreachable = why
			p.Unreachable++
		}
		p.Lines = append(p.Lines, line)
	}
	return p, nil
}

// Send queues the message for everyone in p who can be reached, and returns
// the message and how many deliveries it queued. Nobody reachable is an
// error: nothing is written.
func (b *Broadcaster) Send(ctx context.Context, nm store.NewMessage, p Plan) (store.Message, int, error) {
	if p.Reachable == 0 {
		return store.Message{}, 0, &store.FieldError{Field: "to", Problem: fmt.Sprintf("none of the %d people can be reached", len(p.Lines))}
	}
	return b.store.QueueMessage(ctx, nm, p.recipients)
}
