package twiliocall_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliocall"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

var (
	now   = time.Date(2026, 12, 1, 8, 50, 0, 0, time.UTC)
	token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycDE"
)

func reminder() message.Message {
	return message.Message{
		DeliveryID: 7, RegistrationID: 3, Token: token, Kind: message.KindReminder, Channel: "call", Attempt: 1,
		To:    message.Recipient{UserID: 1, Login: "alice", Name: "Alice", Phone: "+15551230001", TimeZone: "Europe/Berlin", Language: "de-DE"},
		Title: "Detector review", StartAt: now.Add(10 * time.Minute), Lead: 10 * time.Minute,
	}
}

// newChannel starts a fake Twilio and a call channel pointed at it;
// change adjusts the options first.
func newChannel(t *testing.T, cfg twiliotest.Config, change func(*twiliocall.Options)) (*twiliotest.Server, *twiliocall.Channel) {
	t.Helper()
	fake := twiliotest.New(t, cfg)
	opts := fake.CallOptions()
	opts.Now = func() time.Time { return now }
	if change != nil {
		change(&opts)
	}
	ch, err := twiliocall.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fake, ch
}

func TestCallCreated(t *testing.T) {
	tests := []struct {
		name   string
		change func(*twiliocall.Options)
		// want of the recorded call
		url, method, callback, amd string
		inline                     bool
	}{
		{name: "voice url", url: twiml.VoiceURL(twiliotest.PublicURL, token), method: "POST",
			callback: twiml.CallStatusURL(twiliotest.PublicURL, token)},
		{name: "machine detection", change: func(o *twiliocall.Options) { o.MachineDetection = true },
			url: twiml.VoiceURL(twiliotest.PublicURL, token), method: "POST",
			callback: twiml.CallStatusURL(twiliotest.PublicURL, token), amd: "Enable"},
		{name: "inline twiml with public url", change: func(o *twiliocall.Options) { o.InlineTwiML = true },
			callback: twiml.CallStatusURL(twiliotest.PublicURL, token), inline: true},
		{name: "inline twiml without public url", change: func(o *twiliocall.Options) { o.InlineTwiML, o.PublicURL = true, "" },
			inline: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ch := newChannel(t, twiliotest.Config{}, tt.change)
			r, err := ch.Send(context.Background(), reminder())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			calls := fake.Calls()
			if len(calls) != 1 {
				t.Fatalf("got %d calls; want 1", len(calls))
			}
			c := calls[0]
			if got, want := r, (message.Receipt{Target: "+15551230001", ProviderRef: c.SID, Status: "queued", Detail: r.Detail}); got != want {
				t.Errorf("got receipt %+v; want %+v", got, want)
			}
			if len(c.SID) != 34 || !strings.HasPrefix(c.SID, "CA") {
				t.Errorf("got call SID %q; want CA and 32 more characters", c.SID)
			}
			checks := []struct{ field, got, want string }{
				{"To", c.To, "+15551230001"},
				{"From", c.From, twiliotest.FromNumber},
				{"Url", c.URL, tt.url},
				{"Method", c.Method, tt.method},
				{"StatusCallback", c.StatusCallback, tt.callback},
				{"MachineDetection", c.MachineDetection, tt.amd},
				{"Timeout", c.Timeout, "30"},
			}
			if tt.callback != "" {
				checks = append(checks,
					struct{ field, got, want string }{"StatusCallbackMethod", c.StatusCallbackMethod, "POST"},
					struct{ field, got, want string }{"StatusCallbackEvent", strings.Join(c.StatusCallbackEvent, " "), "initiated ringing answered completed"})
			} else if len(c.Form["StatusCallbackEvent"]) != 0 || c.StatusCallbackMethod != "" {
				t.Errorf("got StatusCallbackEvent %q, StatusCallbackMethod %q without a StatusCallback; want none", c.StatusCallbackEvent, c.StatusCallbackMethod)
			}
			for _, ck := range checks {
				if ck.got != ck.want {
					t.Errorf("got %s %q; want %q", ck.field, ck.got, ck.want)
				}
			}
			if got := c.Twiml != ""; got != tt.inline {
				t.Errorf("got Twiml %q; want inline TwiML %v", c.Twiml, tt.inline)
			}

			reqs := fake.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests; want 1", len(reqs))
			}
			q := reqs[0]
			if want := "/2010-04-01/Accounts/" + twiliotest.AccountSID + "/Calls.json"; q.Method != http.MethodPost || q.Path != want {
				t.Errorf("got %s %s; want POST %s", q.Method, q.Path, want)
			}
			if q.User != twiliotest.AccountSID || !q.AuthOK || q.Status != http.StatusCreated {
				t.Errorf("got auth user %q ok %v, answer %d; want %q, true, 201", q.User, q.AuthOK, q.Status, twiliotest.AccountSID)
			}
			if q.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("got Content-Type %q; want a form", q.ContentType)
			}
		})
	}
}

