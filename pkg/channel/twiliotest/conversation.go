package twiliotest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
)

// Who answers a call, or why it does not connect (Answer.By).
const (
	Human    = "human"
	Machine  = "machine"
	Fax      = "fax"
	Busy     = "busy"
	NoAnswer = "no-answer"
	Failed   = "failed"
)

// Answer is how one call goes.
type Answer struct {
	// By is who answers: Human (the default), Machine or Fax; or Busy,
	// NoAnswer, Failed: the call does not connect.
	By string
	// Digits are the keys pressed, one for each <Gather> the call hears, in
	// order; once they run out, no key is pressed and the call ends.
	Digits []string
	// Reorder holds the status callbacks back until the call has ended and
	// then posts them shuffled, as Twilio's parallel deliveries may arrive.
	Reorder bool
	// DropStatusCallbacks posts no status callback at all, as when they
	// never reach serve-twiml (its status route down behind nginx, a wrong
	// public_url when the call was placed): the TwiML is still fetched and
	// the keys pressed, and Twilio's record of the call (Server.CallState,
	// what invoke looks up) still ends in the call's final status.
	DropStatusCallbacks bool
}

// Phone plays Twilio's part after a call or message was accepted, and the
// part of the person called: give its OnCall and OnMessage to Config. For
// a call it posts the status callbacks the call asked for (initiated,
// ringing, answered as in-progress, and always the final one), with
// SequenceNumber and Timestamp; when the call is answered it fetches the
// TwiML URL, checks the answer is one well-formed <Response>, and posts
// Digits to the action of each <Gather>, as Twilio does. Every request is
// signed (X-Twilio-Signature) over the URL as the call carries it.
type Phone struct {
	// Client sends the requests. NewPhone's reaches serve-twiml wherever the
	// URLs point (their host is rewritten, not the URL signed).
	Client *http.Client
	// AuthToken signs the requests; "" means the fake's account token.
	AuthToken string
	// Script says how call n (0 for the first placed) goes; nil answers
	// every call with a person who presses 1.
	Script func(n int, c Call) Answer
	// Texts says the final status of message n: "delivered" (the default
	// when nil or ""), "undelivered" or "failed".
	Texts func(n int, m Message) string

	mu        sync.Mutex
	calls     int
	texts     int
	ended     int
	rnd       *rand.Rand
	exchanges []Exchange
}

// Exchange is one request the Phone made and what it got back.
type Exchange struct {
	SID    string // the call or message
	Kind   string // "voice", "gather", "call-status", "sms-status"
	URL    string
	Form   url.Values
	Status int    // the answer's status; 0 when none came
	Body   string // the answer's body
	Err    error
}

// NewPhone returns a Phone whose client sends every request to the
// server at base (e.g. an httptest server running serve-twiml).
func NewPhone(base string) (*Phone, error) {
	target, err := url.Parse(base)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("twiliotest: %q is not a base URL", base)
	}
	return &Phone{
		Client: &http.Client{Timeout: 10 * time.Second, Transport: &twilioapi.RewriteTransport{Target: target}},
		rnd:    rand.New(rand.NewPCG(1, 2)),
	}, nil
}

// Exchanges returns every request made so far, in order.
func (p *Phone) Exchanges() []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Exchange, len(p.exchanges))
	for i, e := range p.exchanges {
		e.Form = cloneForm(e.Form)
		out[i] = e
	}
	return out
}

