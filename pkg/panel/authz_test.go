package panel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// The people of the matrix: nobody, the owner (alice), another member
// (bob) and an admin (root).
var askers = []string{"", "alice", "bob", "root"}

// Outcomes of the matrix, besides a status code.
const (
	ok       = -1 // 2xx, or 303 to anywhere but the sign-in page
	signIn   = -2 // the sign-in page (303) for pages, 401 for the API
	notFound = http.StatusNotFound
	denied   = http.StatusForbidden
)

// authCase is one route of the matrix: how to make a request about
// alice's things (fresh ones each time, so that every asker finds them
// as they were), and what each asker gets.
type authCase struct {
	route string // the route table's pattern
	make  func(f *fixture, who string) (req request, intact func() error)
	want  map[string]int // by asker
	leak  string         // what of alice's must not be in another member's answer
}

// Who gets what, by the kind of route.
var (
	ownedThing = map[string]int{"": signIn, "alice": ok, "bob": notFound, "root": ok}       // alice's, or an admin's to act on
	personal   = map[string]int{"": signIn, "alice": ok, "bob": notFound, "root": notFound} // alice's alone (inbox, browsers, tokens)
	ownData    = map[string]int{"": signIn, "alice": ok, "bob": ok, "root": ok}             // each asker's own data
	adminsOnly = map[string]int{"": signIn, "alice": denied, "bob": denied, "root": ok}
	everyone   = map[string]int{"": ok, "alice": ok, "bob": ok, "root": ok}
)

// plain makes a request that needs nothing of alice's.
func plain(method, path string, form url.Values, json string) func(f *fixture, who string) (request, func() error) {
	return func(*fixture, string) (request, func() error) {
		return request{method: method, path: path, form: form, json: json}, nil
	}
}

// onRegistration makes a fresh registration of alice and a request about it.
func onRegistration(method, format string, json string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		reg := f.register("alice", "Alice's detector review", 48*time.Hour)
		req := request{method: method, path: fmt.Sprintf(format, reg.ID), json: json}
		if method == "POST" {
			req.form = url.Values{}
		}
		return req, func() error {
			got, err := f.st.RegistrationByID(context.Background(), reg.ID)
			if err != nil || got.Status != store.RegistrationActive {
				return fmt.Errorf("registration #%d is %s (%v); want it active", reg.ID, got.Status, err)
			}
			return nil
		}
	}
}

// onRule makes a fresh rule of alice and a request about it.
func onRule(method, format string, json string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		rule := f.rule("alice", "(?i)alice telecon")
		req := request{method: method, path: fmt.Sprintf(format, rule.ID), json: json}
		if method == "POST" {
			req.form = url.Values{}
		}
		return req, func() error {
			got, err := f.st.RuleByID(context.Background(), rule.ID)
			if err != nil || !got.Active {
				return fmt.Errorf("rule #%d: active %t (%v); want it there and active", rule.ID, got.Active, err)
			}
			if n, err := f.st.RuleNotices(context.Background(), rule.ID); err != nil || n != store.DefaultRuleNotices {
				return fmt.Errorf("rule #%d: notices %+v (%v); want both still on", rule.ID, n, err)
			}
			return nil
		}
	}
}

// onDevice makes a fresh push subscription of alice and a request about it.
func onDevice(method, format string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		sub := f.subscribe("alice", fmt.Sprintf("https://push.example.net/alice/%d", time.Now().UnixNano()))
		req := request{method: method, path: fmt.Sprintf(format, sub.ID)}
		if method == "POST" {
			req.form = url.Values{}
		}
		return req, func() error {
			subs, _ := f.st.ListPushSubscriptions(context.Background(), f.users["alice"].ID, true)
			for _, s := range subs {
				if s.ID == sub.ID {
					return nil
				}
			}
			return fmt.Errorf("subscription #%d is gone", sub.ID)
		}
	}
}

// onInboxItem puts a fresh notification in alice's inbox and a request about it.
func onInboxItem(method, format, json string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		d := f.sent("alice")
		req := request{method: method, path: format, json: strings.ReplaceAll(json, "ID", fmt.Sprint(d.ID))}
		if strings.Contains(format, "%d") {
			req.path = fmt.Sprintf(format, d.ID)
		}
		if method == "POST" && json == "" {
			req.form = url.Values{}
		}
		return req, func() error {
			items, _ := f.st.ListInbox(context.Background(), f.users["alice"].ID, store.InboxFilter{UnreadOnly: true})
			for _, it := range items {
				if it.ID == d.ID {
					return nil
				}
			}
			return fmt.Errorf("inbox item #%d was marked read", d.ID)
		}
	}
}

