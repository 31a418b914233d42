package twiml_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// TestEndToEnd follows reminder calls from invoke to their outcome: a real
// dispatch pass places each call through the call channel at the fake
// Twilio, which fetches the TwiML from serve-twiml with a correct
// signature, presses keys on the <Gather>, and posts the status callbacks,
// in order or shuffled. Calls nobody answers are tried again after
// twiml.retry_delay, at most twiml.max_call_retries times.
func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name    string
		answers []twiliotest.Answer // one per call placed
		amd     bool
		state   store.DeliveryState
		outcome []string // the outcomes the log holds, in order, "late" rows left out
	}{
		{"presses 5, then 1", []twiliotest.Answer{{Digits: []string{"5", "1"}}}, false, store.StateAcknowledged,
			[]string{"sent", "progress", "progress", "answered", "acknowledged", "completed"}},
		{"presses nothing", []twiliotest.Answer{{Reorder: true}}, false, store.StateAnswered, nil},
		{"no answer, busy, then 1; callbacks shuffled", []twiliotest.Answer{
			{By: twiliotest.NoAnswer, Reorder: true}, {By: twiliotest.Busy}, {Digits: []string{"1"}, Reorder: true}},
			false, store.StateAcknowledged, nil},
		{"never answered", []twiliotest.Answer{
			{By: twiliotest.NoAnswer}, {By: twiliotest.NoAnswer, Reorder: true}, {By: twiliotest.Failed}},
			false, store.StateFailed, nil},
		{"answering machine", []twiliotest.Answer{{By: twiliotest.Machine}}, true, store.StateAnswered,
			[]string{"sent", "progress", "progress", "answered", "voicemail", "completed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				e2e(t, s, tt.answers, tt.amd, tt.state, tt.outcome)
			})
		})
	}
}