func TestNoPhoneAndStale(t *testing.T) {
	noPhone := reminder()
	noPhone.To.Phone = ""
	started := reminder()
	started.StartAt = now
	notE164 := reminder()
	notE164.To.Phone = "0301234567"
	cancelled := reminder()
	cancelled.Kind, cancelled.StartAt = message.KindCancelled, now.Add(-time.Hour)
	tests := []struct {
		name  string
		m     message.Message
		want  message.Outcome
		calls int
	}{
		{"no phone", noPhone, message.OutcomeNoTarget, 0},
		{"event started", started, message.OutcomePermanent, 0},
		{"not e.164", notE164, message.OutcomePermanent, 0},
		{"cancellation after the start", cancelled, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ch := newChannel(t, twiliotest.Config{}, nil)
			_, err := ch.Send(context.Background(), tt.m)
			if tt.want == -1 {
				if err != nil {
					t.Errorf("got %v; want the call placed", err)
				}
			} else if got, _ := message.Classify(err); err == nil || got != tt.want {
				t.Errorf("got %v (outcome %v); want outcome %v", err, got, tt.want)
			}
			if tt.want == message.OutcomeNoTarget && !errors.Is(err, message.ErrNoTarget) {
				t.Errorf("got %v; want message.ErrNoTarget", err)
			}
			if got := len(fake.Requests()); got != tt.calls {
				t.Errorf("got %d requests to Twilio; want %d", got, tt.calls)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	retryAt := now.Add(90 * time.Second) // an HTTP date, read against the channel's clock
	tests := []struct {
		name    string
		fault   *twiliotest.Fault
		token   string // a wrong auth token, if set
		want    message.Outcome
		after   time.Duration
		wantErr string
	}{
		{name: "invalid number", fault: &twiliotest.Fault{Status: 400, Code: 21211, Message: "The 'To' number +15551230001 is not a valid phone number."},
			want: message.OutcomePermanent, wantErr: "code 21211: invalid 'To' number"},
		{name: "geo permissions", fault: &twiliotest.Fault{Status: 400, Code: 21215},
			want: message.OutcomePermanent, wantErr: "code 21215"},
		{name: "blocked number", fault: &twiliotest.Fault{Status: 400, Code: 13224},
			want: message.OutcomePermanent, wantErr: "code 13224"},
		{name: "wrong auth token", token: "0000000000000000000000000000beef",
			want: message.OutcomePermanent, wantErr: "answered 401 (code 20003: authentication failed"},
		{name: "429 with retry-after seconds", fault: &twiliotest.Fault{Status: 429, Code: 20429, RetryAfter: "7"},
			want: message.OutcomeRetry, after: 7 * time.Second, wantErr: "answered 429"},
		{name: "429 without retry-after", fault: &twiliotest.Fault{Status: 429, Code: 20429},
			want: message.OutcomeRetry, after: 0, wantErr: "code 20429"},
		{name: "500", fault: &twiliotest.Fault{Status: 500, Code: 20500},
			want: message.OutcomeRetry, wantErr: "answered 500"},
		{name: "503 with retry-after", fault: &twiliotest.Fault{Status: 503, RetryAfter: "120"},
			want: message.OutcomeRetry, after: 2 * time.Minute, wantErr: "answered 503"},
		{name: "502 from a proxy", fault: &twiliotest.Fault{Status: 502, RawBody: "<html>Bad Gateway</html>"},
			want: message.OutcomeRetry, wantErr: "answered 502"},
		{name: "403 from a proxy", fault: &twiliotest.Fault{Status: 403, RawBody: "forbidden"},
			want: message.OutcomePermanent, wantErr: "answered 403"},
		{name: "hang", fault: &twiliotest.Fault{Hang: true},
			want: message.OutcomeRetry, after: twilioapi.UnansweredRetryAfter, wantErr: "did not answer within 200ms"},
		{name: "http-date retry-after", fault: &twiliotest.Fault{Status: 429, RetryAfter: retryAt.Format(http.TimeFormat)},
			want: message.OutcomeRetry, after: 90 * time.Second, wantErr: "answered 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ch := newChannel(t, twiliotest.Config{ClientTimeout: 200 * time.Millisecond}, func(o *twiliocall.Options) {
				if tt.token != "" {
					o.AuthToken = tt.token
				}
			})
			if tt.fault != nil {
				fake.FailNext(1, *tt.fault)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err := ch.Send(ctx, reminder())
			if err == nil {
				t.Fatalf("got no error; want outcome %v", tt.want)
			}
			got, after := message.Classify(err)
			if got != tt.want || after != tt.after {
				t.Errorf("got %v: outcome %v after %v; want %v after %v", err, got, after, tt.want, tt.after)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q; want it to contain %q", err, tt.wantErr)
			}
			for _, secret := range []string{twiliotest.AuthToken, tt.token} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("got error %q; it shows the auth token", err)
				}
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Send took %v; want it bounded by the client timeout", elapsed)
			}
			if len(fake.Calls()) != 0 {
				t.Errorf("got %d calls recorded; want none", len(fake.Calls()))
			}
		})
	}
}

