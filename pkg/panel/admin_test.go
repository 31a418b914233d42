package panel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestAdminUsers(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	runAdminForm := func(path string, form url.Values, want int, wantText string) string {
		t.Helper()
		w := f.post(path, "root", form)
		wantStatus(t, path, w, want)
		if wantText != "" && !strings.Contains(w.Body.String(), wantText) {
			t.Errorf("%s: the answer lacks %q:\n%s", path, wantText, excerpt(w.Body.String()))
		}
		return w.Header().Get("Location")
	}
	user := func(login, phone, zone, role string) url.Values {
		return url.Values{"login": {login}, "phone": {phone}, "time_zone": {zone}, "language": {"en-US"}, "role": {role}}
	}
	runAdminForm("/admin/users", user("Bad Login!", "", "UTC", "member"), http.StatusUnprocessableEntity, "must be 1 to 64 lowercase letters")
	runAdminForm("/admin/users", user("carol", "12", "UTC", "member"), http.StatusUnprocessableEntity, `id="phone-error"`)
	runAdminForm("/admin/users", user("carol", "", "UTC", "boss"), http.StatusUnprocessableEntity, `&#34;boss&#34; is not a role`)
	runAdminForm("/admin/users", user("alice", "", "UTC", "member"), http.StatusUnprocessableEntity, "is taken")
	if loc := runAdminForm("/admin/users", user("carol", "022 767 61 11", "Europe/Zurich", "member"), http.StatusSeeOther, ""); loc != "/admin/users/carol?done=user-saved" {
		t.Errorf("add: Location %q", loc)
	}
	if u, err := f.st.UserByLogin(ctx, "carol"); err != nil || u.Phone != "+41227676111" {
		t.Errorf("carol = %+v, %v; want her phone in E.164", u, err)
	}

	// Reset a password: shown once, and it signs carol in.
	w := f.post("/admin/users/carol/password", "root", nil)
	body := w.Body.String()
	i := strings.Index(body, `<code class="secret">`)
	if w.Code != http.StatusOK || i < 0 {
		t.Fatalf("reset: got %d:\n%s", w.Code, excerpt(body))
	}
	pw := body[i+len(`<code class="secret">`) : i+len(`<code class="secret">`)+26]
	if w := f.post("/signin", "", signInForm("carol", pw, "")); w.Code != http.StatusSeeOther {
		t.Errorf("signing in with the new password: got %d", w.Code)
	}

	// Disable alice: signed out everywhere.
	edit := url.Values{"display_name": {"Alice"}, "email": {""}, "phone": {""}, "time_zone": {"UTC"}, "language": {"en-US"},
		"role": {"member"}, "disabled": {"on"}}
	if loc := runAdminForm("/admin/users/alice", edit, http.StatusSeeOther, ""); loc != "/admin/users/alice?done=user-saved" {
		t.Errorf("edit: Location %q", loc)
	}
	if w := f.get("/", "alice"); w.Code != http.StatusSeeOther {
		t.Errorf("disabled alice still gets pages: %d", w.Code)
	}
	// An admin cannot lock themselves out.
	self := url.Values{"time_zone": {"UTC"}, "language": {"en-US"}, "role": {"member"}}
	runAdminForm("/admin/users/root", self, http.StatusUnprocessableEntity, "you cannot disable yourself")
	wantStatus(t, "an unknown user", f.get("/admin/users/nobody", "root"), http.StatusNotFound)
}

