package panel

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// groupRulesFixture is a fixture whose panel applies group rules at once
// through calendar-sync's matching, as serve-panel's does, and records what
// it was asked to apply; with group ops (alice, bob) and a DRP telecon two
// days ahead in calendar telecons.
func groupRulesFixture(t *testing.T, st *store.Store) (*fixture, *[]store.MemberRuleFilter) {
	t.Helper()
	var applied []store.MemberRuleFilter
	f := newFixture(t, st, func(o *Options) {
		o.ApplyGroupRules = func(ctx context.Context, mf store.MemberRuleFilter) error {
			applied = append(applied, mf)
			_, err := calsync.ApplyGroupRules(ctx, st, mf, calsync.Options{}, time.Now())
			return err
		}
	})
	ctx := context.Background()
	f.mkEvent("telecons", "DRP telecon", 48*time.Hour)
	if _, err := st.CreateGroup(ctx, store.Group{Name: "ops", Description: "operations"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddGroupMembers(ctx, "ops", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	return f, &applied
}

// groupRulesOf lists the rules of group name.
func groupRulesOf(t *testing.T, st *store.Store, name string) []store.GroupRuleView {
	t.Helper()
	all, err := st.ListGroupRules(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.GroupRuleView
	for _, r := range all {
		if r.GroupName == name {
			out = append(out, r)
		}
	}
	return out
}

// pendingOf counts the pending reminders of the people logins.
func (f *fixture) pendingOf(logins ...string) int {
	f.t.Helper()
	n := 0
	for _, login := range logins {
		ds, err := f.st.ListDeliveries(context.Background(), store.DeliveryFilter{UserID: f.users[login].ID, State: store.StatePending})
		if err != nil {
			f.t.Fatal(err)
		}
		n += len(ds)
	}
	return n
}

// Bad input for a new group rule is a 422 naming the field, and makes
// nothing.
func TestAdminGroupRuleBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f, _ := groupRulesFixture(t, st)
		good := url.Values{"pattern": {"(?i)drp telecon"}, "calendar": {""}, "channel": {"email"}, "lead": {"15m"}}
		with := func(field, value string) url.Values {
			v := url.Values{}
			for k, vs := range good {
				v[k] = vs
			}
			v.Set(field, value)
			return v
		}
		tests := []struct {
			name, field string
			form        url.Values
			wantText    string
		}{
			{"bad regexp", "pattern", with("pattern", "(DRP"), "missing closing )"},
			{"empty pattern", "pattern", with("pattern", ""), "is empty"},
			{"unknown calendar", "calendar", with("calendar", "9999"), "9999"},
			{"not a calendar id", "calendar", with("calendar", "telecons"), "pick a calendar from the list"},
			{"bad channel", "channel", with("channel", "email,pigeon"), "pigeon"},
			{"no channel", "channel", with("channel", ""), "none given"},
			{"bad lead", "lead", with("lead", "soon"), "soon"},
			{"negative lead", "lead", with("lead", "-5m"), ""},
		}
		for _, tt := range tests {
			w := f.post("/admin/groups/ops/rules", "root", tt.form)
			body := html.UnescapeString(w.Body.String())
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tt.field+`-error"`) || !strings.Contains(body, tt.wantText) {
				t.Errorf("%s: got %d %s; want 422 on %s saying %q", tt.name, w.Code, excerpt(body), tt.field, tt.wantText)
			}
		}
		if rules := groupRulesOf(t, st, "ops"); len(rules) != 0 {
			t.Errorf("after bad input: %+v; want no group rule", rules)
		}
		wantStatus(t, "a rule for an unknown group", f.post("/admin/groups/nogroup/rules", "root", good), http.StatusNotFound)
		wantStatus(t, "a rule added by a member", f.post("/admin/groups/ops/rules", "alice", good), http.StatusForbidden)
		if rules := groupRulesOf(t, st, "ops"); len(rules) != 0 {
			t.Errorf("after a member's try: %+v; want no group rule", rules)
		}
	})
}

