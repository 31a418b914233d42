package twiliosms_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/pfsnotify/pfsnotify/pkg/channel/twilioapi"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliosms"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/twiml"
)

var (
	now   = time.Date(2026, 12, 1, 8, 50, 0, 0, time.UTC)
	token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycDE"
)

func reminder() message.Message {
	return message.Message{
		DeliveryID: 9, RegistrationID: 3, Token: token, Kind: message.KindReminder, Channel: "sms", Attempt: 1,
		To:    message.Recipient{UserID: 1, Login: "bob", Name: "Bob", Phone: "+819012345678", TimeZone: "Asia/Tokyo", Language: "ja-JP"},
		Title: "Detector review", URL: "https://meet.example.org/r", StartAt: now.Add(10 * time.Minute), Lead: 10 * time.Minute,
	}
}

func newChannel(t *testing.T, cfg twiliotest.Config, change func(*twiliosms.Options)) (*twiliotest.Server, *twiliosms.Channel) {
	t.Helper()
	fake := twiliotest.New(t, cfg)
	opts := fake.SMSOptions()
	opts.Now = func() time.Time { return now }
	if change != nil {
		change(&opts)
	}
	ch, err := twiliosms.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fake, ch
}

func TestMessageCreated(t *testing.T) {
	templates, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	cancelled := reminder()
	cancelled.Kind = message.KindCancelled
	farAhead := reminder()
	farAhead.StartAt = now.Add(30 * 24 * time.Hour)
	tests := []struct {
		name           string
		m              message.Message
		change         func(*twiliosms.Options)
		callback       string
		validityPeriod string
	}{
		{"reminder", reminder(), nil, twiml.SMSStatusURL(twiliotest.PublicURL, token), "600"},
		{"without public url", reminder(), func(o *twiliosms.Options) { o.PublicURL = "" }, "", "600"},
		{"cancellation: no validity period", cancelled, nil, twiml.SMSStatusURL(twiliotest.PublicURL, token), ""},
		{"validity period at most 10 hours", farAhead, nil, twiml.SMSStatusURL(twiliotest.PublicURL, token), "36000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ch := newChannel(t, twiliotest.Config{}, tt.change)
			r, err := ch.Send(context.Background(), tt.m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := fake.Messages()
			if len(msgs) != 1 {
				t.Fatalf("got %d messages; want 1", len(msgs))
			}
			m := msgs[0]
			if got, want := r, (message.Receipt{Target: "+819012345678", ProviderRef: m.SID, Status: "queued"}); got != want {
				t.Errorf("got receipt %+v; want %+v", got, want)
			}
			if len(m.SID) != 34 || !strings.HasPrefix(m.SID, "SM") {
				t.Errorf("got message SID %q; want SM and 32 more characters", m.SID)
			}
			body, err := templates.Render(message.SMS, tt.m, now)
			if err != nil {
				t.Fatal(err)
			}
			for _, ck := range []struct{ field, got, want string }{
				{"To", m.To, "+819012345678"},
				{"From", m.From, twiliotest.FromNumber},
				{"Body", m.Body, body},
				{"StatusCallback", m.StatusCallback, tt.callback},
				{"ValidityPeriod", m.ValidityPeriod, tt.validityPeriod},
			} {
				if ck.got != ck.want {
					t.Errorf("got %s %q; want %q", ck.field, ck.got, ck.want)
				}
			}
			q := fake.Requests()[0]
			if want := "/2010-04-01/Accounts/" + twiliotest.AccountSID + "/Messages.json"; q.Path != want || q.User != twiliotest.AccountSID || !q.AuthOK {
				t.Errorf("got %s as %q (auth ok %v); want %s as the account", q.Path, q.User, q.AuthOK, want)
			}
		})
	}
}

func TestLongBodyShortened(t *testing.T) {
	for _, note := range []string{strings.Repeat("x", 2000), strings.Repeat("会議😀", 700)} {
		fake, ch := newChannel(t, twiliotest.Config{}, func(o *twiliosms.Options) {
			tmpl, err := message.NewTemplates(config.Templates{SMS: "{{.Title}}: {{.Note}}"})
			if err != nil {
				t.Fatal(err)
			}
			o.Templates = tmpl
		})
		m := reminder()
		m.Note = note
		r, err := ch.Send(context.Background(), m)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		msgs := fake.Messages()
		if len(msgs) != 1 {
			t.Fatalf("got %d messages; want 1", len(msgs))
		}
		body := msgs[0].Body
		encoding, n := twiliosms.Segments(body)
		ellipsis, units, want := "...", 0, []int{306}
		if encoding == twiliosms.UCS2 {
			ellipsis, units, want = "…", len(utf16.Encode([]rune(body))), []int{133, 134} // one less before a surrogate pair
		} else {
			units = len(body)
		}
		if n != twiliosms.MaxSegments || !slices.Contains(want, units) {
			t.Errorf("got a body of %d segments, %d units (%s); want %d segments, %v units", n, units, encoding, twiliosms.MaxSegments, want)
		}
		if !strings.HasPrefix(body, "Detector review: ") || !strings.HasSuffix(body, ellipsis) {
			t.Errorf("got body %.30q…%q; want the start of the text and %q", body, body[len(body)-6:], ellipsis)
		}
		if !strings.Contains(r.Detail, "shortened") {
			t.Errorf("got receipt detail %q; want it to say the text was shortened", r.Detail)
		}
	}
}

