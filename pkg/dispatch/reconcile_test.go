package dispatch_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// rclock is a movable "now" shared by the store, invoke and the channel.
type rclock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *rclock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *rclock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// syncBuffer collects log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *syncBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// rfixture: alice registered for an event three hours after rt0, called
// two hours before it (so that retries have time), through the call
// channel at a fake Twilio that posts no status callback at all: what
// Twilio holds about each call is what the test sets.
type rfixture struct {
	t     *testing.T
	s     *store.Store
	clock *rclock
	fake  *twiliotest.Server
	d     *dispatch.Dispatcher
	logs  *syncBuffer
	call  store.Delivery
}

var rt0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

const reconcileAfter = 10 * time.Minute

func newRFixture(t *testing.T, s *store.Store, change ...func(*twiliocall.Options)) *rfixture {
	t.Helper()
	ctx := context.Background()
	c := &rclock{now: rt0}
	s.SetClock(c.Now)
	u, err := s.CreateUser(ctx, store.User{Login: "alice", TimeZone: "Europe/Paris", Language: "fr-FR", Phone: "+33142685300"})
	if err != nil {
		t.Fatal(err)
	}
	_, created, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: "Collaboration meeting",
		StartAt: rt0.Add(2 * time.Hour), TimeZone: "Europe/Paris", Channels: []schedule.Channel{schedule.ChannelCall},
		Leads: []time.Duration{2 * time.Hour}, CreatedBy: "test"})
	if err != nil || len(created) != 1 {
		t.Fatalf("Register: %d deliveries, %v", len(created), err)
	}
	fake := twiliotest.New(t, twiliotest.Config{})
	opts := fake.CallOptions()
	opts.Now = c.Now
	for _, ch := range change {
		ch(&opts)
	}
	ch, err := twiliocall.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d, err := dispatch.New(dispatch.Options{
		Store: s, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelCall: ch}, Owner: "invoke-reconcile",
		Concurrency: 1, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second, MaxAttempts: 5,
		BackoffBase: 30 * time.Second, BackoffMax: 5 * time.Minute, PublicURL: twiliotest.PublicURL, Now: c.Now,
		Log:       slog.New(slog.NewTextHandler(logs, nil)),
		Reconcile: dispatch.ReconcileOptions{Calls: ch, After: reconcileAfter, RetryDelay: 2 * time.Minute, MaxCallRetries: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &rfixture{t: t, s: s, clock: c, fake: fake, d: d, logs: logs, call: created[0]}
}

// run makes one invoke pass and returns how many calls it placed.
func (f *rfixture) run() int {
	f.t.Helper()
	sum, err := f.d.RunOnce(context.Background())
	if err != nil {
		f.t.Fatalf("RunOnce: %v", err)
	}
	return sum.Sent
}

func (f *rfixture) delivery() store.Delivery {
	f.t.Helper()
	d, err := f.s.DeliveryByToken(context.Background(), f.call.Token)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// fetches counts the look-ups of call sid the fake answered.
func (f *rfixture) fetches(sid string) int {
	n := 0
	for _, r := range f.fake.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/Calls/"+sid+".json") {
			n++
		}
	}
	return n
}