func TestAdminListsAndFilters(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	ev := f.mkEvent("telecons", "Weekly telecon", 24*time.Hour)
	f.mkEvent("indico", "Plenary", 48*time.Hour)
	if _, _, _, err := f.st.Register(ctx, store.NewRegistration{UserID: f.users["bob"].ID, EventID: ev.ID,
		Channels: []schedule.Channel{schedule.ChannelCall}, Leads: []time.Duration{5 * time.Minute}, CreatedBy: "bob"}); err != nil {
		t.Fatal(err)
	}
	f.register("alice", "Alice by hand", 72*time.Hour)
	f.rule("alice", "telecon")
	f.rule("bob", "plenary")
	f.sentReminder("alice", "Sent one")
	cal, _ := f.st.CalendarByRef(ctx, "telecons")
	f.st.RecordCalendarSync(ctx, cal.ID, store.SyncResult{Err: "fetch: 503 Service Unavailable"})

	for _, tt := range []struct {
		path      string
		want      int
		has, lack []string
	}{
		{"/admin/registrations", 200, []string{"Weekly telecon", "Alice by hand", "Sent one"}, nil},
		{"/admin/registrations?user=bob", 200, []string{"Weekly telecon"}, []string{"Alice by hand"}},
		{"/admin/registrations?calendar=telecons", 200, []string{"Weekly telecon"}, []string{"Alice by hand"}},
		{"/admin/registrations?status=cancelled", 200, nil, []string{"Weekly telecon", "Alice by hand"}},
		{"/admin/registrations?user=nobody", 422, []string{"no user &#34;nobody&#34;"}, nil},
		{"/admin/registrations?status=odd", 422, []string{"choose active or cancelled"}, nil},
		{"/admin/rules?user=bob", 200, []string{"plenary"}, []string{"<code>telecon</code>"}},
		{"/admin/rules?calendar=nope", 422, []string{"no calendar &#34;nope&#34;"}, nil},
		{"/admin/calendars", 200, []string{"telecons", "fetch: 503 Service Unavailable", "indico"}, nil},
		{"/admin/deliveries?state=sent", 200, []string{"Sent one"}, []string{"Alice by hand"}},
		{"/admin/deliveries?channel=call", 200, []string{"Weekly telecon"}, []string{"Sent one"}},
		{"/admin/deliveries?user=alice&channel=push", 200, []string{"Sent one", "Alice by hand"}, []string{"Weekly telecon"}},
		{"/admin/deliveries?from=2000-01-01&to=2000-01-02", 200, nil, []string{"Sent one", "Weekly telecon"}},
		{"/admin/deliveries?state=lost", 422, []string{"not a delivery state"}, nil},
		{"/admin/deliveries?from=yesterday", 422, []string{"cannot read"}, nil},
		{"/admin/deliveries?channel=pigeon", 422, []string{"unknown channel"}, nil},
	} {
		w := f.get(tt.path, "root")
		wantStatus(t, tt.path, w, tt.want)
		body := w.Body.String()
		for _, s := range tt.has {
			if !strings.Contains(body, s) {
				t.Errorf("%s lacks %q", tt.path, s)
			}
		}
		for _, s := range tt.lack {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", tt.path, s)
			}
		}
	}
	// The detail of a delivery, with its log.
	ds, _ := f.st.ListDeliveries(ctx, store.DeliveryFilter{State: store.StateSent})
	f.st.AddAttempt(ctx, store.Attempt{DeliveryID: ds[0].ID, Attempt: 1, Outcome: "sent", ProviderStatus: "201", Detail: "1 browser"})
	body := f.get("/admin/deliveries/"+itoa(ds[0].ID), "root").Body.String()
	for _, s := range []string{"Sent one", "1 browser", "201", "sent after 1 attempt"} {
		if !strings.Contains(body, s) {
			t.Errorf("the delivery page lacks %q", s)
		}
	}
	// An admin cancels and pauses from the lists and comes back to them.
	regs, _ := f.st.ListRegistrationViews(ctx, store.RegistrationQuery{UserID: f.users["bob"].ID})
	w := f.post("/registrations/"+itoa(regs[0].ID)+"/cancel", "root", url.Values{"back": {"admin"}})
	if w.Header().Get("Location") != "/admin/registrations?done=cancelled" {
		t.Errorf("admin cancel: Location %q", w.Header().Get("Location"))
	}
	rules, _ := f.st.ListRules(ctx, store.RuleFilter{UserID: f.users["bob"].ID})
	if w := f.post("/rules/"+itoa(rules[0].ID)+"/pause", "root", url.Values{"back": {"admin"}}); w.Header().Get("Location") != "/admin/rules?done=rule-paused" {
		t.Errorf("admin pause: Location %q", w.Header().Get("Location"))
	}
	// A member's "back" does not lead to the admin pages.
	mine := f.register("alice", "Mine", 24*time.Hour)
	if w := f.post("/registrations/"+itoa(mine.ID)+"/cancel", "alice", url.Values{"back": {"admin"}}); w.Header().Get("Location") != "/?done=cancelled" {
		t.Errorf("member cancel with back=admin: Location %q", w.Header().Get("Location"))
	}
}

// A registration whose event was cancelled in its calendar is listed as
// cancelled, with why.
func TestAdminListsRegistrationsCancelledWithTheirEvent(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	ev := f.mkEvent("telecons", "Weekly telecon", 24*time.Hour)
	if _, _, _, err := f.st.Register(ctx, store.NewRegistration{UserID: f.users["bob"].ID, EventID: ev.ID,
		Channels: []schedule.Channel{schedule.ChannelCall}, Leads: []time.Duration{5 * time.Minute}, CreatedBy: "bob"}); err != nil {
		t.Fatal(err)
	}
	ev.Status = store.EventCancelled
	if _, _, err := f.st.UpsertEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	w := f.get("/admin/registrations?status=cancelled", "root")
	if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "Weekly telecon") ||
		!strings.Contains(body, "cancelled: its event was cancelled or removed from the calendar") {
		t.Errorf("GET /admin/registrations?status=cancelled: %d\n%s\nwant the registration, cancelled with why", w.Code, body)
	}
	if body := f.get("/admin/registrations?status=active", "root").Body.String(); strings.Contains(body, "Weekly telecon") {
		t.Errorf("the registration of the cancelled event is still listed as active")
	}
}
