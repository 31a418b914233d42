package webpush

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// start is when the test event begins; the clock starts ten minutes before.
var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// fakeStore keeps push subscriptions in memory, as store.Store does in SQL,
// and counts what the channel asks of it.
type fakeStore struct {
	mu        sync.Mutex
	subs      []store.PushSubscription
	reads     [][]int64 // the users of each read of subscriptions
	successes []int64
	failures  []int64
	expiries  []int64
	listErr   error
	gate      chan struct{} // when set, a read waits for it to close
	entered   chan struct{} // when set, a read signals here first
}

func (f *fakeStore) add(userID int64, s pushtest.Subscription) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := int64(len(f.subs) + 1)
	f.subs = append(f.subs, store.PushSubscription{ID: id, UserID: userID, Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth})
	return id
}

func (f *fakeStore) LivePushSubscriptionsOf(ctx context.Context, userIDs []int64) (map[int64][]store.PushSubscription, error) {
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, slices.Clone(userIDs))
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := make(map[int64][]store.PushSubscription)
	for _, s := range f.subs {
		if slices.Contains(userIDs, s.UserID) && s.ExpiredAt.IsZero() {
			out[s.UserID] = append(out[s.UserID], s)
		}
	}
	return out, nil
}

func (f *fakeStore) find(id int64) (*store.PushSubscription, error) {
	for i := range f.subs {
		if f.subs[i].ID == id {
			return &f.subs[i], nil
		}
	}
	return nil, fmt.Errorf("push subscription #%d: %w", id, store.ErrNotFound)
}

func (f *fakeStore) ExpirePushSubscription(ctx context.Context, id int64, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(id)
	if err != nil {
		return err
	}
	if s.ExpiredAt.IsZero() {
		s.ExpiredAt = at
	}
	f.expiries = append(f.expiries, id)
	return nil
}

func (f *fakeStore) MarkPushSuccesses(ctx context.Context, at time.Time, ids []int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if s, err := f.find(id); err == nil {
			s.LastSuccessAt, s.ConsecutiveFailures = at, 0
			f.successes = append(f.successes, id)
		}
	}
	return nil
}

func (f *fakeStore) MarkPushFailure(ctx context.Context, id int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(id)
	if err != nil {
		return 0, err
	}
	s.ConsecutiveFailures++
	f.failures = append(f.failures, id)
	return s.ConsecutiveFailures, nil
}

// calls returns copies of what the channel asked of the store.
func (f *fakeStore) calls() (reads int, successes, failures, expiries []int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reads), slices.Clone(f.successes), slices.Clone(f.failures), slices.Clone(f.expiries)
}

// env is a channel wired to a fake push service and a fake store.
type env struct {
	ch    *Channel
	push  *pushtest.Server
	store *fakeStore
	clock *clock
	keys  [2]string // public, private
}

func newVAPIDKeys(t testing.TB) (public, private string) {
	t.Helper()
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return public, private
}

// newEnv starts a push service and a channel; change adjusts the options.
func newEnv(t testing.TB, change func(*Options)) *env {
	t.Helper()
	public, private := newVAPIDKeys(t)
	e := &env{
		push:  pushtest.New(t, pushtest.Options{VAPIDPublicKey: public}),
		store: &fakeStore{},
		clock: &clock{now: start.Add(-10 * time.Minute)},
		keys:  [2]string{public, private},
	}
	opts := Options{
		Subscriptions: e.store, PublicKey: public, PrivateKey: private, Subject: "mailto:ops@example.org",
		HTTPClient: e.push.Client(10 * time.Second), Now: e.clock.Now,
	}
	if change != nil {
		change(&opts)
	}
	ch, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.ch = ch
	return e
}

// subscribe makes a browser subscription of userID on the push service and
// in the store; it returns the service's id and the store's.
func (e *env) subscribe(userID int64) (string, int64) {
	s := e.push.NewSubscription()
	return s.ID, e.store.add(userID, s)
}

// reminder is a message to user 1 about the event at start.
func reminder() message.Message {
	return message.Message{
		DeliveryID: 7, RegistrationID: 3, Token: "tok", Kind: message.KindReminder, Channel: "push", Attempt: 1,
		To:    message.Recipient{UserID: 1, Login: "alice", Name: "Alice Liddell", TimeZone: "Europe/Zurich"},
		Title: "Detector review", Note: "Room 4-S-030", URL: "https://meet.example.org/r", StartAt: start, Lead: 10 * time.Minute,
		AckURL: "https://notify.example.org/ack/tok", PanelURL: "https://notify.example.org/",
	}
}

func decodePayload(t testing.TB, b []byte) Payload {
	t.Helper()
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("payload %q: %v", b, err)
	}
	return p
}
