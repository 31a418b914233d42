package twiml_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

// t0 is when the reminders of the fixtures are due: ten minutes before
// their event.
var t0 = time.Date(2026, 12, 1, 8, 50, 0, 0, time.UTC)

// clock is a movable "now" shared by the store, invoke and serve-twiml.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// logBuffer collects log lines from concurrent handlers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// fixture is a database with alice registered for an event at t0+10m,
// serve-twiml over it on an httptest server, and a clock at t0.
type fixture struct {
	t     *testing.T
	s     *store.Store
	clock *clock
	srv   *twiml.Server
	http  *httptest.Server
	logs  *logBuffer
	user  store.User
}

func newFixture(t *testing.T, s *store.Store, change ...func(*twiml.Options)) *fixture {
	t.Helper()
	c := &clock{now: t0}
	s.SetClock(c.Now)
	u, err := s.CreateUser(context.Background(), store.User{Login: "alice", DisplayName: "Alice Liddell", TimeZone: "Europe/Berlin",
		Language: "de-DE", Phone: "+4930123456"})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	opts := twiml.Options{
		Store: s, Templates: tmpl, PublicURL: twiliotest.PublicURL, AuthToken: twiliotest.AuthToken,
		RetryDelay: 2 * time.Minute, MaxCallRetries: 2, RecordWait: 2 * time.Second,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Now: c.Now,
	}
	for _, ch := range change {
		ch(&opts)
	}
	srv, err := twiml.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(h.Close)
	return &fixture{t: t, s: s, clock: c, srv: srv, http: h, logs: logs, user: u}
}

// register adds a registration for the event at t0+10m on channels, with a
// 10-minute lead, and returns its deliveries by channel.
func (f *fixture) register(title, note string, channels ...schedule.Channel) map[schedule.Channel]store.Delivery {
	f.t.Helper()
	f.clock.Advance(-time.Hour) // registered an hour before
	defer f.clock.Advance(time.Hour)
	_, created, _, err := f.s.Register(context.Background(), store.NewRegistration{UserID: f.user.ID, Title: title, Message: note,
		StartAt: t0.Add(10 * time.Minute), TimeZone: "Europe/Berlin", Channels: channels,
		Leads: []time.Duration{10 * time.Minute}, CreatedBy: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[schedule.Channel]store.Delivery{}
	for _, d := range created {
		out[d.Channel] = d
	}
	return out
}

// place records the delivery as sent, with provider ref sid, as invoke
// does once Twilio took the call or message.
func (f *fixture) place(d store.Delivery, sid string) {
	f.t.Helper()
	ctx := context.Background()
	claims, err := f.s.ClaimDue(ctx, "invoke-test", time.Minute, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	var results []store.Result
	for _, c := range claims {
		if c.ID == d.ID {
			results = append(results, store.Result{ID: c.ID, State: store.StateSent, ProviderRef: sid, Attempt: c.Attempts,
				Outcome: "sent", ProviderStatus: "queued"})
		}
	}
	if len(results) != 1 {
		f.t.Fatalf("delivery #%d was not due", d.ID)
	}
	others := []int64{}
	for _, c := range claims {
		if c.ID != d.ID {
			others = append(others, c.ID)
		}
	}
	if _, err := f.s.Finish(ctx, "invoke-test", results); err != nil {
		f.t.Fatal(err)
	}
	if err := f.s.Release(ctx, "invoke-test", others); err != nil {
		f.t.Fatal(err)
	}
}

// answer is what serve-twiml answered.
type answer struct {
	status int
	body   string
}

// post sends form to route's URL of token, signed with authToken ("" for
// no signature), through the public URL as Twilio would.
func (f *fixture) post(route, token string, form url.Values, authToken string) answer {
	f.t.Helper()
	return f.postURL(twiml.Routes{PublicURL: twiliotest.PublicURL}.URL(route, token), form, authToken)
}

func (f *fixture) postURL(public string, form url.Values, authToken string) answer {
	f.t.Helper()
	req, err := twiliotest.SignedRequest(authToken, public, form)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(req)
}

// do sends req to the test server, keeping its path, query and headers.
func (f *fixture) do(req *http.Request) answer {
	f.t.Helper()
	target, _ := url.Parse(f.http.URL)
	req.URL.Scheme, req.URL.Host, req.Host = target.Scheme, target.Host, target.Host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

func (f *fixture) delivery(token string) store.Delivery {
	f.t.Helper()
	d, err := f.s.DeliveryByToken(context.Background(), token)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *fixture) log(id int64) []store.Attempt {
	f.t.Helper()
	a, err := f.s.AttemptsOfDelivery(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// callForm is what Twilio sends with a request about call sid.
func callForm(sid string, kv ...string) url.Values {
	f := url.Values{"AccountSid": {twiliotest.AccountSID}, "CallSid": {sid}, "CallStatus": {"in-progress"},
		"From": {twiliotest.FromNumber}, "To": {"+4930123456"}, "Direction": {"outbound-api"}, "ApiVersion": {"2010-04-01"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// verbs parses a TwiML answer strictly: the names of its elements in
// order, and what each <Say> says. It fails the test unless the document
// is one well-formed <Response>.
func verbs(t *testing.T, doc string) (names, said []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	depth := 0
	inSay := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the answer is not well-formed XML: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if depth == 0 && tk.Name.Local != "Response" {
				t.Fatalf("the answer's root is <%s>; want <Response>\n%s", tk.Name.Local, doc)
			}
			names = append(names, tk.Name.Local)
			if inSay = tk.Name.Local == "Say"; inSay {
				said = append(said, "")
			}
			depth++
		case xml.EndElement:
			depth--
			inSay = false
		case xml.CharData:
			if inSay {
				said[len(said)-1] += string(tk)
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("the answer is empty; want a <Response>")
	}
	return names, said
}

const (
	sid1 = "CA00000000000000000000000000000001"
	sid2 = "CA00000000000000000000000000000002"
	smsA = "SM0000000000000000000000000000000a"
)
