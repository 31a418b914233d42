package twiliotest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// post sends a raw request to the fake, without twilio-go, and decodes
// its JSON answer.
func post(t *testing.T, s *Server, path, user, pass, contentType string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("answer %d is not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, body, resp.Header
}

const form = "application/x-www-form-urlencoded"

var (
	callsPath = "/2010-04-01/Accounts/" + AccountSID + "/Calls.json"
	msgsPath  = "/2010-04-01/Accounts/" + AccountSID + "/Messages.json"
)

func goodCall() url.Values {
	return url.Values{"To": {"+15551230001"}, "From": {FromNumber}, "Url": {"https://notify.example.org/twiml/voice/t"}}
}

func goodMessage() url.Values {
	return url.Values{"To": {"+15551230001"}, "From": {FromNumber}, "Body": {"hello"}}
}

func with(v url.Values, key, value string) url.Values {
	out := cloneForm(v)
	if value == "" {
		out.Del(key)
	} else {
		out.Set(key, value)
	}
	return out
}

func TestChecks(t *testing.T) {
	s := New(t, Config{})
	tests := []struct {
		name        string
		path        string
		user, pass  string
		contentType string
		status      int
		code        float64
	}{
		{"call", callsPath, AccountSID, AuthToken, form, 201, 0},
		{"call with inline twiml", callsPath, AccountSID, AuthToken, form, 201, 0},
		{"message", msgsPath, AccountSID, AuthToken, form, 201, 0},
		{"no auth", callsPath, "", "", form, 401, 20003},
		{"wrong token", callsPath, AccountSID, "wrong", form, 401, 20003},
		{"another account's path", "/2010-04-01/Accounts/AC99999999999999999999999999999999/Calls.json", AccountSID, AuthToken, form, 404, 20404},
		{"unknown resource", "/2010-04-01/Accounts/" + AccountSID + "/Queues.json", AccountSID, AuthToken, form, 404, 20404},
		{"json body", callsPath, AccountSID, AuthToken, "application/json", 400, 20001},
		{"call without To", callsPath, AccountSID, AuthToken, form, 400, 21201},
		{"call to a non-E.164 number", callsPath, AccountSID, AuthToken, form, 400, 21211},
		{"call without From", callsPath, AccountSID, AuthToken, form, 400, 21213},
		{"call without Url or Twiml", callsPath, AccountSID, AuthToken, form, 400, 21205},
		{"call with a relative Url", callsPath, AccountSID, AuthToken, form, 400, 21205},
		{"call with broken Twiml", callsPath, AccountSID, AuthToken, form, 400, 12100},
		{"call with an unknown event", callsPath, AccountSID, AuthToken, form, 400, 20001},
		{"message without Body", msgsPath, AccountSID, AuthToken, form, 400, 21602},
		{"message without To", msgsPath, AccountSID, AuthToken, form, 400, 21604},
		{"message too long", msgsPath, AccountSID, AuthToken, form, 400, 21617},
		{"message with a bad validity period", msgsPath, AccountSID, AuthToken, form, 400, 20001},
	}
	forms := map[string]url.Values{
		"call with inline twiml":             with(with(goodCall(), "Url", ""), "Twiml", `<?xml version="1.0"?><Response><Say>x</Say></Response>`),
		"message":                            goodMessage(),
		"call without To":                    with(goodCall(), "To", ""),
		"call to a non-E.164 number":         with(goodCall(), "To", "555-1234"),
		"call without From":                  with(goodCall(), "From", ""),
		"call without Url or Twiml":          with(goodCall(), "Url", ""),
		"call with a relative Url":           with(goodCall(), "Url", "/twiml/voice/t"),
		"call with broken Twiml":             with(with(goodCall(), "Url", ""), "Twiml", "<Response><Say>x</Response>"),
		"call with an unknown event":         with(goodCall(), "StatusCallbackEvent", "answerd"),
		"message without Body":               with(goodMessage(), "Body", ""),
		"message without To":                 with(goodMessage(), "To", ""),
		"message too long":                   with(goodMessage(), "Body", strings.Repeat("é", 1601)),
		"message with a bad validity period": with(goodMessage(), "ValidityPeriod", "0"),
	}
	for _, tt := range tests {
		f, ok := forms[tt.name]
		if !ok {
			f = goodCall()
		}
		status, body, hdr := post(t, s, tt.path, tt.user, tt.pass, tt.contentType, f)
		if status != tt.status {
			t.Errorf("%s: got %d %v; want %d", tt.name, status, body, tt.status)
			continue
		}
		if tt.status == 201 {
			sid, _ := body["sid"].(string)
			prefix := map[string]string{callsPath: "CA", msgsPath: "SM"}[tt.path]
			if len(sid) != 34 || !strings.HasPrefix(sid, prefix) || body["status"] != "queued" || body["account_sid"] != AccountSID {
				t.Errorf("%s: got %v; want a %s… SID of 34 characters, status queued, the account", tt.name, body, prefix)
			}
			continue
		}
		if body["code"] != tt.code || body["status"] != float64(tt.status) || body["message"] == "" || body["more_info"] == nil {
			t.Errorf("%s: got %v; want Twilio's error document with code %v", tt.name, body, tt.code)
		}
		if tt.status == 401 && hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: got no WWW-Authenticate header", tt.name)
		}
	}
	if got, want := len(s.Calls()), 2; got != want {
		t.Errorf("got %d calls recorded; want %d (only the accepted ones)", got, want)
	}
	if got, want := len(s.Messages()), 1; got != want {
		t.Errorf("got %d messages recorded; want %d", got, want)
	}
	reqs := s.Requests()
	if len(reqs) != len(tests) {
		t.Fatalf("got %d requests recorded; want %d", len(reqs), len(tests))
	}
	if r := reqs[4]; r.User != AccountSID || r.AuthOK || r.Status != 401 || r.Code != 20003 {
		t.Errorf("got %+v for the wrong token; want the user, not ok, 401, 20003", r)
	}
}

