package panel

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestTestNotifications(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	w := f.post("/contact/test/call", "alice", nil)
	if w.Header().Get("Location") != "/contact?done=test-call" {
		t.Fatalf("test call: got %d %q\n%s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
	}
	due, _ := f.st.DueNow(ctx, 10)
	if len(due) != 1 || due[0].Kind != store.KindTest || due[0].Channel != schedule.ChannelCall || due[0].UserID != f.users["alice"].ID {
		t.Fatalf("the outbox holds %+v; want one test call of alice, due now", due)
	}
	w = f.post("/contact/test/call", "alice", nil)
	wantStatus(t, "a second test at once", w, http.StatusTooManyRequests)
	f.now = f.now.Add(time.Minute)
	w = f.post("/contact/test/call", "alice", nil)
	wantStatus(t, "a test while the first waits", w, http.StatusConflict)

	wantStatus(t, "test push without a browser", f.post("/browser/test", "alice", nil), http.StatusUnprocessableEntity)
	f.subscribe("alice", "https://push.example.net/a")
	if w := f.post("/browser/test", "alice", nil); w.Header().Get("Location") != "/browser?done=test-push" {
		t.Errorf("test push: got %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestContactTests: the contact page offers a test on each channel this
// server sets up, sends it to what the person saved, and says beside the
// field what stops it.
func TestContactTests(t *testing.T) {
	tests := []struct {
		name       string
		config     func(*config.Config)
		channel    string
		email      string
		status     int
		wantInBody string           // the answer's words, beside the field
		queued     schedule.Channel // the test in the outbox; "" for none
	}{
		{"a text", nil, "sms", "", http.StatusSeeOther, "", schedule.ChannelSMS},
		{"an email", nil, "email", "alice@example.org", http.StatusSeeOther, "", schedule.ChannelEmail},
		{"an email without an address", nil, "email", "", http.StatusUnprocessableEntity, "no email address", ""},
		{"texts not set up", func(c *config.Config) { c.Twilio.AccountSID = "" }, "sms", "", http.StatusConflict, "Texting is not set up", ""},
		{"email not set up", func(c *config.Config) { c.SMTP.Host = "" }, "email", "alice@example.org", http.StatusConflict, "Email is not set up", ""},
		{"no such channel", nil, "fax", "", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sqliteStore(t), func(o *Options) {
				if tt.config != nil {
					tt.config(&o.Config)
				}
			})
			ctx := context.Background()
			phone, email := "+41227676111", tt.email
			if _, err := f.st.UpdateUser(ctx, "alice", store.UserChanges{Phone: &phone, Email: &email}); err != nil {
				t.Fatal(err)
			}
			page := f.get("/contact", "alice").Body.String()
			if offered := strings.Contains(page, `action="/contact/test/`+tt.channel+`"`); offered != (tt.status != http.StatusConflict && tt.status != http.StatusNotFound) {
				t.Errorf("the contact page offers a %s test: %v; want it offered when set up", tt.channel, offered)
			}
			w := f.post("/contact/test/"+tt.channel, "alice", nil)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.wantInBody) {
				t.Fatalf("got %d; want %d saying %q\n%s", w.Code, tt.status, tt.wantInBody, excerpt(w.Body.String()))
			}
			if tt.status == http.StatusSeeOther && w.Header().Get("Location") != "/contact?done=test-"+tt.channel {
				t.Errorf("got Location %q; want /contact?done=test-%s", w.Header().Get("Location"), tt.channel)
			}
			due, _ := f.st.DueNow(ctx, 10)
			switch {
			case tt.queued == "" && len(due) != 0:
				t.Errorf("the outbox holds %+v; want nothing", due)
			case tt.queued != "" && (len(due) != 1 || due[0].Channel != tt.queued || due[0].Kind != store.KindTest):
				t.Errorf("the outbox holds %+v; want one %s test", due, tt.queued)
			}
		})
	}
}

// TestContactTextsStopped: the contact page says that the saved number
// opted out of texts, and no more once it opted back in.
func TestContactTextsStopped(t *testing.T) {
	f := sqliteFixture(t) // alice's number is +41227676111
	ctx := context.Background()
	for _, tt := range []struct {
		optedOut bool
		want     bool
	}{{false, false}, {true, true}, {false, false}} {
		if _, err := f.st.SetSMSOptOut(ctx, "+41227676111", tt.optedOut, "stop"); err != nil {
			t.Fatal(err)
		}
		w := f.get("/contact", "alice")
		if got := strings.Contains(w.Body.String(), `id="phone-opted-out">This number has opted out of text messages`); w.Code != 200 || got != tt.want {
			t.Errorf("opted out %v: got %d, the line shown %v; want 200, %v", tt.optedOut, w.Code, got, tt.want)
		}
	}
}
