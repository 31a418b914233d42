package panel

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// offeredBoxes are the channel checkboxes of a page, in order.
func offeredBoxes(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<input type="checkbox" name="channel" value="([a-z]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestChannelsOffered: the register and rules pages offer the channels the
// configuration sets up, log and webhook to admins only, with a note where
// a channel cannot reach the person yet.
func TestChannelsOffered(t *testing.T) {
	onlyPush := func(c *config.Config) { c.Twilio.AccountSID, c.SMTP.Host = "", "" }
	everything := func(c *config.Config) { c.Webhook.URL = "https://hooks.example.org/pfsnotify" }
	for _, tt := range []struct {
		name   string
		config func(*config.Config)
		as     string
		want   []string
		notes  []string // catalogue IDs the page shows beside the boxes
		absent []string
	}{
		{"push only, member without a browser", onlyPush, "bob", []string{"push"}, []string{"PanelChannelNoBrowser"}, []string{"PanelChannelNoPhone", "PanelChannelAdminOnly"}},
		{"push only, admin", onlyPush, "root", []string{"push", "log"}, []string{"PanelChannelAdminOnly"}, nil},
		{"everything, member with phone and email", everything, "alice", []string{"push", "call", "sms", "email"}, nil,
			[]string{"PanelChannelNoPhone", "PanelChannelNoEmail", "PanelChannelAdminOnly"}},
		{"everything, member without", everything, "bob", []string{"push", "call", "sms", "email"},
			[]string{"PanelChannelNoPhone", "PanelChannelNoEmail"}, []string{"PanelChannelAdminOnly"}},
		{"everything, admin", everything, "root", []string{"push", "call", "sms", "email", "webhook", "log"}, []string{"PanelChannelAdminOnly"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sqliteStore(t), func(o *Options) { tt.config(&o.Config) })
			if tt.as == "alice" {
				f.subscribe("alice", "https://push.example.net/alice") // push reaches her: no note
			}
			lang := f.srv.cat.Language(f.users[tt.as].Language)
			for _, page := range []string{"/register", "/rules"} {
				body := html.UnescapeString(f.get(page, tt.as).Body.String())
				if got := offeredBoxes(body); !slices.Equal(got, tt.want) {
					t.Errorf("%s as %s: got channels %v; want %v", page, tt.as, got, tt.want)
				}
				for _, id := range append(tt.notes, tt.absent...) {
					text, err := lang.T(id, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := strings.Contains(body, text), slices.Contains(tt.notes, id); got != want {
						t.Errorf("%s as %s: note %s (%q) shown: %v; want %v", page, tt.as, id, text, got, want)
					}
				}
			}
		})
	}
}

// TestChannelsNotOfferedRefused: a channel that is not offered, in a crafted
// form or through the API, is the channels field's error and changes
// nothing; an admin may use log.
func TestChannelsNotOfferedRefused(t *testing.T) {
	f := newFixture(t, sqliteStore(t), func(o *Options) { o.Config.SMTP.Host = "" })
	ctx := context.Background()
	count := func() (regs, rules int) {
		rs, err := f.st.ListRegistrations(ctx, store.RegistrationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		rl, err := f.st.ListRules(ctx, store.RuleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(rs), len(rl)
	}
	register := url.Values{"title": {"T"}, "date": {"2099-01-01"}, "time": {"09:00"}, "zone": {"UTC"}, "lead": {"10m"}}
	rule := url.Values{"pattern": {"x"}, "lead": {"10m"}, "action": {"save"}}
	with := func(v url.Values, channels ...string) url.Values {
		out := url.Values{"channel": channels}
		for k, vs := range v {
			out[k] = vs
		}
		return out
	}
	for _, tt := range []struct {
		name    string
		req     request
		problem string // in the channels field; "" when it succeeds
	}{
		{"form: log by a member", request{method: "POST", path: "/register", as: "alice", form: with(register, "push", "log")}, errChannelNotOffered},
		{"form: email not set up", request{method: "POST", path: "/register", as: "alice", form: with(register, "email")}, errChannelNotOffered},
		{"rule form: webhook by a member", request{method: "POST", path: "/rules", as: "alice", form: with(rule, "webhook")}, errChannelNotOffered},
		{"API: log by a member", request{method: "POST", path: "/api/v1/registrations", as: "alice",
			json: `{"start": "2099-01-01 09:00", "title": "T", "channels": ["push", "log"], "leads": ["10m"]}`}, `"log" is for admins only: choose from push, call, sms`},
		{"API: email not set up", request{method: "POST", path: "/api/v1/registrations", as: "root",
			json: `{"start": "2099-01-01 09:00", "title": "T", "channels": ["email"], "leads": ["10m"]}`}, `"email" is not set up on this server: choose from push, call, sms, log`},
		{"API rule: log by a member", request{method: "POST", path: "/api/v1/rules", as: "bob",
			json: `{"pattern": "x", "channels": ["log"], "leads": ["5m"]}`}, `"log" is for admins only`},
		{"API: log by an admin", request{method: "POST", path: "/api/v1/registrations", as: "root",
			json: `{"start": "2099-01-01 09:00", "title": "T", "channels": ["log"], "leads": ["10m"]}`}, ""},
		{"form: log by an admin", request{method: "POST", path: "/rules", as: "root", form: with(rule, "log")}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			regs, rules := count()
			w := f.do(tt.req)
			gotRegs, gotRules := count()
			if tt.problem == "" {
				if w.Code != http.StatusCreated && w.Code != http.StatusSeeOther {
					t.Fatalf("got %d; want success\n%s", w.Code, excerpt(w.Body.String()))
				}
				if gotRegs+gotRules != regs+rules+1 {
					t.Errorf("got %d registrations and %d rules; want one more than %d and %d", gotRegs, gotRules, regs, rules)
				}
				return
			}
			wantStatus(t, tt.name, w, http.StatusUnprocessableEntity)
			if gotRegs != regs || gotRules != rules {
				t.Errorf("got %d registrations and %d rules after a refusal; want %d and %d", gotRegs, gotRules, regs, rules)
			}
			if tt.req.json != "" {
				var e apiError
				decode(t, w, &e)
				if !strings.Contains(e.Fields["channels"], tt.problem) {
					t.Errorf("got fields %v; want channels: %q", e.Fields, tt.problem)
				}
				return
			}
			body := html.UnescapeString(w.Body.String())
			if !strings.Contains(body, `id="channels-error">`+tt.problem) {
				t.Errorf("the form does not say %q beside the channels:\n%s", tt.problem, excerpt(body))
			}
		})
	}
}
