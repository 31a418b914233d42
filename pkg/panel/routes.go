package panel

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
)

// access says who may use a route.
type access int

const (
	anyone access = iota // no sign-in
	member               // a signed-in person (admins too)
	admin                // a signed-in admin
	sender               // an admin, or another system's send-only API token (the only routes such a token may use)
)

// handler serves one route for p (nil on anyone's routes when nobody is
// signed in). A returned error is answered by fail, which maps it to its
// status in one place.
type handler func(w http.ResponseWriter, r *http.Request, p *principal) error

// route is one line of the route table.
type route struct {
	pattern string // a ServeMux pattern, method first
	who     access
	h       handler
}

// routeTable is every route of the panel. The authorization tests walk it:
// a route added here without a line in their matrix fails them.
func (s *Server) routeTable() []route {
	return []route{
		// Pages for members.
		{"GET /{$}", member, s.upcomingPage},
		{"POST /registrations/{id}/cancel", member, s.cancelRegistration},
		{"GET /register", member, s.registerPage},
		{"POST /register", member, s.registerSubmit},
		{"GET /rules", member, s.rulesPage},
		{"POST /rules", member, s.rulesSubmit},
		{"POST /rules/{id}/pause", member, s.ruleActive(false)},
		{"POST /rules/{id}/resume", member, s.ruleActive(true)},
		{"POST /rules/{id}/notices", member, s.ruleNotices},
		{"POST /rules/{id}/delete", member, s.ruleDelete},
		{"GET /contact", member, s.contactPage},
		{"POST /contact", member, s.contactSubmit},
		{"POST /contact/test/{channel}", member, s.contactTest},
		{"POST /contact/preferences", member, s.contactPreferences},
		{"GET /browser", member, s.browserPage},
		{"POST /browser/test", member, s.browserTest},
		{"POST /browser/devices/{id}/delete", member, s.browserDeviceDelete},
		{"GET /inbox", member, s.inboxPage},
		{"POST /inbox/{id}/read", member, s.inboxRead},
		{"POST /inbox/read-all", member, s.inboxReadAll},
		{"GET /events/inbox", member, s.inboxEvents},
		{"GET /groups", member, s.groupsPage},
		{"POST /groups/rules/{id}/mute", member, s.groupRuleMute},
		{"POST /groups/rules/{id}/unmute", member, s.groupRuleUnmute},
		{"GET /tokens", member, s.tokensPage},
		{"POST /tokens", member, s.tokensCreate},
		{"POST /tokens/{id}/delete", member, s.tokensDelete},

		// Signing in and out; acknowledging a notification by its token.
		{"GET /signin", anyone, s.signInPage},
		{"POST /signin", anyone, s.signInSubmit},
		{"POST /signout", member, s.signOut},
		{"GET /ack/{token}", anyone, s.ackPage},
		{"POST /ack/{token}", anyone, s.ackSubmit},

		// Pages for admins.
		{"GET /admin/users", admin, s.adminUsersPage},
		{"POST /admin/users", admin, s.adminUsersCreate},
		{"GET /admin/users/{login}", admin, s.adminUserPage},
		{"POST /admin/users/{login}", admin, s.adminUserUpdate},
		{"POST /admin/users/{login}/password", admin, s.adminUserPassword},
		{"GET /admin/registrations", admin, s.adminRegistrationsPage},
		{"GET /admin/rules", admin, s.adminRulesPage},
		{"GET /admin/calendars", admin, s.adminCalendarsPage},
		{"GET /admin/deliveries", admin, s.adminDeliveriesPage},
		{"GET /admin/deliveries/{id}", admin, s.adminDeliveryPage},
		{"GET /admin/groups", admin, s.adminGroupsPage},
		{"POST /admin/groups", admin, s.adminGroupsCreate},
		{"GET /admin/groups/{name}", admin, s.adminGroupPage},
		{"POST /admin/groups/{name}/members", admin, s.adminGroupMembers},
		{"POST /admin/groups/{name}/members/{login}/remove", admin, s.adminGroupMemberRemove},
		{"POST /admin/groups/{name}/description", admin, s.adminGroupDescription},
		{"POST /admin/groups/{name}/remove", admin, s.adminGroupRemove},
		{"POST /admin/groups/{name}/rules", admin, s.adminGroupRuleCreate},
		{"POST /admin/groups/{name}/rules/{id}/pause", admin, s.adminGroupRuleActive(false)},
		{"POST /admin/groups/{name}/rules/{id}/resume", admin, s.adminGroupRuleActive(true)},
		{"POST /admin/groups/{name}/rules/{id}/notices", admin, s.adminGroupRuleNotices},
		{"POST /admin/groups/{name}/rules/{id}/remove", admin, s.adminGroupRuleRemove},
		{"GET /admin/send", admin, s.adminSendPage},
		{"POST /admin/send", admin, s.adminSendSubmit},
		{"POST /admin/messages/{id}/cancel", admin, s.adminMessageCancel},

		// The JSON API.
		{"GET /api/v1/me", member, s.apiMe},
		{"PUT /api/v1/me", member, s.apiMeUpdate},
		{"GET /api/v1/upcoming", member, s.apiUpcoming},
		{"GET /api/v1/events", member, s.apiEvents},
		{"GET /api/v1/registrations", member, s.apiRegistrations},
		{"POST /api/v1/registrations", member, s.apiRegister},
		{"DELETE /api/v1/registrations/{id}", member, s.apiCancelRegistration},
		{"GET /api/v1/rules", member, s.apiRules},
		{"POST /api/v1/rules", member, s.apiCreateRule},
		{"GET /api/v1/rules/preview", member, s.apiRulePreview},
		{"PATCH /api/v1/rules/{id}", member, s.apiUpdateRule},
		{"DELETE /api/v1/rules/{id}", member, s.apiDeleteRule},
		{"GET /api/v1/push/key", anyone, s.apiPushKey},
		{"GET /api/v1/push/subscriptions", member, s.apiPushSubscriptions},
		{"POST /api/v1/push/subscriptions", member, s.apiPushSubscribe},
		{"DELETE /api/v1/push/subscriptions/{id}", member, s.apiPushDelete},
		{"POST /api/v1/push/test", member, s.apiPushTest},
		{"POST /api/v1/test-call", member, s.apiTestCall},
		{"POST /api/v1/test/{channel}", member, s.apiTestChannel},
		{"GET /api/v1/inbox", member, s.apiInbox},
		{"POST /api/v1/inbox/read", member, s.apiInboxRead},
		{"GET /api/v1/users", admin, s.apiUsers},
		{"POST /api/v1/users", admin, s.apiCreateUser},
		{"PATCH /api/v1/users/{login}", admin, s.apiUpdateUser},
		{"GET /api/v1/calendars", admin, s.apiCalendars},
		{"GET /api/v1/deliveries", admin, s.apiDeliveries},
		{"GET /api/v1/deliveries/{id}", admin, s.apiDelivery},
		{"POST /api/v1/messages", sender, s.apiSendMessage},
		{"DELETE /api/v1/messages/{id}", sender, s.apiCancelMessage},
	}
}

