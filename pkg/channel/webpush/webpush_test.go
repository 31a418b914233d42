package webpush

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
)

func TestNewRejectsBadOptions(t *testing.T) {
	public, private := newVAPIDKeys(t)
	otherPublic, _ := newVAPIDKeys(t)
	valid := func() Options {
		return Options{Subscriptions: &fakeStore{}, PublicKey: public, PrivateKey: private, Subject: "mailto:ops@example.org",
			HTTPClient: &http.Client{Timeout: time.Second}}
	}
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"no store", func(o *Options) { o.Subscriptions = nil }, "no subscription store"},
		{"no client", func(o *Options) { o.HTTPClient = nil }, "timeout"},
		{"client without timeout", func(o *Options) { o.HTTPClient = &http.Client{} }, "timeout"},
		{"no keys", func(o *Options) { o.PublicKey, o.PrivateKey = "", "" }, "vapid generate"},
		{"public key not base64", func(o *Options) { o.PublicKey = "not a key!" }, "webpush.public_key is not"},
		{"public key too short", func(o *Options) { o.PublicKey = public[:40] }, "webpush.public_key is not"},
		{"private key not base64", func(o *Options) { o.PrivateKey = private[:20] + "!!" + private[22:] }, "webpush.private_key is not"},
		{"private key too short", func(o *Options) { o.PrivateKey = private[:30] }, "webpush.private_key is not"},
		{"keys of two pairs", func(o *Options) { o.PublicKey = otherPublic }, "not the public key of webpush.private_key"},
		{"no subject", func(o *Options) { o.Subject = "" }, "webpush.subject is empty"},
		{"subject not an address", func(o *Options) { o.Subject = "ops" }, "webpush.subject"},
		{"subject http", func(o *Options) { o.Subject = "http://example.org" }, "webpush.subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want an error mentioning %q", err, tt.want)
			}
			for _, secret := range []string{private, private[:20], private[22:]} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the private key", err)
				}
			}
		})
	}
	if _, err := New(valid()); err != nil {
		t.Errorf("New(valid options) = %v; want nil", err)
	}
}

// TestKeysInOtherEncodings: keys in padded or standard base64 reach
// webpush-go as base64url, the one form it reads, and the push service sees
// k= as the browser subscribed with.
func TestKeysInOtherEncodings(t *testing.T) {
	public, private := newVAPIDKeys(t)
	pub, _ := base64.RawURLEncoding.DecodeString(public)
	for !strings.ContainsAny(base64.StdEncoding.EncodeToString(pub), "+/") { // what base64url spells otherwise
		public, private = newVAPIDKeys(t)
		pub, _ = base64.RawURLEncoding.DecodeString(public)
	}
	priv, _ := base64.RawURLEncoding.DecodeString(private)
	push := pushtest.New(t, pushtest.Options{VAPIDPublicKey: public})
	st := &fakeStore{}
	sub := push.NewSubscription()
	st.add(1, sub)
	ch, err := New(Options{Subscriptions: st, PublicKey: base64.StdEncoding.EncodeToString(pub),
		PrivateKey: base64.URLEncoding.EncodeToString(priv) + "\n", Subject: "ops@example.org", HTTPClient: push.Client(10 * time.Second),
		Now: func() time.Time { return start.Add(-10 * time.Minute) }})
	if err != nil {
		t.Fatalf("New with padded and standard base64 keys: %v", err)
	}
	if _, err := ch.Send(context.Background(), reminder()); err != nil || len(push.PushesTo(sub.ID)) != 1 {
		t.Errorf("send with padded and standard base64 keys: %v, %d pushes (rejections %+v); want it accepted",
			err, len(push.PushesTo(sub.ID)), push.Rejections())
	}
}

func TestSubjectReachesThePushService(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"mailto:ops@example.org", "mailto:ops@example.org"}, // not mailto:mailto:
		{"ops@example.org", "mailto:ops@example.org"},
		{"https://notify.example.org", "https://notify.example.org"},
	}
	for _, tt := range tests {
		e := newEnv(t, func(o *Options) { o.Subject = tt.subject })
		e.subscribe(1)
		if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
			t.Errorf("subject %q: %v (rejections %+v)", tt.subject, err, e.push.Rejections())
			continue
		}
		if got := e.push.Pushes()[0].Subject; got != tt.want {
			t.Errorf("subject %q: got sub %q in the JWT; want %q", tt.subject, got, tt.want)
		}
	}
}
