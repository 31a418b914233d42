package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// clock is a movable "now" shared by the store and the dispatcher.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// recordingChannel is a Channel that counts what it is asked to send and
// answers as told.
type recordingChannel struct {
	mu     sync.Mutex
	sends  map[int64]int // delivery id -> sends
	answer func(m message.Message) (message.Receipt, error)
	block  chan struct{} // when set, Send waits for it (or ctx)
	// entered, when set, hears of each Send as it begins (before block).
	entered chan int64
}

func newRecordingChannel() *recordingChannel {
	return &recordingChannel{sends: make(map[int64]int)}
}

func (c *recordingChannel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	if c.entered != nil {
		c.entered <- m.DeliveryID
	}
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return message.Receipt{}, ctx.Err()
		}
	}
	c.mu.Lock()
	c.sends[m.DeliveryID]++
	answer := c.answer
	c.mu.Unlock()
	if answer != nil {
		return answer(m)
	}
	return message.Receipt{Target: m.To.Login}, nil
}

func (c *recordingChannel) total() (deliveries, sends int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.sends {
		deliveries++
		sends += n
	}
	return deliveries, sends
}

// fixture is a store with a user and a clock, and a dispatcher over it.
type fixture struct {
	t     *testing.T
	s     *store.Store
	clock *clock
	user  store.User
	state string // the dispatchers' state directory: one host's
}

func newFixture(t *testing.T, s *store.Store) *fixture {
	t.Helper()
	c := &clock{now: t0}
	s.SetClock(c.Now)
	u, err := s.CreateUser(context.Background(), store.User{Login: "alice", TimeZone: "Europe/Paris", Language: "fr-FR",
		Phone: "+33142685300", Email: "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, s: s, clock: c, user: u, state: t.TempDir()}
}

// register adds a registration for an event at start, returning its deliveries.
func (f *fixture) register(start time.Time, channels []schedule.Channel, leads ...time.Duration) (store.Registration, []store.Delivery) {
	f.t.Helper()
	reg, created, _, err := f.s.Register(context.Background(), store.NewRegistration{UserID: f.user.ID, Title: "Collaboration meeting",
		StartAt: start, TimeZone: "Europe/Paris", Channels: channels, Leads: leads, CreatedBy: "test"})
	if err != nil {
		f.t.Fatalf("Register: %v", err)
	}
	return reg, created
}

func (f *fixture) dispatcher(owner string, channels map[schedule.Channel]Channel, change ...func(*Options)) *Dispatcher {
	f.t.Helper()
	opts := Options{
		Store: f.s, Channels: channels, Owner: owner, Concurrency: 4, BatchSize: 50, Lease: time.Minute,
		SendTimeout: 5 * time.Second, MaxAttempts: 3, BackoffBase: 30 * time.Second, BackoffMax: 5 * time.Minute,
		Now: f.clock.Now, Jitter: func() float64 { return 0.5 },
		StateDir: f.state, JournalScope: "test", Database: string(f.s.Dialect()), SyncJournal: f.s.DurableCommits(),
	}
	for _, c := range change {
		c(&opts)
	}
	d, err := New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) deliveries(regID int64) []store.Delivery {
	f.t.Helper()
	ds, err := f.s.DeliveriesOfRegistration(context.Background(), regID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ds
}

func (f *fixture) run(d *Dispatcher) Summary {
	f.t.Helper()
	sum, err := d.RunOnce(context.Background())
	if err != nil {
		f.t.Fatalf("RunOnce: %v", err)
	}
	return sum
}

var push = []schedule.Channel{schedule.ChannelPush}

func TestSendsWhatIsDueOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		start := t0.Add(time.Hour)
		reg, _ := f.register(start, []schedule.Channel{schedule.ChannelPush, schedule.ChannelEmail}, 30*time.Minute, 10*time.Minute)
		pushes, mails := newRecordingChannel(), newRecordingChannel()
		d := f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: pushes, schedule.ChannelEmail: mails})

		if sum := f.run(d); sum.Sent != 0 {
			t.Fatalf("before anything is due: %s; want nothing sent", sum)
		}
		f.clock.Set(start.Add(-30 * time.Minute))
		if sum := f.run(d); sum.Sent != 2 || sum.Failed+sum.Retrying+sum.Skipped != 0 {
			t.Fatalf("at T-30m: %s; want 2 sent", sum)
		}
		if sum := f.run(d); sum.Sent != 0 {
			t.Fatalf("again at T-30m: %s; want nothing more", sum)
		}
		f.clock.Set(start.Add(-9 * time.Minute))
		if sum := f.run(d); sum.Sent != 2 {
			t.Fatalf("at T-9m: %s; want 2 sent", sum)
		}
		for _, ch := range []*recordingChannel{pushes, mails} {
			if n, sends := ch.total(); n != 2 || sends != 2 {
				t.Errorf("channel got %d deliveries in %d sends; want 2 in 2", n, sends)
			}
		}
		for _, dl := range f.deliveries(reg.ID) {
			if dl.State != store.StateSent || dl.SentAt.IsZero() || dl.Target != "alice" || dl.Attempts != 1 || dl.LeaseOwner != "" {
				t.Errorf("delivery #%d: got %+v; want sent once to alice, lease cleared", dl.ID, dl)
			}
			log, err := s.AttemptsOfDelivery(context.Background(), dl.ID)
			if err != nil || len(log) != 1 || log[0].Outcome != "sent" {
				t.Errorf("delivery #%d log: got %+v, %v; want one sent attempt", dl.ID, log, err)
			}
		}
	})
}

func TestRetryBackoffAndGiveUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		start := t0.Add(2 * time.Hour)
		reg, _ := f.register(start, push, time.Hour)
		ch := newRecordingChannel()
		ch.answer = func(message.Message) (message.Receipt, error) {
			return message.Receipt{}, errors.New("push service said 503")
		}
		d := f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: ch})

		due := start.Add(-time.Hour)
		f.clock.Set(due)
		if sum := f.run(d); sum.Retrying != 1 {
			t.Fatalf("first try: %s; want retrying 1", sum)
		}
		dl := f.deliveries(reg.ID)[0]
		// Attempt 1 failed: the retry waits base/2 + jitter 0.5 * base/2 = 22.5s.
		if want := due.Add(22500 * time.Millisecond); dl.State != store.StatePending || !dl.NextAttemptAt.Equal(want) || dl.LastError != "push service said 503" {
			t.Fatalf("after the first failure: got %s next %v error %q; want pending next %v", dl.State, dl.NextAttemptAt, dl.LastError, want)
		}
		if sum := f.run(d); sum.Retrying+sum.Sent+sum.Failed != 0 {
			t.Fatalf("before the retry is due: %s; want nothing", sum)
		}
		f.clock.Set(dl.NextAttemptAt)
		f.run(d)
		dl = f.deliveries(reg.ID)[0]
		// Attempt 2 failed: base*2 = 60s, half plus half of the half: 45s.
		if want := f.clock.Now().Add(45 * time.Second); !dl.NextAttemptAt.Equal(want) {
			t.Fatalf("after the second failure: next %v; want %v", dl.NextAttemptAt, want)
		}
		f.clock.Set(dl.NextAttemptAt)
		if sum := f.run(d); sum.Failed != 1 {
			t.Fatalf("third try: %s; want failed 1 (max attempts 3)", sum)
		}
		dl = f.deliveries(reg.ID)[0]
		if dl.State != store.StateFailed || dl.Attempts != 3 || dl.LastError != "gave up after 3 attempts: push service said 503" {
			t.Fatalf("got %s after %d attempts, error %q; want failed after 3 with the last error", dl.State, dl.Attempts, dl.LastError)
		}
		log, _ := s.AttemptsOfDelivery(context.Background(), dl.ID)
		if len(log) != 3 || log[0].Outcome != "retry" || log[2].Outcome != "failed" {
			t.Fatalf("got log %+v; want retry, retry, failed", log)
		}
	})
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		answer    error
		wantState store.DeliveryState
		wantError string
		wantNext  time.Duration // after now, when pending
	}{
		{"permanent", message.Permanentf("number rejected"), store.StateFailed, "number rejected", 0},
		{"retry-after longer than the backoff", message.Retry(errors.New("429"), 10*time.Minute), store.StatePending, "429", 10 * time.Minute},
		{"retry-after shorter than the backoff", message.Retry(errors.New("429"), time.Second), store.StatePending, "429", 22500 * time.Millisecond},
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		for i, tt := range tests {
			start := t0.Add(time.Duration(2+i) * time.Hour)
			reg, _ := f.register(start, push, time.Hour)
			ch := newRecordingChannel()
			ch.answer = func(message.Message) (message.Receipt, error) { return message.Receipt{}, tt.answer }
			f.clock.Set(start.Add(-time.Hour))
			f.run(f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: ch}))
			dl := f.deliveries(reg.ID)[0]
			if dl.State != tt.wantState || dl.LastError != tt.wantError {
				t.Errorf("%s: got %s %q; want %s %q", tt.name, dl.State, dl.LastError, tt.wantState, tt.wantError)
			}
			if tt.wantNext != 0 && !dl.NextAttemptAt.Equal(f.clock.Now().Add(tt.wantNext)) {
				t.Errorf("%s: next attempt %v; want %v", tt.name, dl.NextAttemptAt, f.clock.Now().Add(tt.wantNext))
			}
		}
	})
}