// WaitEnded waits until n calls and messages have ended (their last
// request answered), or ctx ends.
func (p *Phone) WaitEnded(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		ended := p.ended
		p.mu.Unlock()
		if ended >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("twiliotest: %d of %d calls and messages ended: %w", ended, n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// OnCall is a Config.OnCall: the call c goes as Script says.
func (p *Phone) OnCall(ctx context.Context, s *Server, c Call) {
	p.mu.Lock()
	n := p.calls
	p.calls++
	p.mu.Unlock()
	defer p.end()
	a := Answer{By: Human, Digits: []string{"1"}}
	if p.Script != nil {
		a = p.Script(n, c)
	}
	if a.By == "" {
		a.By = Human
	}
	if c.URL == "" { // inline TwiML: nothing to fetch or press
		a.Digits = nil
	}
	cc := &callRun{p: p, s: s, c: c, a: a, clock: time.Now().UTC().Truncate(time.Second)}
	cc.run(ctx)
}

func (p *Phone) end() {
	p.mu.Lock()
	p.ended++
	p.mu.Unlock()
}

// callRun is one call under way.
type callRun struct {
	p       *Phone
	s       *Server
	c       Call
	a       Answer
	clock   time.Time
	seq     int
	held    []url.Values // status callbacks held back to be reordered
	elapsed int          // seconds
	by      string       // AnsweredBy, once answering machine detection said
}

func (r *callRun) run(ctx context.Context) {
	r.event(ctx, "initiated", "initiated", nil)
	r.event(ctx, "ringing", "ringing", nil)
	switch r.a.By {
	case Busy, NoAnswer, Failed:
		codes := map[string]string{Busy: "486", NoAnswer: "487", Failed: "500"}
		r.event(ctx, "completed", r.a.By, url.Values{"CallDuration": {"0"}, "SipResponseCode": {codes[r.a.By]}})
	default:
		r.answered(ctx)
	}
	r.flush(ctx)
}

// answered: the in-progress callback, the TwiML, the keys, the end.
func (r *callRun) answered(ctx context.Context) {
	var extra url.Values
	if r.c.MachineDetection != "" {
		by := map[string]string{Human: "human", Machine: "machine_start", Fax: "fax"}[r.a.By]
		extra = url.Values{"AnsweredBy": {by}}
	}
	r.event(ctx, "answered", "in-progress", extra)
	if r.c.URL != "" {
		doc := r.post(ctx, "voice", r.c.URL, r.params("in-progress", extra))
		for i := 0; i < len(r.a.Digits); i++ {
			action, ok := gatherAction(doc, r.c.URL)
			if !ok {
				break
			}
			f := r.params("in-progress", nil)
			f.Set("Digits", r.a.Digits[i])
			f.Set("FinishedOnKey", "")
			f.Set("msg", "Gather End")
			doc = r.post(ctx, "gather", action, f)
		}
	}
	r.elapsed += 20
	r.event(ctx, "completed", "completed", url.Values{"CallDuration": {strconv.Itoa(r.elapsed)}})
}

// params are what Twilio sends about the call with every request.
func (r *callRun) params(status string, extra url.Values) url.Values {
	f := url.Values{
		"AccountSid": {r.c.AccountSID}, "ApiVersion": {"2010-04-01"}, "CallSid": {r.c.SID}, "CallStatus": {status},
		"Direction": {"outbound-api"}, "From": {r.c.From}, "To": {r.c.To}, "Caller": {r.c.From}, "Called": {r.c.To},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// event posts the status callback of event, if the call asked for it
// (the final one always comes), or holds it back to be reordered.
func (r *callRun) event(ctx context.Context, event, status string, extra url.Values) {
	r.elapsed += 2
	r.track(status, extra)
	if r.a.DropStatusCallbacks || r.c.StatusCallback == "" ||
		(event != "completed" && !contains(r.c.StatusCallbackEvent, event)) {
		return
	}
	f := r.params(status, extra)
	f.Set("CallbackSource", "call-progress-events")
	f.Set("SequenceNumber", strconv.Itoa(r.seq))
	f.Set("Timestamp", r.clock.Add(time.Duration(r.elapsed)*time.Second).Format(time.RFC1123Z))
	r.seq++
	if r.a.Reorder {
		r.held = append(r.held, f)
		return
	}
	r.post(ctx, "call-status", r.c.StatusCallback, f)
}

// track moves Twilio's record of the call to status, whether or not its
// callback is posted: the call resource says queued while initiated.
func (r *callRun) track(status string, extra url.Values) {
	if v := extra.Get("AnsweredBy"); v != "" {
		r.by = v
	}
	st := CallState{Status: status, AnsweredBy: r.by}
	if status == "initiated" {
		st.Status = "queued"
	}
	if v := extra.Get("CallDuration"); v != "" {
		st.Duration, _ = strconv.Atoi(v)
	}
	r.s.setCall(r.c.SID, st)
}

// flush posts the held callbacks, shuffled into an order that is not the
// one they were made in.
func (r *callRun) flush(ctx context.Context) {
	if len(r.held) == 0 {
		return
	}
	r.p.mu.Lock()
	if r.p.rnd == nil {
		r.p.rnd = rand.New(rand.NewPCG(1, 2))
	}
	r.p.rnd.Shuffle(len(r.held), func(i, j int) { r.held[i], r.held[j] = r.held[j], r.held[i] })
	r.p.mu.Unlock()
	if sorted := r.held[0].Get("SequenceNumber") == "0"; sorted && len(r.held) > 1 {
		r.held[0], r.held[len(r.held)-1] = r.held[len(r.held)-1], r.held[0]
	}
	for _, f := range r.held {
		r.post(ctx, "call-status", r.c.StatusCallback, f)
	}
}

// post sends a signed request and returns the answer's body.
func (r *callRun) post(ctx context.Context, kind, u string, f url.Values) string {
	return r.p.post(ctx, r.s, r.c.SID, kind, u, f)
}

func (p *Phone) post(ctx context.Context, s *Server, sid, kind, u string, f url.Values) string {
	token := p.AuthToken
	if token == "" {
		token = s.AuthToken()
	}
	e := Exchange{SID: sid, Kind: kind, URL: u, Form: cloneForm(f)}
	req, err := SignedRequest(token, u, f)
	if err == nil {
		var resp *http.Response
		if resp, err = p.Client.Do(req.WithContext(ctx)); err == nil {
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			e.Status, e.Body = resp.StatusCode, string(body)
		}
	}
	e.Err = err
	p.mu.Lock()
	p.exchanges = append(p.exchanges, e)
	p.mu.Unlock()
	return e.Body
}

// gatherAction finds the action of the first <Gather> in doc, resolved
// against the URL doc came from; false if doc has no <Gather> or is not
// one well-formed <Response>.
func gatherAction(doc, base string) (string, bool) {
	if checkTwiML(doc) != nil {
		return "", false
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return "", false
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Gather" {
			continue
		}
		action := base // Twilio's default: the URL of the document
		for _, a := range se.Attr {
			if a.Name.Local == "action" {
				action = a.Value
			}
		}
		b, err := url.Parse(base)
		if err != nil {
			return "", false
		}
		ref, err := b.Parse(action)
		if err != nil {
			return "", false
		}
		return ref.String(), true
	}
}

// OnMessage is a Config.OnMessage: status callbacks sent, then the final
// status Texts says.
func (p *Phone) OnMessage(ctx context.Context, s *Server, m Message) {
	p.mu.Lock()
	n := p.texts
	p.texts++
	p.mu.Unlock()
	defer p.end()
	if m.StatusCallback == "" {
		return
	}
	final := "delivered"
	if p.Texts != nil && p.Texts(n, m) != "" {
		final = p.Texts(n, m)
	}
	for _, status := range []string{"sent", final} {
		f := url.Values{
			"AccountSid": {m.AccountSID}, "ApiVersion": {"2010-04-01"}, "MessageSid": {m.SID}, "SmsSid": {m.SID},
			"MessageStatus": {status}, "SmsStatus": {status}, "From": {m.From}, "To": {m.To},
		}
		if status == "undelivered" || status == "failed" {
			f.Set("ErrorCode", "30003")
		}
		p.post(ctx, s, m.SID, "sms-status", m.StatusCallback, f)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
