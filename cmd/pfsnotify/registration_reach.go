package main

import (
	"context"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// unreachable says why none of a registration's channels can reach its
// person, or "" when one can: the channel must be configured and the person
// must have a target on it.
func (a *app) unreachable(v store.RegistrationView) string {
	var why []string
	for _, c := range v.Channels {
		problem := a.channelProblem(c, v)
		if problem == "" {
			return ""
		}
		why = append(why, string(c)+": "+problem)
	}
	return strings.Join(why, "; ")
}

// channelProblem says why channel c cannot reach the person of v, or "".
func (a *app) channelProblem(c schedule.Channel, v store.RegistrationView) string {
	cfg := a.cfg
	switch c {
	case schedule.ChannelPush:
		if cfg.WebPush.PublicKey == "" {
			return "not configured (webpush keys)"
		}
		if v.LivePush == 0 {
			return "no browser subscribed"
		}
	case schedule.ChannelCall, schedule.ChannelSMS:
		if cfg.Twilio.AccountSID == "" {
			return "not configured (twilio)"
		}
		if v.UserPhone == "" {
			return "no phone number"
		}
	case schedule.ChannelEmail:
		if cfg.SMTP.Host == "" {
			return "not configured (smtp)"
		}
		if v.UserEmail == "" {
			return "no email address"
		}
	case schedule.ChannelWebhook:
		if cfg.Webhook.URL == "" {
			return "not configured (webhook.url)"
		}
	}
	return ""
}

// reachesNobody says why no channel of a registration just made can reach
// u, as list and show say it, or "". A failure to read u's browsers is not
// a reason: the registration stands either way.
func (a *app) reachesNobody(ctx context.Context, s *store.Store, reg store.Registration, u store.User) string {
	subs, err := s.ListPushSubscriptions(ctx, u.ID, false)
	if err != nil {
		return ""
	}
	return a.unreachable(store.RegistrationView{Registration: reg, UserLogin: u.Login, UserTimeZone: u.TimeZone,
		UserPhone: u.Phone, UserEmail: u.Email, LivePush: len(subs)})
}
