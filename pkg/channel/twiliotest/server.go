// Package twiliotest is a fake of Twilio's REST API for tests: an httptest
// server that takes Calls.json and Messages.json the way Twilio does. It
// checks HTTP Basic auth against its account, the account SID of the path,
// the content type and the form fields; answers 201 with Twilio's JSON (a
// "CA…"/"SM…" SID, status "queued") or Twilio's JSON error document (401
// code 20003, 400 code 21201, 21211, …); records every request, call and
// message; and can be told to fail or hang the next requests. It answers
// GET .../Calls/{CallSid}.json (Api.FetchCall) with what it holds about the
// call (CallState: queued until a Phone or SetCall moves it on), or 404
// code 20404 for a SID it does not know. It answers GET
// /2010-04-01/Accounts/{sid}.json (Api.FetchAccount) with the account
// (Config.AccountStatus, AccountType) and GET .../IncomingPhoneNumbers.json
// (Api.PageIncomingPhoneNumber, filtered by PhoneNumber) with the numbers
// the account owns (Config.Numbers): what `pfsnotify doctor` reads.
//
// What Twilio does after accepting a call (fetch the TwiML URL with an
// X-Twilio-Signature, post the Gather digits and the status callbacks) is
// left to Config.OnCall, the extension point for serve-twiml's tests. The
// hook gets the accepted Call (URL, StatusCallback, … as sent, on
// PublicURL), the Server (AuthToken, to sign with) and a context that ends
// when the server closes. To reach an in-process serve-twiml at those
// public URLs, sign over the URL as it is and send it through an
// http.Client whose Transport is a twilioapi.RewriteTransport aimed at the
// test server: the Host changes, the signed URL does not.
package twiliotest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// The fake's account, unless Config says otherwise. Like real ones, the
// SID and token are letters and digits (twilio-go refuses anything else).
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "f00dfeedcafe0123456789abcdef0123"
	FromNumber = "+15005550006"
	// PublicURL is the public_url the Options helpers give the channels.
	PublicURL = "https://notify.example.org"
)

// maxRequestBody bounds what the fake reads of a request.
const maxRequestBody = 1 << 20

// Config tunes a Server. The zero Config is a working fake.
type Config struct {
	AccountSID string // "" means AccountSID
	AuthToken  string // "" means AuthToken
	// ClientTimeout is the Timeout of the clients Client returns; 0 means
	// 5 seconds. Tests of hanging requests make it short.
	ClientTimeout time.Duration
	// OnCall, if set, runs after a call was accepted and answered, in a
	// goroutine of its own, as Twilio's work after creating a call does.
	// ctx ends when the server closes, and Close waits for the hook.
	OnCall func(ctx context.Context, s *Server, c Call)
	// OnMessage is OnCall for messages.
	OnMessage func(ctx context.Context, s *Server, m Message)
	// AccountStatus is the account's status: "" means "active"; Twilio
	// also has "suspended" and "closed".
	AccountStatus string
	// AccountType is "Full" ("" means so) or "Trial".
	AccountType string
	// Numbers are the account's phone numbers (IncomingPhoneNumbers), in
	// E.164; nil means just FromNumber.
	Numbers []string
}

// Server is the fake Twilio REST API. URL is its base URL: the api_url
// to give the channels.
type Server struct {
	URL string

	cfg       Config
	srv       *httptest.Server
	tb        testing.TB
	ctx       context.Context
	cancel    context.CancelFunc
	hooks     sync.WaitGroup
	closeOnce sync.Once

	mu          sync.Mutex
	requests    []Request
	calls       []Call
	callRecords map[string]*callRecord // what Twilio holds about each call, by SID
	messages    []Message
	faults      []Fault
	seq         uint64
}

// New starts a fake Twilio for tb; it is closed when the test ends.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s := start(tb, cfg)
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake Twilio for a program (a benchmark); Close it when
// done. Misuse that a test would be failed for panics.
func Start(cfg Config) *Server { return start(nil, cfg) }

func start(tb testing.TB, cfg Config) *Server {
	if cfg.AccountSID == "" {
		cfg.AccountSID = AccountSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = AuthToken
	}
	if cfg.ClientTimeout <= 0 {
		cfg.ClientTimeout = 5 * time.Second
	}
	if cfg.AccountStatus == "" {
		cfg.AccountStatus = "active"
	}
	if cfg.AccountType == "" {
		cfg.AccountType = "Full"
	}
	if cfg.Numbers == nil {
		cfg.Numbers = []string{FromNumber}
	}
	s := &Server{cfg: cfg, tb: tb}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// fatalf fails the test, or panics in a program.
func (s *Server) fatalf(format string, args ...any) {
	if s.tb == nil {
		panic(fmt.Sprintf(format, args...))
	}
	s.tb.Fatalf(format, args...)
}

// Close releases hanging requests, stops the server and waits for the
// hooks. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.srv.Close()
		s.hooks.Wait()
	})
}