func e2e(t *testing.T, s *store.Store, answers []twiliotest.Answer, amd bool, state store.DeliveryState, outcomes []string) {
	f := newFixture(t, s)
	call := f.register("Detector review", "Room 4-S-030", schedule.ChannelCall)[schedule.ChannelCall]
	phone, err := twiliotest.NewPhone(f.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	phone.Script = func(n int, _ twiliotest.Call) twiliotest.Answer {
		if n >= len(answers) {
			t.Errorf("call %d placed; want %d calls", n+1, len(answers))
			return twiliotest.Answer{By: twiliotest.Failed}
		}
		return answers[n]
	}
	fake := twiliotest.New(t, twiliotest.Config{OnCall: phone.OnCall})
	opts := fake.CallOptions()
	opts.Now, opts.MachineDetection = f.clock.Now, amd
	ch, err := twiliocall.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dispatch.New(dispatch.Options{
		Store: s, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelCall: ch}, Owner: "invoke-e2e",
		Concurrency: 2, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second, MaxAttempts: 5,
		BackoffBase: 30 * time.Second, BackoffMax: 5 * time.Minute, PublicURL: twiliotest.PublicURL, Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, a := range answers {
		sum, err := d.RunOnce(ctx)
		if err != nil || sum.Sent != 1 {
			t.Fatalf("invoke pass %d: %s, %v; want one call sent", i+1, sum, err)
		}
		if err := phone.WaitEnded(ctx, i+1); err != nil {
			t.Fatal(err)
		}
		got := f.delivery(call.Token)
		retry := a.By == twiliotest.NoAnswer || a.By == twiliotest.Busy || a.By == twiliotest.Failed
		if retry && i+1 < len(answers) {
			if got.State != store.StatePending || got.ProviderRef != "" || !got.NextAttemptAt.Equal(f.clock.Now().Add(2*time.Minute)) {
				t.Fatalf("after call %d (%s): got %s, call %q, next attempt %v; want pending, no call, in 2m",
					i+1, a.By, got.State, got.ProviderRef, got.NextAttemptAt)
			}
			if sum, _ := d.RunOnce(ctx); sum.Sent != 0 {
				t.Fatalf("before the retry delay, invoke sent %d; want none", sum.Sent)
			}
			f.clock.Advance(2 * time.Minute)
		}
	}
	if sum, _ := d.RunOnce(ctx); sum.Sent != 0 {
		t.Errorf("after the last call, invoke sent %d more; want none", sum.Sent)
	}

	got := f.delivery(call.Token)
	if got.State != state {
		t.Errorf("got %s (%s); want %s", got.State, got.LastError, state)
	}
	calls := fake.Calls()
	if len(calls) != len(answers) {
		t.Fatalf("got %d calls placed; want %d", len(calls), len(answers))
	}
	log := f.log(call.ID)
	text := ""
	var kept []string
	for _, a := range log {
		text += a.Outcome + " " + a.Detail + "\n"
		if a.Outcome != "late" {
			kept = append(kept, a.Outcome)
		}
	}
	for _, c := range calls { // every call's SID stays in the log, retried or not
		if !strings.Contains(text, c.SID) {
			t.Errorf("the log lacks call %s:\n%s", c.SID, text)
		}
	}
	if outcomes != nil && strings.Join(kept, " ") != strings.Join(outcomes, " ") {
		t.Errorf("got log outcomes %q; want %q\n%s", kept, outcomes, text)
	}
	if state == store.StateFailed && !strings.Contains(got.LastError, "no retry left (3 calls)") {
		t.Errorf("got last error %q; want no retry left", got.LastError)
	}
	for _, e := range phone.Exchanges() {
		if e.Err != nil || e.Status != 200 {
			t.Errorf("%s of %s: got %d, %v; want 200", e.Kind, e.SID, e.Status, e.Err)
			continue
		}
		if e.Kind == "voice" || e.Kind == "gather" {
			verbs(t, e.Body) // one well-formed <Response>
		}
		if e.Kind == "voice" && !amd && !strings.Contains(e.Body, "Detector review beginnt in ") {
			t.Errorf("the call said %q; want the reminder", e.Body)
		}
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("serve-twiml logged errors:\n%s", f.logs.String())
	}
}

// TestLostAnswer: Twilio places the call (sends the text message) but its
// answer to invoke is lost, so that invoke sees a timeout and plans a
// retry no sooner than a minute later. Twilio's signed status callbacks
// reach serve-twiml either after invoke gave up (the call is adopted: sent)
// or while invoke still waits (the SID is kept, and invoke, seeing it,
// records the call as made instead of making it again). Either way the
// person is reached once.
func TestLostAnswer(t *testing.T) {
	tests := []struct {
		name          string
		channel       schedule.Channel
		clientTimeout time.Duration       // how long invoke waits for Twilio's answer
		recordWait    time.Duration       // how long serve-twiml waits for invoke's record of the call
		state         store.DeliveryState // at the end: the phone's person presses 1; a text is delivered
	}{
		{"call, invoke gives up first", schedule.ChannelCall, 300 * time.Millisecond, 2 * time.Second, store.StateAcknowledged},
		{"call, Twilio reports first", schedule.ChannelCall, time.Second, 100 * time.Millisecond, store.StateAcknowledged},
		{"text, invoke gives up first", schedule.ChannelSMS, 300 * time.Millisecond, 2 * time.Second, store.StateSent},
		{"text, Twilio reports first", schedule.ChannelSMS, time.Second, 100 * time.Millisecond, store.StateSent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s, func(o *twiml.Options) { o.RecordWait = tt.recordWait })
				dl := f.register("Detector review", "", tt.channel)[tt.channel]
				phone, err := twiliotest.NewPhone(f.http.URL)
				if err != nil {
					t.Fatal(err)
				}
				fake := twiliotest.New(t, twiliotest.Config{OnCall: phone.OnCall, OnMessage: phone.OnMessage,
					ClientTimeout: tt.clientTimeout})
				fake.FailNext(1, twiliotest.Fault{LoseAnswer: true})
				d := lostAnswerDispatcher(t, f, s, fake, tt.channel)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()

				if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 0 {
					t.Fatalf("first pass: %s, %v; want the lost answer not counted as sent", sum, err)
				}
				if err := phone.WaitEnded(ctx, 1); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(2 * time.Minute) // past the planned retry
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatalf("second pass: %v", err)
				}
				checkReachedOnce(t, f, fake, dl, tt.state)
			})
		})
	}
}