func TestNoRetryAfterTheEventStarts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		start := t0.Add(time.Hour)
		reg, _ := f.register(start, push, 10*time.Second)
		ch := newRecordingChannel()
		ch.answer = func(message.Message) (message.Receipt, error) { return message.Receipt{}, errors.New("timeout") }
		f.clock.Set(start.Add(-10 * time.Second))
		if sum := f.run(f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: ch})); sum.Failed != 1 {
			t.Fatalf("got %s; want failed: the retry would come after the start", sum)
		}
		if dl := f.deliveries(reg.ID)[0]; dl.LastError != "no time left to try again before the event: timeout" {
			t.Errorf("got error %q", dl.LastError)
		}
	})
}

func TestSkips(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		start := t0.Add(time.Hour)
		late, _ := f.register(start, push, 10*time.Minute)
		ch := newRecordingChannel()
		d := f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelPush: ch})

		// A run that comes after the event started sends no reminder.
		f.clock.Set(start.Add(time.Minute))
		if sum := f.run(d); sum.Skipped != 1 || sum.Sent != 0 {
			t.Fatalf("after the start: %s; want 1 skipped", sum)
		}
		if dl := f.deliveries(late.ID)[0]; dl.State != store.StateCancelled || dl.LastError != "too late: the event started at 2026-12-01T09:00:00Z" {
			t.Errorf("got %s %q; want cancelled as too late", dl.State, dl.LastError)
		}

		// A disabled user gets nothing.
		f.clock.Set(t0)
		second := t0.Add(3 * time.Hour)
		reg, _ := f.register(second, push, 10*time.Minute)
		yes := true
		if _, err := s.UpdateUser(ctx, "alice", store.UserChanges{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(second.Add(-10 * time.Minute))
		if sum := f.run(d); sum.Skipped != 1 {
			t.Fatalf("disabled user: %s; want 1 skipped", sum)
		}
		if dl := f.deliveries(reg.ID)[0]; dl.LastError != "user disabled" {
			t.Errorf("got %q; want user disabled", dl.LastError)
		}
		if n, _ := ch.total(); n != 0 {
			t.Errorf("channel sent %d; want none", n)
		}
	})
}

func TestFallbackToNextChannel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		start := t0.Add(time.Hour)
		reg, _ := f.register(start, []schedule.Channel{schedule.ChannelCall, schedule.ChannelSMS}, 5*time.Minute)
		calls, texts := newRecordingChannel(), newRecordingChannel()
		calls.answer = func(message.Message) (message.Receipt, error) {
			return message.Receipt{}, fmt.Errorf("%w: no phone number", message.ErrNoTarget)
		}
		// The SMS delivery exists already: the fallback adds nothing, and
		// the person gets the SMS exactly once.
		f.clock.Set(start.Add(-5 * time.Minute))
		sum := f.run(f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelCall: calls, schedule.ChannelSMS: texts}))
		if sum.Sent != 1 || sum.Failed != 1 || sum.Fallbacks != 1 {
			t.Fatalf("got %s; want 1 sent (sms), 1 failed with a fallback (call)", sum)
		}
		if _, sends := texts.total(); sends != 1 {
			t.Errorf("sms sent %d times; want 1", sends)
		}
		for _, dl := range f.deliveries(reg.ID) {
			if dl.Channel == schedule.ChannelCall && dl.LastError != "no target: no phone number; falling back to sms" {
				t.Errorf("call delivery error %q", dl.LastError)
			}
		}

		// A channel that is not configured falls back to the next, which
		// is created and sent in the same pass.
		f.clock.Set(t0)
		second := t0.Add(2 * time.Hour)
		reg2, _ := f.register(second, []schedule.Channel{schedule.ChannelWebhook, schedule.ChannelEmail}, 5*time.Minute)
		mails := newRecordingChannel()
		f.clock.Set(second.Add(-5 * time.Minute))
		sum = f.run(f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelEmail: mails}))
		if sum.Sent != 1 || sum.Failed != 1 {
			t.Fatalf("got %s; want the email sent and the webhook failed", sum)
		}
		ds := f.deliveries(reg2.ID)
		if len(ds) != 2 || ds[0].LastError != "no target: the webhook channel is not configured; falling back to email" {
			t.Errorf("got %+v", ds)
		}
	})
}
