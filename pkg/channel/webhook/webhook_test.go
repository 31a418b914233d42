package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webhook"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
)

// The credential parts of the test webhook URL: none may appear in an error.
const (
	secretPath  = "/services/T0AB12CD/B0EF34GH/Xq9sEcReTtOkEn"
	secretToken = "Xq9sEcReTtOkEn"
	secretQuery = "sig=QuErYsEcReT77"
)

var (
	start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	now   = start.Add(-10 * time.Minute)
)

var _ dispatch.Channel = (*webhook.Channel)(nil)

func sample() message.Message {
	return message.Message{
		DeliveryID: 42, RegistrationID: 3, Kind: message.KindReminder, Channel: "webhook", Attempt: 1,
		To:    message.Recipient{Login: "alice", Name: "Alice Liddell", TimeZone: "Asia/Tokyo"},
		Title: "Detector review", URL: "https://meet.example.org/r?a=1&b=2", StartAt: start, Lead: 10 * time.Minute,
	}
}

// receiver is an incoming-webhook endpoint: it records what is posted to
// secretPath and answers with respond.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	respond  func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	method, contentType, path, query string
	body                             []byte
}

func newReceiver(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, recorded{r.Method, r.Header.Get("Content-Type"), r.URL.Path, r.URL.RawQuery, body})
		rc.mu.Unlock()
		rc.respond(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) hookURL() string { return rc.URL + secretPath + "?" + secretQuery }

func (rc *receiver) recorded() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.requests...)
}

func newChannel(t *testing.T, hookURL string, timeout time.Duration) *webhook.Channel {
	t.Helper()
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := webhook.New(webhook.Options{URL: hookURL, HTTPClient: &http.Client{Timeout: timeout}, Templates: tmpl,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

func TestSendPostsSlackCompatibleJSON(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	ch := newChannel(t, rc.hookURL(), 5*time.Second)
	m := sample()
	m.Title = "<!channel> Tom & Jerry"

	rcpt, err := ch.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	host := strings.TrimPrefix(rc.URL, "http://")
	if rcpt.Target != host || rcpt.Status != "200" || rcpt.Detail != "ok" {
		t.Errorf("got receipt %+v; want target %q (the host only), status 200, detail ok", rcpt, host)
	}

	reqs := rc.recorded()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests; want 1", len(reqs))
	}
	req := reqs[0]
	if req.method != http.MethodPost || req.contentType != "application/json" || req.path != secretPath || req.query != secretQuery {
		t.Errorf("got %s %s?%s (%s); want POST %s?%s (application/json)", req.method, req.path, req.query, req.contentType, secretPath, secretQuery)
	}
	var got struct {
		Text      string `json:"text"`
		Username  string `json:"username"`
		PFSNotify struct {
			DeliveryID int64  `json:"delivery_id"`
			Kind       string `json:"kind"`
			Title      string `json:"title"`
			Start      string `json:"start"`
			URL        string `json:"url"`
			User       string `json:"user"`
		} `json:"pfsnotify"`
	}
	if err := json.Unmarshal(req.body, &got); err != nil {
		t.Fatalf("decode body %s: %v", req.body, err)
	}
	wantText := "Reminder for Alice Liddell: *&lt;!channel&gt; Tom &amp; Jerry* starts in 10 minutes (Tue 1 Dec 2026 09:00 JST) https://meet.example.org/r?a=1&amp;b=2"
	if got.Text != wantText || got.Username != "pfsnotify" {
		t.Errorf("got text %q, username %q; want %q, pfsnotify", got.Text, got.Username, wantText)
	}
	f := got.PFSNotify
	if f.DeliveryID != 42 || f.Kind != "reminder" || f.Title != m.Title || f.Start != "2026-12-01T00:00:00Z" ||
		f.URL != "https://meet.example.org/r?a=1&b=2" || f.User != "alice" {
		t.Errorf("got pfsnotify %+v; want delivery 42, reminder, the raw title, start 2026-12-01T00:00:00Z, the URL, user alice", f)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name      string
		respond   func(w http.ResponseWriter, r *http.Request)
		want      message.Outcome
		wantAfter time.Duration
		wantErr   string
	}{
		{"429 with Retry-After seconds", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}, message.OutcomeRetry, 30 * time.Second, "429 Too Many Requests"},
		{"429 with Retry-After date", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", now.Add(2*time.Minute).Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
		}, message.OutcomeRetry, 2 * time.Minute, "429"},
		{"500", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}, message.OutcomeRetry, 0, "500 Internal Server Error: internal error"},
		{"503 with Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, message.OutcomeRetry, 2 * time.Minute, "503"},
		{"404 echoing the path", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Cannot POST "+r.URL.RequestURI()+" (token "+secretToken+")", http.StatusNotFound)
		}, message.OutcomePermanent, 0, "404 Not Found: Cannot POST [redacted]"},
		{"400 invalid payload", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
		}, message.OutcomePermanent, 0, "400 Bad Request: invalid_payload"},
		{"redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere"+r.URL.Path, http.StatusMovedPermanently)
		}, message.OutcomePermanent, 0, "301"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.respond)
			ch := newChannel(t, rc.hookURL(), 5*time.Second)
			_, err := ch.Send(context.Background(), sample())
			if err == nil {
				t.Fatal("Send: got no error")
			}
			got, after := message.Classify(err)
			if got != tt.want || after != tt.wantAfter || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v (outcome %v after %v); want outcome %v after %v, an error containing %q",
					err, got, after, tt.want, tt.wantAfter, tt.wantErr)
			}
			assertNoSecret(t, err)
			if n := len(rc.recorded()); n != 1 {
				t.Errorf("got %d requests; want 1", n)
			}
		})
	}
}

