package panel

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// groupsFixture: alice and bob in drp, bob alone in ops; drp's rule
// telecon (every calendar) has registered both for the DRP telecon two
// days ahead (alice on her preferences: sms 30m and 5m; bob on the rule's
// email 10m), drp's rule review is paused, ops's rule night is bob's only.
type groupsFixture struct {
	*fixture
	telecon, review, night store.GroupRule
}

func newGroupsFixture(t *testing.T, st *store.Store) *groupsFixture {
	t.Helper()
	f := &groupsFixture{fixture: newFixture(t, st, func(o *Options) {
		o.ApplyGroupRules = func(ctx context.Context, fl store.MemberRuleFilter) error {
			_, err := calsync.ApplyGroupRules(ctx, st, fl, calsync.Options{}, time.Now())
			return err
		}
	})}
	ctx := context.Background()
	for _, g := range []store.Group{{Name: "drp", Description: "data reduction"}, {Name: "ops", Description: "operations"}} {
		if _, err := st.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddGroupMembers(ctx, "drp", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddGroupMembers(ctx, "ops", []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetPreferences(ctx, f.users["alice"].ID, store.Preferences{Channels: []schedule.Channel{schedule.ChannelSMS},
		Leads: []time.Duration{30 * time.Minute, 5 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	ev := f.mkEvent("telecons", "DRP telecon", 48*time.Hour)
	f.mkEvent("telecons", "Night run", 50*time.Hour)
	mk := func(group, pattern string, calendarID int64) store.GroupRule {
		r, err := st.CreateGroupRule(ctx, store.GroupRule{GroupName: group, Pattern: pattern, CalendarID: calendarID,
			Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{10 * time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f.telecon, f.review, f.night = mk("drp", "(?i)drp telecon", 0), mk("drp", "(?i)review", ev.CalendarID), mk("ops", "^Night run", 0)
	if err := st.SetGroupRuleActive(ctx, f.review.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.opts.ApplyGroupRules(ctx, store.MemberRuleFilter{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// pending describes login's pending reminders: "channel/lead" sorted.
func (f *groupsFixture) pending(login string) string {
	f.t.Helper()
	ds, err := f.st.ListDeliveries(context.Background(), store.DeliveryFilter{UserID: f.users[login].ID, State: store.StatePending})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Channel)+"/"+d.Lead.String())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// follow reads the page a redirect points to, as login.
func (f *groupsFixture) follow(w interface{ Header() http.Header }, login string) string {
	f.t.Helper()
	return html.UnescapeString(f.get(w.Header().Get("Location"), login).Body.String())
}

// A member sees the rules of their own groups, paused or muted, with a
// button to mute or unmute each; another group's rules are not on it.
func TestGroupsPageListsGroupRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newGroupsFixture(t, st)
		if _, err := st.MuteGroupRule(context.Background(), f.telecon.ID, f.users["bob"].ID); err != nil {
			t.Fatal(err)
		}
		rule := func(id int64) string { return fmt.Sprintf(`id="group-rule-%d"`, id) }
		tests := []struct {
			login        string
			want, absent []string
		}{
			{"alice", []string{"<strong>drp</strong>", rule(f.telecon.ID), "(?i)drp telecon", fmt.Sprintf(`action="/groups/rules/%d/mute"`, f.telecon.ID),
				rule(f.review.ID), fmt.Sprintf(`id="group-rule-%d-paused"`, f.review.ID), "paused by an admin", `href="/contact#preferences"`},
				[]string{"<strong>ops</strong>", rule(f.night.ID), "^Night run", fmt.Sprintf(`id="group-rule-%d-muted"`, f.telecon.ID)}},
			{"bob", []string{"<strong>drp</strong>", "<strong>ops</strong>", rule(f.night.ID), fmt.Sprintf(`id="group-rule-%d-muted"`, f.telecon.ID),
				fmt.Sprintf(`action="/groups/rules/%d/unmute"`, f.telecon.ID), fmt.Sprintf(`action="/groups/rules/%d/mute"`, f.night.ID)},
				[]string{fmt.Sprintf(`action="/groups/rules/%d/mute"`, f.telecon.ID)}},
			{"root", []string{`id="groups"`, "You are in no group yet"}, []string{rule(f.telecon.ID), rule(f.night.ID)}},
		}
		for _, tt := range tests {
			w := f.get("/groups", tt.login)
			body := html.UnescapeString(w.Body.String())
			for _, want := range tt.want {
				if !strings.Contains(body, html.UnescapeString(want)) {
					t.Errorf("%s's groups page: got %d %s; want %q on it", tt.login, w.Code, excerpt(body), want)
				}
			}
			for _, absent := range tt.absent {
				if strings.Contains(body, html.UnescapeString(absent)) {
					t.Errorf("%s's groups page has %q; want it absent", tt.login, absent)
				}
			}
		}
	})
}

// Muting cancels the member's pending reminders from the rule, and only
// theirs; unmuting brings them back at once (or says calendar-sync will).
// A rule of another group, an unknown id or no number is not found and
// changes nothing.
func TestGroupRuleMuteAndUnmute(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newGroupsFixture(t, st)
		ctx := context.Background()
		if got, want := f.pending("alice"), "sms/30m0s sms/5m0s"; got != want {
			t.Fatalf("alice before: pending %q; want %q", got, want)
		}
		bobBefore := f.pending("bob")
		if bobBefore != "email/10m0s email/10m0s" { // the DRP telecon and the night run
			t.Fatalf("bob before: pending %q; want email/10m0s twice", bobBefore)
		}

		mute := fmt.Sprintf("/groups/rules/%d/mute", f.telecon.ID)
		w := f.post(mute, "alice", nil)
		if want := "/groups?done=group-rule-muted&n=2"; w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Fatalf("alice mutes g%d: got %d %q; want 303 to %s", f.telecon.ID, w.Code, w.Header().Get("Location"), want)
		}
		if body := f.follow(w, "alice"); !strings.Contains(body, "Muted for you: 2 pending reminders cancelled.") ||
			!strings.Contains(body, fmt.Sprintf(`id="group-rule-%d-muted"`, f.telecon.ID)) {
			t.Errorf("the page after muting: got %s; want it to say 2 cancelled and show the rule muted", excerpt(body))
		}
		if got := f.pending("alice"); got != "" {
			t.Errorf("alice after muting: pending %q; want none", got)
		}
		if got := f.pending("bob"); got != bobBefore {
			t.Errorf("bob after alice muted: pending %q; want his %q kept", got, bobBefore)
		}
		if r, err := st.MemberGroupRule(ctx, f.users["bob"].ID, f.telecon.ID); err != nil || r.Muted {
			t.Errorf("bob's g%d: %+v, %v; want it not muted for him", f.telecon.ID, r, err)
		}
		if w := f.post(mute, "alice", nil); w.Header().Get("Location") != "/groups?done=group-rule-muted&n=0" {
			t.Errorf("muting again: got %d %q; want 0 cancelled", w.Code, w.Header().Get("Location"))
		}

		// Refused: another group's rule, an unknown id, no number; nothing changes.
		for _, path := range []string{
			fmt.Sprintf("/groups/rules/%d/mute", f.night.ID), fmt.Sprintf("/groups/rules/%d/unmute", f.night.ID),
			fmt.Sprintf("/groups/rules/%d/mute", f.night.ID+100), "/groups/rules/abc/mute", "/groups/rules/0/unmute", "/groups/rules/-1/mute",
		} {
			w := f.post(path, "alice", nil)
			if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "not found") {
				t.Errorf("alice POST %s: got %d %s; want 404 not found", path, w.Code, excerpt(w.Body.String()))
			}
		}
		if r, err := st.MemberGroupRule(ctx, f.users["bob"].ID, f.night.ID); err != nil || r.Muted {
			t.Errorf("ops's g%d after alice's tries: %+v, %v; want it there, not muted", f.night.ID, r, err)
		}
		if got := f.pending("bob"); got != bobBefore {
			t.Errorf("bob after alice's tries: pending %q; want %q", got, bobBefore)
		}

		// Unmuting brings hers back at once.
		unmute := fmt.Sprintf("/groups/rules/%d/unmute", f.telecon.ID)
		w = f.post(unmute, "alice", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/groups?done=group-rule-unmuted" {
			t.Fatalf("alice unmutes: got %d %q; want 303 to /groups?done=group-rule-unmuted", w.Code, w.Header().Get("Location"))
		}
		if body := f.follow(w, "alice"); !strings.Contains(body, "are back") || !strings.Contains(body, fmt.Sprintf(`action="/groups/rules/%d/mute"`, f.telecon.ID)) {
			t.Errorf("the page after unmuting: got %s; want it to say they are back, and a mute button", excerpt(body))
		}
		if got, want := f.pending("alice"), "sms/30m0s sms/5m0s"; got != want {
			t.Errorf("alice after unmuting: pending %q; want %q", got, want)
		}

		// A server that cannot apply the rule says calendar-sync brings them back.
		f.post(mute, "alice", nil)
		f.srv.opts.ApplyGroupRules = nil
		w = f.post(unmute, "alice", nil)
		if w.Header().Get("Location") != "/groups?done=group-rule-unmuted-later" || !strings.Contains(f.follow(w, "alice"), "next calendar sync") {
			t.Errorf("unmuting without applying: got %d %q; want the next calendar sync named", w.Code, w.Header().Get("Location"))
		}
		if got := f.pending("alice"); got != "" {
			t.Errorf("alice unmuted, nothing applied yet: pending %q; want none until calendar-sync", got)
		}

		// A paused rule: muted and unmuted, and the page says it is paused.
		review := fmt.Sprintf("/groups/rules/%d/", f.review.ID)
		if w := f.post(review+"mute", "alice", nil); w.Header().Get("Location") != "/groups?done=group-rule-muted&n=0" {
			t.Errorf("muting a paused rule: got %d %q", w.Code, w.Header().Get("Location"))
		}
		w = f.post(review+"unmute", "alice", nil)
		if w.Header().Get("Location") != "/groups?done=group-rule-unmuted-paused" || !strings.Contains(f.follow(w, "alice"), "An admin has paused this rule") {
			t.Errorf("unmuting a paused rule: got %d %q; want it said paused", w.Code, w.Header().Get("Location"))
		}
	})
}

// A reminder from a group rule says on the Upcoming page which group it
// came from, in the member's language.
func TestUpcomingNamesTheGroup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newGroupsFixture(t, st)
		f.register("alice", "Detector review", 72*time.Hour)
		tests := []struct{ login, want string }{
			{"alice", "From group drp"},
			{"bob", "グループ drp から"}, // bob reads Japanese
		}
		for _, tt := range tests {
			body := html.UnescapeString(f.get("/", tt.login).Body.String())
			if !strings.Contains(body, "DRP telecon") || !strings.Contains(body, tt.want) {
				t.Errorf("%s's upcoming page: got %s; want the DRP telecon %q", tt.login, excerpt(body), tt.want)
			}
		}
		if body := html.UnescapeString(f.get("/", "alice").Body.String()); !strings.Contains(body, "Added by hand") {
			t.Errorf("alice's upcoming page: want her own registration still said added by hand:\n%s", excerpt(body))
		}
	})
}

// onMemberGroupRule makes a fresh group with alice in it and a rule of that
// group, muted for alice when muted is set, and a request about the rule
// (format takes its id). Intact: the rule is muted by alice alone, or by
// nobody, as made.
func onMemberGroupRule(format string, muted bool) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		ctx := context.Background()
		name := freshGroup(f)
		rule, err := f.st.CreateGroupRule(ctx, store.GroupRule{GroupName: name, Pattern: "(?i)alice group telecon",
			Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{10 * time.Minute}})
		if err != nil {
			f.t.Fatal(err)
		}
		want := ""
		if muted {
			if _, err := f.st.MuteGroupRule(ctx, rule.ID, f.users["alice"].ID); err != nil {
				f.t.Fatal(err)
			}
			want = "alice"
		}
		return request{method: "POST", path: fmt.Sprintf(format, rule.ID), form: url.Values{}}, func() error {
			rules, err := f.st.ListGroupRules(ctx, 0)
			if err != nil {
				return err
			}
			for _, r := range rules {
				if r.ID == rule.ID {
					if got := strings.Join(r.Muted, ","); got != want {
						return fmt.Errorf("group rule g%d is muted by %q; want %q", rule.ID, got, want)
					}
					return nil
				}
			}
			return fmt.Errorf("group rule g%d is gone", rule.ID)
		}
	}
}
