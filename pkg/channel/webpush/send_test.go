package webpush

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestSendReachesEveryBrowser(t *testing.T) {
	e := newEnv(t, nil)
	firefox, id1 := e.subscribe(1)
	chrome, id2 := e.subscribe(1)
	e.subscribe(2) // someone else's
	m := reminder()
	got, err := e.ch.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v (rejections: %+v)", err, e.push.Rejections())
	}
	if got.Target != "2 browsers" || got.Status != "201" || !strings.Contains(got.Detail, "subscription #1 (") ||
		!strings.Contains(got.Detail, "subscription #2 (") {
		t.Errorf("got receipt %+v; want 2 browsers, 201, the outcome of subscriptions #1 and #2", got)
	}
	if n := len(e.push.Pushes()); n != 2 {
		t.Fatalf("got %d pushes; want one per browser of the person, 2", n)
	}
	for _, id := range []string{firefox, chrome} {
		ps := e.push.PushesTo(id)
		if len(ps) != 1 {
			t.Fatalf("got %d pushes to %s; want 1", len(ps), id)
		}
		p := ps[0]
		if p.TTL != 600 || p.Urgency != "high" || p.Topic != m.Topic() || p.Subject != "mailto:ops@example.org" {
			t.Errorf("got TTL %d, Urgency %q, Topic %q, sub %q; want 600, high, %q, mailto:ops@example.org",
				p.TTL, p.Urgency, p.Topic, p.Subject, m.Topic())
		}
		// The service verified webpush-go's ES256 token and decrypted its
		// body; this is what the token said. The token is the wall clock's,
		// not the channel's.
		if left := time.Until(p.Expires); p.Audience != e.push.URL || left <= 0 || left > 24*time.Hour {
			t.Errorf("got a VAPID token for %q expiring in %v; want one for %q expiring within 24 h", p.Audience, left, e.push.URL)
		}
		want := Payload{Title: "Detector review in 10 minutes", Body: "Tue 1 Dec 2026 10:00 CET\nRoom 4-S-030",
			URL: "https://meet.example.org/r", Tag: m.Topic(), DeliveryID: 7, AckURL: "https://notify.example.org/ack/tok",
			RequireInteraction: true, Kind: "reminder"}
		if got := decodePayload(t, p.Payload); got != want {
			t.Errorf("got payload %+v; want %+v", got, want)
		}
	}
	if err := e.ch.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, successes, failures, _ := e.store.calls(); !slices.Equal(successes, []int64{id1, id2}) && !slices.Equal(successes, []int64{id2, id1}) || len(failures) > 0 {
		t.Errorf("got successes %v, failures %v; want both subscriptions marked sent", successes, failures)
	}
}

func TestSendPayloadAndTTL(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		before   time.Duration // how long before the start it is sent
		url      string
		wantTTL  int
		wantURL  string
		wantRI   bool
		wantText string // in the title
	}{
		{"reminder 10 minutes ahead", message.KindReminder, 10 * time.Minute, "https://meet.example.org/r", 600, "https://meet.example.org/r", true, "in 10 minutes"},
		{"reminder a day ahead", message.KindReminder, 24 * time.Hour, "https://meet.example.org/r", 86400, "https://meet.example.org/r", false, "in 1 day"},
		{"reminder half a second ahead", message.KindReminder, 500 * time.Millisecond, "", 0, "https://notify.example.org/", true, "now"},
		{"no meeting URL: the panel", message.KindReminder, 30 * time.Minute, "", 1800, "https://notify.example.org/", false, "in 30 minutes"},
		{"moved", message.KindMoved, 2 * time.Hour, "", 7200, "https://notify.example.org/", false, "Moved:"},
		{"cancelled after the start", message.KindCancelled, -time.Hour, "", 86400, "https://notify.example.org/", false, "Cancelled:"},
		{"test", message.KindTest, -time.Hour, "", 86400, "https://notify.example.org/", false, "pfsnotify test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.clock.Set(start.Add(-tt.before))
			id, _ := e.subscribe(1)
			m := reminder()
			m.Kind, m.URL = tt.kind, tt.url
			if _, err := e.ch.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ps := e.push.PushesTo(id)
			if len(ps) != 1 {
				t.Fatalf("got %d pushes; want 1", len(ps))
			}
			p := decodePayload(t, ps[0].Payload)
			if ps[0].TTL != tt.wantTTL || p.URL != tt.wantURL || p.RequireInteraction != tt.wantRI ||
				!strings.Contains(p.Title, tt.wantText) || p.Kind != tt.kind || p.Tag != m.Topic() {
				t.Errorf("got TTL %d, payload %+v; want TTL %d, url %q, require_interaction %v, title with %q, kind %q",
					ps[0].TTL, p, tt.wantTTL, tt.wantURL, tt.wantRI, tt.wantText, tt.kind)
			}
		})
	}
}

