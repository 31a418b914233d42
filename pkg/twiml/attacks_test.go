package twiml_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// TestAttacks sends each request of the list of bad input and
// attacks, and checks the answer, the log line and that nothing changed.
func TestAttacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ds := f.register("Detector review", "Room 4-S-030", schedule.ChannelCall, schedule.ChannelSMS, schedule.ChannelPush)
		call, sms, push := ds[schedule.ChannelCall], ds[schedule.ChannelSMS], ds[schedule.ChannelPush]
		f.place(call, sid1)
		f.place(sms, smsA)
		routes := twiml.Routes{PublicURL: twiliotest.PublicURL}
		voiceURL := routes.Voice(call.Token)
		tok := twiliotest.AuthToken

		// signedFor sends form to the voice URL, with the signature of
		// signedForm to u.
		signedFor := func(u string, signedForm, form url.Values) *http.Request {
			req, err := twiliotest.SignedRequest("", voiceURL, form)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set(twiml.SignatureHeader, twiliotest.Sign(tok, u, signedForm))
			return req
		}
		replayed := func() *http.Request {
			signed := callForm(sid1, "Digits", "2")
			req, _ := twiliotest.SignedRequest("", routes.Gather(call.Token), callForm(sid1, "Digits", "1"))
			req.Header.Set(twiml.SignatureHeader, twiliotest.Sign(tok, routes.Gather(call.Token), signed))
			return req
		}
		// Signed over the URL the request reached (its Host), not the public one.
		byHost := func() *http.Request {
			form := callForm(sid1)
			req, _ := twiliotest.SignedRequest("", voiceURL, form)
			req.Header.Set(twiml.SignatureHeader, twiliotest.Sign(tok, f.http.URL+"/twiml/voice/"+call.Token, form))
			return req
		}
		oversized := func() *http.Request {
			form := callForm(sid1, "Padding", strings.Repeat("x", twiml.MaxBody))
			req, _ := twiliotest.SignedRequest(tok, voiceURL, form)
			return req
		}
		unsigned := func() *http.Request {
			req, _ := twiliotest.SignedRequest("", voiceURL, callForm(sid1))
			return req
		}
		wrongToken := func() *http.Request {
			req, _ := twiliotest.SignedRequest("0000000000000000000000000000beef", voiceURL, callForm(sid1))
			return req
		}
		signed := func(u string, form url.Values) func() *http.Request {
			return func() *http.Request {
				req, _ := twiliotest.SignedRequest(tok, u, form)
				return req
			}
		}
		unknown := strings.Repeat("A", 43)

		tests := []struct {
			name   string
			req    func() *http.Request
			status int
			say    string // what the TwiML says, "" for no <Say>
			log    string // in the log line
		}{
			{"unsigned request", unsigned, 403, "", "request refused: missing or wrong X-Twilio-Signature"},
			{"signature of another auth token", wrongToken, 403, "", "request refused"},
			{"signature made for another URL", func() *http.Request {
				return signedFor(routes.Voice(sms.Token), callForm(sid1), callForm(sid1))
			}, 403, "", "request refused"},
			{"signature made for another body", func() *http.Request {
				return signedFor(voiceURL, callForm(sid1, "AnsweredBy", "human"), callForm(sid1, "AnsweredBy", "machine_start"))
			}, 403, "", "request refused"},
			{"signature with a parameter added", func() *http.Request {
				return signedFor(voiceURL, callForm(sid1), callForm(sid1, "AnsweredBy", "machine_start"))
			}, 403, "", "request refused"},
			{"signature of the request's own host", byHost, 403, "", "request refused"},
			{"valid signature replayed with changed parameters", replayed, 403, "", "request refused"},
			{"token that does not exist", signed(routes.Voice(unknown), callForm(sid1)), 200, "no longer available", "reason=unknown_token"},
			{"token of a text message's delivery", signed(routes.Voice(sms.Token), callForm(sid1)), 200, "nicht mehr verfügbar", "reason=wrong_channel"},
			{"token of a push delivery", signed(routes.Gather(push.Token), callForm(sid1, "Digits", "1")), 200, "nicht mehr verfügbar", "reason=wrong_channel"},
			{"oversized body", oversized, 413, "", "body over the limit"},
			{"body that is not a form", func() *http.Request {
				req, _ := twiliotest.SignedRequest(tok, voiceURL, callForm(sid1))
				req.Header.Set("Content-Type", "application/json")
				return req
			}, 403, "", "not application/x-www-form-urlencoded"},
			{"GET instead of POST", func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, voiceURL, nil)
				req.Header.Set(twiml.SignatureHeader, twiliotest.Sign(tok, voiceURL, nil))
				return req
			}, 405, "", "status=405"},
			{"status callback for a call that is not ours", signed(routes.CallStatus(call.Token),
				callForm(sid2, "CallStatus", "completed", "SequenceNumber", "3")), 200, "", "reason=other_call"},
			{"gather of a call that is not ours", signed(routes.Gather(call.Token), callForm(sid2, "Digits", "1")), 200, "nicht mehr verfügbar", "reason=other_call"},
			{"message callback for a message that is not ours", signed(routes.SMSStatus(sms.Token),
				url.Values{"MessageSid": {"SM00000000000000000000000000000099"}, "MessageStatus": {"undelivered"}}), 200, "", "reason=other_call"},
			{"call callback on a text message's token", signed(routes.CallStatus(sms.Token),
				callForm(smsA, "CallStatus", "no-answer")), 200, "", "reason=wrong_channel"},
			{"status callback without a status", signed(routes.CallStatus(call.Token), url.Values{"CallSid": {sid1}}), 400, "", "CallStatus"},
		}
		before := snapshot(t, f, call, sms, push)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mark := len(f.logs.String())
				got := f.do(tt.req())
				if got.status != tt.status {
					t.Fatalf("got %d %q; want %d", got.status, got.body, tt.status)
				}
				if tt.status == 200 {
					_, said := verbs(t, got.body)
					if tt.say == "" && len(said) != 0 || tt.say != "" && (len(said) != 1 || !strings.Contains(said[0], tt.say)) {
						t.Errorf("got %q said; want %q", said, tt.say)
					}
				}
				if line := f.logs.String()[mark:]; !strings.Contains(line, tt.log) {
					t.Errorf("got log %q; want it to contain %q", line, tt.log)
				}
				if after := snapshot(t, f, call, sms, push); after != before {
					t.Errorf("the database changed:\n%s\nwant\n%s", after, before)
				}
			})
		}
		for _, secret := range []string{tok, call.Token, sms.Token, push.Token} {
			if strings.Contains(f.logs.String(), secret) {
				t.Errorf("the log shows a secret (auth token or delivery token)")
			}
		}
		if got := f.do(signed(voiceURL, callForm(sid1))()); got.status != 200 || !strings.Contains(got.body, "<Gather") {
			t.Errorf("after the attacks, the real request got %d %q; want the reminder", got.status, got.body)
		}
	})
}