// onToken makes a fresh API token of alice and a request about it.
func onToken(method, format string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		_, tok, err := f.st.CreateAPIToken(context.Background(), f.users["alice"].ID, "script "+fmt.Sprint(time.Now().UnixNano()))
		if err != nil {
			f.t.Fatal(err)
		}
		return request{method: method, path: fmt.Sprintf(format, tok.ID), form: url.Values{}}, func() error {
			toks, _ := f.st.ListAPITokens(context.Background(), f.users["alice"].ID)
			for _, x := range toks {
				if x.ID == tok.ID {
					return nil
				}
			}
			return fmt.Errorf("token #%d is gone", tok.ID)
		}
	}
}

func onDelivery(format string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		d := f.sent("alice")
		return request{method: "GET", path: fmt.Sprintf(format, d.ID)}, nil
	}
}

// onAck makes a sent notification of alice and a request about its token.
func onAck(method string) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		d := f.sent("alice")
		req := request{method: method, path: "/ack/" + d.Token}
		if method == "POST" {
			req.form = url.Values{}
		}
		return req, nil
	}
}

// testRequest asks for a test notification: alice has a phone and a
// subscribed browser, bob and root have neither; no test waits, and none
// was asked for a moment ago.
func testRequest(method, path string, form url.Values) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		ctx := context.Background()
		phone := ""
		if who == "alice" {
			phone = "+41227676111"
		}
		if who != "" {
			if _, err := f.st.UpdateUser(ctx, who, store.UserChanges{Phone: &phone}); err != nil {
				f.t.Fatal(err)
			}
		}
		for _, other := range []string{"bob", "root"} {
			subs, _ := f.st.ListPushSubscriptions(ctx, f.users[other].ID, true)
			for _, sub := range subs {
				f.st.DeletePushSubscription(ctx, f.users[other].ID, sub.ID)
			}
		}
		f.drain() // sends whatever waits
		f.srv.tests = newFailureLimiter(1, testCooldown)
		return request{method: method, path: path, form: form}, nil
	}
}

var contactForm = url.Values{"display_name": {"X"}, "email": {""}, "phone": {""}, "language": {"en-US"}, "time_zone": {"UTC"}}

