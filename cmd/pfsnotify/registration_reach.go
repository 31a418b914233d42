package main

import (
	"context"

	"github.com/pfsnotify/pfsnotify/pkg/reach"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// unreachable says why none of a registration's channels can reach its
// person, or "" when one can: the channel must be configured and the person
// must have a target on it.
func (a *app) unreachable(v store.RegistrationView) string {
	_, ok, why := reach.First(a.cfg, v.Channels, reach.Target{Phone: v.UserPhone, Email: v.UserEmail, LivePush: v.LivePush})
	if ok {
		return ""
	}
	return why
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