// snapshot is the state of the deliveries and their logs, as text.
func snapshot(t *testing.T, f *fixture, ds ...store.Delivery) string {
	t.Helper()
	var b strings.Builder
	for _, d := range ds {
		got := f.delivery(d.Token)
		b.WriteString(string(got.State) + " " + got.ProviderRef + " " + got.LastError + " " + got.NextAttemptAt.UTC().String())
		for _, a := range f.log(d.ID) {
			b.WriteString(" | " + a.Outcome + " " + a.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestHostileText: a title and a note made of markup are spoken as text,
// in a well-formed document with no other verbs.
func TestHostileTextServed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		const title = `R&D <review> ]]> </Say><Dial>+15550000000</Dial><Say>`
		const note = `Bring <b>&amp; "slides" ]]>`
		call := f.register(title, note, schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		got := f.post(twiml.VoiceRoute, call.Token, callForm(sid1), twiliotest.AuthToken)
		if got.status != 200 {
			t.Fatalf("got %d %q", got.status, got.body)
		}
		names, said := verbs(t, got.body)
		if strings.Contains(strings.Join(names, " "), "Dial") {
			t.Errorf("got verbs %q; want no <Dial>", names)
		}
		if len(said) < 2 || !strings.Contains(said[0], title) || !strings.Contains(said[0], note) || said[0] != said[1] {
			t.Errorf("got said %q; want the title and note verbatim, twice", said)
		}
	})
}

// TestStoreClosed: a store closed under the server (a bug, or a shutdown
// that outlasted its timeout; not a database that is down, for which see
// TestDatabaseStalls) gets a person an apology, a callback a 500.
func TestStoreClosed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
		f.place(call, sid1)
		s.Close()
		for _, tt := range []struct {
			route  string
			form   url.Values
			status int
		}{
			{twiml.VoiceRoute, callForm(sid1), 200},
			{twiml.GatherRoute, callForm(sid1, "Digits", "1"), 200},
			{twiml.CallStatusRoute, callForm(sid1, "CallStatus", "completed", "SequenceNumber", "3"), 500},
		} {
			mark := len(f.logs.String())
			got := f.post(tt.route, call.Token, tt.form, twiliotest.AuthToken)
			if got.status != tt.status {
				t.Errorf("%s: got %d; want %d", tt.route, got.status, tt.status)
			}
			names, said := verbs(t, got.body)
			if tt.status == 200 && (len(said) != 1 || !strings.HasPrefix(said[0], "Sorry") || names[len(names)-1] != "Hangup") {
				t.Errorf("%s: got %q; want a short apology and a hang-up", tt.route, got.body)
			}
			if line := f.logs.String()[mark:]; !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "database is closed") {
				t.Errorf("%s: got log %q; want the cause", tt.route, line)
			}
		}
		h := httptestGet(t, f, "/healthz")
		if h.status != http.StatusServiceUnavailable {
			t.Errorf("healthz with the database down: got %d; want 503", h.status)
		}
	})
}

func httptestGet(t *testing.T, f *fixture, path string) answer {
	t.Helper()
	resp, err := http.Get(f.http.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}
