package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// sendFixture is an operations group: people reached by push, by text and
// by call (their preferences), two who cannot be reached, one disabled.
type sendFixture struct {
	*faultFixture
	twilio *twiliotest.Server
}

func newSendFixture(t *testing.T, f *faultFixture) *sendFixture {
	twilio := twiliotest.New(t, twiliotest.Config{})
	f.env = append(f.env, "PFSNOTIFY_PUBLIC_URL=https://notify.example.org",
		"PFSNOTIFY_TWILIO_ACCOUNT_SID="+twiliotest.AccountSID, "PFSNOTIFY_TWILIO_AUTH_TOKEN="+twiliotest.AuthToken,
		"PFSNOTIFY_TWILIO_FROM_NUMBER="+twiliotest.FromNumber, "PFSNOTIFY_TWILIO_API_URL="+twilio.URL,
		"PFSNOTIFY_TWILIO_CALLS_PER_SECOND=5")
	ctx := context.Background()
	s, err := store.Open(ctx, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateGroup(ctx, store.Group{Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	add := func(login, phone string, channels ...schedule.Channel) store.User {
		u, err := s.CreateUser(ctx, store.User{Login: login, Phone: phone, TimeZone: "America/Santiago", Language: "es-CL"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, "ops", []string{login}); err != nil {
			t.Fatal(err)
		}
		if len(channels) > 0 {
			if _, err := s.SetPreferences(ctx, u.ID, store.Preferences{Channels: channels, Leads: []time.Duration{0}}); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	for i := range 4 {
		u := add(fmt.Sprintf("push%d", i), "", schedule.ChannelPush, schedule.ChannelSMS)
		sub := f.push.NewSubscription()
		if _, err := s.SavePushSubscription(ctx, store.PushSubscription{UserID: u.ID, Endpoint: sub.Endpoint,
			P256dh: sub.P256dh, Auth: sub.Auth, UserAgent: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		add(fmt.Sprintf("text%d", i), fmt.Sprintf("+5622123450%d", i), schedule.ChannelSMS)
	}
	for i := range 2 {
		add(fmt.Sprintf("voice%d", i), fmt.Sprintf("+5622123460%d", i), schedule.ChannelCall)
	}
	add("nobrowser", "", schedule.ChannelPush) // preferences that reach nothing
	add("nothing", "")                         // no preferences: push, email, SMS, none of them there
	off := add("gone", "+56221234700", schedule.ChannelSMS)
	if _, err := s.UpdateUser(ctx, off.Login, store.UserChanges{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	return &sendFixture{faultFixture: f, twilio: twilio}
}

func ptr[T any](v T) *T { return &v }

// run runs pfsnotify to its end and returns its exit status and output.
func (f *sendFixture) run(args ...string) (int, string, string) {
	c := f.start(args...)
	code := c.wait(f.t, 2*time.Minute)
	return code, c.stdout.String(), c.stderr.String()
}

// A message to a group goes to each reachable member once, on their
// channel, through invoke; those who cannot be reached are listed first.
func TestSendToAGroup(t *testing.T) {
	faultBackends(t, func(t *testing.T, ff *faultFixture) {
		f := newSendFixture(t, ff)
		args := []string{"send", "--group", "ops", "--title", "Run cancelled", "--message", "Tonight's run is **cancelled**: high winds."}

		code, out, stderr := f.run(append(args, "--dry-run", "-o", "json")...)
		if code != 0 {
			t.Fatalf("send --dry-run: exit %d: %s", code, stderr)
		}
		var plan broadcast.Result
		if err := json.Unmarshal([]byte(out), &plan); err != nil {
			t.Fatalf("send --dry-run -o json: %v\n%s", err, out)
		}
		got := map[string]string{}
		for _, l := range plan.Lines {
			got[l.Login] = l.Channel + l.Unreachable
		}
		want := map[string]string{"push0": "push", "push1": "push", "push2": "push", "push3": "push",
			"text0": "sms", "text1": "sms", "text2": "sms", "voice0": "call", "voice1": "call",
			"nobrowser": "push: no browser subscribed",
			"nothing":   "push: no browser subscribed; email: not configured (smtp); sms: no phone number"}
		if len(got) != len(want) || plan.Reachable != 9 || plan.Unreachable != 2 {
			t.Errorf("dry run planned %v (%d reachable, %d not); want %v, 9 and 2", got, plan.Reachable, plan.Unreachable, want)
		}
		for login, w := range want {
			if got[login] != w {
				t.Errorf("dry run: %s gets %q; want %q", login, got[login], w)
			}
		}
		if n := f.states()["pending"]; n != 0 {
			t.Fatalf("the dry run queued %d deliveries; want none", n)
		}

		code, out, stderr = f.run(args...)
		if code != 0 || !strings.Contains(out, "queued message #1 for 9 people") || !strings.Contains(stderr, "2 of 11 cannot be reached") {
			t.Fatalf("send: exit %d, %q, %q; want 9 queued and 2 unreachable said", code, out, stderr)
		}
		for range 2 { // a second run sends nothing again
			if code, _, stderr := f.run("invoke", "-q"); code != 0 {
				t.Fatalf("invoke: exit %d: %s", code, stderr)
			}
		}
		pushes := f.push.Pushes()
		if len(pushes) != 4 {
			t.Errorf("got %d pushes; want 4", len(pushes))
		}
		for _, p := range pushes {
			var payload struct{ Title, Body string }
			if err := json.Unmarshal(p.Payload, &payload); err != nil || payload.Title != "Run cancelled" ||
				!strings.Contains(payload.Body, "Tonight's run is **cancelled**") {
				t.Errorf("a push carried %s (%v); want the message's title and text", p.Payload, err)
			}
		}
		texts := f.twilio.Messages()
		if len(texts) != 3 {
			t.Errorf("got %d texts; want 3", len(texts))
		}
		for _, m := range texts {
			if !strings.HasPrefix(m.To, "+5622123450") || !strings.Contains(m.Body, "Run cancelled: Tonight's run") {
				t.Errorf("a text to %s said %q; want the message", m.To, m.Body)
			}
		}
		if calls := f.twilio.Calls(); len(calls) != 2 {
			t.Errorf("got %d calls; want 2", len(calls))
		}
		if states := f.states(); states["sent"] != 9 || len(states) != 1 {
			t.Errorf("got deliveries %v; want 9 sent, nothing else", states)
		}
	})
}

// Bad input names the field and queues nothing; a message not sent yet can
// be cancelled.
func TestSendBadInputAndCancel(t *testing.T) {
	faultBackends(t, func(t *testing.T, ff *faultFixture) {
		f := newSendFixture(t, ff)
		tests := []struct {
			args     []string
			wantCode int
			wantErr  string
		}{
			{[]string{"send", "--group", "ops", "--message", "text"}, 2, "title: is empty"},
			{[]string{"send", "--group", "ops", "--title", "T"}, 2, "message: is empty"},
			{[]string{"send", "--title", "T", "--message", "text"}, 2, "to: no group or person given"},
			{[]string{"send", "--group", "ops", "--group", "nogroup", "--user", "nobody", "--title", "T", "--message", "m"}, 1,
				"no such group nogroup, user nobody"},
			{[]string{"send", "--group", "ops", "--title", "T", "--message", "m", "--channel", "pigeon"}, 2, "channel:"},
			{[]string{"send", "--group", "ops", "--title", "T", "--message", "m", "--at", "yesterday 09:00"}, 2, "at:"},
			{[]string{"send", "--user", "nothing", "--title", "T", "--message", "m"}, 2, "to: none of the 1 people can be reached"},
			{[]string{"send", "cancel", "99"}, 1, "not found"},
		}
		for _, tt := range tests {
			code, _, stderr := f.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("pfsnotify %s: exit %d, %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.wantCode, tt.wantErr)
			}
		}
		if states := f.states(); len(states) != 0 {
			t.Fatalf("the refused sends left deliveries %v; want none", states)
		}

		code, out, stderr := f.run("send", "--group", "ops", "--title", "Later", "--message", "m", "--at", "+1h", "--tz", "Asia/Tokyo")
		if code != 0 || !strings.Contains(out, "queued message #1 for 9 people") || !strings.Contains(out, " JST;") {
			t.Fatalf("send --at +1h --tz Asia/Tokyo: exit %d, %q, %q; want the time said in JST", code, out, stderr)
		}
		if code, out, stderr := f.run("send", "cancel", "1"); code != 0 || !strings.Contains(out, "cancelled 9 deliveries") {
			t.Fatalf("send cancel 1: exit %d, %q, %q; want 9 cancelled", code, out, stderr)
		}
		if states := f.states(); states["cancelled"] != 9 || len(states) != 1 {
			t.Errorf("after the cancel: %v; want 9 cancelled", states)
		}
	})
}

func TestTokenCommands(t *testing.T) {
	backends(t, func(t *testing.T, c *cli) {
		c.ok("db", "migrate")
		c.ok("user", "add", "root", "--tz", "UTC", "--role", "admin")
		c.ok("user", "add", "alice", "--tz", "UTC")
		value := strings.TrimSpace(c.ok("token", "add", "root", "--name", "observatory scheduler", "--send-only"))
		if !strings.HasPrefix(value, "pfs_") || strings.Contains(value, " ") {
			t.Errorf("token add printed %q; want the token alone", value)
		}
		if _, stderr, code := c.run("token", "add", "alice", "--name", "x", "--send-only"); code != 2 || !strings.Contains(stderr, "not one") {
			t.Errorf("a send-only token for a member: exit %d, %q; want 2", code, stderr)
		}
		var toks []tokenJSON
		c.json(&toks, "token", "list", "root", "-o", "json")
		if len(toks) != 1 || toks[0].Scope != "send" || toks[0].Name != "observatory scheduler" {
			t.Errorf("token list root = %+v; want the send-only token", toks)
		}
		if out := c.ok("token", "list", "root"); strings.Contains(out, value) {
			t.Errorf("token list shows the token's value")
		}
	})
}
