package panel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestAPIRegistrations(t *testing.T) {
	f := sqliteFixture(t)
	ev := f.mkEvent("telecons", "Weekly telecon", 24*time.Hour)
	api := func(method, path, as, body string) *recorded {
		t.Helper()
		return &recorded{f.do(request{method: method, path: path, as: as, json: body})}
	}
	// A script registers alice (as an admin) for an event, and bob for a time in his zone.
	var made struct {
		registrationJSON
		Skipped int `json:"skipped_reminders"`
	}
	w := api("POST", "/api/v1/registrations", "root", `{"user": "alice", "event_id": `+itoa(ev.ID)+`, "channels": ["push", "call"], "leads": ["10m", "1h"]}`)
	wantStatus(t, "admin registers alice", w.ResponseRecorder, http.StatusCreated)
	decode(t, w.ResponseRecorder, &made)
	if made.User != "alice" || made.EventID != ev.ID || len(made.Reminders) != 4 || made.Title != "Weekly telecon" {
		t.Errorf("got %+v; want alice's registration for the event with 4 reminders", made)
	}
	w = api("POST", "/api/v1/registrations", "bob", `{"start": "2099-06-01 09:00", "title": "Shift", "channels": ["sms"], "leads": ["30m"]}`)
	wantStatus(t, "bob registers by hand", w.ResponseRecorder, http.StatusCreated)
	decode(t, w.ResponseRecorder, &made)
	if want := time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC); !made.Start.Equal(want) || made.TimeZone != "Asia/Tokyo" {
		t.Errorf("got start %s in %s; want %s (09:00 in bob's Asia/Tokyo)", made.Start, made.TimeZone, want)
	}
	for _, tt := range []struct {
		name, as, body string
		want           int
		field, problem string
	}{
		{"a member for someone else", "bob", `{"user": "alice", "event_id": 1, "channels": ["push"], "leads": ["5m"]}`, 403, "", "only admins"},
		{"unknown user", "root", `{"user": "zed", "event_id": 1, "channels": ["push"], "leads": ["5m"]}`, 422, "user", `no user "zed"`},
		{"twice", "root", `{"user": "alice", "event_id": ` + itoa(ev.ID) + `, "channels": ["push"], "leads": ["5m"]}`, 409, "", "already"},
		{"DST gap", "alice", `{"start": "2099-03-29 02:30", "title": "x", "channels": ["push"], "leads": ["5m"]}`, 422, "start", "does not exist"},
		{"bad zone", "alice", `{"start": "2099-03-29 09:30", "time_zone": "Nowhere", "title": "x", "channels": ["push"], "leads": ["5m"]}`, 422, "time_zone", "unknown time zone"},
		{"no channel", "alice", `{"start": "2099-03-29 09:30", "title": "x", "leads": ["5m"]}`, 422, "channels", "no channels given"},
		{"bad lead", "alice", `{"start": "2099-03-29 09:30", "title": "x", "channels": ["push"], "leads": ["soon"]}`, 422, "leads", "is not a duration"},
		{"no title", "alice", `{"start": "2099-03-29 09:30", "channels": ["push"], "leads": ["5m"]}`, 422, "title", "is empty"},
		{"wrong type", "alice", `{"event_id": "one"}`, 422, "", "bad request body"},
	} {
		w := api("POST", "/api/v1/registrations", tt.as, tt.body)
		wantStatus(t, tt.name, w.ResponseRecorder, tt.want)
		var e apiError
		decode(t, w.ResponseRecorder, &e)
		if got := map[bool]string{true: e.Fields[tt.field], false: e.Error}[tt.field != ""]; !strings.Contains(got, tt.problem) {
			t.Errorf("%s: got %+v; want %q", tt.name, e, tt.problem)
		}
	}
	var list []registrationJSON
	decode(t, api("GET", "/api/v1/registrations?user=*", "root", "").ResponseRecorder, &list)
	if len(list) != 2 {
		t.Errorf("everyone's registrations: got %d; want 2", len(list))
	}
	wantStatus(t, "a member lists everyone's", api("GET", "/api/v1/registrations?user=*", "alice", "").ResponseRecorder, http.StatusForbidden)
	wantStatus(t, "an unknown status", api("GET", "/api/v1/registrations?status=bogus", "alice", "").ResponseRecorder, http.StatusUnprocessableEntity)
	wantStatus(t, "a member lists everyone's rules", api("GET", "/api/v1/rules?user=*", "alice", "").ResponseRecorder, http.StatusForbidden)
	decode(t, api("GET", "/api/v1/registrations?user=alice", "root", "").ResponseRecorder, &list)
	if len(list) != 1 || list[0].User != "alice" || list[0].NextDueAt == nil {
		t.Errorf("alice's registrations: got %+v", list)
	}
	var up []registrationJSON
	decode(t, api("GET", "/api/v1/upcoming", "alice", "").ResponseRecorder, &up)
	if len(up) != 1 || len(up[0].Reminders) != 4 {
		t.Errorf("alice's upcoming: got %+v", up)
	}
	wantStatus(t, "cancel", api("DELETE", "/api/v1/registrations/"+itoa(list[0].ID), "alice", "").ResponseRecorder, http.StatusNoContent)
	var events []eventJSON
	decode(t, api("GET", "/api/v1/events?pattern=(?i)WEEKLY", "bob", "").ResponseRecorder, &events)
	if len(events) != 1 || events[0].Calendar != "telecons" {
		t.Errorf("events: got %+v", events)
	}
}

