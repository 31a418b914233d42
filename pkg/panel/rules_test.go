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

func TestRulesPageAndPreview(t *testing.T) {
	var applied []int64
	f := newFixture(t, sqliteStore(t), func(o *Options) {
		o.ApplyRule = func(_ context.Context, r store.Rule) error { applied = append(applied, r.ID); return nil }
	})
	f.mkEvent("telecons", "Weekly Telecon", 24*time.Hour)
	f.mkEvent("telecons", "Collaboration meeting", 48*time.Hour)
	f.mkEvent("indico", "weekly telecon (extra)", 72*time.Hour)

	// Without JavaScript: the Preview button.
	w := f.post("/rules", "alice", url.Values{"pattern": {"weekly telecon"}, "ignore_case": {"on"}, "action": {"preview"}})
	wantStatus(t, "preview", w, http.StatusOK)
	body := w.Body.String()
	if !strings.Contains(body, "Weekly Telecon") || !strings.Contains(body, "weekly telecon (extra)") || strings.Contains(body, "<li>Collaboration") {
		t.Errorf("preview shows the wrong events:\n%s", excerpt(body))
	}
	// The live preview's API, case-sensitive and limited to one calendar.
	cal, _ := f.st.CalendarByRef(context.Background(), "indico")
	var pv previewJSON
	decode(t, f.get("/api/v1/rules/preview?pattern=weekly&calendar="+itoa(cal.ID), "alice"), &pv)
	if len(pv.Events) != 1 || pv.Events[0].Title != "weekly telecon (extra)" || pv.Events[0].Calendar != "indico" || pv.Pattern != "weekly" {
		t.Errorf("got preview %+v; want the indico event only", pv)
	}
	// One format: the live preview's start as the page writes it, in
	// alice's zone (Europe/Zurich).
	ev := pv.Events[0]
	if want := ev.Start.In(zoneOf("Europe/Zurich")).Format("Mon 2 Jan 15:04"); ev.StartLocal != want {
		t.Errorf("start_local %q; want %q (the page's form, in alice's zone)", ev.StartLocal, want)
	}
	if want := `<span class="when">` + ev.StartLocal + `</span> weekly telecon (extra)`; !strings.Contains(body, want) {
		t.Errorf("the page (Preview button) does not write the start as the live preview does, %q:\n%s", want, excerpt(body))
	}

	w = f.post("/rules", "alice", url.Values{"pattern": {"weekly telecon"}, "ignore_case": {"on"}, "lead": {"5m,1h"},
		"channel": {"push", "call"}, "action": {"save"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/rules?done=rule-created" {
		t.Fatalf("save rule: got %d %q\n%s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
	}
	rules, _ := f.st.ListRules(context.Background(), store.RuleFilter{UserID: f.users["alice"].ID})
	if len(rules) != 1 || rules[0].Pattern != "(?i)weekly telecon" || schedule.FormatLeads(rules[0].Leads) != "1h,5m" {
		t.Fatalf("got rules %+v; want (?i)weekly telecon, 1h and 5m", rules)
	}
	if len(applied) != 1 || applied[0] != rules[0].ID {
		t.Errorf("ApplyRule got %v; want the new rule applied at once", applied)
	}
	id := itoa(rules[0].ID)
	for _, step := range []struct{ path, done string }{{"/rules/" + id + "/pause", "rule-paused"}, {"/rules/" + id + "/resume", "rule-resumed"},
		{"/rules/" + id + "/delete", "rule-deleted"}} {
		w := f.post(step.path, "alice", nil)
		if w.Header().Get("Location") != "/rules?done="+step.done {
			t.Errorf("%s: got %d %q", step.path, w.Code, w.Header().Get("Location"))
		}
	}
	if rules, _ := f.st.ListRules(context.Background(), store.RuleFilter{}); len(rules) != 0 {
		t.Errorf("the rule is still there after delete")
	}
}

// TestRuleNotices: the rules page shows each rule's notice switches ticked
// by default; the form sets them (an unticked box is off), and a value no
// checkbox sends is refused, naming the field, with nothing changed.
func TestRuleNotices(t *testing.T) {
	f := sqliteFixture(t)
	rule := f.rule("alice", "(?i)telecon")
	path := "/rules/" + itoa(rule.ID) + "/notices"
	checked := func(body, name string) bool {
		row := body[strings.Index(body, `id="rule-`+itoa(rule.ID)+`"`):]
		_, after, _ := strings.Cut(row, `name="`+name+`"`)
		return strings.HasPrefix(after, " checked")
	}
	body := f.get("/rules", "alice").Body.String()
	if !checked(body, "moved") || !checked(body, "cancelled") {
		t.Fatalf("a new rule's boxes are not both ticked:\n%s", excerpt(body))
	}
	tests := []struct {
		name     string
		form     url.Values
		status   int
		want     store.RuleNotices
		errField string
	}{
		{"moves only", url.Values{"moved": {"on"}}, http.StatusSeeOther, store.RuleNotices{Moved: true}, ""},
		{"neither", url.Values{}, http.StatusSeeOther, store.RuleNotices{}, ""},
		{"both", url.Values{"moved": {"on"}, "cancelled": {"on"}}, http.StatusSeeOther, store.DefaultRuleNotices, ""},
		{"not a checkbox's value", url.Values{"cancelled": {"maybe"}}, http.StatusUnprocessableEntity, store.DefaultRuleNotices, "cancelled"},
	}
	for _, tt := range tests {
		w := f.post(path, "alice", tt.form)
		if w.Code != tt.status {
			t.Errorf("%s: got %d; want %d\n%s", tt.name, w.Code, tt.status, excerpt(w.Body.String()))
		}
		if tt.status == http.StatusSeeOther && w.Header().Get("Location") != "/rules?done=rule-notices" {
			t.Errorf("%s: got Location %q; want /rules?done=rule-notices", tt.name, w.Header().Get("Location"))
		}
		if tt.errField != "" && !strings.Contains(w.Body.String(), tt.errField+": ") {
			t.Errorf("%s: the answer does not name %q:\n%s", tt.name, tt.errField, excerpt(w.Body.String()))
		}
		if n, err := f.st.RuleNotices(context.Background(), rule.ID); err != nil || n != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, n, err, tt.want)
		}
		body := f.get("/rules", "alice").Body.String()
		if checked(body, "moved") != tt.want.Moved || checked(body, "cancelled") != tt.want.Cancelled {
			t.Errorf("%s: the page's boxes do not show %+v", tt.name, tt.want)
		}
	}
}
