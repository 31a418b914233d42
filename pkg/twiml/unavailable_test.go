package twiml_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// probe is one request of TestDatabaseStalls and what it answers when the
// database does not.
type probe struct {
	name        string
	route       string     // a Twilio route, or "" for GET /healthz
	form        url.Values // signed with the auth token
	unavailable int        // the status with the database stalled
	apology     bool       // a spoken apology then, not an empty answer
	retryAfter  string     // the Retry-After then
}

// timedAnswer is what a probe got, and how long it took.
type timedAnswer struct {
	answer
	retryAfter string
	took       time.Duration
	err        error
}

// send makes p's request about token to the test server, as Twilio would,
// with a client that gives up after 10 seconds.
func (f *fixture) send(p probe, token string) timedAnswer {
	var req *http.Request
	var err error
	if p.route == "" {
		req, err = http.NewRequest("GET", f.http.URL+"/healthz", nil)
	} else {
		req, err = twiliotest.SignedRequest(twiliotest.AuthToken, twiml.Routes{PublicURL: twiliotest.PublicURL}.URL(p.route, token), p.form)
	}
	if err != nil {
		return timedAnswer{err: err}
	}
	target, _ := url.Parse(f.http.URL)
	req.URL.Scheme, req.URL.Host, req.Host = target.Scheme, target.Host, target.Host
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return timedAnswer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return timedAnswer{answer: answer{resp.StatusCode, string(b)}, retryAfter: resp.Header.Get("Retry-After"),
		took: time.Since(start), err: err}
}

// TestDatabaseStalls: with MariaDB stalled behind a proxy (connections
// open, nothing forwarded), a person on the phone hears an apology and a
// status callback or /healthz gets 503 with Retry-After, within the
// request deadline rather than when Twilio gives up; once the proxy
// forwards again, or after it cut every connection, the same requests are
// served as usual without a restart.
func TestDatabaseStalls(t *testing.T) {
	proxy, cfg := storetest.ThroughProxy(t, storetest.MySQLConfig(t))
	s := storetest.Open(t, cfg)
	// No cache: every request asks the database (the fixture's clock
	// stands still, and a cached call would never expire).
	f := newFixture(t, s, func(o *twiml.Options) { o.CacheTTL = -1 })
	ds := f.register("Detector review", "", schedule.ChannelCall, schedule.ChannelSMS)
	call, sms := ds[schedule.ChannelCall], ds[schedule.ChannelSMS]
	f.place(call, sid1)
	f.place(sms, smsA)
	smsForm := url.Values{"AccountSid": {twiliotest.AccountSID}, "MessageSid": {smsA}, "MessageStatus": {"sent"}}
	probes := []probe{
		{name: "the call's words", route: twiml.VoiceRoute, form: callForm(sid1), unavailable: http.StatusOK, apology: true},
		{name: "a key pressed", route: twiml.GatherRoute, form: callForm(sid1, "Digits", "2"), unavailable: http.StatusOK, apology: true},
		{name: "a call status callback", route: twiml.CallStatusRoute, form: callForm(sid1, "CallStatus", "in-progress", "SequenceNumber", "1"),
			unavailable: http.StatusServiceUnavailable, retryAfter: "5"},
		{name: "a message status callback", route: twiml.SMSStatusRoute, form: smsForm, unavailable: http.StatusServiceUnavailable, retryAfter: "5"},
		{name: "/healthz", unavailable: http.StatusServiceUnavailable, retryAfter: "5"},
	}
	tokens := map[string]string{twiml.SMSStatusRoute: sms.Token}
	token := func(p probe) string {
		if tk, ok := tokens[p.route]; ok {
			return tk
		}
		return call.Token
	}
	served := func(a timedAnswer) bool {
		return a.err == nil && a.status == http.StatusOK && !strings.Contains(a.body, "Sorry")
	}

	proxy.Pause()
	answers := make([]timedAnswer, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { answers[i] = f.send(p, token(p)) })
	}
	wg.Wait()
	for i, p := range probes {
		a := answers[i]
		t.Logf("%s with the database not answering: %d after %v", p.name, a.status, a.took.Round(time.Millisecond))
		if a.err != nil {
			t.Errorf("%s: %v; want an answer", p.name, a.err)
			continue
		}
		if a.status != p.unavailable || a.retryAfter != p.retryAfter {
			t.Errorf("%s: got %d, Retry-After %q; want %d, Retry-After %q\n%s", p.name, a.status, a.retryAfter, p.unavailable, p.retryAfter, a.body)
		}
		if p.route == "" {
			continue
		}
		names, said := verbs(t, a.body)
		switch {
		case p.apology && (len(said) != 1 || !strings.HasPrefix(said[0], "Sorry, we cannot give you your reminder") || names[len(names)-1] != "Hangup"):
			t.Errorf("%s: got %q; want a short apology and a hang-up", p.name, a.body)
		case !p.apology && len(names) != 1:
			t.Errorf("%s: got %q; want an empty <Response>", p.name, a.body)
		}
	}
	if logs := f.logs.String(); !strings.Contains(logs, "level=ERROR msg=\"request failed: the database is not answering\"") {
		t.Errorf("the log does not say the database is not answering:\n%s", logs)
	}
	proxy.Resume()

	for _, p := range probes {
		deadline := time.Now().Add(20 * time.Second)
		for attempt := 1; ; attempt++ {
			a := f.send(p, token(p))
			if served(a) {
				t.Logf("%s after the database came back: %d at attempt %d", p.name, a.status, attempt)
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s after the database came back: got %d %v; want it served\n%s", p.name, a.status, a.err, a.body)
				break
			}
			time.Sleep(50 * time.Millisecond) // a poll's pace; the loop ends on the answer
		}
	}

	// A cut loses every connection of the pool: the next request still
	// answers, on a new one.
	for _, p := range probes {
		proxy.Cut()
		if a := f.send(p, token(p)); !served(a) {
			t.Errorf("%s right after a cut: got %d %v; want it served\n%s", p.name, a.status, a.err, a.body)
		}
	}
	if got := f.delivery(call.Token).State; got != store.StateAnswered {
		t.Errorf("the call's delivery is %s; want answered (the callbacks of a call in progress were applied)", got)
	}
}

// TestRecordWaitWithinDeadline: a callback about a call invoke placed and
// has not recorded waits for the record at most until a second before the
// request's deadline, however long Options.RecordWait, and then still
// keeps the call's SID, instead of running into the deadline and losing
// the report with a 503.
func TestRecordWaitWithinDeadline(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteConfig(t))
	f := newFixture(t, s, func(o *twiml.Options) { o.RecordWait = time.Minute })
	call := f.register("Detector review", "", schedule.ChannelCall)[schedule.ChannelCall]
	if claims, err := s.ClaimDue(context.Background(), "invoke-waiting", time.Minute, 10); err != nil || len(claims) != 1 {
		t.Fatalf("ClaimDue = %d, %v; want the call, sending", len(claims), err)
	}
	p := probe{name: "a call status callback", route: twiml.CallStatusRoute, form: callForm(sid1, "CallStatus", "ringing", "SequenceNumber", "0")}
	a := f.send(p, call.Token)
	t.Logf("the callback before invoke's record: %d after %v", a.status, a.took.Round(time.Millisecond))
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("got %d %v; want 200\n%s", a.status, a.err, a.body)
	}
	kept := false
	for _, at := range f.log(call.ID) {
		kept = kept || strings.Contains(at.Detail, "reported before invoke recorded it")
	}
	if !kept {
		t.Errorf("the delivery's log does not keep the SID reported before invoke recorded it: %+v", f.log(call.ID))
	}
}