// recorded is an answer of the API.
type recorded struct{ *httptest.ResponseRecorder }

func TestAPIPeopleAndRules(t *testing.T) {
	f := sqliteFixture(t)
	var u userJSON
	w := f.do(request{method: "PUT", path: "/api/v1/me", as: "alice", json: `{"phone": "022 767 61 12", "time_zone": "Asia/Tokyo"}`})
	wantStatus(t, "PUT me", w, http.StatusOK)
	decode(t, w, &u)
	if u.Phone != "+41227676112" || u.TimeZone != "Asia/Tokyo" || u.Email != "alice@example.org" {
		t.Errorf("got %+v; want the new phone (E.164) and zone, the email kept", u)
	}
	wantStatus(t, "bad phone", f.do(request{method: "PUT", path: "/api/v1/me", as: "alice", json: `{"phone": "1"}`}), 422)

	w = f.do(request{method: "POST", path: "/api/v1/users", as: "root", json: `{"login": "dave", "phone": "+81 3-1234-5678", "role": "admin"}`})
	wantStatus(t, "create dave", w, http.StatusCreated)
	decode(t, w, &u)
	if u.Login != "dave" || u.Role != "admin" || u.TimeZone != "UTC" || u.Phone != "+81312345678" {
		t.Errorf("got %+v", u)
	}
	wantStatus(t, "dave again", f.do(request{method: "POST", path: "/api/v1/users", as: "root", json: `{"login": "dave"}`}), 422)
	wantStatus(t, "disable dave", f.do(request{method: "PATCH", path: "/api/v1/users/dave", as: "root", json: `{"disabled": true}`}), 200)
	wantStatus(t, "root demotes root", f.do(request{method: "PATCH", path: "/api/v1/users/root", as: "root", json: `{"role": "member"}`}), 422)

	var rule ruleJSON
	w = f.do(request{method: "POST", path: "/api/v1/rules", as: "alice", json: `{"pattern": "telecon", "channels": ["push"], "leads": ["5m"]}`})
	wantStatus(t, "create rule", w, http.StatusCreated)
	decode(t, w, &rule)
	if rule.Pattern != "(?i)telecon" || !rule.Active || !rule.NotifyMoved || !rule.NotifyCancelled {
		t.Errorf("got %+v; want (?i)telecon, active, both notices on", rule)
	}
	w = f.do(request{method: "POST", path: "/api/v1/rules", as: "alice", json: `{"pattern": "(", "channels": ["push"], "leads": ["5m"]}`})
	wantStatus(t, "bad pattern", w, 422)
	w = f.do(request{method: "PATCH", path: "/api/v1/rules/" + itoa(rule.ID), as: "alice", json: `{"active": false}`})
	decode(t, w, &rule)
	if rule.Active || !rule.NotifyMoved {
		t.Errorf("PATCH active=false: got %+v; want paused, notices kept", rule)
	}
	w = f.do(request{method: "PATCH", path: "/api/v1/rules/" + itoa(rule.ID), as: "alice", json: `{"notify_moved": false}`})
	decode(t, w, &rule)
	if rule.Active || rule.NotifyMoved || !rule.NotifyCancelled {
		t.Errorf("PATCH notify_moved=false: got %+v; want still paused, moves off, cancellations on", rule)
	}
	if n, err := f.st.RuleNotices(context.Background(), rule.ID); err != nil || n != (store.RuleNotices{Cancelled: true}) {
		t.Errorf("stored notices: got %+v, %v; want moves off, cancellations on", n, err)
	}
	wantStatus(t, "PATCH nothing", f.do(request{method: "PATCH", path: "/api/v1/rules/" + itoa(rule.ID), as: "alice", json: `{}`}), 422)
	wantStatus(t, "DELETE", f.do(request{method: "DELETE", path: "/api/v1/rules/" + itoa(rule.ID), as: "alice"}), http.StatusOK)

	var key map[string]string
	decode(t, f.get("/api/v1/push/key", ""), &key)
	if key["public_key"] != testVAPIDKey {
		t.Errorf("push key: got %v", key)
	}
}

