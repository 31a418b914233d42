package panel

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func TestCrossOriginRequestsRefused(t *testing.T) {
	f := sqliteFixture(t)
	reg := f.register("alice", "Review", 48*time.Hour)
	for _, tt := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site other origin", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(request{method: "POST", path: "/registrations/" + itoa(reg.ID) + "/cancel", as: "alice", form: url.Values{},
				header: tt.header})
			wantStatus(t, tt.name, w, tt.want)
			got, _ := f.st.RegistrationByID(context.Background(), reg.ID)
			if cancelled := got.Status == store.RegistrationCancelled; cancelled != (tt.want == http.StatusSeeOther) {
				t.Errorf("registration status %s after a %d", got.Status, w.Code)
			}
		})
	}
	// The API too; reading stays possible.
	w := f.do(request{method: "POST", path: "/api/v1/rules", as: "alice", json: `{"pattern":"x","channels":["log"],"leads":["1m"]}`,
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	wantStatus(t, "cross-site API POST", w, http.StatusForbidden)
	w = f.do(request{method: "GET", path: "/api/v1/rules", as: "alice", header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	wantStatus(t, "cross-site API GET", w, http.StatusOK)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

var scriptTag = regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)

// TestPagesAreStrict checks every page a person can see: the security
// headers, and no inline script or style (the CSP would block them).
func TestPagesAreStrict(t *testing.T) {
	f := sqliteFixture(t)
	d := f.sent("alice")
	pages := []struct{ path, as string }{
		{"/signin", ""}, {"/", "alice"}, {"/register", "alice"}, {"/rules", "alice"}, {"/contact", "alice"},
		{"/browser", "alice"}, {"/inbox", "alice"}, {"/tokens", "alice"}, {"/ack/" + d.Token, ""},
		{"/admin/users", "root"}, {"/admin/users/alice", "root"}, {"/admin/registrations", "root"}, {"/admin/rules", "root"},
		{"/admin/calendars", "root"}, {"/admin/deliveries", "root"}, {"/admin/deliveries/" + itoa(d.ID), "root"},
		{"/nowhere", "alice"},
	}
	for _, p := range pages {
		w := f.get(p.path, p.as)
		if w.Code != http.StatusOK && p.path != "/nowhere" {
			t.Errorf("%s: got %d; want 200", p.path, w.Code)
		}
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows inline code", p.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: missing nosniff or X-Frame-Options", p.path)
		}
		body := w.Body.String()
		for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
			if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s: inline script %q", p.path, m[0])
			}
		}
		if regexp.MustCompile(`(?i)\son[a-z]+=|\sstyle=|<style`).MatchString(body) {
			t.Errorf("%s: an inline event handler or style:\n%s", p.path, excerpt(body))
		}
	}
}

// TestEscaping puts markup everywhere a person can type and a calendar
// can send, and checks that it reaches the pages as text.
func TestEscaping(t *testing.T) {
	f := sqliteFixture(t)
	ctx := context.Background()
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	name := evil
	if _, err := f.st.UpdateUser(ctx, "alice", store.UserChanges{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	cal, err := f.st.CreateCalendar(ctx, store.Calendar{Name: "cal " + evil, Kind: store.CalendarICS, Source: "https://x.example/a.ics", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err := f.st.UpsertEvent(ctx, store.Event{CalendarID: cal.ID, ExternalID: "e1", Title: "event " + evil,
		Location: "room " + evil, URL: "javascript:alert(3)", StartAt: time.Now().Add(24 * time.Hour), EndAt: time.Now().Add(25 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.st.Register(ctx, store.NewRegistration{UserID: f.users["alice"].ID, EventID: ev.ID, Message: "note " + evil,
		Channels: []schedule.Channel{schedule.ChannelPush}, Leads: []time.Duration{time.Hour}, CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	f.rule("alice", "rule "+regexp.QuoteMeta(evil))
	if err := f.st.RecordCalendarSync(ctx, cal.ID, store.SyncResult{Err: "fetch: " + evil}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, as string }{
		{"/", "alice"}, {"/register", "alice"}, {"/rules", "alice"}, {"/admin/registrations", "root"}, {"/admin/rules", "root"},
		{"/admin/calendars", "root"}, {"/admin/users", "root"}, {"/rules?x", "alice"},
	} {
		body := f.get(p.path, p.as).Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: markup from the database reached the page unescaped:\n%s", p.path, excerpt(body))
		}
		if strings.Contains(body, `href="javascript:`) {
			t.Errorf("%s: a javascript: link reached the page", p.path)
		}
	}
	body := f.get("/", "alice").Body.String()
	if !strings.Contains(body, "event &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the title is not shown as text:\n%s", excerpt(body))
	}
	// Bad input is shown back escaped too.
	w := f.post("/register", "alice", url.Values{"title": {evil}, "date": {"2099-13-01"}, "time": {"09:00"}, "zone": {"UTC"},
		"lead": {"10m"}, "channel": {"push"}})
	if strings.Contains(w.Body.String(), "<script>alert") {
		t.Errorf("the kept input is not escaped")
	}
}