// reconciled returns the log rows that say they came from a look-up.
func (f *rfixture) reconciled() []store.Attempt {
	f.t.Helper()
	log, err := f.s.AttemptsOfDelivery(context.Background(), f.call.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []store.Attempt
	for _, a := range log {
		if strings.HasPrefix(a.Detail, "reconciled from Twilio: ") {
			out = append(out, a)
		}
	}
	return out
}

// place makes the pass that places the next call, and returns its SID.
func (f *rfixture) place() string {
	f.t.Helper()
	if n := f.run(); n != 1 {
		f.t.Fatalf("invoke placed %d calls; want 1", n)
	}
	d := f.delivery()
	if d.State != store.StateSent || d.ProviderRef == "" {
		f.t.Fatalf("after the call: got %s, call %q; want sent with the call's SID", d.State, d.ProviderRef)
	}
	return d.ProviderRef
}

// TestReconcileFromTwilio: a call whose status callbacks never come is
// looked up once it has been sent for twiml.reconcile_after, not before,
// and finished from what Twilio holds, with one log row per look-up. Only
// a pressed 1 acknowledges, and no look-up can show one.
func TestReconcileFromTwilio(t *testing.T) {
	tests := []struct {
		name   string
		twilio []twiliotest.CallState // what Twilio holds of each call placed; nil entry: the call was deleted (404)
		state  store.DeliveryState
		rows   []string // the provider status of each reconciled log row
		err    string   // in last_error
	}{
		{"completed", []twiliotest.CallState{{Status: "completed", AnsweredBy: "human", Duration: 40}}, store.StateAnswered,
			[]string{"completed"}, ""},
		{"busy thrice", []twiliotest.CallState{{Status: "busy"}, {Status: "busy"}, {Status: "busy"}}, store.StateFailed,
			[]string{"busy", "busy", "busy"}, "no retry left (3 calls)"},
		{"no-answer, then completed", []twiliotest.CallState{{Status: "no-answer"}, {Status: "completed", Duration: 12}}, store.StateAnswered,
			[]string{"no-answer", "completed"}, ""},
		{"failed thrice", []twiliotest.CallState{{Status: "failed"}, {Status: "failed"}, {Status: "failed"}}, store.StateFailed,
			[]string{"failed", "failed", "failed"}, "no retry left"},
		{"canceled", []twiliotest.CallState{{Status: "canceled"}}, store.StateFailed, []string{"canceled"}, "canceled"},
		{"unknown to Twilio", []twiliotest.CallState{{}}, store.StateFailed, []string{"not found"}, "Twilio has no call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newRFixture(t, s)
				for i, st := range tt.twilio {
					sid := f.place()
					if st.Status == "" {
						f.fake.DeleteCall(sid)
					} else {
						f.fake.SetCall(sid, st)
					}
					f.clock.Advance(reconcileAfter - time.Second)
					if n := f.run(); n != 0 || f.fetches(sid) != 0 || f.delivery().State != store.StateSent {
						t.Fatalf("call %d, before reconcile_after: got %d placed, %d look-ups, %s; want nothing done",
							i+1, n, f.fetches(sid), f.delivery().State)
					}
					f.clock.Advance(time.Second)
					if n := f.run(); n != 0 || f.fetches(sid) != 1 {
						t.Fatalf("call %d, at reconcile_after: got %d placed, %d look-ups; want one look-up", i+1, n, f.fetches(sid))
					}
					if d := f.delivery(); i+1 < len(tt.twilio) {
						if d.State != store.StatePending || d.ProviderRef != "" || !d.NextAttemptAt.Equal(f.clock.Now().Add(2*time.Minute)) {
							t.Fatalf("after call %d (%s): got %s, call %q, next %v; want pending, no call, in 2m (twiml.retry_delay)",
								i+1, st.Status, d.State, d.ProviderRef, d.NextAttemptAt)
						}
						f.clock.Advance(2 * time.Minute)
					}
					if !strings.Contains(f.logs.String(), "delivery="+itoa(f.call.ID)+" call="+sid) {
						t.Errorf("call %d: got log\n%s\nwant a line naming delivery %d and call %s", i+1, f.logs.String(), f.call.ID, sid)
					}
				}
				d := f.delivery()
				if d.State != tt.state || !strings.Contains(d.LastError, tt.err) {
					t.Errorf("got %s (%q); want %s (%q)", d.State, d.LastError, tt.state, tt.err)
				}
				rows := f.reconciled()
				var got []string
				for _, a := range rows {
					got = append(got, a.ProviderStatus)
				}
				if strings.Join(got, " ") != strings.Join(tt.rows, " ") {
					t.Errorf("got reconciled rows %q; want %q", got, tt.rows)
				}
				// Finished: no more look-ups, nor calls.
				before := len(f.fake.Requests())
				f.clock.Advance(time.Hour)
				if n := f.run(); n != 0 || len(f.fake.Requests()) != before {
					t.Errorf("after it was finished: got %d placed, %d requests more; want none", n, len(f.fake.Requests())-before)
				}
			})
		})
	}
}