func authCases() []authCase {
	return []authCase{
		{"GET /{$}", plain("GET", "/", nil, ""), ownData, "Alice's secret review"},
		{"POST /registrations/{id}/cancel", onRegistration("POST", "/registrations/%d/cancel", ""), ownedThing, ""},
		{"GET /register", plain("GET", "/register", nil, ""), ownData, ""},
		{"POST /register", plain("POST", "/register", url.Values{"title": {"T"}, "date": {"2099-01-01"}, "time": {"09:00"},
			"zone": {"UTC"}, "lead": {"10m"}, "channel": {"push"}}, ""), ownData, ""},
		{"GET /rules", plain("GET", "/rules", nil, ""), ownData, "alice secret pattern"},
		{"POST /rules", plain("POST", "/rules", url.Values{"pattern": {"x"}, "lead": {"10m"}, "channel": {"push"}}, ""), ownData, ""},
		{"POST /rules/{id}/pause", onRule("POST", "/rules/%d/pause", ""), ownedThing, ""},
		{"POST /rules/{id}/resume", onRule("POST", "/rules/%d/resume", ""), ownedThing, ""},
		{"POST /rules/{id}/notices", onRule("POST", "/rules/%d/notices", ""), ownedThing, ""},
		{"POST /rules/{id}/delete", onRule("POST", "/rules/%d/delete", ""), ownedThing, ""},
		{"GET /contact", plain("GET", "/contact", nil, ""), ownData, "+41227676111"},
		{"POST /contact", plain("POST", "/contact", contactForm, ""), ownData, ""},
		{"POST /contact/test/{channel}", testRequest("POST", "/contact/test/call", url.Values{}),
			map[string]int{"": signIn, "alice": ok, "bob": http.StatusUnprocessableEntity, "root": http.StatusUnprocessableEntity}, ""},
		{"GET /browser", plain("GET", "/browser", nil, ""), ownData, "push.example.net/alice"},
		{"POST /browser/test", testRequest("POST", "/browser/test", url.Values{}),
			map[string]int{"": signIn, "alice": ok, "bob": http.StatusUnprocessableEntity, "root": http.StatusUnprocessableEntity}, ""},
		{"POST /browser/devices/{id}/delete", onDevice("POST", "/browser/devices/%d/delete"), personal, ""},
		{"GET /inbox", plain("GET", "/inbox", nil, ""), ownData, "Alice's inbox secret"},
		{"POST /inbox/{id}/read", onInboxItem("POST", "/inbox/%d/read", ""), personal, ""},
		{"POST /inbox/read-all", onInboxItem("POST", "/inbox/read-all", ""), ownData, ""},
		{"GET /events/inbox", func(*fixture, string) (request, func() error) {
			return request{method: "GET", path: "/events/inbox", stream: true}, nil
		}, ownData, "Alice's inbox secret"},
		{"GET /groups", plain("GET", "/groups", nil, ""), ownData, ""},
		// A member's group rules and preferences.
		{"POST /groups/rules/{id}/mute", onMemberGroupRule("/groups/rules/%d/mute", false), personal, ""},
		{"POST /groups/rules/{id}/unmute", onMemberGroupRule("/groups/rules/%d/unmute", true), personal, ""},
		{"POST /contact/preferences", plain("POST", "/contact/preferences", url.Values{"channels": {"push,sms"}, "leads": {"10m"}}, ""), ownData, ""},
		{"GET /tokens", plain("GET", "/tokens", nil, ""), ownData, "alice token name"},
		{"POST /tokens", plain("POST", "/tokens", url.Values{"name": {"a script"}}, ""), ownData, ""},
		{"POST /tokens/{id}/delete", onToken("POST", "/tokens/%d/delete"), personal, ""},
		{"GET /signin", plain("GET", "/signin", nil, ""), everyone, ""},
		{"POST /signin", plain("POST", "/signin", url.Values{"login": {"alice"}, "password": {"wrong password"}}, ""),
			map[string]int{"": http.StatusUnauthorized, "alice": http.StatusUnauthorized, "bob": http.StatusUnauthorized, "root": http.StatusUnauthorized}, ""},
		{"POST /signout", plain("POST", "/signout", url.Values{}, ""), ownData, ""},
		{"GET /ack/{token}", onAck("GET"), everyone, ""},
		{"POST /ack/{token}", onAck("POST"), everyone, ""},
		{"GET /admin/users", plain("GET", "/admin/users", nil, ""), adminsOnly, ""},
		{"POST /admin/users", plain("POST", "/admin/users", url.Values{"login": {"carol"}, "time_zone": {"UTC"}, "language": {"en-US"}, "role": {"member"}}, ""),
			map[string]int{"": signIn, "alice": denied, "bob": denied, "root": ok}, ""},
		{"GET /admin/users/{login}", plain("GET", "/admin/users/alice", nil, ""), adminsOnly, ""},
		{"POST /admin/users/{login}", plain("POST", "/admin/users/bob", url.Values{"time_zone": {"Asia/Tokyo"}, "language": {"ja-JP"}, "role": {"member"}}, ""), adminsOnly, ""},
		{"POST /admin/users/{login}/password", plain("POST", "/admin/users/carol/password", url.Values{}, ""), adminsOnly, ""},
		{"GET /admin/registrations", plain("GET", "/admin/registrations", nil, ""), adminsOnly, ""},
		{"GET /admin/rules", plain("GET", "/admin/rules", nil, ""), adminsOnly, ""},
		{"GET /admin/calendars", plain("GET", "/admin/calendars", nil, ""), adminsOnly, ""},
		{"GET /admin/deliveries", plain("GET", "/admin/deliveries", nil, ""), adminsOnly, ""},
		{"GET /admin/deliveries/{id}", onDelivery("/admin/deliveries/%d"), adminsOnly, ""},

		{"GET /api/v1/me", plain("GET", "/api/v1/me", nil, ""), ownData, "alice@example.org"},
		{"PUT /api/v1/me", plain("PUT", "/api/v1/me", nil, `{"display_name": "Someone"}`), ownData, ""},
		{"GET /api/v1/upcoming", plain("GET", "/api/v1/upcoming", nil, ""), ownData, "Alice's secret review"},
		{"GET /api/v1/events", plain("GET", "/api/v1/events", nil, ""), ownData, ""},
		{"GET /api/v1/registrations", plain("GET", "/api/v1/registrations", nil, ""), ownData, "Alice's secret review"},
		{"POST /api/v1/registrations", plain("POST", "/api/v1/registrations", nil,
			`{"start": "2099-01-01 09:00", "time_zone": "UTC", "title": "T", "channels": ["push"], "leads": ["10m"]}`), ownData, ""},
		{"DELETE /api/v1/registrations/{id}", onRegistration("DELETE", "/api/v1/registrations/%d", ""), ownedThing, ""},
		{"GET /api/v1/rules", plain("GET", "/api/v1/rules", nil, ""), ownData, "alice secret pattern"},
		{"POST /api/v1/rules", plain("POST", "/api/v1/rules", nil, `{"pattern": "x", "channels": ["push"], "leads": ["5m"]}`), ownData, ""},
		{"GET /api/v1/rules/preview", plain("GET", "/api/v1/rules/preview?pattern=x", nil, ""), ownData, ""},
		{"PATCH /api/v1/rules/{id}", onRule("PATCH", "/api/v1/rules/%d", `{"active": false}`), ownedThing, ""},
		{"DELETE /api/v1/rules/{id}", onRule("DELETE", "/api/v1/rules/%d", ""), ownedThing, ""},
		{"GET /api/v1/push/key", plain("GET", "/api/v1/push/key", nil, ""), everyone, ""},
		{"GET /api/v1/push/subscriptions", plain("GET", "/api/v1/push/subscriptions", nil, ""), ownData, "push.example.net/alice"},
		{"POST /api/v1/push/subscriptions", func(f *fixture, who string) (request, func() error) {
			return request{method: "POST", path: "/api/v1/push/subscriptions",
				json: subscriptionBody(f.t, fmt.Sprintf("https://push.example.net/new/%d", time.Now().UnixNano()))}, nil
		}, ownData, ""},
		{"DELETE /api/v1/push/subscriptions/{id}", onDevice("DELETE", "/api/v1/push/subscriptions/%d"), personal, ""},
		{"POST /api/v1/push/test", testRequest("POST", "/api/v1/push/test", nil),
			map[string]int{"": signIn, "alice": ok, "bob": http.StatusUnprocessableEntity, "root": http.StatusUnprocessableEntity}, ""},
		{"POST /api/v1/test-call", testRequest("POST", "/api/v1/test-call", nil),
			map[string]int{"": signIn, "alice": ok, "bob": http.StatusUnprocessableEntity, "root": http.StatusUnprocessableEntity}, ""},
		{"POST /api/v1/test/{channel}", testRequest("POST", "/api/v1/test/sms", nil),
			map[string]int{"": signIn, "alice": ok, "bob": http.StatusUnprocessableEntity, "root": http.StatusUnprocessableEntity}, ""},
		{"GET /api/v1/inbox", plain("GET", "/api/v1/inbox", nil, ""), ownData, "Alice's inbox secret"},
		{"POST /api/v1/inbox/read", onInboxItem("POST", "/api/v1/inbox/read", `{"ids": [ID]}`), personal, ""},
		{"GET /api/v1/users", plain("GET", "/api/v1/users", nil, ""), adminsOnly, ""},
		{"POST /api/v1/users", func(f *fixture, who string) (request, func() error) {
			return request{method: "POST", path: "/api/v1/users", json: fmt.Sprintf(`{"login": "u%d"}`, time.Now().UnixNano())}, nil
		}, map[string]int{"": signIn, "alice": denied, "bob": denied, "root": http.StatusCreated}, ""},
		{"GET /admin/groups", plain("GET", "/admin/groups", nil, ""), adminsOnly, ""},
		{"POST /admin/groups", plain("POST", "/admin/groups", url.Values{"name": {"newgroup"}}, ""), adminsOnly, ""},
		{"GET /admin/groups/{name}", onGroup("GET", "/admin/groups/%s", nil), adminsOnly, ""},
		{"POST /admin/groups/{name}/members", onGroup("POST", "/admin/groups/%s/members", url.Values{"logins": {"bob"}}), adminsOnly, ""},
		{"POST /admin/groups/{name}/members/{login}/remove", onGroup("POST", "/admin/groups/%s/members/alice/remove", url.Values{}), adminsOnly, ""},
		// Group rules, editing and removing a group (admin).
		{"POST /admin/groups/{name}/description", onGroup("POST", "/admin/groups/%s/description", url.Values{"description": {"d"}}), adminsOnly, ""},
		{"POST /admin/groups/{name}/remove", onGroup("POST", "/admin/groups/%s/remove", url.Values{"confirm": {"on"}}), adminsOnly, ""},
		{"POST /admin/groups/{name}/rules", onGroup("POST", "/admin/groups/%s/rules", url.Values{"pattern": {"x"}, "channel": {"log"}, "lead": {"5m"}}), adminsOnly, ""},
		{"POST /admin/groups/{name}/rules/{id}/pause", onGroupRule("POST", "/admin/groups/%s/rules/%d/pause", url.Values{}), adminsOnly, ""},
		{"POST /admin/groups/{name}/rules/{id}/resume", onGroupRule("POST", "/admin/groups/%s/rules/%d/resume", url.Values{}), adminsOnly, ""},
		{"POST /admin/groups/{name}/rules/{id}/notices", onGroupRule("POST", "/admin/groups/%s/rules/%d/notices", url.Values{"moved": {"on"}}), adminsOnly, ""},
		{"POST /admin/groups/{name}/rules/{id}/remove", onGroupRule("POST", "/admin/groups/%s/rules/%d/remove", url.Values{}), adminsOnly, ""},
		{"GET /admin/send", plain("GET", "/admin/send", nil, ""), adminsOnly, ""},
		{"POST /admin/send", plain("POST", "/admin/send", url.Values{"users": {"alice"}, "title": {"T"}, "message": {"m"}, "channels": {"log"}, "confirm": {"1"}}, ""), adminsOnly, ""},
		{"PATCH /api/v1/users/{login}", plain("PATCH", "/api/v1/users/bob", nil, `{"display_name": "Bob"}`), adminsOnly, ""},
		{"GET /api/v1/calendars", plain("GET", "/api/v1/calendars", nil, ""), adminsOnly, ""},
		{"GET /api/v1/deliveries", plain("GET", "/api/v1/deliveries", nil, ""), adminsOnly, ""},
		{"GET /api/v1/deliveries/{id}", onDelivery("/api/v1/deliveries/%d"), adminsOnly, ""},
		{"POST /api/v1/messages", plain("POST", "/api/v1/messages", nil, `{"title": "T", "message": "m", "users": ["alice"], "channels": ["log"]}`),
			map[string]int{"": signIn, "alice": denied, "bob": denied, "root": http.StatusCreated}, ""},
		{"DELETE /api/v1/messages/{id}", onMessage("DELETE", "/api/v1/messages/%d", nil), adminsOnly, ""},
		{"POST /admin/messages/{id}/cancel", onMessage("POST", "/admin/messages/%d/cancel", url.Values{}), adminsOnly, ""},
	}
}