func TestStaleReminderIsNotSent(t *testing.T) {
	for _, kind := range []string{message.KindReminder, message.KindMoved} {
		e := newEnv(t, nil)
		e.subscribe(1)
		e.clock.Set(start)
		m := reminder()
		m.Kind = kind
		_, err := e.ch.Send(context.Background(), m)
		if got, _ := message.Classify(err); got != message.OutcomePermanent || e.push.Requests() != 0 {
			t.Errorf("%s at its start: got %v (%v) and %d requests; want a permanent error and no push", kind, got, err, e.push.Requests())
		}
	}
}

func TestNoLiveSubscription(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe(2)
	_, err := e.ch.Send(context.Background(), reminder())
	if !errors.Is(err, message.ErrNoTarget) || err.Error() != "no target: no live browser subscription" {
		t.Errorf("got %v; want message.ErrNoTarget: no live browser subscription", err)
	}
}

func TestSendOutcomes(t *testing.T) {
	httpDate := start.Add(-10*time.Minute + 2*time.Minute).Format(http.TimeFormat)
	r := func(status int, retryAfter string) pushtest.Response {
		return pushtest.Response{Status: status, RetryAfter: retryAfter}
	}
	tests := []struct {
		name      string
		answers   []pushtest.Response // one per browser
		want      message.Outcome
		sent      bool
		after     time.Duration
		expired   int // subscriptions expired in the store
		failed    int // failures recorded
		errSubstr string
	}{
		{"201", []pushtest.Response{r(201, "")}, 0, true, 0, 0, 0, ""},
		{"202", []pushtest.Response{r(202, "")}, 0, true, 0, 0, 0, ""},
		{"410", []pushtest.Response{r(410, "")}, message.OutcomeNoTarget, false, 0, 1, 0, "no live browser subscription"},
		{"404", []pushtest.Response{r(404, "")}, message.OutcomeNoTarget, false, 0, 1, 0, "404"},
		{"429 after 30 s", []pushtest.Response{r(429, "30")}, message.OutcomeRetry, false, 30 * time.Second, 0, 1, "429"},
		{"429 until a date", []pushtest.Response{r(429, httpDate)}, message.OutcomeRetry, false, 2 * time.Minute, 0, 1, "429"},
		{"500", []pushtest.Response{r(500, "")}, message.OutcomeRetry, false, 0, 0, 1, "500"},
		{"503 after 7 s", []pushtest.Response{r(503, "7")}, message.OutcomeRetry, false, 7 * time.Second, 0, 1, "503"},
		{"400", []pushtest.Response{r(400, "")}, message.OutcomePermanent, false, 0, 0, 1, "400"},
		{"401", []pushtest.Response{r(401, "")}, message.OutcomePermanent, false, 0, 0, 1, "401"},
		{"403", []pushtest.Response{r(403, "")}, message.OutcomePermanent, false, 0, 0, 1, "403"},
		{"413", []pushtest.Response{r(413, "")}, message.OutcomePermanent, false, 0, 0, 1, "413"},
		{"one sent, one gone", []pushtest.Response{r(201, ""), r(410, "")}, 0, true, 0, 1, 0, ""},
		{"one sent, one failing", []pushtest.Response{r(500, ""), r(201, "")}, 0, true, 0, 0, 1, ""},
		{"both retry: the longer wait", []pushtest.Response{r(503, "90"), r(429, "30")}, message.OutcomeRetry, false, 90 * time.Second, 0, 2, "503"},
		{"gone and retry", []pushtest.Response{r(410, ""), r(500, "")}, message.OutcomeRetry, false, 0, 1, 1, "500"},
		{"gone and refused", []pushtest.Response{r(410, ""), r(403, "")}, message.OutcomePermanent, false, 0, 1, 1, "403"},
		{"refused and retry", []pushtest.Response{r(403, ""), r(500, "")}, message.OutcomeRetry, false, 0, 0, 2, "403"},
		{"all gone", []pushtest.Response{r(404, ""), r(410, "")}, message.OutcomeNoTarget, false, 0, 2, 0, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, a := range tt.answers {
				id, _ := e.subscribe(1)
				e.push.Respond(id, a)
			}
			receipt, err := e.ch.Send(context.Background(), reminder())
			_, _, failures, expiries := e.store.calls()
			if len(expiries) != tt.expired || len(failures) != tt.failed {
				t.Errorf("got %d expired, %d failures recorded; want %d, %d", len(expiries), len(failures), tt.expired, tt.failed)
			}
			if tt.sent {
				if err != nil || receipt.Target != "1 browser" {
					t.Errorf("got %+v, %v; want a receipt for 1 browser", receipt, err)
				}
				return
			}
			got, after := message.Classify(err)
			if err == nil || got != tt.want || after != tt.after || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Errorf("got %v (%v, after %v); want outcome %v after %v, mentioning %q", err, got, after, tt.want, tt.after, tt.errSubstr)
			}
		})
	}
}

