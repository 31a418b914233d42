package twiliotest

import (
	"net/url"
	"time"
)

// Request is one request the fake received, accepted or not.
type Request struct {
	Method      string
	Path        string
	Host        string // the Host header the request came with
	ContentType string
	User        string // the Basic auth user name ("" without Basic auth)
	AuthOK      bool   // whether user name and password were the account's
	Form        url.Values
	Status      int // what the fake answered; 0 if it hung
	Code        int // the Twilio error code of the answer; 0 if none
}

// Call is a call the fake accepted (POST .../Calls.json, answered 201).
type Call struct {
	SID                  string // "CA" and 32 hex digits
	AccountSID           string
	To                   string
	From                 string
	URL                  string // the Url parameter: where Twilio fetches the TwiML
	Method               string // the Method parameter ("" means POST)
	Twiml                string // the Twiml parameter, for inline TwiML
	StatusCallback       string
	StatusCallbackMethod string
	StatusCallbackEvent  []string
	MachineDetection     string
	Timeout              string // ring time in seconds, as sent
	Form                 url.Values
	Created              time.Time
}

// Message is a message the fake accepted (POST .../Messages.json).
type Message struct {
	SID            string // "SM" and 32 hex digits
	AccountSID     string
	To             string
	From           string
	Body           string
	StatusCallback string
	ValidityPeriod string // as sent; "" if not
	Form           url.Values
	Created        time.Time
}

// Fault is a failure the fake is told to answer with instead of doing
// its work.
type Fault struct {
	Status     int    // the HTTP status to answer, e.g. 429, 500
	Code       int    // the Twilio error code of the JSON body (20429, 21211, ...)
	Message    string // the message of the JSON body; "" gives a generic one
	RetryAfter string // the Retry-After header, "" for none
	// RawBody, if set, is answered as it is (text/plain) instead of
	// Twilio's JSON error document: a proxy's error page, or with a 2xx
	// Status an answer that cannot be read.
	RawBody string
	// Hang never answers: the request is held until the client gives up
	// or the server is closed.
	Hang bool
	// LoseAnswer carries the request out (the call is placed, the message
	// sent, their hooks run) and then never answers, as when a connection
	// breaks after Twilio acted on a request: the client sees a timeout.
	// The other fields are ignored.
	LoseAnswer bool
}

// Calls returns the calls accepted so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Form = cloneForm(c.Form)
		c.StatusCallbackEvent = append([]string(nil), c.StatusCallbackEvent...)
		out[i] = c
	}
	return out
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		m.Form = cloneForm(m.Form)
		out[i] = m
	}
	return out
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Form = cloneForm(r.Form)
		out[i] = r
	}
	return out
}

// FailNext makes the next n requests (of any kind) fail with f, after the
// faults already queued.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// HangNext makes the next n requests hang.
func (s *Server) HangNext(n int) { s.FailNext(n, Fault{Hang: true}) }

// nextFault takes the next queued fault, if any.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// record appends r to the requests and returns its index, for answer.
func (s *Server) record(r Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	return len(s.requests) - 1
}

// answered notes the status and code request i was answered with.
func (s *Server) answered(i, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[i].Status, s.requests[i].Code = status, code
}

func cloneForm(f url.Values) url.Values {
	if f == nil {
		return nil
	}
	out := make(url.Values, len(f))
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}