func TestNoTargetAndStale(t *testing.T) {
	noPhone := reminder()
	noPhone.To.Phone = ""
	started := reminder()
	started.StartAt = now.Add(-time.Minute)
	tests := []struct {
		name string
		m    message.Message
		want message.Outcome
	}{
		{"no phone", noPhone, message.OutcomeNoTarget},
		{"event started", started, message.OutcomePermanent},
	}
	for _, tt := range tests {
		fake, ch := newChannel(t, twiliotest.Config{}, nil)
		_, err := ch.Send(context.Background(), tt.m)
		if got, _ := message.Classify(err); err == nil || got != tt.want {
			t.Errorf("%s: got %v (outcome %v); want %v", tt.name, err, got, tt.want)
		}
		if tt.want == message.OutcomeNoTarget && !errors.Is(err, message.ErrNoTarget) {
			t.Errorf("%s: got %v; want message.ErrNoTarget", tt.name, err)
		}
		if n := len(fake.Requests()); n != 0 {
			t.Errorf("%s: got %d requests to Twilio; want none", tt.name, n)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name    string
		fault   *twiliotest.Fault
		token   string
		want    message.Outcome
		after   time.Duration
		wantErr string
	}{
		{name: "invalid number", fault: &twiliotest.Fault{Status: 400, Code: 21211}, want: message.OutcomePermanent, wantErr: "code 21211"},
		{name: "opted out", fault: &twiliotest.Fault{Status: 400, Code: 21610}, want: message.OutcomeNoTarget, wantErr: "opted out"},
		{name: "not a mobile", fault: &twiliotest.Fault{Status: 400, Code: 21614}, want: message.OutcomePermanent, wantErr: "not a mobile number"},
		{name: "wrong auth token", token: "0000000000000000000000000000beef", want: message.OutcomePermanent, wantErr: "answered 401 (code 20003"},
		{name: "429 with retry-after", fault: &twiliotest.Fault{Status: 429, Code: 20429, RetryAfter: "3"}, want: message.OutcomeRetry, after: 3 * time.Second, wantErr: "429"},
		{name: "500", fault: &twiliotest.Fault{Status: 500}, want: message.OutcomeRetry, wantErr: "answered 500"},
		{name: "hang", fault: &twiliotest.Fault{Hang: true}, want: message.OutcomeRetry, after: twilioapi.UnansweredRetryAfter, wantErr: "did not answer within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, ch := newChannel(t, twiliotest.Config{ClientTimeout: 200 * time.Millisecond}, func(o *twiliosms.Options) {
				if tt.token != "" {
					o.AuthToken = tt.token
				}
			})
			if tt.fault != nil {
				fake.FailNext(1, *tt.fault)
			}
			_, err := ch.Send(context.Background(), reminder())
			got, after := message.Classify(err)
			if err == nil || got != tt.want || after != tt.after {
				t.Errorf("got %v: outcome %v after %v; want %v after %v", err, got, after, tt.want, tt.after)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %q; want it to contain %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), twiliotest.AuthToken) || (tt.token != "" && strings.Contains(err.Error(), tt.token))) {
				t.Errorf("got %q; it shows the auth token", err)
			}
			if n := len(fake.Messages()); n != 0 {
				t.Errorf("got %d messages recorded; want none", n)
			}
		})
	}
}

func TestEnvironmentIgnored(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "xyz")
	fake, ch := newChannel(t, twiliotest.Config{}, nil)
	if _, err := ch.Send(context.Background(), reminder()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("got %d messages at the fake; want 1", n)
	}
}

func TestNewChecksOptions(t *testing.T) {
	fake := twiliotest.New(t, twiliotest.Config{})
	tests := []struct {
		name   string
		change func(*twiliosms.Options)
		want   string
	}{
		{"no timeout", func(o *twiliosms.Options) { o.HTTPClient = &http.Client{} }, "invoke.http_timeout"},
		{"from", func(o *twiliosms.Options) { o.From = "" }, "twilio.from_number"},
		{"public url", func(o *twiliosms.Options) { o.PublicURL = "/relative" }, "public_url"},
		{"templates", func(o *twiliosms.Options) { o.Templates = nil }, "templates"},
		{"token", func(o *twiliosms.Options) { o.AuthToken = "" }, "twilio.auth_token"},
	}
	for _, tt := range tests {
		opts := fake.SMSOptions()
		tt.change(&opts)
		if _, err := twiliosms.New(opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v; want an error naming %s", tt.name, err, tt.want)
		}
	}
	opts := fake.SMSOptions()
	opts.PublicURL = ""
	if _, err := twiliosms.New(opts); err != nil {
		t.Errorf("without public url: %v; want the channel (no status callbacks)", err)
	}
}
