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
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A member sets their preferences on the contact page, in a form of their
// own; bad input is shown beside its field and changes nothing.
func TestContactPreferences(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		ctx := context.Background()
		body := f.get("/contact", "alice").Body.String()
		for _, want := range []string{`id="preferences"`, `action="/contact/preferences"`, `id="preferences-unset"`, `id="contact-form"`} {
			if !strings.Contains(body, want) {
				t.Errorf("alice's contact page: got %s; want %q on it", excerpt(body), want)
			}
		}
		w := f.post("/contact/preferences", "alice", url.Values{"channels": {"sms, push"}, "leads": {"2m,10m"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/contact?done=preferences-saved" {
			t.Fatalf("save preferences: got %d %q %s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
		}
		prefs, set, err := st.PreferencesOf(ctx, f.users["alice"].ID)
		want := []schedule.Channel{schedule.ChannelSMS, schedule.ChannelPush}
		if err != nil || !set || len(prefs.Channels) != 2 || prefs.Channels[0] != want[0] || prefs.Channels[1] != want[1] ||
			len(prefs.Leads) != 2 || prefs.Leads[0] != 10*time.Minute || prefs.Leads[1] != 2*time.Minute {
			t.Fatalf("alice's preferences: got %+v, %v, %v; want sms then push, 10m and 2m", prefs, set, err)
		}
		body = f.get("/contact?done=preferences-saved", "alice").Body.String()
		if !strings.Contains(body, `value="sms,push"`) || !strings.Contains(body, `value="10m,2m"`) || !strings.Contains(body, "Preferences saved.") ||
			strings.Contains(body, `id="preferences-unset"`) || !strings.Contains(html.UnescapeString(body), `value="+41227676111"`) {
			t.Errorf("the page after saving: got %s; want the channels in order, the leads, the done message and the contact form as saved", excerpt(body))
		}

		tests := []struct{ name, channels, leads, field, problem string }{
			{"unknown channel", "sms,pigeon", "10m", "channels", `unknown channel "pigeon"`},
			{"no channel", "", "10m", "channels", ""},
			{"a channel for admins", "push,log", "10m", "channels", `"log" is for admins only`},
			{"not a lead", "push", "ten minutes", "leads", `lead time "ten minutes" is not a duration`},
			{"lead too long", "push", "40d", "leads", "is more than 30 days"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := f.post("/contact/preferences", "alice", url.Values{"channels": {tt.channels}, "leads": {tt.leads}})
				body := w.Body.String()
				if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tt.field+`-error"`) || !strings.Contains(body, htmlEscape(tt.problem)) {
					t.Errorf("channels %q leads %q: got %d %s; want 422 with %q beside %s", tt.channels, tt.leads, w.Code, excerpt(body), tt.problem, tt.field)
				}
				if !strings.Contains(body, `value="`+htmlEscape(tt.leads)+`"`) || !strings.Contains(html.UnescapeString(body), `value="+41227676111"`) {
					t.Errorf("channels %q leads %q: the page lost the input or the saved contact:\n%s", tt.channels, tt.leads, excerpt(body))
				}
				if got, _, _ := st.PreferencesOf(ctx, f.users["alice"].ID); len(got.Channels) != 2 || got.Channels[0] != schedule.ChannelSMS || len(got.Leads) != 2 {
					t.Errorf("after bad input: preferences %+v; want them unchanged", got)
				}
			})
		}
		if _, set, _ := st.PreferencesOf(ctx, f.users["bob"].ID); set {
			t.Error("bob has preferences: alice's save touched another person")
		}
		if w := f.post("/groups/preferences", "alice", url.Values{"channels": {"push"}, "leads": {"1m"}}); w.Code != http.StatusNotFound {
			t.Errorf("the old POST /groups/preferences: got %d; want 404 (the form is on the contact page)", w.Code)
		}
	})
}