// AccountSID is the fake's account SID.
func (s *Server) AccountSID() string { return s.cfg.AccountSID }

// AuthToken is the fake's auth token: what Twilio signs its webhook
// requests with.
func (s *Server) AuthToken() string { return s.cfg.AuthToken }

// Client returns an HTTP client with Config.ClientTimeout.
func (s *Server) Client() *http.Client { return &http.Client{Timeout: s.cfg.ClientTimeout} }

// CallOptions returns call channel options that point at the fake, with
// PublicURL, the built-in templates and a client of Client.
func (s *Server) CallOptions() twiliocall.Options {
	return twiliocall.Options{
		AccountSID: s.cfg.AccountSID, AuthToken: s.cfg.AuthToken, From: FromNumber, APIURL: s.URL,
		HTTPClient: s.Client(), PublicURL: PublicURL, Templates: s.templates(),
	}
}

// SMSOptions returns sms channel options that point at the fake, like
// CallOptions.
func (s *Server) SMSOptions() twiliosms.Options {
	return twiliosms.Options{
		AccountSID: s.cfg.AccountSID, AuthToken: s.cfg.AuthToken, From: FromNumber, APIURL: s.URL,
		HTTPClient: s.Client(), PublicURL: PublicURL, Templates: s.templates(),
	}
}

func (s *Server) templates() *message.Templates {
	t, err := message.NewTemplates(config.Templates{})
	if err != nil {
		s.fatalf("twiliotest: built-in templates: %v", err)
	}
	return t
}

// ServeHTTP answers like Twilio's REST API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	user, pass, hasAuth := r.BasicAuth()
	authOK := hasAuth &&
		subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.AccountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.AuthToken)) == 1
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	formOK := ct == "application/x-www-form-urlencoded" && r.ParseForm() == nil
	req := Request{
		Method: r.Method, Path: r.URL.Path, Host: r.Host, ContentType: r.Header.Get("Content-Type"),
		User: user, AuthOK: authOK,
	}
	if formOK {
		req.Form = cloneForm(r.PostForm)
	}
	a := answer{w: w, s: s, i: s.record(req)}

	if f, ok := s.nextFault(); ok {
		if !f.LoseAnswer {
			s.fault(a, r, f)
			return
		}
		a.w = httptest.NewRecorder() // the answer is lost
		defer s.hang(r)
	}
	sid, kind, callSID, ok := route(r.URL.Path)
	method := http.MethodPost
	if kind == "Call" || kind == "Account" || kind == "IncomingPhoneNumbers" {
		method = http.MethodGet
	}
	switch {
	case !ok || r.Method != method:
		a.fail(http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	case !authOK:
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		a.fail(http.StatusUnauthorized, 20003, "Authenticate")
	case sid != s.cfg.AccountSID:
		a.fail(http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	case kind == "Call": // a GET has no body to check
		s.fetchCall(a, r, callSID)
	case kind == "Account":
		s.fetchAccount(a)
	case kind == "IncomingPhoneNumbers":
		s.listNumbers(a, r)
	case ct != "application/x-www-form-urlencoded":
		a.fail(http.StatusBadRequest, 20001, fmt.Sprintf("Content-Type %q is not application/x-www-form-urlencoded", req.ContentType))
	case !formOK:
		a.fail(http.StatusBadRequest, 20001, "The request body is not a form")
	case kind == "Calls":
		s.createCall(a, r)
	default:
		s.createMessage(a, r)
	}
}

// hang holds r until its client gives up or the server closes.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
}

// route splits /2010-04-01/Accounts/{sid}/{Calls,Messages,IncomingPhoneNumbers}.json
// (kind Calls, Messages, IncomingPhoneNumbers),
// /2010-04-01/Accounts/{sid}/Calls/{CallSid}.json (kind Call) and
// /2010-04-01/Accounts/{sid}.json (kind Account).
func route(path string) (sid, kind, callSID string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/2010-04-01/Accounts/")
	if !ok {
		return "", "", "", false
	}
	sid, res, ok := strings.Cut(rest, "/")
	if !ok {
		if sid, ok = strings.CutSuffix(rest, ".json"); ok && sid != "" {
			return sid, "Account", "", true
		}
		return "", "", "", false
	}
	if sid == "" {
		return "", "", "", false
	}
	switch res {
	case "Calls.json":
		return sid, "Calls", "", true
	case "Messages.json":
		return sid, "Messages", "", true
	case "IncomingPhoneNumbers.json":
		return sid, "IncomingPhoneNumbers", "", true
	}
	if c, ok := strings.CutPrefix(res, "Calls/"); ok {
		if c, ok = strings.CutSuffix(c, ".json"); ok && c != "" && !strings.Contains(c, "/") {
			return sid, "Call", c, true
		}
	}
	return "", "", "", false
}

