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
)

// formCase is bad input to a form: the answer is the form again, with the
// input kept and the problem beside its field, and nothing changes.
type formCase struct {
	name      string
	form      url.Values
	field     string // the field whose error element (#field-error) holds the problem
	problem   string // part of the problem
	keep      string // part of the input that must be in the form again
	wantCode  int    // 0: 422
	unchanged func(f *fixture) error
}

func runFormCases(t *testing.T, f *fixture, path string, cases []formCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			w := f.post(path, "alice", tt.form)
			want := tt.wantCode
			if want == 0 {
				want = http.StatusUnprocessableEntity
			}
			wantStatus(t, tt.name, w, want)
			body := w.Body.String()
			errEl := `id="` + tt.field + `-error">`
			i := strings.Index(body, errEl)
			if i < 0 {
				t.Fatalf("no error beside %s:\n%s", tt.field, excerpt(body))
			}
			if got := body[i+len(errEl) : i+len(errEl)+strings.Index(body[i+len(errEl):], "</p>")]; !strings.Contains(got, htmlEscape(tt.problem)) {
				t.Errorf("error beside %s is %q; want it to say %q", tt.field, got, tt.problem)
			}
			if tt.keep != "" && !strings.Contains(body, htmlEscape(tt.keep)) {
				t.Errorf("the form lost the input %q", tt.keep)
			}
			if tt.unchanged != nil {
				if err := tt.unchanged(f); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func noRegistrations(f *fixture) error {
	regs, err := f.st.ListRegistrationViews(context.Background(), store.RegistrationQuery{UserID: f.users["alice"].ID})
	if err != nil || len(regs) != 0 {
		return errorf("alice has %d registrations (%v); want none", len(regs), err)
	}
	return nil
}

func TestRegisterBadInput(t *testing.T) {
	f := sqliteFixture(t)
	form := func(date, clock, zone, title, lead string, channels ...string) url.Values {
		return url.Values{"date": {date}, "time": {clock}, "zone": {zone}, "title": {title}, "lead": {lead}, "channel": channels}
	}
	runFormCases(t, f, "/register", []formCase{
		{"DST gap", form("2099-03-29", "02:30", "Europe/Zurich", "Gap review", "10m", "push"), "time",
			"2099-03-29 02:30 does not exist in Europe/Zurich: clocks jump from 02:00 to 03:00", "Gap review", 0, noRegistrations},
		{"DST overlap", form("2099-10-25", "02:30", "Europe/Zurich", "Overlap review", "10m", "push"), "time",
			"happens twice in Europe/Zurich", "Overlap review", 0, noRegistrations},
		{"in the past", form("2020-01-01", "09:00", "UTC", "Old", "10m", "push"), "time", "is in the past", "Old", 0, noRegistrations},
		{"unknown zone", form("2099-01-01", "09:00", "Europe/Atlantis", "Sunk", "10m", "push"), "zone",
			`unknown time zone "Europe/Atlantis"`, "Europe/Atlantis", 0, noRegistrations},
		{"bad date", form("2099-02-30", "09:00", "UTC", "Feb", "10m", "push"), "time", "February 2099 has no day 30", "Feb", 0, noRegistrations},
		{"no date", form("", "09:00", "UTC", "Nodate", "10m", "push"), "date", "pick a date", "Nodate", 0, noRegistrations},
		{"no title", form("2099-01-01", "09:00", "UTC", "", "10m", "push"), "title", "give the event a title", "", 0, noRegistrations},
		{"bad lead", form("2099-01-01", "09:00", "UTC", "Lead", "10 minutes", "push"), "lead", `lead time "10 minutes" is not a duration`,
			"10 minutes", 0, noRegistrations},
		{"lead too long", form("2099-01-01", "09:00", "UTC", "Lead", "40d", "push"), "lead", "is more than 30 days", "40d", 0, noRegistrations},
		{"no channel", form("2099-01-01", "09:00", "UTC", "Chan", "10m"), "channels", "choose at least one channel", "Chan", 0, noRegistrations},
		{"unknown channel", form("2099-01-01", "09:00", "UTC", "Chan", "10m", "pigeon"), "channels", `unknown channel "pigeon"`, "Chan", 0, noRegistrations},
		{"every reminder past", form(time.Now().Add(3*time.Minute).UTC().Format("2006-01-02"), time.Now().Add(3*time.Minute).UTC().Format("15:04"),
			"UTC", "Soon", "1h", "push"), "lead", "would be in the past", "Soon", 0, noRegistrations},
		{"unknown event", url.Values{"event": {"999999"}, "lead": {"10m"}, "channel": {"push"}}, "event", "no event #999999", "", 0, noRegistrations},
		{"title with a newline", form("2099-01-01", "09:00", "UTC", "two\nlines", "10m", "push"), "title", "must be one line", "", 0, noRegistrations},
	})
}

func TestRulesBadInput(t *testing.T) {
	f := sqliteFixture(t)
	noRules := func(f *fixture) error {
		rules, _ := f.st.ListRules(context.Background(), store.RuleFilter{UserID: f.users["alice"].ID})
		if len(rules) != 0 {
			return errorf("alice has %d rules; want none", len(rules))
		}
		return nil
	}
	runFormCases(t, f, "/rules", []formCase{
		{"invalid pattern", url.Values{"pattern": {"weekly (telecon"}, "lead": {"10m"}, "channel": {"push"}}, "pattern",
			"missing closing ): `weekly (telecon`", "weekly (telecon", 0, noRules},
		{"invalid pattern, preview", url.Values{"pattern": {"a**"}, "action": {"preview"}}, "pattern", "invalid nested repetition operator",
			"a**", http.StatusOK, noRules},
		{"empty pattern", url.Values{"pattern": {""}, "lead": {"10m"}, "channel": {"push"}}, "pattern", "is empty", "", 0, noRules},
		{"bad lead", url.Values{"pattern": {"telecon"}, "lead": {"-5m"}, "channel": {"push"}}, "lead", "is negative", "telecon", 0, noRules},
		{"unknown calendar", url.Values{"pattern": {"telecon"}, "lead": {"5m"}, "channel": {"push"}, "calendar": {"4242"}}, "calendar",
			"no calendar #4242", "telecon", 0, noRules},
	})
	// The live preview's API answers a bad pattern with RE2's message for the field.
	w := f.get("/api/v1/rules/preview?pattern="+url.QueryEscape("(?P<x"), "alice")
	wantStatus(t, "preview of a bad pattern", w, http.StatusUnprocessableEntity)
	var e apiError
	decode(t, w, &e)
	if !strings.Contains(e.Fields["pattern"], "invalid named capture") {
		t.Errorf("got fields %v; want RE2's message for pattern", e.Fields)
	}
}

func TestContactBadInput(t *testing.T) {
	f := sqliteFixture(t)
	unchanged := func(f *fixture) error {
		u, _ := f.st.UserByLogin(context.Background(), "alice")
		if u.Phone != "+41227676111" || u.TimeZone != "Europe/Zurich" || u.Email != "alice@example.org" {
			return errorf("alice changed: %+v", u)
		}
		return nil
	}
	form := func(phone, zone, email, lang string) url.Values {
		return url.Values{"display_name": {"Alice"}, "phone": {phone}, "time_zone": {zone}, "email": {email}, "language": {lang}}
	}
	runFormCases(t, f, "/contact", []formCase{
		{"phone that cannot be normalised", form("12345", "Europe/Zurich", "alice@example.org", "en-GB"), "phone", `"12345" is not a valid phone number`,
			"12345", 0, unchanged},
		{"phone with letters", form("+41 22 CALL ME", "Europe/Zurich", "alice@example.org", "en-GB"), "phone", "", "CALL ME", 0, unchanged},
		{"unknown zone", form("+41 22 767 61 11", "Mars/Olympus", "alice@example.org", "en-GB"), "time_zone", `unknown time zone "Mars/Olympus"`,
			"Mars/Olympus", 0, unchanged},
		{"bad email", form("+41 22 767 61 11", "Europe/Zurich", "alice at example", "en-GB"), "email", "is not an email address", "alice at example", 0, unchanged},
		{"bad language", form("+41 22 767 61 11", "Europe/Zurich", "alice@example.org", "klingon!"), "language", "is not a BCP 47 language tag",
			"klingon!", 0, unchanged},
	})
	// A national number is read in defaults.phone_region (CH) and saved as E.164.
	w := f.post("/contact", "alice", form("022 767 61 12", "Asia/Tokyo", "alice@example.org", "ja-JP"))
	wantStatus(t, "good contact", w, http.StatusSeeOther)
	if u, _ := f.st.UserByLogin(context.Background(), "alice"); u.Phone != "+41227676112" || u.TimeZone != "Asia/Tokyo" {
		t.Errorf("got phone %q zone %q; want +41227676112 and Asia/Tokyo", u.Phone, u.TimeZone)
	}
}

func TestSubscriptionBadInput(t *testing.T) {
	f := sqliteFixture(t)
	p, a := browserKeys(t)
	body := func(endpoint, p256dh, auth string) string {
		return `{"subscription": {"endpoint": "` + endpoint + `", "keys": {"p256dh": "` + p256dh + `", "auth": "` + auth + `"}}}`
	}
	for _, tt := range []struct {
		name, body, field, problem string
		want                       int
	}{
		{"good", body("https://push.example.net/s/1", p, a), "", "", http.StatusOK},
		{"short p256dh", body("https://push.example.net/s/2", p[:60], a), "p256dh", "want an uncompressed P-256 point", 422},
		{"long auth", body("https://push.example.net/s/2", p, a+"AAAA"), "auth", "want 16", 422},
		{"not base64", body("https://push.example.net/s/2", "!!!", a), "p256dh", "is not base64url", 422},
		{"http endpoint", body("http://push.example.net/s/2", p, a), "endpoint", "is not an absolute https URL", 422},
		{"private address", body("https://10.1.2.3/push", p, a), "endpoint", "10.1.2.3 is a private or local address", 422},
		{"loopback v6", body("https://[::1]/push", p, a), "endpoint", "is a private or local address", 422},
		{"name on loopback", body("https://evil.example.net/push", p, a), "endpoint", "resolves to 127.0.0.1", 422},
		{"local name", body("https://localhost/push", p, a), "endpoint", "is a local name", 422},
		{"unresolvable", body("https://nowhere.example.net/push", p, a), "endpoint", "cannot be resolved", 422},
		{"not JSON", `{"subscription": `, "", "bad request body", 422},
		{"unknown field", `{"subscription": {}, "extra": 1}`, "", `unknown field "extra"`, 422},
		{"two values", body("https://push.example.net/s/3", p, a) + "{}", "", "more than one JSON value", 422},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(request{method: "POST", path: "/api/v1/push/subscriptions", as: "alice", json: tt.body})
			wantStatus(t, tt.name, w, tt.want)
			if tt.want == http.StatusOK {
				return
			}
			var e apiError
			decode(t, w, &e)
			got := e.Error
			if tt.field != "" {
				got = e.Fields[tt.field]
			}
			if !strings.Contains(got, tt.problem) {
				t.Errorf("got %+v; want %s: ...%s...", e, tt.field, tt.problem)
			}
		})
	}
	if subs, _ := f.st.ListPushSubscriptions(context.Background(), f.users["alice"].ID, true); len(subs) != 1 {
		t.Errorf("alice has %d subscriptions; want only the good one", len(subs))
	}
}

func TestOversizedBodies(t *testing.T) {
	f := sqliteFixture(t)
	big := strings.Repeat("x", maxBody+1)
	for _, tt := range []request{
		{method: "POST", path: "/register", form: url.Values{"title": {big}}},
		{method: "POST", path: "/contact", form: url.Values{"display_name": {big}}},
		{method: "POST", path: "/api/v1/registrations", json: `{"title": "` + big + `"}`},
		{method: "POST", path: "/signin", form: url.Values{"login": {big}}},
	} {
		tt.as = "alice"
		w := f.do(tt)
		wantStatus(t, tt.path, w, http.StatusRequestEntityTooLarge)
	}
	if err := noRegistrations(f); err != nil {
		t.Error(err)
	}
	// A title over the column's size, within the body limit, is a field error.
	w := f.post("/register", "alice", url.Values{"title": {strings.Repeat("t", 1025)}, "date": {"2099-01-01"}, "time": {"09:00"},
		"zone": {"UTC"}, "lead": {"10m"}, "channel": {"push"}})
	wantStatus(t, "long title", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "is 1025 characters long; at most 1024") {
		t.Errorf("no length error:\n%s", excerpt(w.Body.String()))
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