// TestAcceptedButUnreadable: a 201 whose body cannot be read still means
// the call was placed; sending it again would call twice.
func TestAcceptedButUnreadable(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{}, nil)
	fake.FailNext(1, twiliotest.Fault{Status: http.StatusCreated, RawBody: "{not json"})
	r, err := ch.Send(context.Background(), reminder())
	if err != nil || r.Status != "accepted" || r.Target != "+15551230001" || r.ProviderRef != "" {
		t.Errorf("got %+v, %v; want an accepted receipt without SID and no error", r, err)
	}
}

func TestCancelledContext(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{ClientTimeout: time.Minute}, nil)
	fake.HangNext(1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ch.Send(ctx, reminder())
	if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v (outcome %v); want a retry with context.DeadlineExceeded", err, got)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Send took %v; want it to end with its context", elapsed)
	}
}

// TestEnvironmentIgnored: twilio-go moves requests to another host when
// TWILIO_EDGE or TWILIO_REGION is set; the channel still goes to api_url.
func TestEnvironmentIgnored(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "xyz")
	t.Setenv("TWILIO_REGION", "au1")
	fake, ch := newChannel(t, twiliotest.Config{}, nil)
	if _, err := ch.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || len(fake.Calls()) != 1 {
		t.Fatalf("got %d requests, %d calls at the fake; want 1, 1", len(reqs), len(fake.Calls()))
	}
	if want := strings.TrimPrefix(fake.URL, "http://"); reqs[0].Host != want {
		t.Errorf("got Host %q; want %q", reqs[0].Host, want)
	}
}

func TestConcurrentSends(t *testing.T) {
	fake, ch := newChannel(t, twiliotest.Config{}, nil)
	const n = 16
	var wg sync.WaitGroup
	sids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			r, err := ch.Send(context.Background(), reminder())
			if err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
			sids[i] = r.ProviderRef
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, sid := range sids {
		seen[sid] = true
	}
	if got := len(fake.Calls()); got != n || len(seen) != n {
		t.Errorf("got %d calls with %d distinct SIDs; want %d", got, len(seen), n)
	}
}
