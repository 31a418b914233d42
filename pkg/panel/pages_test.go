package panel

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// mkEvent stores a calendar with one event starting in.
func (f *fixture) mkEvent(calendar, title string, in time.Duration) store.Event {
	f.t.Helper()
	ctx := context.Background()
	cal, err := f.st.CalendarByRef(ctx, calendar)
	if err != nil {
		if cal, err = f.st.CreateCalendar(ctx, store.Calendar{Name: calendar, Kind: store.CalendarICS,
			Source: "https://indico.example.org/" + calendar + ".ics", TimeZone: "Europe/Zurich"}); err != nil {
			f.t.Fatal(err)
		}
	}
	start := time.Now().Add(in).Truncate(time.Minute)
	ev, _, err := f.st.UpsertEvent(ctx, store.Event{CalendarID: cal.ID, ExternalID: title + start.String(), Title: title,
		StartAt: start, EndAt: start.Add(time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func TestUpcomingAndCancel(t *testing.T) {
	f := sqliteFixture(t)
	reg := f.register("alice", "Detector review", 48*time.Hour)
	body := html.UnescapeString(f.get("/", "alice").Body.String())
	zurich := zoneOf("Europe/Zurich")
	for _, want := range []string{"Detector review", schedule.FormatInZone(reg.StartAt, zurich),
		reg.StartAt.Add(-10 * time.Minute).In(zurich).Format("Mon 2 Jan 15:04"), "10 minutes before", `action="/registrations/` + itoa(reg.ID) + `/cancel"`} {
		if !strings.Contains(body, want) {
			t.Errorf("Upcoming lacks %q:\n%s", want, excerpt(body))
		}
	}
	w := f.post("/registrations/"+itoa(reg.ID)+"/cancel", "alice", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?done=cancelled" {
		t.Fatalf("cancel: got %d %q", w.Code, w.Header().Get("Location"))
	}
	body = f.get("/?done=cancelled", "alice").Body.String()
	if strings.Contains(body, "Detector review") || !strings.Contains(body, flashText["cancelled"]) {
		t.Errorf("after cancelling: the registration is still there, or no message:\n%s", excerpt(body))
	}
	if w := f.post("/registrations/"+itoa(reg.ID)+"/cancel", "alice", nil); w.Code != http.StatusSeeOther {
		t.Errorf("cancelling twice: got %d; want it to be harmless", w.Code)
	}
	if w := f.get("/?done=<b>x</b>", "alice"); strings.Contains(w.Body.String(), "<b>x</b>") {
		t.Errorf("a link put words on the page")
	}
}

func TestRegisterForEventAndByHand(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	ev := f.mkEvent("telecons", "Weekly telecon", 72*time.Hour)
	page := f.get("/register", "alice").Body.String()
	if !strings.Contains(page, `<option value="`+itoa(ev.ID)+`"`) || !strings.Contains(page, "Weekly telecon (telecons)") {
		t.Fatalf("the register page does not offer the synced event:\n%s", excerpt(page))
	}
	form := url.Values{"event": {itoa(ev.ID)}, "lead": {"1h,10m"}, "channel": {"push", "email"}}
	w := f.post("/register", "alice", form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?done=registered" {
		t.Fatalf("register for the event: got %d %q\n%s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
	}
	up, _ := f.st.UpcomingOfUser(ctx, f.users["alice"].ID, time.Now(), 0)
	if len(up) != 1 || up[0].EventID != ev.ID || len(up[0].Pending) != 4 {
		t.Fatalf("got %+v; want the event with 4 reminders (push, email × 1h, 10m)", up)
	}
	w = f.post("/register", "alice", form)
	wantStatus(t, "registering twice", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "you are registered for this event already") {
		t.Errorf("no error beside the event:\n%s", excerpt(w.Body.String()))
	}
	// Cancelled, then registered again: the registration comes back.
	f.post("/registrations/"+itoa(up[0].ID)+"/cancel", "alice", nil)
	wantStatus(t, "registering again after cancelling", f.post("/register", "alice", form), http.StatusSeeOther)

	// By hand, in the person's zone: 09:00 in Zurich in January is 08:00 UTC.
	w = f.post("/register", "alice", url.Values{"date": {"2099-01-15"}, "time": {"09:00"}, "zone": {"Europe/Zurich"},
		"title": {"Review <1>"}, "message": {"Room 4-S-030"}, "lead": {"15m"}, "channel": {"call"}})
	wantStatus(t, "register by hand", w, http.StatusSeeOther)
	regs, _ := f.st.ListRegistrationViews(ctx, store.RegistrationQuery{UserID: f.users["alice"].ID, Status: store.RegistrationActive})
	var found bool
	for _, r := range regs {
		if r.Title == "Review <1>" {
			found = true
			if want := time.Date(2099, 1, 15, 8, 0, 0, 0, time.UTC); !r.StartAt.Equal(want) || r.Message != "Room 4-S-030" || r.TimeZone != "Europe/Zurich" {
				t.Errorf("got start %s zone %s message %q; want %s", r.StartAt, r.TimeZone, r.Message, want)
			}
		}
	}
	if !found {
		t.Errorf("the registration by hand is missing: %+v", regs)
	}
}

func TestRulesPageAndPreview(t *testing.T) {
	var applied []int64
	f := newFixture(t, sqliteStore(t), func(o *Options) {
		o.ApplyRule = func(_ context.Context, r store.Rule) error { applied = append(applied, r.ID); return nil }
	})
	f.mkEvent("telecons", "Weekly Telecon", 24*time.Hour)
	f.mkEvent("telecons", "Collaboration meeting", 48*time.Hour)
	f.mkEvent("indico", "weekly telecon (extra)", 72*time.Hour)

	// Without JavaScript: the Preview button.
	w := f.post("/rules", "alice", url.Values{"pattern": {"weekly telecon"}, "ignore_case": {"on"}, "action": {"preview"}})
	wantStatus(t, "preview", w, http.StatusOK)
	body := w.Body.String()
	if !strings.Contains(body, "Weekly Telecon") || !strings.Contains(body, "weekly telecon (extra)") || strings.Contains(body, "<li>Collaboration") {
		t.Errorf("preview shows the wrong events:\n%s", excerpt(body))
	}
	// The live preview's API, case-sensitive and limited to one calendar.
	cal, _ := f.st.CalendarByRef(context.Background(), "indico")
	var pv previewJSON
	decode(t, f.get("/api/v1/rules/preview?pattern=weekly&calendar="+itoa(cal.ID), "alice"), &pv)
	if len(pv.Events) != 1 || pv.Events[0].Title != "weekly telecon (extra)" || pv.Events[0].Calendar != "indico" || pv.Pattern != "weekly" {
		t.Errorf("got preview %+v; want the indico event only", pv)
	}
	if pv.Events[0].StartLocal == "" || !strings.Contains(pv.Events[0].StartLocal, "CE") {
		t.Errorf("start_local %q is not in alice's zone (Europe/Zurich)", pv.Events[0].StartLocal)
	}

	w = f.post("/rules", "alice", url.Values{"pattern": {"weekly telecon"}, "ignore_case": {"on"}, "lead": {"5m,1h"},
		"channel": {"push", "call"}, "action": {"save"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/rules?done=rule-created" {
		t.Fatalf("save rule: got %d %q\n%s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
	}
	rules, _ := f.st.ListRules(context.Background(), store.RuleFilter{UserID: f.users["alice"].ID})
	if len(rules) != 1 || rules[0].Pattern != "(?i)weekly telecon" || schedule.FormatLeads(rules[0].Leads) != "1h,5m" {
		t.Fatalf("got rules %+v; want (?i)weekly telecon, 1h and 5m", rules)
	}
	if len(applied) != 1 || applied[0] != rules[0].ID {
		t.Errorf("ApplyRule got %v; want the new rule applied at once", applied)
	}
	id := itoa(rules[0].ID)
	for _, step := range []struct{ path, done string }{{"/rules/" + id + "/pause", "rule-paused"}, {"/rules/" + id + "/resume", "rule-resumed"},
		{"/rules/" + id + "/delete", "rule-deleted"}} {
		w := f.post(step.path, "alice", nil)
		if w.Header().Get("Location") != "/rules?done="+step.done {
			t.Errorf("%s: got %d %q", step.path, w.Code, w.Header().Get("Location"))
		}
	}
	if rules, _ := f.st.ListRules(context.Background(), store.RuleFilter{}); len(rules) != 0 {
		t.Errorf("the rule is still there after delete")
	}
}

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

func TestBrowserPage(t *testing.T) {
	f := sqliteFixture(t)
	sub := f.subscribe("alice", "https://fcm.googleapis.com/fcm/send/abc")
	body := f.get("/browser", "alice").Body.String()
	for _, want := range []string{`data-vapid-key="` + testVAPIDKey + `"`, "Chrome on Linux", `data-endpoint="https://fcm.googleapis.com/fcm/send/abc"`, "Send a test notification"} {
		if !strings.Contains(body, want) {
			t.Errorf("the browser page lacks %q", want)
		}
	}
	w := f.post("/browser/devices/"+itoa(sub.ID)+"/delete", "alice", nil)
	if w.Header().Get("Location") != "/browser?done=device-removed" {
		t.Errorf("remove: got %d %q", w.Code, w.Header().Get("Location"))
	}
	if subs, _ := f.st.ListPushSubscriptions(context.Background(), f.users["alice"].ID, true); len(subs) != 0 {
		t.Errorf("the subscription is still there")
	}
	// Without a VAPID key the page says so and offers nothing.
	g := newFixture(t, sqliteStore(t), func(o *Options) { o.Config.WebPush.PublicKey = "" })
	if body := g.get("/browser", "alice").Body.String(); !strings.Contains(body, "not set up on this server") || strings.Contains(body, "enable-push") {
		t.Errorf("without VAPID keys:\n%s", excerpt(body))
	}
	w = g.do(request{method: "POST", path: "/api/v1/push/subscriptions", as: "alice", json: subscriptionBody(t, "https://push.example.net/x")})
	wantStatus(t, "subscribing without VAPID keys", w, http.StatusConflict)
}

func TestInbox(t *testing.T) {
	f := sqliteFixture(t)
	reg := f.sentReminder("alice", "Detector review")
	f.sent("alice")
	body := f.get("/inbox", "alice").Body.String()
	if !strings.Contains(body, `<span class="badge" id="unread-count" aria-label="2 unread">2</span>`) {
		t.Errorf("the header lacks the unread count 2:\n%s", excerpt(body))
	}
	if !strings.Contains(body, "Detector review") || !strings.Contains(body, "Test notification") || strings.Count(body, `class="unread"`) != 2 {
		t.Errorf("the inbox lacks the two unread notifications:\n%s", excerpt(body))
	}
	ds, _ := f.st.DeliveriesOfRegistration(context.Background(), reg.ID)
	w := f.post("/inbox/"+itoa(ds[0].ID)+"/read", "alice", nil)
	if w.Header().Get("Location") != "/inbox?done=read" {
		t.Fatalf("mark read: got %d %q", w.Code, w.Header().Get("Location"))
	}
	body = f.get("/inbox", "alice").Body.String()
	if strings.Count(body, `class="unread"`) != 1 || !strings.Contains(body, `aria-label="1 unread"`) {
		t.Errorf("after marking one read:\n%s", excerpt(body))
	}
	f.post("/inbox/read-all", "alice", nil)
	body = f.get("/inbox", "alice").Body.String()
	if strings.Contains(body, `class="unread"`) || strings.Contains(body, "unread-count") {
		t.Errorf("after marking all read:\n%s", excerpt(body))
	}
}

func TestTokensPage(t *testing.T) {
	f := sqliteFixture(t)
	w := f.post("/tokens", "alice", url.Values{"name": {"indico import"}})
	wantStatus(t, "make a token", w, http.StatusOK)
	body := w.Body.String()
	i := strings.Index(body, `<code class="secret">`)
	if i < 0 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("the new token is not shown once, uncached:\n%s", excerpt(body))
	}
	value := body[i+len(`<code class="secret">`) : i+len(`<code class="secret">`)+strings.Index(body[i+len(`<code class="secret">`):], "<")]
	if w := f.do(request{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + value}}); w.Code != http.StatusOK {
		t.Errorf("the token shown does not work: %d", w.Code)
	}
	if strings.Contains(f.get("/tokens", "alice").Body.String(), value) {
		t.Errorf("the token is shown again")
	}
	wantStatus(t, "a token without a name", f.post("/tokens", "alice", url.Values{"name": {""}}), http.StatusUnprocessableEntity)
}

func TestAcknowledge(t *testing.T) {
	f := sqliteFixture(t)
	d := f.sent("alice")
	if body := f.get("/ack/"+d.Token, "").Body.String(); !strings.Contains(body, `<button type="submit" id="ack">Got it</button>`) {
		t.Errorf("GET does not offer the button:\n%s", excerpt(body))
	}
	if got, _ := f.st.DeliveryByToken(context.Background(), d.Token); got.State != store.StateSent {
		t.Errorf("GET changed the delivery to %s: a mail scanner's visit must not acknowledge", got.State)
	}
	w := f.do(request{method: "POST", path: "/ack/" + d.Token, form: url.Values{}, header: map[string]string{"Accept": "application/json"}})
	wantStatus(t, "POST ack", w, http.StatusOK)
	if got, _ := f.st.DeliveryByToken(context.Background(), d.Token); got.State != store.StateAcknowledged || got.ReadAt.IsZero() {
		t.Errorf("after POST: %s, read %v; want acknowledged and read", got.State, got.ReadAt)
	}
	wantStatus(t, "unknown token", f.post("/ack/nope", "", nil), http.StatusNotFound)
}

func TestPlumbing(t *testing.T) {
	f := sqliteFixture(t)
	for _, tt := range []struct {
		path, ctype, cache, want string
	}{
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache", `addEventListener("push"`},
		{"/static/app.js", "text/javascript; charset=utf-8", "public, max-age=300", "sendSubscription"},
		{"/static/panel.css", "text/css; charset=utf-8", "public, max-age=300", "--accent"},
		{"/healthz", "application/json", "no-store", `"status":"ok"`},
		{"/metrics", "", "", "pfsnotify_panel_http_requests_total"},
	} {
		w := f.get(tt.path, "")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tt.want) ||
			(tt.ctype != "" && w.Header().Get("Content-Type") != tt.ctype) || (tt.cache != "" && w.Header().Get("Cache-Control") != tt.cache) {
			t.Errorf("%s: got %d %q %q; want %q, %q and %q in the body", tt.path, w.Code, w.Header().Get("Content-Type"),
				w.Header().Get("Cache-Control"), tt.ctype, tt.cache, tt.want)
		}
	}
	wantStatus(t, "a missing static file", f.get("/static/nope.js", ""), http.StatusNotFound)
	wantStatus(t, "the static directory", f.get("/static/", ""), http.StatusNotFound)
	wantStatus(t, "an unknown API route", f.get("/api/v1/nope", "alice"), http.StatusNotFound)
	wantStatus(t, "an unknown page", f.get("/nope", "alice"), http.StatusNotFound)
}

// TestRuleNotices: the rules page shows each rule's notice switches ticked
// by default; the form sets them (an unticked box is off), and a value no
// checkbox sends is refused, naming the field, with nothing changed.
func TestRuleNotices(t *testing.T) {
	f := sqliteFixture(t)
	rule := f.rule("alice", "(?i)telecon")
	path := "/rules/" + itoa(rule.ID) + "/notices"
	checked := func(body, name string) bool {
		row := body[strings.Index(body, `id="rule-`+itoa(rule.ID)+`"`):]
		_, after, _ := strings.Cut(row, `name="`+name+`"`)
		return strings.HasPrefix(after, " checked")
	}
	body := f.get("/rules", "alice").Body.String()
	if !checked(body, "moved") || !checked(body, "cancelled") {
		t.Fatalf("a new rule's boxes are not both ticked:\n%s", excerpt(body))
	}
	tests := []struct {
		name     string
		form     url.Values
		status   int
		want     store.RuleNotices
		errField string
	}{
		{"moves only", url.Values{"moved": {"on"}}, http.StatusSeeOther, store.RuleNotices{Moved: true}, ""},
		{"neither", url.Values{}, http.StatusSeeOther, store.RuleNotices{}, ""},
		{"both", url.Values{"moved": {"on"}, "cancelled": {"on"}}, http.StatusSeeOther, store.DefaultRuleNotices, ""},
		{"not a checkbox's value", url.Values{"cancelled": {"maybe"}}, http.StatusUnprocessableEntity, store.DefaultRuleNotices, "cancelled"},
	}
	for _, tt := range tests {
		w := f.post(path, "alice", tt.form)
		if w.Code != tt.status {
			t.Errorf("%s: got %d; want %d\n%s", tt.name, w.Code, tt.status, excerpt(w.Body.String()))
		}
		if tt.status == http.StatusSeeOther && w.Header().Get("Location") != "/rules?done=rule-notices" {
			t.Errorf("%s: got Location %q; want /rules?done=rule-notices", tt.name, w.Header().Get("Location"))
		}
		if tt.errField != "" && !strings.Contains(w.Body.String(), tt.errField+": ") {
			t.Errorf("%s: the answer does not name %q:\n%s", tt.name, tt.errField, excerpt(w.Body.String()))
		}
		if n, err := f.st.RuleNotices(context.Background(), rule.ID); err != nil || n != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, n, err, tt.want)
		}
		body := f.get("/rules", "alice").Body.String()
		if checked(body, "moved") != tt.want.Moved || checked(body, "cancelled") != tt.want.Cancelled {
			t.Errorf("%s: the page's boxes do not show %+v", tt.name, tt.want)
		}
	}
}

// TestListsComeInPages follows the inbox and the delivery log page by page
// through 205 notifications: every one once, "Older" until the last page,
// "Newest" after the first, the filters kept; a bad ?before= is refused.
func TestListsComeInPages(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	const n = 205
	for range n { // one test waits at a time
		if _, err := f.st.CreateTestDelivery(ctx, f.users["alice"].ID, schedule.ChannelLog, "alice"); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	link := func(body, id string) string {
		_, after, ok := strings.Cut(body, `id="`+id+`"`)
		if !ok {
			return ""
		}
		before, _, _ := strings.Cut(body[:len(body)-len(after)], `id="`+id+`"`)
		href := before[strings.LastIndex(before, `href="`)+len(`href="`):]
		href, _, _ = strings.Cut(href, `"`)
		return html.UnescapeString(href)
	}
	tests := []struct {
		name  string
		start string
		as    string
		row   *regexp.Regexp
		sizes []int
		keep  string // a filter the links must keep
	}{
		{"inbox", "/inbox", "alice", regexp.MustCompile(`id="item-(\d+)"`), []int{100, 100, 5}, ""},
		{"delivery log", "/admin/deliveries?user=alice", "root", regexp.MustCompile(`href="/admin/deliveries/(\d+)"`), []int{200, 5}, "user=alice"},
	}
	for _, tt := range tests {
		seen := map[string]bool{}
		path := tt.start
		for i, size := range tt.sizes {
			w := f.get(path, tt.as)
			wantStatus(t, tt.name+" page "+itoa(int64(i+1)), w, http.StatusOK)
			body := w.Body.String()
			rows := tt.row.FindAllStringSubmatch(body, -1)
			for _, m := range rows {
				if seen[m[1]] {
					t.Errorf("%s: #%s is on two pages", tt.name, m[1])
				}
				seen[m[1]] = true
			}
			older, newest := link(body, "page-older"), link(body, "page-newest")
			last := i == len(tt.sizes)-1
			if len(rows) != size || (older == "") != last || (newest == "") != (i == 0) {
				t.Fatalf("%s page %d: got %d rows, older %q, newest %q; want %d, an older link unless last, a newest link unless first",
					tt.name, i+1, len(rows), older, newest, size)
			}
			if !last && !strings.Contains(older, tt.keep) {
				t.Errorf("%s page %d: the older link %q drops %q", tt.name, i+1, older, tt.keep)
			}
			path = older
		}
		if len(seen) != n {
			t.Errorf("%s: got %d notifications over the pages; want %d", tt.name, len(seen), n)
		}
	}
	for _, bad := range []struct{ path, as string }{{"/inbox?before=x", "alice"}, {"/admin/deliveries?before=-1", "root"},
		{"/api/v1/inbox?before=0x10", "alice"}} {
		if w := f.get(bad.path, bad.as); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "before") {
			t.Errorf("%s: got %d; want 422 naming before\n%s", bad.path, w.Code, excerpt(w.Body.String()))
		}
	}
	var first, second []inboxJSON
	decode(t, f.get("/api/v1/inbox", "alice"), &first)
	decode(t, f.get("/api/v1/inbox?before="+itoa(first[len(first)-1].DeliveryID), "alice"), &second)
	if len(first) != 100 || len(second) != 100 || second[0].DeliveryID >= first[99].DeliveryID {
		t.Errorf("API inbox: got pages of %d and %d; want 100 and 100, the second older", len(first), len(second))
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
