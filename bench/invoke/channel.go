package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// channelSends sends n reminders through pfsnotify's push channel alone:
// the sender invoke uses (payload, cache, webpush-go), with the
// subscriptions in memory instead of a database and no dispatcher. It
// shows what invoke's own work costs, apart from the sender's.
func channelSends(ctx context.Context, subs []subscription, n int, public, private string) (time.Duration, error) {
	mem := memSubscriptions{}
	for i, s := range subs {
		id := int64(i + 1)
		mem[id] = []store.PushSubscription{{ID: id, UserID: id, Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth}}
	}
	ch, err := webpush.New(webpush.Options{Subscriptions: mem, PublicKey: public, PrivateKey: private,
		Subject: "mailto:bench@example.org", HTTPClient: webpush.NewHTTPClient(15*time.Second, concurrency)})
	if err != nil {
		return 0, err
	}
	startAt := time.Now().Add(3 * time.Hour)
	return sendAll("channel", n, func(i int) bool {
		user := int64(i/leadsPerEvent%len(subs) + 1)
		m := message.Message{DeliveryID: int64(i + 1), RegistrationID: user, Token: fmt.Sprintf("t%d", i), Kind: message.KindReminder,
			Channel: "push", Attempt: 1, To: message.Recipient{UserID: user, Login: fmt.Sprintf("member%05d", user),
				TimeZone: "Europe/Zurich", Language: "en-GB"},
			Title: "Collaboration meeting", StartAt: startAt, Lead: time.Duration(i%leadsPerEvent+1) * time.Minute}
		_, err := ch.Send(ctx, m)
		return err == nil
	})
}

// memSubscriptions is the channel's store in memory; it forgets outcomes.
type memSubscriptions map[int64][]store.PushSubscription

func (m memSubscriptions) LivePushSubscriptionsOf(_ context.Context, users []int64) (map[int64][]store.PushSubscription, error) {
	out := make(map[int64][]store.PushSubscription)
	for _, id := range users {
		out[id] = m[id]
	}
	return out, nil
}
func (memSubscriptions) ExpirePushSubscription(context.Context, int64, time.Time) error { return nil }
func (memSubscriptions) MarkPushSuccesses(context.Context, time.Time, []int64) error    { return nil }
func (memSubscriptions) MarkPushFailure(context.Context, int64) (int, error)            { return 1, nil }