func TestAPIPushAndInbox(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	w := f.do(request{method: "POST", path: "/api/v1/push/subscriptions", as: "alice", json: subscriptionBody(t, "https://push.example.net/old"),
		header: map[string]string{"User-Agent": "Mozilla/5.0 (Android 14) Firefox/140.0"}})
	wantStatus(t, "subscribe", w, http.StatusOK)
	var sub subscriptionOutJSON
	decode(t, w, &sub)
	if sub.UserAgent != "Mozilla/5.0 (Android 14) Firefox/140.0" {
		t.Errorf("got %+v; want the browser's user agent kept", sub)
	}
	// The service worker's pushsubscriptionchange: a new subscription replaces the old one.
	body := strings.Replace(subscriptionBody(t, "https://push.example.net/new"), `{"subscription"`, `{"old_endpoint": "https://push.example.net/old", "subscription"`, 1)
	wantStatus(t, "resubscribe", f.do(request{method: "POST", path: "/api/v1/push/subscriptions", as: "alice", json: body}), http.StatusOK)
	subs, _ := f.st.ListPushSubscriptions(ctx, f.users["alice"].ID, true)
	if len(subs) != 1 || subs[0].Endpoint != "https://push.example.net/new" {
		t.Errorf("after the change: %+v; want only the new endpoint", subs)
	}
	wantStatus(t, "test push", f.do(request{method: "POST", path: "/api/v1/push/test", as: "alice"}), http.StatusAccepted)
	f.drain()
	var items []inboxJSON
	decode(t, f.get("/api/v1/inbox?unread=1", "alice"), &items)
	if len(items) != 1 || items[0].Kind != "test" || items[0].Channel != "push" {
		t.Fatalf("inbox: got %+v; want the test push", items)
	}
	var res map[string]int
	decode(t, f.do(request{method: "POST", path: "/api/v1/inbox/read", as: "alice", json: `{"all": true}`}), &res)
	if res["marked"] != 1 || res["unread"] != 0 {
		t.Errorf("read all: got %v", res)
	}
	wantStatus(t, "read nothing", f.do(request{method: "POST", path: "/api/v1/inbox/read", as: "alice", json: `{}`}), 422)
	wantStatus(t, "unsubscribe", f.do(request{method: "DELETE", path: "/api/v1/push/subscriptions/" + itoa(subs[0].ID), as: "alice"}), http.StatusNoContent)

	// The delivery log, for admins.
	var ds []deliveryJSON
	decode(t, f.get("/api/v1/deliveries?user=alice&channel=push", "root"), &ds)
	if len(ds) != 1 || ds[0].State != "sent" {
		t.Fatalf("deliveries: got %+v", ds)
	}
	var d deliveryJSON
	decode(t, f.get("/api/v1/deliveries/"+itoa(ds[0].ID), "root"), &d)
	if d.ID != ds[0].ID || d.User != "alice" {
		t.Errorf("delivery: got %+v", d)
	}
	wantStatus(t, "bad filter", f.get("/api/v1/deliveries?state=odd", "root"), 422)
	var cals []calendarJSON
	decode(t, f.get("/api/v1/calendars", "root"), &cals)
	if len(cals) != 0 {
		t.Errorf("calendars: got %+v; want none", cals)
	}
}