func TestGoneSubscriptionIsNeverUsedAgain(t *testing.T) {
	e := newEnv(t, nil)
	old, _ := e.subscribe(1)
	e.push.Respond(old, pushtest.Response{Status: 410})
	fresh, _ := e.subscribe(1)
	// The second send uses the cached list, the third reloads it from the store.
	for i, gap := range []time.Duration{0, time.Second, DefaultCacheTTL} {
		e.clock.Advance(gap)
		if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if got, want := len(e.push.PushesTo(old)), 1; got != want {
		t.Errorf("got %d pushes to the expired subscription; want %d", got, want)
	}
	if got := len(e.push.PushesTo(fresh)); got != 3 {
		t.Errorf("got %d pushes to the live one; want 3", got)
	}
}

func TestHangingPushServiceIsRetried(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.HTTPClient.Timeout = 300 * time.Millisecond })
	id, sid := e.subscribe(1)
	e.push.Respond(id, pushtest.Response{Hang: true})
	_, err := e.ch.Send(context.Background(), reminder())
	_, _, failures, _ := e.store.calls()
	if got, _ := message.Classify(err); got != message.OutcomeRetry || !slices.Equal(failures, []int64{sid}) {
		t.Errorf("got %v (%v), failures %v; want a retry and the failure recorded", got, err, failures)
	}
	if err != nil && strings.Contains(err.Error(), "/push/") {
		t.Errorf("error %q shows the endpoint's path, the subscription's secret", err)
	}
}

func TestSuccessIsWrittenOnlyWhenItChangesSomething(t *testing.T) {
	e := newEnv(t, nil)
	id, sid := e.subscribe(1)
	e.store.subs[0].LastSuccessAt = e.clock.Now().Add(-10 * time.Minute)
	steps := []struct {
		name      string
		advance   time.Duration
		answer    int
		successes int // writes so far
	}{
		{"recent success in the store", 0, 201, 0},
		{"again", time.Second, 201, 0},
		{"a failure", time.Second, 500, 0},
		{"success after a failure", time.Second, 201, 1},
		{"soon after", time.Minute, 201, 1},
		{"an hour after the last write", time.Hour, 201, 2},
		{"and then not", time.Second, 201, 2},
	}
	for _, st := range steps {
		e.clock.Advance(st.advance)
		e.push.Respond(id, pushtest.Response{Status: st.answer})
		m := reminder()
		m.StartAt = e.clock.Now().Add(10 * time.Minute)
		e.ch.Send(context.Background(), m)
		if err := e.ch.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, successes, _, _ := e.store.calls(); len(successes) != st.successes {
			t.Errorf("%s: got %d success writes; want %d", st.name, len(successes), st.successes)
		}
	}
	if s, _ := e.store.find(sid); s.ConsecutiveFailures != 0 || !s.LastSuccessAt.After(start) {
		t.Errorf("got store state %+v; want no failures and a recent success", s)
	}
}

