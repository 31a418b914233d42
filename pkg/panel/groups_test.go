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
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A member sees their own groups, and sets their preferences; bad input is
// shown by field and changes nothing.
func TestGroupsPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		ctx := context.Background()
		for _, g := range []store.Group{{Name: "drp", Description: "data reduction"}, {Name: "ops", Description: "operations"}} {
			if _, err := st.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.AddGroupMembers(ctx, "drp", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddGroupMembers(ctx, "ops", []string{"bob"}); err != nil {
			t.Fatal(err)
		}
		body := f.get("/groups", "alice").Body.String()
		if !strings.Contains(body, "<strong>drp</strong>") || strings.Contains(body, "<strong>ops</strong>") || !strings.Contains(body, `id="preferences-unset"`) {
			t.Errorf("alice's groups page: got %s; want drp, not ops, preferences unset", excerpt(body))
		}
		w := f.post("/groups/preferences", "alice", url.Values{"channels": {"sms, push"}, "leads": {"2m,10m"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/groups?done=preferences-saved" {
			t.Fatalf("save preferences: got %d %s", w.Code, excerpt(w.Body.String()))
		}
		prefs, set, err := st.PreferencesOf(ctx, f.users["alice"].ID)
		want := []schedule.Channel{schedule.ChannelSMS, schedule.ChannelPush}
		if err != nil || !set || len(prefs.Channels) != 2 || prefs.Channels[0] != want[0] || prefs.Channels[1] != want[1] ||
			len(prefs.Leads) != 2 || prefs.Leads[0] != 10*time.Minute || prefs.Leads[1] != 2*time.Minute {
			t.Fatalf("alice's preferences: got %+v, %v, %v; want sms then push, 10m and 2m", prefs, set, err)
		}
		if body := f.get("/groups", "alice").Body.String(); !strings.Contains(body, `value="sms,push"`) {
			t.Errorf("the page after saving: got %s; want the channels shown in order", excerpt(body))
		}

		tests := []struct{ channels, leads, field string }{
			{"sms,pigeon", "10m", "channels"},
			{"", "10m", "channels"},
			{"push", "ten minutes", "leads"},
		}
		for _, tt := range tests {
			w := f.post("/groups/preferences", "alice", url.Values{"channels": {tt.channels}, "leads": {tt.leads}})
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="`+tt.field+`-error"`) {
				t.Errorf("channels %q leads %q: got %d %s; want 422 with an error on %s", tt.channels, tt.leads, w.Code, excerpt(w.Body.String()), tt.field)
			}
		}
		if got, _, _ := st.PreferencesOf(ctx, f.users["alice"].ID); len(got.Channels) != 2 || got.Channels[0] != schedule.ChannelSMS {
			t.Errorf("after bad input: preferences %+v; want them unchanged", got)
		}
		if _, set, _ := st.PreferencesOf(ctx, f.users["bob"].ID); set {
			t.Error("bob has preferences: alice's save touched another person")
		}
	})
}
