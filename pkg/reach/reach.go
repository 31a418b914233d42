// Package reach decides whether a channel can reach a person: the
// configuration must set the channel up, and the person must have a target
// on it (a subscribed browser, a phone number, an email address). The CLI's
// registration warnings and the "who gets a message" lists ask it.
package reach

import (
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Target is what a person has that channels reach.
type Target struct {
	Phone    string // E.164, or ""
	Email    string
	LivePush int // browsers subscribed and not expired
}

// Problem says why channel c cannot reach t under cfg, or "" when it can.
func Problem(cfg config.Config, c schedule.Channel, t Target) string {
	if !cfg.SetsUp(c) {
		return "not configured (" + setting[c] + ")"
	}
	switch c {
	case schedule.ChannelPush:
		if t.LivePush == 0 {
			return "no browser subscribed"
		}
	case schedule.ChannelCall, schedule.ChannelSMS:
		if t.Phone == "" {
			return "no phone number"
		}
	case schedule.ChannelEmail:
		if t.Email == "" {
			return "no email address"
		}
	}
	return ""
}

// setting names what sets each channel up, for Problem's message.
var setting = map[schedule.Channel]string{
	schedule.ChannelPush:    "webpush keys",
	schedule.ChannelCall:    "twilio",
	schedule.ChannelSMS:     "twilio",
	schedule.ChannelEmail:   "smtp",
	schedule.ChannelWebhook: "webhook.url",
	schedule.ChannelLog:     "nothing",
}

// First returns the first of channels, in order, that reaches t, with ok
// true; otherwise ok is false and why says, channel by channel, why none
// does ("call: no phone number; email: not configured (smtp)").
func First(cfg config.Config, channels []schedule.Channel, t Target) (c schedule.Channel, ok bool, why string) {
	var problems []string
	for _, c := range channels {
		p := Problem(cfg, c, t)
		if p == "" {
			return c, true, ""
		}
		problems = append(problems, string(c)+": "+p)
	}
	if len(problems) == 0 {
		return "", false, "no channel"
	}
	return "", false, strings.Join(problems, "; ")
}