// routes builds the mux: the table, plus the plumbing that needs no person.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		mux.Handle(rt.pattern, s.wrap(rt.who, rt.h))
	}
	mux.Handle("GET /sw.js", staticFile("static/sw.js", "no-cache"))
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	mux.Handle("GET /favicon.ico", staticFile("static/icon.png", "public, max-age=86400"))
	mux.Handle("GET /healthz", httpserver.Health(s.opts.Store, s.log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	mux.Handle("/api/", s.wrap(anyone, func(w http.ResponseWriter, r *http.Request, _ *principal) error {
		return &httpError{status: http.StatusNotFound, msg: "no such API route: see the README's API section"}
	}))
	mux.Handle("/", s.wrap(anyone, func(w http.ResponseWriter, r *http.Request, _ *principal) error {
		return &httpError{status: http.StatusNotFound, msg: "there is no such page"}
	}))
	return mux
}

// wrap identifies the person, checks that they may use the route, runs it
// and answers its error.
func (s *Server) wrap(who access, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := isAPI(r)
		if api {
			w.Header().Set("Cache-Control", "no-store")
		} else {
			w.Header().Set("Cache-Control", "private, no-cache")
		}
		p, err := s.identify(r)
		if err != nil {
			s.fail(w, r, api, err)
			return
		}
		switch {
		case who != anyone && p == nil:
			err = errSignIn
		case p.sendOnly() && who != sender:
			err = errSendOnly
		case (who == admin || who == sender) && !p.admin():
			err = errAdminOnly
		default:
			err = h(w, r, p)
		}
		if err != nil {
			s.fail(w, r, api, err)
		}
	})
}