func (s *Server) fault(a answer, r *http.Request, f Fault) {
	if f.Hang {
		s.hang(r)
		return
	}
	if f.RetryAfter != "" {
		a.w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RawBody != "" {
		a.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		a.w.WriteHeader(f.Status)
		a.w.Write([]byte(f.RawBody))
		a.s.answered(a.i, f.Status, 0)
		return
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	a.fail(f.Status, f.Code, msg)
}

func (s *Server) createCall(a answer, r *http.Request) {
	f := r.PostForm
	if code, msg := checkCall(f); code != 0 {
		a.fail(http.StatusBadRequest, code, msg)
		return
	}
	now := time.Now().UTC()
	c := Call{
		SID: s.newSID("CA"), AccountSID: s.cfg.AccountSID, To: f.Get("To"), From: f.Get("From"),
		URL: f.Get("Url"), Method: f.Get("Method"), Twiml: f.Get("Twiml"),
		StatusCallback: f.Get("StatusCallback"), StatusCallbackMethod: f.Get("StatusCallbackMethod"),
		StatusCallbackEvent: append([]string(nil), f["StatusCallbackEvent"]...),
		MachineDetection:    f.Get("MachineDetection"), Timeout: f.Get("Timeout"),
		Form: cloneForm(f), Created: now,
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	s.addCall(c)
	a.created(map[string]any{
		"sid": c.SID, "account_sid": c.AccountSID, "to": c.To, "to_formatted": c.To, "from": c.From,
		"from_formatted": c.From, "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": now.Format(time.RFC1123Z), "date_updated": now.Format(time.RFC1123Z),
		"start_time": nil, "end_time": nil, "duration": nil, "price": nil, "answered_by": nil,
		"uri": "/2010-04-01/Accounts/" + c.AccountSID + "/Calls/" + c.SID + ".json",
	})
	if s.cfg.OnCall != nil {
		s.spawn(func(ctx context.Context) { s.cfg.OnCall(ctx, s, c) })
	}
}

func (s *Server) createMessage(a answer, r *http.Request) {
	f := r.PostForm
	if code, msg := checkMessage(f); code != 0 {
		a.fail(http.StatusBadRequest, code, msg)
		return
	}
	now := time.Now().UTC()
	m := Message{
		SID: s.newSID("SM"), AccountSID: s.cfg.AccountSID, To: f.Get("To"), From: f.Get("From"), Body: f.Get("Body"),
		StatusCallback: f.Get("StatusCallback"), ValidityPeriod: f.Get("ValidityPeriod"),
		Form: cloneForm(f), Created: now,
	}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	a.created(map[string]any{
		"sid": m.SID, "account_sid": m.AccountSID, "to": m.To, "from": m.From, "body": m.Body,
		"status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
		"num_segments": fmt.Sprint(segments(m.Body)), "num_media": "0",
		"date_created": now.Format(time.RFC1123Z), "date_updated": now.Format(time.RFC1123Z), "date_sent": nil,
		"error_code": nil, "error_message": nil, "price": nil, "messaging_service_sid": nil,
		"uri": "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID + ".json",
	})
	if s.cfg.OnMessage != nil {
		s.spawn(func(ctx context.Context) { s.cfg.OnMessage(ctx, s, m) })
	}
}

// spawn runs a hook unless the server is closing.
func (s *Server) spawn(fn func(context.Context)) {
	if s.ctx.Err() != nil {
		return
	}
	s.hooks.Go(func() { fn(s.ctx) })
}

// newSID returns prefix and 32 hex digits, unique within the server.
func (s *Server) newSID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s%032x", prefix, s.seq)
}

// answer writes the answer to request i and notes it.
type answer struct {
	w http.ResponseWriter
	s *Server
	i int
}

func (a answer) created(body map[string]any) {
	a.json(http.StatusCreated, body)
	a.s.answered(a.i, http.StatusCreated, 0)
}

// fail answers Twilio's JSON error document.
func (a answer) fail(status, code int, msg string) {
	body := map[string]any{"status": status, "message": msg, "code": nil, "more_info": nil}
	if code != 0 {
		body["code"], body["more_info"] = code, fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)
	}
	a.json(status, body)
	a.s.answered(a.i, status, code)
}

func (a answer) json(status int, body map[string]any) {
	a.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	a.w.WriteHeader(status)
	json.NewEncoder(a.w).Encode(body)
}
