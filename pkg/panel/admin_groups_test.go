package panel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// onGroup makes a fresh group with alice in it, and a request about it
// (format takes the group's name).
func onGroup(method, format string, form url.Values) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		return request{method: method, path: fmt.Sprintf(format, freshGroup(f)), form: form}, nil
	}
}

// onGroupRule makes a fresh group with alice in it and a rule of that
// group, and a request about the rule (format takes the group's name and
// the rule's id).
func onGroupRule(method, format string, form url.Values) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		name := freshGroup(f)
		rule, err := f.st.CreateGroupRule(context.Background(), store.GroupRule{GroupName: name, Pattern: "(?i)telecon",
			Channels: []schedule.Channel{schedule.ChannelLog}, Leads: []time.Duration{5 * time.Minute}})
		if err != nil {
			f.t.Fatal(err)
		}
		return request{method: method, path: fmt.Sprintf(format, name, rule.ID), form: form}, nil
	}
}

// freshGroup makes a group of a new name with alice in it.
func freshGroup(f *fixture) string {
	ctx := context.Background()
	name := fmt.Sprintf("wg%d", time.Now().UnixNano()) // some are removed: a count would repeat a name
	if _, err := f.st.CreateGroup(ctx, store.Group{Name: name}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.AddGroupMembers(ctx, name, []string{"alice"}); err != nil {
		f.t.Fatal(err)
	}
	return name
}

// Admins list and add groups and put people in and out of them; bad input
// is shown by field and changes nothing.
func TestAdminGroups(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		ctx := context.Background()
		w := f.post("/admin/groups", "root", url.Values{"name": {"Bad Name!"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="name-error"`) {
			t.Errorf("a bad group name: got %d %s; want 422 on name", w.Code, excerpt(w.Body.String()))
		}
		w = f.post("/admin/groups", "root", url.Values{"name": {"ops"}, "description": {"operations"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/groups/ops" {
			t.Fatalf("add ops: got %d %s", w.Code, excerpt(w.Body.String()))
		}
		w = f.post("/admin/groups/ops/members", "root", url.Values{"logins": {"alice, nobody"}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="logins-error"`) || !strings.Contains(w.Body.String(), "nobody") {
			t.Errorf("an unknown login: got %d %s; want 422 naming nobody", w.Code, excerpt(w.Body.String()))
		}
		if m, _ := st.GroupMembers(ctx, "ops"); len(m) != 0 {
			t.Errorf("after an unknown login: %d members; want none added", len(m))
		}
		wantStatus(t, "add alice and bob", f.post("/admin/groups/ops/members", "root", url.Values{"logins": {"alice bob"}}), http.StatusSeeOther)
		body := f.get("/admin/groups/ops", "root").Body.String()
		if !strings.Contains(body, ">alice</a>") || !strings.Contains(body, ">bob</a>") {
			t.Errorf("the group's page: got %s; want alice and bob", excerpt(body))
		}
		wantStatus(t, "remove bob", f.post("/admin/groups/ops/members/bob/remove", "root", nil), http.StatusSeeOther)
		m, err := st.GroupMembers(ctx, "ops")
		if err != nil || len(m) != 1 || m[0].Login != "alice" {
			t.Errorf("after removing bob: %+v, %v; want alice alone", m, err)
		}
		if _, err := st.UserByLogin(ctx, "bob"); err != nil {
			t.Errorf("bob after leaving the group: %v; want him kept", err)
		}
		if body := f.get("/admin/groups", "root").Body.String(); !strings.Contains(body, `<a href="/admin/groups/ops">ops</a></td><td>operations</td><td>1</td>`) {
			t.Errorf("the list of groups: got %s; want ops with 1 member", excerpt(body))
		}
		wantStatus(t, "an unknown group", f.get("/admin/groups/nogroup", "root"), http.StatusNotFound)
	})
}
