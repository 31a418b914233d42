package twilioapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "0123456789abcdef0123456789abcdef"
)

var now = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	rest := func(status, code int) error {
		return &client.TwilioRestError{Status: status, Code: code, Message: "m"}
	}
	netErr := &url.Error{Op: "Post", URL: "https://api.twilio.com/x", Err: errors.New("connection refused")}
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter string
		want       message.Outcome
		after      time.Duration
		badNumber  bool
		text       string
	}{
		{"invalid to", rest(400, 21211), 400, "", message.OutcomePermanent, 0, true, "twilio answered 400 (code 21211: invalid 'To' number): m"},
		{"unreachable", rest(400, 21214), 400, "", message.OutcomePermanent, 0, true, "code 21214"},
		{"geo", rest(400, 21215), 400, "", message.OutcomePermanent, 0, true, "geo permissions"},
		{"blocked", rest(400, 21216), 400, "", message.OutcomePermanent, 0, true, "code 21216"},
		{"not valid", rest(400, 21217), 400, "", message.OutcomePermanent, 0, true, "code 21217"},
		{"format", rest(400, 13223), 400, "", message.OutcomePermanent, 0, true, "code 13223"},
		{"opted out", rest(400, 21610), 400, "", message.OutcomePermanent, 0, true, "opted out"},
		{"auth", rest(401, 20003), 401, "", message.OutcomePermanent, 0, false, "twilio.auth_token"},
		{"unknown 4xx code", rest(400, 21999), 400, "", message.OutcomePermanent, 0, false, "twilio answered 400 (code 21999): m"},
		{"status only in the body", rest(404, 20404), 0, "", message.OutcomePermanent, 0, false, "twilio answered 404"},
		{"twilio-go refused to send", rest(0, 21222), 0, "", message.OutcomePermanent, 0, false, "twilio-go refused the request"},
		{"429 seconds", rest(429, 20429), 429, "30", message.OutcomeRetry, 30 * time.Second, false, "too many requests"},
		{"429 date", rest(429, 20429), 429, now.Add(time.Minute).Format(http.TimeFormat), message.OutcomeRetry, time.Minute, false, "429"},
		{"429 past date", rest(429, 20429), 429, now.Add(-time.Minute).Format(http.TimeFormat), message.OutcomeRetry, 0, false, "429"},
		{"429 garbage", rest(429, 20429), 429, "soon", message.OutcomeRetry, 0, false, "429"},
		{"20429 on another status", rest(400, 20429), 400, "", message.OutcomeRetry, 0, false, "code 20429"},
		{"408", rest(408, 0), 408, "", message.OutcomeRetry, 0, false, "twilio answered 408: m"},
		{"500", rest(500, 20500), 500, "", message.OutcomeRetry, 0, false, "500"},
		{"503 retry-after", rest(503, 0), 503, "5", message.OutcomeRetry, 5 * time.Second, false, "503"},
		{"5xx not json", errors.New("error decoding the response"), 502, "", message.OutcomeRetry, 0, false, "not a Twilio error document"},
		{"4xx not json", errors.New("error decoding the response"), 403, "", message.OutcomePermanent, 0, false, "twilio answered 403"},
		{"network", netErr, 0, "", message.OutcomeRetry, UnansweredRetryAfter, false, "connection refused"},
	}
	for _, tt := range tests {
		err := Classify(tt.err, tt.status, tt.retryAfter, now)
		got, after := message.Classify(err)
		if got != tt.want || after != tt.after {
			t.Errorf("%s: got %v after %v; want %v after %v", tt.name, got, after, tt.want, tt.after)
		}
		if !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: got %q; want it to contain %q", tt.name, err, tt.text)
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.BadNumber() != tt.badNumber {
			t.Errorf("%s: got BadNumber %v; want %v", tt.name, ae.BadNumber(), tt.badNumber)
		}
	}

	err := Classify(errors.New("invalid character"), 201, "", now)
	if !errors.Is(err, ErrAcceptedUnreadable) {
		t.Errorf("2xx: got %v; want ErrAcceptedUnreadable", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-5", 0}, {" 12 ", 12 * time.Second}, {"1.5", 0}, {"tomorrow", 0},
		{"999999999", 24 * time.Hour},
		{now.Add(2 * time.Hour).Format(http.TimeFormat), 2 * time.Hour},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{now.Add(-time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestDoGoesToAPIURL: requests go to the API URL, under its path, with
// the account's Basic auth, whatever twilio-go or the environment say.
func TestDoGoesToAPIURL(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "xyz")
	t.Setenv("TWILIO_REGION", "ie1")
	type seen struct{ host, path, user, pass, ua string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		got <- seen{r.Host, r.URL.Path, u, p, r.UserAgent()}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"CA00000000000000000000000000000001","status":"queued"}`)
	}))
	defer srv.Close()

	acct, err := NewAccount(Config{AccountSID: sid, AuthToken: token, APIURL: srv.URL + "/twilio/", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var call *api.ApiV2010Call
	err = acct.Do(context.Background(), func(svc *api.ApiService) (err error) {
		call, err = svc.CreateCall(&api.CreateCallParams{})
		return err
	})
	if err != nil || call.Sid == nil || *call.Sid != "CA00000000000000000000000000000001" {
		t.Fatalf("got %+v, %v; want the call", call, err)
	}
	s := <-got
	want := seen{strings.TrimPrefix(srv.URL, "http://"), "/twilio/2010-04-01/Accounts/" + sid + "/Calls.json", sid, token, ""}
	if s.host != want.host || s.path != want.path || s.user != want.user || s.pass != want.pass || !strings.Contains(s.ua, "pfsnotify") {
		t.Errorf("got %+v; want %+v with a User-Agent naming pfsnotify", s, want)
	}
}

// TestDoTimeout: a server that does not answer is given up on after the
// client's timeout, even though twilio-go itself has no context.
func TestDoTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	acct, err := NewAccount(Config{AccountSID: sid, AuthToken: token, APIURL: srv.URL, HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = acct.Do(context.Background(), func(svc *api.ApiService) error {
		_, err := svc.CreateMessage(&api.CreateMessageParams{})
		return err
	})
	if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry || !strings.Contains(err.Error(), "did not answer within 100ms") {
		t.Errorf("got %v; want a retry saying twilio did not answer within 100ms", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Do took %v; want about 100ms", d)
	}
}

func TestNewAccountHidesToken(t *testing.T) {
	const bad = "tok_with-bad.chars"
	for _, cfg := range []Config{
		{AccountSID: sid, AuthToken: bad, HTTPClient: &http.Client{Timeout: time.Second}},
		{AccountSID: sid, AuthToken: token, APIURL: "ftp://x", HTTPClient: &http.Client{Timeout: time.Second}},
		{AccountSID: sid, AuthToken: token},
	} {
		_, err := NewAccount(cfg)
		if err == nil || strings.Contains(err.Error(), cfg.AuthToken) {
			t.Errorf("NewAccount(%s…): got %v; want an error without the token", fmt.Sprint(cfg.APIURL), err)
		}
	}
}