func TestFaults(t *testing.T) {
	s := New(t, Config{ClientTimeout: 300 * time.Millisecond})
	s.FailNext(2, Fault{Status: 429, Code: 20429, RetryAfter: "4"})
	s.FailNext(1, Fault{Status: 503, Message: "try later"})
	want := []struct {
		status     int
		code       any
		retryAfter string
	}{{429, 20429.0, "4"}, {429, 20429.0, "4"}, {503, nil, ""}, {201, nil, ""}}
	for i, w := range want {
		status, body, hdr := post(t, s, msgsPath, AccountSID, AuthToken, form, goodMessage())
		if status != w.status || body["code"] != w.code || hdr.Get("Retry-After") != w.retryAfter {
			t.Errorf("request %d: got %d %v Retry-After %q; want %d code %v Retry-After %q",
				i, status, body, hdr.Get("Retry-After"), w.status, w.code, w.retryAfter)
		}
	}

	s.HangNext(1)
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, s.URL+msgsPath, strings.NewReader(goodMessage().Encode()))
	if _, err := s.Client().Do(req); err == nil {
		t.Errorf("got an answer from a hanging fake; want the client to time out")
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("the hanging request took %v; want the client's timeout of 300ms", d)
	}
	if r := s.Requests(); r[len(r)-1].Status != 0 {
		t.Errorf("got status %d recorded for the hung request; want 0", r[len(r)-1].Status)
	}
}

// TestHangReleasedByClose: Close does not wait for a client that never
// gives up.
func TestHangReleasedByClose(t *testing.T) {
	s := New(t, Config{})
	s.HangNext(1)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.URL+msgsPath, nil)
		_, err := (&http.Client{}).Do(req)
		done <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a request hanging")
	}
	<-done
}

// TestOnCall is the extension point serve-twiml's tests build on: the
// hook sees each accepted call after it was answered, and Close waits.
func TestOnCall(t *testing.T) {
	var mu sync.Mutex
	var seen []Call
	var hookCtx context.Context
	s := New(t, Config{OnCall: func(ctx context.Context, s *Server, c Call) {
		mu.Lock()
		defer mu.Unlock()
		seen, hookCtx = append(seen, c), ctx
		if s.AuthToken() != AuthToken {
			t.Errorf("got token %q in the hook; want the fake's", s.AuthToken())
		}
	}})
	status, body, _ := post(t, s, callsPath, AccountSID, AuthToken, form, with(goodCall(), "StatusCallback", "https://notify.example.org/twiml/call-status/t"))
	if status != 201 {
		t.Fatalf("got %d %v; want 201", status, body)
	}
	post(t, s, msgsPath, AccountSID, AuthToken, form, goodMessage()) // no OnMessage: nothing runs
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].SID != body["sid"] || seen[0].StatusCallback != "https://notify.example.org/twiml/call-status/t" {
		t.Fatalf("got %+v in the hook; want the call %v", seen, body["sid"])
	}
	if hookCtx.Err() == nil {
		t.Errorf("the hook's context is not done after Close")
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := New(t, Config{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if status, body, _ := post(t, s, callsPath, AccountSID, AuthToken, form, goodCall()); status != 201 {
				t.Errorf("got %d %v; want 201", status, body)
			}
		})
	}
	wg.Wait()
	sids := map[string]bool{}
	for _, c := range s.Calls() {
		sids[c.SID] = true
	}
	if len(sids) != 20 || len(s.Requests()) != 20 {
		t.Errorf("got %d distinct SIDs of %d requests; want 20 of 20", len(sids), len(s.Requests()))
	}
}
