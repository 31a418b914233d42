package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/channel/email/smtptest"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// webhookReceiver is a chat server's incoming webhook.
type webhookReceiver struct {
	mu    sync.Mutex
	posts []map[string]any
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var post map[string]any
	if err := json.Unmarshal(body, &post); err != nil {
		http.Error(rw, "bad json", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.posts = append(w.posts, post)
	w.mu.Unlock()
}

func (w *webhookReceiver) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.posts)
}

// makeDue moves every pending delivery to now, as the clock would.
func makeDue(t *testing.T, db config.Database) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	regs, err := s.ListRegistrations(ctx, store.RegistrationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	at := make(map[int64]time.Time)
	for _, r := range regs {
		ds, err := s.DeliveriesOfRegistration(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			at[d.ID] = time.Now().Add(-time.Second)
		}
	}
	if err := s.Advance(ctx, at); err != nil {
		t.Fatal(err)
	}
}

func TestInvokeSendsThroughConfiguredChannels(t *testing.T) {
	for name, dbConfig := range map[string]func(*testing.T) config.Database{"sqlite": storetestSQLite, "mysql": storetestMySQL} {
		t.Run(name, func(t *testing.T) {
			db := dbConfig(t)
			c := newCLI(t, db)
			smtp := smtptest.Start(t, smtptest.Options{})
			hooks := &webhookReceiver{}
			hookSrv := httptest.NewServer(hooks)
			defer hookSrv.Close()
			c.env = append(c.env,
				"PFSNOTIFY_SMTP_HOST="+smtp.Host(), fmt.Sprintf("PFSNOTIFY_SMTP_PORT=%d", smtp.Port()),
				"PFSNOTIFY_SMTP_TLS=none", "PFSNOTIFY_SMTP_FROM=pfsnotify <noreply@example.org>",
				"PFSNOTIFY_WEBHOOK_URL="+hookSrv.URL+"/hooks/secret-token")

			c.ok("db", "migrate")
			c.ok("user", "add", "alice", "--email", "alice@example.org", "--tz", "Europe/Zurich")
			at := time.Now().Add(2 * time.Hour).In(time.UTC).Format("2006-01-02 15:04")
			c.ok("registration", "add", "--user", "alice", "--at", at, "--tz", "UTC", "--title", "Detector review",
				"--channel", "email,webhook,log", "--lead", "10m")

			if out := c.ok("invoke"); !strings.Contains(out, "invoke: sent 0, failed 0, retrying 0, skipped 0") {
				t.Errorf("before anything is due, invoke printed %q", out)
			}
			makeDue(t, db)
			dry := c.ok("invoke", "--dry-run")
			if !strings.Contains(dry, "dry run: 3 reminders due now") || strings.Count(dry, "Detector review") != 3 {
				t.Errorf("invoke --dry-run printed %q; want the 3 due deliveries", dry)
			}
			out := c.ok("invoke")
			if !strings.Contains(out, "invoke: sent 3, failed 0, retrying 0, skipped 0") {
				t.Errorf("invoke printed %q; want 3 sent", out)
			}
			if !strings.Contains(out, "channel=log kind=reminder user=alice") {
				t.Errorf("invoke printed %q; want the log channel's line", out)
			}
			if mails := smtp.Mails(); len(mails) != 1 || mails[0].To[0] != "alice@example.org" {
				t.Errorf("the SMTP server got %+v; want one mail to alice", mails)
			}
			if hooks.count() != 1 {
				t.Errorf("the webhook got %d posts; want 1", hooks.count())
			}
			if out := c.ok("invoke", "-q"); out != "" {
				t.Errorf("invoke -q with nothing to do printed %q; want nothing", out)
			}
			if hooks.count() != 1 || len(smtp.Mails()) != 1 {
				t.Errorf("a second run sent again")
			}
		})
	}
}

func TestInvokeCallsAndTexts(t *testing.T) {
	db := storetestSQLite(t)
	c := newCLI(t, db)
	twilio := twiliotest.New(t, twiliotest.Config{})
	c.env = append(c.env, "PFSNOTIFY_PUBLIC_URL=https://notify.example.org",
		"PFSNOTIFY_TWILIO_ACCOUNT_SID="+twiliotest.AccountSID, "PFSNOTIFY_TWILIO_AUTH_TOKEN="+twiliotest.AuthToken,
		"PFSNOTIFY_TWILIO_FROM_NUMBER="+twiliotest.FromNumber, "PFSNOTIFY_TWILIO_API_URL="+twilio.URL,
		"TWILIO_EDGE=sydney") // must not send requests elsewhere
	c.ok("db", "migrate")
	c.ok("user", "add", "carol", "--phone", "+41 22 767 61 11", "--tz", "Europe/Zurich", "--language", "de-CH")
	at := time.Now().Add(2 * time.Hour).In(time.UTC).Format("2006-01-02 15:04")
	c.ok("registration", "add", "--user", "carol", "--at", at, "--tz", "UTC", "--title", "Run meeting", "--channel", "call,sms", "--lead", "5m")
	makeDue(t, db)
	if out := c.ok("invoke"); !strings.Contains(out, "invoke: sent 2, failed 0") {
		t.Fatalf("invoke printed %q; want 2 sent", out)
	}
	calls, texts := twilio.Calls(), twilio.Messages()
	if len(calls) != 1 || calls[0].To != "+41227676111" || !strings.HasPrefix(calls[0].URL, "https://notify.example.org/twiml/voice/") {
		t.Fatalf("the fake Twilio got calls %+v; want one to carol with serve-twiml's voice URL", calls)
	}
	if len(texts) != 1 || !strings.Contains(texts[0].Body, "Run meeting") {
		t.Fatalf("the fake Twilio got messages %+v; want one about the run meeting", texts)
	}
	var shown struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	c.json(&shown, "registration", "show", "1")
	for _, d := range shown.Deliveries {
		if d.State != "sent" {
			t.Errorf("delivery %+v; want sent", d)
		}
	}
}

func TestInvokeExitsNonZeroOnFailure(t *testing.T) {
	db := storetestSQLite(t)
	c := newCLI(t, db)
	c.ok("db", "migrate")
	c.ok("user", "add", "bob", "--tz", "UTC")
	at := time.Now().Add(2 * time.Hour).In(time.UTC).Format("2006-01-02 15:04")
	c.ok("registration", "add", "--user", "bob", "--at", at, "--tz", "UTC", "--title", "Telecon", "--channel", "call", "--lead", "5m")
	table, warning, _ := c.run("registration", "list")
	if !strings.Contains(table, "NOBODY: call: not configured (twilio)") || !strings.Contains(warning, "registrations that reach nobody: 1") {
		t.Errorf("registration list printed %q and %q; want the registration flagged as reaching nobody", table, warning)
	}
	makeDue(t, db)
	out, errOut, code := c.run("invoke", "-q")
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing on stdout", code, out)
	}
	if !strings.Contains(errOut, "failed 1") {
		t.Errorf("stderr %q; want the summary with the failure", errOut)
	}
	var shown struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	c.json(&shown, "registration", "show", "1")
	if d := shown.Deliveries[0]; d.State != "failed" || d.LastError != "no target: the call channel is not configured; no other channel to fall back to" {
		t.Errorf("got %+v; want failed, saying the call channel is not configured", d)
	}
}