// TestReconcileStillUnderWay: a call Twilio still reports in progress is
// left sent, looked up again only after reconcile_after more, and given
// up on (answered, not acknowledged) two hours after it was placed.
func TestReconcileStillUnderWay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newRFixture(t, s)
		sid := f.place()
		f.fake.SetCall(sid, twiliotest.CallState{Status: "in-progress", AnsweredBy: "human"})
		f.clock.Advance(reconcileAfter)
		f.run()
		if d, n := f.delivery(), f.fetches(sid); d.State != store.StateSent || n != 1 || len(f.reconciled()) != 1 {
			t.Fatalf("in progress: got %s, %d look-ups, %d rows; want sent, 1, 1", d.State, n, len(f.reconciled()))
		}
		f.clock.Advance(reconcileAfter - time.Second)
		if f.run(); f.fetches(sid) != 1 {
			t.Fatalf("got %d look-ups before reconcile_after passed again; want 1", f.fetches(sid))
		}
		f.clock.Advance(time.Second)
		if f.run(); f.fetches(sid) != 2 || f.delivery().State != store.StateSent {
			t.Fatalf("got %d look-ups, %s once reconcile_after passed again; want 2, sent", f.fetches(sid), f.delivery().State)
		}
		for f.clock.Now().Before(rt0.Add(2 * time.Hour)) {
			f.clock.Advance(reconcileAfter)
			f.run()
		}
		d := f.delivery()
		if d.State != store.StateAnswered {
			t.Errorf("two hours on: got %s (%s); want answered", d.State, d.LastError)
		}
		rows := f.reconciled()
		if last := rows[len(rows)-1]; !strings.Contains(last.Detail, "given up, counted as answered") || len(rows) != f.fetches(sid) {
			t.Errorf("got %d rows for %d look-ups, the last %q; want one each, the last giving up", len(rows), f.fetches(sid), last.Detail)
		}
	})
}

// TestReconcileLeavesFinished: a call with a final status from its
// callback, or acknowledged, is never looked up.
func TestReconcileLeavesFinished(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change store.ReportChange
	}{
		{"acknowledged", store.ReportChange{State: store.StateAcknowledged}},
		{"answered", store.ReportChange{State: store.StateAnswered}},
		{"a final status recorded", store.ReportChange{Progress: &store.Progress{Status: "completed", Sequence: 3}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newRFixture(t, s)
				sid := f.place()
				change := tt.change
				if change.Progress != nil {
					p := *change.Progress
					p.ProviderRef = sid
					change.Progress = &p
				}
				if _, err := s.ApplyReport(context.Background(), f.call.Token, func(store.Report) (store.ReportChange, error) { return change, nil }); err != nil {
					t.Fatal(err)
				}
				f.fake.SetCall(sid, twiliotest.CallState{Status: "busy"})
				f.clock.Advance(time.Hour)
				f.run()
				if n := f.fetches(sid); n != 0 || len(f.reconciled()) != 0 {
					t.Errorf("got %d look-ups, %d rows; want none", n, len(f.reconciled()))
				}
			})
		})
	}
}

// TestReconcileWrongToken: when the fake refuses the account's
// credentials, nothing is written, the pass goes on to send what is due,
// and the log says why.
func TestReconcileWrongToken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newRFixture(t, s)
		sid := f.place()
		f.fake.SetCall(sid, twiliotest.CallState{Status: "completed", Duration: 30})
		bad := f.fake.CallOptions()
		bad.AuthToken, bad.Now = "f00dfeedcafe0123456789abcdef9999", f.clock.Now
		ch, err := twiliocall.New(bad)
		if err != nil {
			t.Fatal(err)
		}
		d, err := dispatch.New(dispatch.Options{
			Store: s, Owner: "invoke-bad-token", Concurrency: 1, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second,
			MaxAttempts: 5, Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(f.logs, nil)),
			Reconcile: dispatch.ReconcileOptions{Calls: ch, After: reconcileAfter, RetryDelay: 2 * time.Minute, MaxCallRetries: 2},
		})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(reconcileAfter)
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v; want Twilio's refusal logged, not returned", err)
		}
		reqs := f.fake.Requests()
		if last := reqs[len(reqs)-1]; last.Method != "GET" || last.AuthOK || last.Status != 401 {
			t.Errorf("got last request %+v; want the look-up refused (401)", last)
		}
		if got := f.delivery(); got.State != store.StateSent || len(f.reconciled()) != 0 {
			t.Errorf("got %s, %d rows; want it left sent, nothing logged", got.State, len(f.reconciled()))
		}
		if logs := f.logs.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "20003") ||
			strings.Contains(logs, bad.AuthToken) || strings.Contains(logs, f.fake.AuthToken()) {
			t.Errorf("got log\n%s\nwant an error naming code 20003, and no token", logs)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
