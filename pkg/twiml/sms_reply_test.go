package twiml_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/logchan"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

const alicePhone = "+4930123456" // the fixture's alice

// incoming is what Twilio posts when from texts body to the deployment's
// number.
func incoming(from, body string) url.Values {
	return url.Values{"AccountSid": {twiliotest.AccountSID}, "MessageSid": {"SM00000000000000000000000000000099"},
		"SmsSid": {"SM00000000000000000000000000000099"}, "From": {from}, "To": {twiliotest.FromNumber},
		"Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
}

// text posts a text from from, signed with authToken ("" unsigned).
func (f *fixture) text(from, body, authToken string) answer {
	f.t.Helper()
	return f.postURL(twiml.Routes{PublicURL: twiliotest.PublicURL}.SMSIncoming(), incoming(from, body), authToken)
}

// messages parses a TwiML answer to a text: the texts of its <Message>s;
// it fails the test unless the answer is one <Response> of <Message>s.
func messages(t *testing.T, doc string) []string {
	t.Helper()
	var r struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
		Other    []struct {
			XMLName xml.Name
		} `xml:",any"`
	}
	if err := xml.NewDecoder(strings.NewReader(doc)).Decode(&r); err != nil && err != io.EOF {
		t.Fatalf("the answer is not one <Response>: %v\n%s", err, doc)
	}
	if len(r.Other) > 0 {
		t.Fatalf("the answer has <%s>; want only <Message>\n%s", r.Other[0].XMLName.Local, doc)
	}
	return r.Messages
}

