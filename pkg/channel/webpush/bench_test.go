package webpush

import (
	"context"
	"io"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
)

// BenchmarkSend measures Channel.Send to one browser of one person over
// loopback TLS, against bare webpush-go to the same service. The push
// service runs in this process: "verify" includes its JWT check and
// decryption, "skipverify" leaves them out. Run with -cpu 1 for the cost
// per message on one core.
func BenchmarkSend(b *testing.B) {
	for _, verify := range []bool{true, false} {
		name := "verify"
		if !verify {
			name = "skipverify"
		}
		b.Run("channel/"+name, func(b *testing.B) {
			public, private := newVAPIDKeys(b)
			srv := pushtest.New(b, pushtest.Options{VAPIDPublicKey: public, SkipVerify: !verify})
			st := &fakeStore{}
			st.add(1, srv.NewSubscription())
			clk := &clock{now: start.Add(-10 * time.Minute)}
			ch, err := New(Options{Subscriptions: st, PublicKey: public, PrivateKey: private, Subject: "ops@example.org",
				HTTPClient: srv.Client(10 * time.Second), Now: clk.Now, PerHostRPS: 1e9})
			if err != nil {
				b.Fatal(err)
			}
			m := reminder()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ch.Send(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("bare/"+name, func(b *testing.B) {
			public, private := newVAPIDKeys(b)
			srv := pushtest.New(b, pushtest.Options{VAPIDPublicKey: public, SkipVerify: !verify})
			s := srv.NewSubscription()
			sub := &webpushgo.Subscription{Endpoint: s.Endpoint, Keys: webpushgo.Keys{P256dh: s.P256dh, Auth: s.Auth}}
			opts := &webpushgo.Options{HTTPClient: srv.Client(10 * time.Second), Subscriber: "ops@example.org", TTL: 600,
				Urgency: webpushgo.UrgencyHigh, VAPIDPublicKey: public, VAPIDPrivateKey: private}
			payload := []byte(`{"title":"Detector review in 10 minutes","body":"Tue 1 Dec 2026 10:00 CET\nRoom 4-S-030"}`)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := webpushgo.SendNotification(payload, sub, opts)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