func TestRateLimitPerPushService(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PerHostRPS = 0.001 }) // one push, then none for 1000 s
	e.subscribe(1)
	if _, err := e.ch.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("first send: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := e.ch.Send(ctx, reminder())
	if got, _ := message.Classify(err); got != message.OutcomeRetry || e.push.Requests() != 1 {
		t.Errorf("second send to the same service: got %v (%v) after %d requests; want a retry and 1 request", got, err, e.push.Requests())
	}
	if _, _, failures, _ := e.store.calls(); len(failures) != 0 {
		t.Errorf("got failures %v; want none recorded: waiting for our own limit is not the browser's fault", failures)
	}
	other := pushtest.New(t, pushtest.Options{})
	s := other.NewSubscription()
	e.store.add(2, s) // pushtest servers share one certificate: the client trusts both
	m := reminder()
	m.To.UserID = 2
	if _, err := e.ch.Send(ctx, m); err != nil || len(other.Pushes()) != 1 {
		t.Errorf("send to another push service: got %v, %d pushes; want it sent", err, len(other.Pushes()))
	}
}

func TestWrongApplicationServerKey(t *testing.T) {
	e := newEnv(t, nil)
	public, private := newVAPIDKeys(t)
	ch, err := New(Options{Subscriptions: e.store, PublicKey: public, PrivateKey: private, Subject: "ops@example.org",
		HTTPClient: e.push.Client(10 * time.Second), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.subscribe(1)
	_, err = ch.Send(context.Background(), reminder())
	if got, _ := message.Classify(err); got != message.OutcomePermanent || !strings.Contains(err.Error(), "403") {
		t.Errorf("got %v (%v); want a permanent 403: the browser subscribed with another key", got, err)
	}
}

// TestMaxPayloadIsWebpushGos holds MaxPayload, which the payload is
// shortened to, to what webpush-go takes: that many bytes go through and
// decrypt intact, one more it refuses.
func TestMaxPayloadIsWebpushGos(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		size    int
		wantErr error
	}{{0, nil}, {MaxPayload, nil}, {MaxPayload + 1, webpushgo.ErrMaxPadExceeded}}
	for _, tt := range tests {
		sub := e.push.NewSubscription()
		payload := bytes.Repeat([]byte("x"), tt.size)
		resp, err := webpushgo.SendNotification(payload, &webpushgo.Subscription{Endpoint: sub.Endpoint,
			Keys: webpushgo.Keys{P256dh: sub.P256dh, Auth: sub.Auth}}, &e.ch.base)
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("%d bytes: got %v; want %v", tt.size, err, tt.wantErr)
		}
		if ps := e.push.PushesTo(sub.ID); tt.wantErr == nil && (len(ps) != 1 || !bytes.Equal(ps[0].Payload, payload)) {
			t.Errorf("%d bytes: got %d pushes (rejections %+v); want the payload decrypted intact", tt.size, len(ps), e.push.Rejections())
		}
	}
}

// TestUnusableSubscription: a subscription no push can reach fails
// permanently without a request, and the others of the person still get
// theirs.
func TestUnusableSubscription(t *testing.T) {
	tests := []struct {
		name   string
		change func(*store.PushSubscription)
		want   string
	}{
		{"http endpoint", func(p *store.PushSubscription) { p.Endpoint = strings.Replace(p.Endpoint, "https:", "http:", 1) }, "not an https:// URL"},
		{"endpoint not a URL", func(p *store.PushSubscription) { p.Endpoint = "https://bad host/x" }, "not an https:// URL"},
		{"p256dh not base64", func(p *store.PushSubscription) { p.P256dh = "not base64!" }, "p256dh"},
		{"p256dh too short", func(p *store.PushSubscription) { p.P256dh = p.P256dh[:40] }, "p256dh"},
		{"p256dh off the curve", func(p *store.PushSubscription) {
			k, _ := base64.RawURLEncoding.DecodeString(p.P256dh)
			k[64] ^= 1
			p.P256dh = base64.RawURLEncoding.EncodeToString(k)
		}, "encrypt for this subscription"},
		{"no auth secret", func(p *store.PushSubscription) { p.Auth = "" }, "auth secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			_, bad := e.subscribe(1)
			tt.change(&e.store.subs[bad-1])
			_, err := e.ch.Send(context.Background(), reminder())
			if got, _ := message.Classify(err); got != message.OutcomePermanent || !strings.Contains(err.Error(), tt.want) || e.push.Requests() != 0 {
				t.Errorf("got %v (%v) after %d requests; want a permanent error about %q and no request", got, err, e.push.Requests(), tt.want)
			}
			e.subscribe(1)
			e.clock.Advance(DefaultCacheTTL)
			if _, err := e.ch.Send(context.Background(), reminder()); err != nil || len(e.push.Pushes()) != 1 {
				t.Errorf("with a good browser too: got %v, %d pushes; want it sent to that one", err, len(e.push.Pushes()))
			}
		})
	}
}