// An admin adds a group rule (applied at once, as rule add --group does),
// sees it listed, sets its notices, pauses, resumes and removes it; the
// removal says how many pending reminders went.
func TestAdminGroupRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f, applied := groupRulesFixture(t, st)
		ctx := context.Background()
		cal, err := st.CalendarByRef(ctx, "telecons")
		if err != nil {
			t.Fatal(err)
		}
		if body := f.get("/admin/groups/ops", "root").Body.String(); !strings.Contains(body, "No rules for this group yet.") ||
			!strings.Contains(body, `value="push,email"`) || !strings.Contains(body, `value="15m"`) {
			t.Errorf("ops without rules: got %s; want none listed and the shell's fallback in the form", excerpt(body))
		}
		w := f.post("/admin/groups/ops/rules", "root", url.Values{"pattern": {"(?i)drp telecon"}, "calendar": {itoa(cal.ID)},
			"channel": {"email"}, "lead": {"1h"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/groups/ops?done=group-rule-added" {
			t.Fatalf("add a rule: got %d %s %s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
		}
		rules := groupRulesOf(t, st, "ops")
		if len(rules) != 1 || rules[0].Pattern != "(?i)drp telecon" || rules[0].CalendarID != cal.ID || !rules[0].Active {
			t.Fatalf("after adding: %+v; want the rule, active, on telecons", rules)
		}
		rule := rules[0]
		if len(*applied) != 1 || (*applied)[0] != (store.MemberRuleFilter{GroupRuleID: rule.ID}) {
			t.Errorf("applied %+v; want the new rule applied at once", *applied)
		}
		pending := f.pendingOf("alice", "bob")
		if pending == 0 {
			t.Errorf("after adding: no pending reminder; want alice and bob registered for the telecon")
		}
		if _, err := st.MuteGroupRule(ctx, rule.ID, f.users["bob"].ID); err != nil {
			t.Fatal(err)
		}
		pending = f.pendingOf("alice", "bob")
		body := f.get("/admin/groups/ops?done=group-rule-added", "root").Body.String()
		for _, want := range []string{"Group rule added", ">g" + itoa(rule.ID) + "<", "<code>(?i)drp telecon</code>", "<td>telecons</td>",
			"<td>email; 1h</td>", "<td>1 of 2</td>", "<td>active</td>", `name="moved" checked`,
			`action="/admin/groups/ops/rules/` + itoa(rule.ID) + `/pause"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the group's page: no %q in %s", want, excerpt(body))
			}
		}

		// Notices: moves off, cancellations on.
		wantStatus(t, "notices", f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/notices", "root", url.Values{"cancelled": {"on"}}), http.StatusSeeOther)
		if n, err := st.GroupRuleNotices(ctx, rule.ID); err != nil || n != (store.RuleNotices{Moved: false, Cancelled: true}) {
			t.Errorf("notices after the form: got %+v, %v; want moves off, cancellations on", n, err)
		}
		if body := f.get("/admin/groups/ops", "root").Body.String(); strings.Contains(body, `name="moved" checked`) ||
			!strings.Contains(body, `name="cancelled" checked`) {
			t.Errorf("the group's page after the notices: got %s; want moves unticked, cancellations ticked", excerpt(body))
		}
		wantStatus(t, "a bad checkbox value", f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/notices", "root", url.Values{"moved": {"maybe"}}),
			http.StatusUnprocessableEntity)

		// Pause and resume; a resumed rule is applied again.
		for _, tt := range []struct {
			action string
			active bool
			done   string
		}{
			{"pause", false, "Group rule paused"},
			{"resume", true, "Group rule resumed"},
		} {
			w := f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/"+tt.action, "root", nil)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("%s: got %d %s", tt.action, w.Code, excerpt(w.Body.String()))
			}
			if got := groupRulesOf(t, st, "ops"); got[0].Active != tt.active {
				t.Errorf("after %s: active %t; want %t", tt.action, got[0].Active, tt.active)
			}
			if body := f.get(w.Header().Get("Location"), "root").Body.String(); !strings.Contains(body, tt.done) {
				t.Errorf("after %s: got %s; want %q", tt.action, excerpt(body), tt.done)
			}
		}
		if len(*applied) != 2 {
			t.Errorf("applied %+v; want the resumed rule applied again", *applied)
		}

		// Another group's rule is not found under ops; members are refused.
		if _, err := st.CreateGroup(ctx, store.Group{Name: "drp"}); err != nil {
			t.Fatal(err)
		}
		other, err := st.CreateGroupRule(ctx, store.GroupRule{GroupName: "drp", Pattern: "DRP", Channels: rule.Channels, Leads: rule.Leads})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "drp's rule under ops", f.post("/admin/groups/ops/rules/"+itoa(other.ID)+"/pause", "root", nil), http.StatusNotFound)
		wantStatus(t, "an unknown rule", f.post("/admin/groups/ops/rules/99999/remove", "root", nil), http.StatusNotFound)
		wantStatus(t, "a member pausing", f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/pause", "alice", nil), http.StatusForbidden)
		wantStatus(t, "a member removing", f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/remove", "bob", nil), http.StatusForbidden)
		if got := groupRulesOf(t, st, "drp"); len(got) != 1 || !got[0].Active {
			t.Errorf("drp's rule: %+v; want it untouched", got)
		}
		if got := groupRulesOf(t, st, "ops"); len(got) != 1 || !got[0].Active {
			t.Errorf("ops's rule after the refused changes: %+v; want it there and active", got)
		}

		// Removal cancels every member's pending reminders from it, and says how many.
		w = f.post("/admin/groups/ops/rules/"+itoa(rule.ID)+"/remove", "root", nil)
		if want := "/admin/groups/ops?done=group-rule-removed&n=" + itoa(int64(pending)); w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Fatalf("remove: got %d %s; want 303 to %s", w.Code, w.Header().Get("Location"), want)
		}
		if got := groupRulesOf(t, st, "ops"); len(got) != 0 {
			t.Errorf("after removal: %+v; want no rule", got)
		}
		if n := f.pendingOf("alice", "bob"); n != 0 {
			t.Errorf("after removal: %d pending reminders; want none", n)
		}
		for _, tt := range []struct{ reminders, want string }{
			{itoa(int64(pending)), "Group rule removed; " + itoa(int64(pending)) + " pending reminder"},
			{"1", "Group rule removed; 1 pending reminder was cancelled."},
		} {
			if body := f.get("/admin/groups/ops?done=group-rule-removed&n="+tt.reminders, "root").Body.String(); !strings.Contains(body, tt.want) {
				t.Errorf("after removal, reminders=%s: got %s; want %q", tt.reminders, excerpt(body), tt.want)
			}
		}
	})
}

// An admin edits a group's description and removes the group: its people
// stay, its rules' pending reminders are cancelled; bad input and a
// removal without its box ticked change nothing.
func TestAdminGroupEditAndRemove(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f, applied := groupRulesFixture(t, st)
		ctx := context.Background()
		w := f.post("/admin/groups/ops/description", "root", url.Values{"description": {strings.Repeat("x", 256)}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="description-error"`) {
			t.Errorf("a description too long: got %d %s; want 422 on description", w.Code, excerpt(w.Body.String()))
		}
		wantStatus(t, "a member describing", f.post("/admin/groups/ops/description", "alice", url.Values{"description": {"mine"}}), http.StatusForbidden)
		if g, err := st.GroupByName(ctx, "ops"); err != nil || g.Description != "operations" {
			t.Errorf("ops after the refused changes: %+v, %v; want its description kept", g, err)
		}
		w = f.post("/admin/groups/ops/description", "root", url.Values{"description": {"Summit operations"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/groups/ops?done=group-described" {
			t.Fatalf("describe: got %d %s", w.Code, w.Header().Get("Location"))
		}
		if body := f.get("/admin/groups/ops?done=group-described", "root").Body.String(); !strings.Contains(body, "Description saved.") ||
			!strings.Contains(body, `value="Summit operations"`) {
			t.Errorf("after describing: got %s; want the new description", excerpt(body))
		}

		wantStatus(t, "add a rule", f.post("/admin/groups/ops/rules", "root", url.Values{"pattern": {"DRP"}, "channel": {"email"}, "lead": {"1h"}}),
			http.StatusSeeOther)
		if f.pendingOf("alice", "bob") == 0 {
			t.Fatal("no pending reminder from ops's rule; want alice and bob reminded")
		}
		// Someone added to the group gets its rules' reminders at once, as with group member add.
		wantStatus(t, "add root", f.post("/admin/groups/ops/members", "root", url.Values{"logins": {"root"}}), http.StatusSeeOther)
		ops, err := st.GroupByName(ctx, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if last := (*applied)[len(*applied)-1]; last != (store.MemberRuleFilter{GroupID: ops.ID}) || f.pendingOf("root") == 0 {
			t.Errorf("after adding root: applied %+v, root has %d pending; want ops's rules applied to root at once", last, f.pendingOf("root"))
		}
		w = f.post("/admin/groups/ops/remove", "root", url.Values{})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="confirm-error"`) {
			t.Errorf("remove without confirming: got %d %s; want 422 on confirm", w.Code, excerpt(w.Body.String()))
		}
		wantStatus(t, "a member removing", f.post("/admin/groups/ops/remove", "alice", url.Values{"confirm": {"on"}}), http.StatusForbidden)
		if _, err := st.GroupByName(ctx, "ops"); err != nil {
			t.Fatalf("ops after the refused removals: %v; want it kept", err)
		}
		w = f.post("/admin/groups/ops/remove", "root", url.Values{"confirm": {"on"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/groups?done=group-removed" {
			t.Fatalf("remove: got %d %s", w.Code, w.Header().Get("Location"))
		}
		if _, err := st.GroupByName(ctx, "ops"); err == nil {
			t.Errorf("ops after removal: still there")
		}
		for _, login := range []string{"alice", "bob"} {
			if _, err := st.UserByLogin(ctx, login); err != nil {
				t.Errorf("%s after ops was removed: %v; want kept", login, err)
			}
		}
		if n := f.pendingOf("alice", "bob", "root"); n != 0 {
			t.Errorf("after removal: %d pending reminders from ops's rule; want none", n)
		}
		if body := f.get("/admin/groups?done=group-removed", "root").Body.String(); !strings.Contains(body, "Group removed.") {
			t.Errorf("the list after removal: got %s; want it said", excerpt(body))
		}
		wantStatus(t, "removing it again", f.post("/admin/groups/ops/remove", "root", url.Values{"confirm": {"on"}}), http.StatusNotFound)
	})
}