// placeSMS records the text of d as sent to alice's number, as invoke does
// once Twilio took it; the other due deliveries stay pending.
func (f *fixture) placeSMS(d store.Delivery, sid string) {
	f.t.Helper()
	ctx := context.Background()
	claims, err := f.s.ClaimDue(ctx, "invoke-test", time.Minute, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	var results []store.Result
	var others []int64
	for _, c := range claims {
		if c.ID != d.ID {
			others = append(others, c.ID)
			continue
		}
		results = append(results, store.Result{ID: c.ID, State: store.StateSent, Target: alicePhone, ProviderRef: sid,
			Attempt: c.Attempts, Outcome: "sent", ProviderStatus: "queued"})
	}
	if len(results) != 1 {
		f.t.Fatalf("delivery #%d was not due", d.ID)
	}
	if _, err := f.s.Finish(ctx, "invoke-test", results); err != nil {
		f.t.Fatal(err)
	}
	if err := f.s.Release(ctx, "invoke-test", others); err != nil {
		f.t.Fatal(err)
	}
}

// TestSMSReplyAcknowledges: a signed "1" (any way of writing it) from the
// number a reminder was texted to acknowledges the latest such reminder
// as pressing 1 does, and answers in the person's language; an unsigned
// or forged one changes nothing.
func TestSMSReplyAcknowledges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		older := f.register("Detector review", "", schedule.ChannelSMS)[schedule.ChannelSMS]
		f.placeSMS(older, "SM00000000000000000000000000000001")
		f.clock.Advance(time.Minute)
		ds := f.register("Telecon", "", schedule.ChannelSMS, schedule.ChannelPush)
		sms, push := ds[schedule.ChannelSMS], ds[schedule.ChannelPush]
		f.placeSMS(sms, "SM00000000000000000000000000000002")

		for _, tt := range []struct{ name, token string }{
			{"unsigned", ""}, {"forged", "0123456789abcdef0123456789abcdef"},
		} {
			if got := f.text(alicePhone, "1", tt.token); got.status != 403 {
				t.Errorf("%s: got %d %q; want 403", tt.name, got.status, got.body)
			}
			if d, p := f.delivery(sms.Token), f.delivery(push.Token); d.State != store.StateSent || p.State != store.StatePending {
				t.Errorf("%s: got sms %s, push %s; want sent and pending: nothing changed", tt.name, d.State, p.State)
			}
		}
		// A real signature of another text ("hello"), sent with "1".
		u := twiml.Routes{PublicURL: twiliotest.PublicURL}.SMSIncoming()
		req, err := twiliotest.SignedRequest("", u, incoming(alicePhone, "1"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(twiml.SignatureHeader, twiliotest.Sign(twiliotest.AuthToken, u, incoming(alicePhone, "hello")))
		if got := f.do(req); got.status != 403 || f.delivery(sms.Token).State != store.StateSent {
			t.Errorf("signature of another body: got %d, sms %s; want 403, nothing changed", got.status, f.delivery(sms.Token).State)
		}

		got := f.text(alicePhone, " １。", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 1 || m[0] != "Danke: Ihre Erinnerung ist bestätigt." {
			t.Errorf("signed １: got %d %q; want the confirmation in German", got.status, got.body)
		}
		d := f.delivery(sms.Token)
		if d.State != store.StateAcknowledged || d.ReadAt.IsZero() {
			t.Errorf("the latest text: got %s, read %v; want acknowledged and read", d.State, d.ReadAt)
		}
		if log := f.log(sms.ID); len(log) != 2 || log[1].Outcome != "acknowledged" || !strings.Contains(log[1].Detail, "text reply") {
			t.Errorf("got log %+v; want invoke's row and the acknowledgement", log)
		}
		if p := f.delivery(push.Token); p.State != store.StateCancelled || !strings.Contains(p.LastError, "acknowledged by a text reply") {
			t.Errorf("the push of the same reminder: got %s %q; want cancelled by the reply", p.State, p.LastError)
		}
		if o := f.delivery(older.Token); o.State != store.StateSent {
			t.Errorf("the older text: got %s; want sent: a reply confirms the latest only", o.State)
		}

		// The next "ok" confirms the older text, then nothing awaits a reply.
		if got := f.text(alicePhone, "OK", twiliotest.AuthToken); got.status != 200 || f.delivery(older.Token).State != store.StateAcknowledged {
			t.Errorf("second reply: got %d %q, older %s; want it acknowledged", got.status, got.body, f.delivery(older.Token).State)
		}
		got = f.text(alicePhone, "はい", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 1 || m[0] != "Keine Erinnerung an diese Nummer wartet auf eine Antwort." {
			t.Errorf("nothing left: got %d %q; want a polite answer in German", got.status, got.body)
		}
	})
}

// TestSMSReplyNothingToConfirm: a "1" that finds no text awaiting a reply
// (another number, a reminder whose event started long ago, a stray text)
// changes nothing.
func TestSMSReplyNothingToConfirm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		sms := f.register("Detector review", "", schedule.ChannelSMS)[schedule.ChannelSMS]
		f.placeSMS(sms, "SM00000000000000000000000000000001")

		got := f.text("+15005550006", "1", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 1 || !strings.HasPrefix(m[0], "No reminder sent to this number") {
			t.Errorf("unknown number: got %d %q; want a polite answer in English", got.status, got.body)
		}
		got = f.text(alicePhone, "thanks, see you", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 0 {
			t.Errorf("a stray text: got %d %q; want an empty <Response>", got.status, got.body)
		}
		if got := f.text("not a number", "1", twiliotest.AuthToken); got.status != 400 {
			t.Errorf("From not a number: got %d %q; want 400", got.status, got.body)
		}
		f.clock.Advance(10*time.Minute + twiml.DefaultSMSReplyAfterStart + time.Second) // the event started 15 min 1 s ago
		got = f.text(alicePhone, "1", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 1 || !strings.HasPrefix(m[0], "Keine Erinnerung") {
			t.Errorf("too late: got %d %q; want a polite answer", got.status, got.body)
		}
		if d := f.delivery(sms.Token); d.State != store.StateSent || len(f.log(sms.ID)) != 1 {
			t.Errorf("got %s with %d log rows; want nothing changed", d.State, len(f.log(sms.ID)))
		}
	})
}

// TestSMSStopStart: a signed STOP is recorded and the sms channel then
// texts the number no more (the reminder falls back to the registration's
// next channel); a forged STOP records nothing; START (or YES while opted
// out) lets texts through again.
func TestSMSStopStart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		fake := twiliotest.New(t, twiliotest.Config{})
		smsOpts := fake.SMSOptions()
		smsOpts.Now, smsOpts.OptOuts = f.clock.Now, s
		sms, err := twiliosms.New(smsOpts)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := message.NewTemplates(config.Templates{})
		if err != nil {
			t.Fatal(err)
		}
		var logged strings.Builder
		d, err := dispatch.New(dispatch.Options{
			Store: s, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelSMS: sms,
				schedule.ChannelLog: logchan.New(&logged, tmpl, f.clock.Now)},
			Owner: "invoke-sms", Concurrency: 1, BatchSize: 10, Lease: time.Minute, SendTimeout: 5 * time.Second, MaxAttempts: 5,
			BackoffBase: 30 * time.Second, BackoffMax: 5 * time.Minute, PublicURL: twiliotest.PublicURL, Now: f.clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}

		if got := f.text(alicePhone, "STOP", "0123456789abcdef0123456789abcdef"); got.status != 403 {
			t.Errorf("forged STOP: got %d; want 403", got.status)
		}
		if _, ok, err := s.SMSOptOutOf(ctx, alicePhone); ok || err != nil {
			t.Fatalf("forged STOP: got recorded %v, %v; want nothing recorded", ok, err)
		}
		got := f.text(alicePhone, "Stop", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 0 {
			t.Errorf("STOP: got %d %q; want an empty <Response> (Twilio answers STOP itself)", got.status, got.body)
		}
		if o, ok, err := s.SMSOptOutOf(ctx, alicePhone); !ok || err != nil || !o.OptedOut || o.Keyword != "stop" {
			t.Fatalf("STOP: got %+v, %v, %v; want opted out by stop", o, ok, err)
		}

		ds := f.register("Detector review", "", schedule.ChannelSMS, schedule.ChannelLog)
		if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 1 {
			t.Fatalf("invoke: %s, %v; want the log channel's only", sum, err)
		}
		if n := len(fake.Messages()); n != 0 {
			t.Errorf("after STOP: got %d texts at Twilio; want none", n)
		}
		if got := f.delivery(ds[schedule.ChannelSMS].Token); got.State != store.StateFailed ||
			!strings.Contains(got.LastError, "opted out of texts") || !strings.Contains(got.LastError, "falling back to log") {
			t.Errorf("the text: got %s %q; want failed as opted out, falling back to log", got.State, got.LastError)
		}
		if got := f.delivery(ds[schedule.ChannelLog].Token); got.State != store.StateSent || !strings.Contains(logged.String(), "Detector review") {
			t.Errorf("the fallback: got %s, logged %q; want sent", got.State, logged.String())
		}

		// YES while opted out opts back in (as Twilio does), and texts go out again.
		got = f.text(alicePhone, "yes", twiliotest.AuthToken)
		if m := messages(t, got.body); got.status != 200 || len(m) != 0 {
			t.Errorf("YES: got %d %q; want an empty <Response>", got.status, got.body)
		}
		if o, _, _ := s.SMSOptOutOf(ctx, alicePhone); o.OptedOut || o.Keyword != "yes" {
			t.Errorf("YES: got %+v; want opted in by yes", o)
		}
		f.text(alicePhone, "STOP", twiliotest.AuthToken)
		f.text(alicePhone, "ＳＴＡＲＴ", twiliotest.AuthToken)
		if o, _, _ := s.SMSOptOutOf(ctx, alicePhone); o.OptedOut || o.Keyword != "start" {
			t.Errorf("START: got %+v; want opted in by start", o)
		}
		ds = f.register("Telecon", "", schedule.ChannelSMS)
		if sum, err := d.RunOnce(ctx); err != nil || sum.Sent != 1 || len(fake.Messages()) != 1 {
			t.Fatalf("after START: %s, %v, %d texts; want one text", sum, err, len(fake.Messages()))
		}
		if got := f.delivery(ds[schedule.ChannelSMS].Token); got.State != store.StateSent {
			t.Errorf("after START: got %s %q; want sent", got.State, got.LastError)
		}
	})
}