func TestNetworkFailuresAreRetriedWithoutTheURL(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		rc := newReceiver(t, func(http.ResponseWriter, *http.Request) {})
		hookURL := rc.hookURL()
		rc.Close()
		_, err := newChannel(t, hookURL, 5*time.Second).Send(context.Background(), sample())
		if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry {
			t.Errorf("got %v (outcome %v); want an error to retry", err, got)
		}
		assertNoSecret(t, err)
	})
	t.Run("client timeout", func(t *testing.T) {
		rc := newReceiver(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		_, err := newChannel(t, rc.hookURL(), 100*time.Millisecond).Send(context.Background(), sample())
		if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry || !strings.Contains(err.Error(), "Timeout") {
			t.Errorf("got %v (outcome %v); want a timeout to retry", err, got)
		}
		assertNoSecret(t, err)
	})
	t.Run("context deadline", func(t *testing.T) {
		rc := newReceiver(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := newChannel(t, rc.hookURL(), time.Minute).Send(ctx, sample())
		if got, _ := message.Classify(err); err == nil || got != message.OutcomeRetry {
			t.Errorf("got %v (outcome %v); want an error to retry", err, got)
		}
		if err != nil && !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
			t.Errorf("got %v; want it to say the deadline passed", err)
		}
		assertNoSecret(t, err)
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	tmpl, err := message.NewTemplates(config.Templates{})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: time.Second}
	tests := []struct {
		name    string
		opts    webhook.Options
		wantErr string
	}{
		{"no scheme", webhook.Options{URL: "hooks.example.org" + secretPath, HTTPClient: client, Templates: tmpl}, "not an http(s) URL"},
		{"bad url", webhook.Options{URL: "http://[::1" + secretPath, HTTPClient: client, Templates: tmpl}, "not an http(s) URL"},
		{"no client", webhook.Options{URL: "https://hooks.example.org" + secretPath, Templates: tmpl}, "http client with a timeout"},
		{"no timeout", webhook.Options{URL: "https://hooks.example.org" + secretPath, HTTPClient: &http.Client{}, Templates: tmpl}, "http client with a timeout"},
		{"no templates", webhook.Options{URL: "https://hooks.example.org" + secretPath, HTTPClient: client}, "templates"},
	}
	for _, tt := range tests {
		_, err := webhook.New(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: got %v; want an error containing %q", tt.name, err, tt.wantErr)
		}
		assertNoSecret(t, err)
	}
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, secret := range []string{secretPath, secretToken, secretQuery, "QuErYsEcReT77", url.PathEscape(secretToken)} {
		if strings.Contains(msg, secret) {
			t.Errorf("got error %q; want it free of %q", msg, secret)
		}
	}
}
