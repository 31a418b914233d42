package twiml_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// TestVoiceAnswer compares the TwiML of a call with the golden file, the
// token written as {token}.
func TestVoiceAnswer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		call := f.register("Detector review", "Room 4-S-030", schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
		want, err := os.ReadFile("testdata/voice_response.xml")
		if err != nil {
			t.Fatal(err)
		}
		if body := strings.ReplaceAll(got.body, call.Token, "{token}"); got.status != 200 || body != string(want) {
			t.Errorf("got %d\n%s\nwant 200\n%s", got.status, body, want)
		}
		if d := f.delivery(call.Token); d.State != store.StateSent || len(f.log(call.ID)) != 1 {
			t.Errorf("got %s with %d log rows; want the fetch to change nothing", d.State, len(f.log(call.ID)))
		}
	})
}

func TestGather(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ds := f.register("Detector review", "", schedule.ChannelCall, schedule.ChannelPush)
		call, push := ds[schedule.ChannelCall], ds[schedule.ChannelPush]
		f.place(call, sid1)

		got := f.post(twiml.GatherRoute, call.Token, callForm(sid1, "Digits", "5"), twiliotest.AuthToken)
		names, said := verbs(t, got.body)
		if got.status != 200 || !strings.Contains(strings.Join(names, " "), "Gather") || said[0] != "Hier noch einmal Ihre Erinnerung." ||
			!strings.Contains(said[1], "Detector review") {
			t.Errorf("key 5: got %d %q; want the reminder again, with a <Gather>", got.status, got.body)
		}
		if d := f.delivery(call.Token); d.State != store.StateSent {
			t.Errorf("key 5: got %s; want sent", d.State)
		}

		for i := range 2 { // the second press changes nothing more
			got = f.post(twiml.GatherRoute, call.Token, callForm(sid1, "Digits", "1"), twiliotest.AuthToken)
			names, said = verbs(t, got.body)
			if got.status != 200 || len(said) != 1 || said[0] != "Danke. Ihre Erinnerung ist bestätigt. Auf Wiederhören." || names[len(names)-1] != "Hangup" {
				t.Errorf("key 1, press %d: got %d %q; want the confirmation", i+1, got.status, got.body)
			}
		}
		d := f.delivery(call.Token)
		if d.State != store.StateAcknowledged || d.ReadAt.IsZero() || d.ProviderRef != sid1 {
			t.Errorf("got %s, read %v, call %q; want acknowledged, read, the call kept", d.State, d.ReadAt, d.ProviderRef)
		}
		log := f.log(call.ID)
		if len(log) != 2 || log[1].Outcome != "acknowledged" || !strings.Contains(log[1].Detail, sid1) {
			t.Errorf("got log %+v; want invoke's row and one acknowledgement", log)
		}
		if p := f.delivery(push.Token); p.State != store.StateCancelled || !strings.Contains(p.LastError, "acknowledged by phone") {
			t.Errorf("the push of the same reminder: got %s %q; want cancelled, acknowledged by phone", p.State, p.LastError)
		}
		// A status callback after the acknowledgement does not undo it.
		f.post(twiml.CallStatusRoute, call.Token, callForm(sid1, "CallStatus", "completed", "SequenceNumber", "3"), twiliotest.AuthToken)
		if d := f.delivery(call.Token); d.State != store.StateAcknowledged {
			t.Errorf("after completed: got %s; want acknowledged", d.State)
		}
	})
}

func TestAnsweringMachine(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1, "AnsweredBy", "machine_end_beep"), twiliotest.AuthToken)
		names, said := verbs(t, got.body)
		if got.status != 200 || strings.Join(names, " ") != "Response Say Pause Say Hangup" || !strings.Contains(said[0], "Detector review") {
			t.Errorf("got %d %q; want the reminder twice as a voicemail", got.status, got.body)
		}
		d := f.delivery(call.Token)
		log := f.log(call.ID)
		if d.State != store.StateAnswered || len(log) != 2 || log[1].Outcome != "voicemail" || log[1].ProviderStatus != "machine_end_beep" {
			t.Errorf("got %s, log %+v; want answered (not acknowledged), a voicemail row", d.State, log)
		}
	})
}

// TestCallbacks posts a call's status callbacks in order and shuffled:
// the delivery ends the same way, and each report is in the log.
func TestCallbacks(t *testing.T) {
	ringing := [][]string{{"CallStatus", "initiated", "SequenceNumber", "0"}, {"CallStatus", "ringing", "SequenceNumber", "1"}}
	answered := append(ringing, []string{"CallStatus", "in-progress", "SequenceNumber", "2"},
		[]string{"CallStatus", "completed", "SequenceNumber", "3", "CallDuration", "31"})
	noAnswer := append(ringing, []string{"CallStatus", "no-answer", "SequenceNumber", "2"})
	reverse := func(in [][]string) [][]string {
		out := make([][]string, len(in))
		for i := range in {
			out[len(in)-1-i] = in[i]
		}
		return out
	}
	tests := []struct {
		name      string
		callbacks [][]string
		state     store.DeliveryState
		late      int // reports out of order
		retried   bool
	}{
		{"answered, in order", answered, store.StateAnswered, 0, false},
		{"answered, reversed", reverse(answered), store.StateAnswered, 3, false},
		{"answered, completed before in-progress", [][]string{answered[0], answered[3], answered[2], answered[1]}, store.StateAnswered, 2, false},
		{"no answer, in order", noAnswer, store.StatePending, 0, true},
		{"no answer, reversed", reverse(noAnswer), store.StatePending, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s)
				call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
				f.place(call, sid1)
				for _, kv := range tt.callbacks {
					got := f.post(twiml.CallStatusRoute, call.Token, callForm(sid1, kv...), twiliotest.AuthToken)
					if names, _ := verbs(t, got.body); got.status != 200 || len(names) != 1 {
						t.Fatalf("got %d %q; want 200 and an empty <Response>", got.status, got.body)
					}
				}
				d := f.delivery(call.Token)
				if d.State != tt.state {
					t.Errorf("got %s; want %s", d.State, tt.state)
				}
				if tt.retried && (d.ProviderRef != "" || !d.NextAttemptAt.Equal(t0.Add(2*time.Minute)) || !strings.Contains(d.LastError, "no-answer")) {
					t.Errorf("got call %q, next attempt %v, error %q; want the call cleared, a retry at %v", d.ProviderRef, d.NextAttemptAt, d.LastError, t0.Add(2*time.Minute))
				}
				log := f.log(call.ID)
				late := 0
				for _, a := range log {
					if a.Outcome == "late" {
						late++
					}
				}
				if len(log) != 1+len(tt.callbacks) || late != tt.late {
					t.Errorf("got %d log rows, %d late; want %d, %d: %+v", len(log), late, 1+len(tt.callbacks), tt.late, log)
				}
			})
		})
	}
}

func TestMessageCallbacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		sms := f.register("Detector review", "", schedule.ChannelSMS)[schedule.ChannelSMS]
		f.place(sms, smsA)
		for _, st := range []string{"sent", "undelivered", "sent"} {
			form := callForm("", "MessageSid", smsA, "MessageStatus", st)
			form.Del("CallSid")
			if st == "undelivered" {
				form.Set("ErrorCode", "30003")
			}
			if got := f.post(twiml.SMSStatusRoute, sms.Token, form, twiliotest.AuthToken); got.status != 200 {
				t.Fatalf("%s: got %d %q", st, got.status, got.body)
			}
		}
		d := f.delivery(sms.Token)
		log := f.log(sms.ID)
		if d.State != store.StateFailed || !strings.Contains(d.LastError, "30003") || len(log) != 4 || log[3].Outcome != "late" {
			t.Errorf("got %s %q, log %+v; want failed with the error code, the late sent in the log", d.State, d.LastError, log)
		}
	})
}

// TestGoneReminders: an expired or cancelled reminder gets a polite
// goodbye, and a request signed with the previous token is accepted.
func TestGoneReminders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		const previous = "0123456789abcdef0123456789abcdee"
		f := newFixture(t, s, func(o *twiml.Options) { o.PreviousAuthToken = previous })
		call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		if got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1), previous); got.status != 200 || !strings.Contains(got.body, "<Gather") {
			t.Errorf("previous token: got %d %q; want the reminder", got.status, got.body)
		}
		f.clock.Advance(11 * time.Minute) // the event has started
		got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
		if _, said := verbs(t, got.body); got.status != 200 || len(said) != 1 || !strings.Contains(said[0], "nicht mehr verfügbar") {
			t.Errorf("expired: got %d %q; want a polite goodbye", got.status, got.body)
		}
		if !strings.Contains(f.logs.String(), "reason=expired") {
			t.Errorf("expired: the log lacks the reason")
		}
		f.clock.Advance(-11 * time.Minute)
		if _, err := s.CancelRegistrations(context.Background(), []int64{call.RegistrationID}, 0); err != nil {
			t.Fatal(err)
		}
		got = f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
		if _, said := verbs(t, got.body); got.status != 200 || len(said) != 1 || !strings.Contains(said[0], "nicht mehr verfügbar") {
			t.Errorf("cancelled: got %d %q; want a polite goodbye", got.status, got.body)
		}
		if !strings.Contains(f.logs.String(), "reason=cancelled") {
			t.Errorf("cancelled: the log lacks the reason")
		}
	})
}

func TestHealthAndMetrics(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		if h := httptestGet(t, f, "/healthz"); h.status != 200 || !strings.Contains(h.body, `"ok"`) {
			t.Errorf("healthz: got %d %q; want 200 ok", h.status, h.body)
		}
		f.post(twiml.VoiceRoute, strings.Repeat("A", 43), callForm(sid1), "")
		f.post(twiml.VoiceRoute, strings.Repeat("A", 43), callForm(sid1), twiliotest.AuthToken)
		m := httptestGet(t, f, "/metrics")
		for _, want := range []string{
			"pfsnotify_twiml_signature_failures_total 1",
			`pfsnotify_twiml_outcomes_total{outcome="unknown_token",route="voice/"} 1`,
			`pfsnotify_twiml_http_requests_total{code="403",route="POST /twiml/voice/{token}"} 1`,
			"go_goroutines",
		} {
			if !strings.Contains(m.body, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// TestFailsClosed: no auth token, no public URL: no server.
func TestFailsClosed(t *testing.T) {
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t, storetest.SQLiteConfig(t))
	good := twiml.Options{Store: s, Templates: tmpl, PublicURL: twiliotest.PublicURL, AuthToken: twiliotest.AuthToken,
		RetryDelay: time.Minute, MaxCallRetries: 2}
	for _, tt := range []struct {
		name   string
		change func(*twiml.Options)
		want   string
	}{
		{"no auth token", func(o *twiml.Options) { o.AuthToken = "" }, "twilio.auth_token is empty"},
		{"previous token only", func(o *twiml.Options) { o.AuthToken, o.PreviousAuthToken = "", twiliotest.AuthToken }, "twilio.auth_token is empty"},
		{"no public url", func(o *twiml.Options) { o.PublicURL = "" }, "public_url is empty"},
		{"bad public url", func(o *twiml.Options) { o.PublicURL = "notify.example.org" }, "public_url"},
	} {
		opts := good
		tt.change(&opts)
		_, err := twiml.New(opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want an error containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := twiml.New(good); err != nil {
		t.Errorf("good options: %v", err)
	}
}