// TestAuthorizationMatrix runs every route of the table as nobody, as the
// owner of what it is about, as another member and as an admin.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		cases := authCases()
		covered := map[string]bool{}
		for _, c := range cases {
			covered[c.route] = true
		}
		for _, rt := range f.srv.routeTable() {
			if !covered[rt.pattern] {
				t.Errorf("route %q has no line in the authorization matrix", rt.pattern)
			}
		}
		// What of alice's others must never see.
		f.register("alice", "Alice's secret review", 72*time.Hour)
		f.rule("alice", "alice secret pattern")
		f.subscribe("alice", "https://push.example.net/alice/main")
		f.st.CreateAPIToken(context.Background(), f.users["alice"].ID, "alice token name")
		f.sentReminder("alice", "Alice's inbox secret")
		for _, c := range cases {
			for _, who := range askers {
				if who != "" {
					f.token[who] = f.freshSession(who) // a sign-out in an earlier line must not matter
				}
				req, intact := c.make(f, who)
				req.as = who
				w := f.do(req)
				what := fmt.Sprintf("%s as %q (%s %s)", c.route, who, req.method, req.path)
				checkOutcome(t, what, w, c.want[who], strings.HasPrefix(req.path, "/api/") || strings.HasPrefix(req.path, "/events/"))
				if c.want[who] == notFound && intact != nil {
					if err := intact(); err != nil {
						t.Errorf("%s changed alice's things: %v", what, err)
					}
				}
				if c.leak != "" && who == "bob" && strings.Contains(w.Body.String(), c.leak) {
					t.Errorf("%s shows alice's %q to bob", what, c.leak)
				}
			}
		}
	})
}

// freshSession signs login in again.
func (f *fixture) freshSession(login string) string {
	f.t.Helper()
	token, _, err := f.st.CreateSession(context.Background(), f.users[login].ID, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	return token
}

func checkOutcome(t *testing.T, what string, w interface {
	Result() *http.Response
}, want int, api bool) {
	t.Helper()
	res := w.Result()
	loc := res.Header.Get("Location")
	toSignIn := res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/signin") && !strings.Contains(loc, "done=signed-out")
	switch want {
	case ok:
		if res.StatusCode >= 400 || toSignIn {
			t.Errorf("%s: got %d %s; want success", what, res.StatusCode, loc)
		}
	case signIn:
		if api && res.StatusCode != http.StatusUnauthorized || !api && !toSignIn {
			t.Errorf("%s: got %d %s; want to be sent to sign in", what, res.StatusCode, loc)
		}
	default:
		if res.StatusCode != want {
			t.Errorf("%s: got %d; want %d", what, res.StatusCode, want)
		}
	}
}