// TestTakeoverAfterKill: invoke was killed after Twilio took its request
// and before it could record the call. Twilio's callbacks reach
// serve-twiml, which keeps the SID; the next invoke, taking the claim over
// once its lease has passed, records the call as made and does not call
// the person again.
func TestTakeoverAfterKill(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, func(o *twiml.Options) { o.RecordWait = 100 * time.Millisecond })
		dl := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
		phone, err := twiliotest.NewPhone(f.http.URL)
		if err != nil {
			t.Fatal(err)
		}
		phone.Script = func(int, twiliotest.Call) twiliotest.Answer { return twiliotest.Answer{By: twiliotest.NoAnswer} }
		fake := twiliotest.New(t, twiliotest.Config{OnCall: phone.OnCall})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		// The run that is killed: it claims the call and places it, and
		// records nothing.
		claims, err := s.ClaimDue(ctx, "killed", time.Minute, 10)
		if err != nil || len(claims) != 1 {
			t.Fatalf("ClaimDue = %d, %v", len(claims), err)
		}
		opts := fake.CallOptions()
		opts.Now = f.clock.Now
		ch, err := twiliocall.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Send(ctx, dispatch.Message(claims[0], twiliotest.PublicURL)); err != nil {
			t.Fatal(err)
		}
		if err := phone.WaitEnded(ctx, 1); err != nil {
			t.Fatal(err)
		}

		f.clock.Advance(2 * time.Minute) // the lease has passed
		d := lostAnswerDispatcher(t, f, s, fake, schedule.ChannelCall)
		if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 1 {
			t.Fatalf("the run taking over: %s, %v; want the call recorded as sent", sum, err)
		}
		checkReachedOnce(t, f, fake, dl, store.StateSent)
	})
}

// lostAnswerDispatcher is invoke over s with channel's Twilio channel at fake.
func lostAnswerDispatcher(t *testing.T, f *fixture, s *store.Store, fake *twiliotest.Server, channel schedule.Channel) *dispatch.Dispatcher {
	t.Helper()
	var ch dispatch.Channel
	var err error
	if channel == schedule.ChannelCall {
		opts := fake.CallOptions()
		opts.Now = f.clock.Now
		ch, err = twiliocall.New(opts)
	} else {
		opts := fake.SMSOptions()
		opts.Now = f.clock.Now
		ch, err = twiliosms.New(opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	d, err := dispatch.New(dispatch.Options{
		Store: s, Channels: map[schedule.Channel]dispatch.Channel{channel: ch}, Owner: "invoke-lost",
		Concurrency: 1, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second, MaxAttempts: 5,
		BackoffBase: 10 * time.Second, BackoffMax: 5 * time.Minute, PublicURL: twiliotest.PublicURL, Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkReachedOnce checks that the fake made one call or message, which
// the delivery holds, in state, with a log that says how it was kept.
func checkReachedOnce(t *testing.T, f *fixture, fake *twiliotest.Server, dl store.Delivery, state store.DeliveryState) {
	t.Helper()
	calls, messages := fake.Calls(), fake.Messages()
	if len(calls)+len(messages) != 1 {
		t.Fatalf("got %d calls and %d messages; want one of them", len(calls), len(messages))
	}
	placed := append(calls, twiliotest.Call{})[0].SID
	if len(messages) == 1 {
		placed = messages[0].SID
	}
	got := f.delivery(dl.Token)
	if got.State != state || got.ProviderRef != placed || got.SentAt.IsZero() {
		t.Errorf("got %s, provider ref %q, sent at %v; want %s, %q, sent", got.State, got.ProviderRef, got.SentAt, state, placed)
	}
	var kept bool
	for _, a := range f.log(dl.ID) {
		kept = kept || strings.Contains(a.Detail, "adopted") || strings.Contains(a.Detail, "not made again")
	}
	if !kept {
		t.Errorf("the log does not say the %s was kept: %+v", dl.Channel, f.log(dl.ID))
	}
}
