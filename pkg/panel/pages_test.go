package panel

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
	if strings.Contains(body, "Detector review") || !strings.Contains(body, "Cancelled, with its reminders.") {
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
