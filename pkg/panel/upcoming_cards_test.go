package panel

import (
	"html"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// TestUpcomingCardsAsTemplate: the cards upcomingCards writes are the page
// html/template wrote from testdata/upcoming_cards.html (the same text once
// unescaped), and everything in them is escaped: markup in a title,
// message or place is text, and a link that is not http, https or mailto
// is no link.
func TestUpcomingCardsAsTemplate(t *testing.T) {
	ref := template.Must(template.ParseFiles("testdata/upcoming_cards.html"))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	up := []store.Upcoming{
		{ID: 7, Title: `Review <script>alert("x")</script> & 'more'`, Message: "Room 4-S-030 + <b>bring</b> \"slides\"", StartAt: now.Add(50 * time.Hour),
			Location: "CERN <40-S2>", URL: "https://indico.example.org/event/1?a=1&b=2", EventID: 3,
			Pending: []store.Reminder{{ID: 1, Channel: schedule.ChannelPush, Lead: time.Hour, DueAt: now.Add(49 * time.Hour)},
				{ID: 2, Channel: schedule.ChannelCall, Lead: 0, DueAt: now.Add(50 * time.Hour)}}},
		{ID: 8, Title: "Shift", StartAt: now.Add(3 * time.Minute), RuleID: 2},
		{ID: 9, Title: "Telecon", StartAt: now.Add(26 * time.Hour), URL: "mailto:chair@example.org",
			Pending: []store.Reminder{{ID: 3, Channel: schedule.ChannelSMS, Lead: 10 * time.Minute, DueAt: now.Add(26*time.Hour - 10*time.Minute)}}},
		{ID: 10, Title: "DRP telecon", StartAt: now.Add(27 * time.Hour), EventID: 4, Origin: store.GroupRuleOrigin(5)},
		{ID: 11, Title: "Ops <meeting>", StartAt: now.Add(28 * time.Hour), EventID: 5, Origin: store.GroupRuleOrigin(6)},
		{ID: 12, Title: "Old group", StartAt: now.Add(29 * time.Hour), EventID: 6, Origin: store.GroupRuleOrigin(7)},
	}
	groups := map[int64]string{5: "drp", 6: "<ops>"} // 7: a rule the page does not know
	f := sqliteFixture(t)
	for _, lang := range []string{"en-GB", "ja-JP"} {
		v := &view{Loc: zoneOf("Asia/Tokyo"), Now: now, lang: f.srv.cat.Language(lang)}
		got, err := upcomingCards(up, groups, v)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceCards(t, ref, up, groups, v)
		if html.UnescapeString(string(got)) != html.UnescapeString(want) {
			t.Errorf("%s: upcomingCards wrote\n%s\nwant what the template wrote:\n%s", lang, got, want)
		}
		for _, raw := range []string{"<script", "<b>", "<40-S2>", `"slides"`, "'more'", "<ops>", "<meeting>"} {
			if strings.Contains(string(got), raw) {
				t.Errorf("%s: %q is in the page unescaped:\n%s", lang, raw, got)
			}
		}
	}

	// A link a feed could carry that is not the web's: shown as text.
	v := &view{Loc: time.UTC, Now: now, lang: f.srv.cat.Language("en-GB")}
	for _, bad := range []string{"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil.example/x", "%zz"} {
		got, err := upcomingCards([]store.Upcoming{{ID: 1, Title: "T", StartAt: now.Add(time.Hour), URL: bad}}, nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(got), "<a ") {
			t.Errorf("URL %q: got a link; want the title as text:\n%s", bad, got)
		}
	}
}

// referenceCards executes the template the cards were written with before.
func referenceCards(t *testing.T, ref *template.Template, up []store.Upcoming, groups map[int64]string, v *view) string {
	t.Helper()
	must := func(s string, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	type line struct{ Channel, When, Lead string }
	type card struct {
		ID                                             int64
		Title, URL, Location, Message, Start, StartISO string
		Until, Origin                                  string
		Reminders                                      []line
	}
	data := struct {
		Reminders, NoneLeft, Cancel string
		Cards                       []card
	}{must(v.T("PanelReminders")), must(v.T("PanelNoReminderLeft")), must(v.T("PanelCancel")), nil}
	for _, u := range up {
		c := card{ID: u.ID, Title: u.Title, URL: u.URL, Location: u.Location, Message: u.Message, Start: must(v.InZone(u.StartAt)),
			StartISO: u.StartAt.UTC().Format(time.RFC3339), Until: must(v.Until(u.StartAt)), Origin: must(v.T("PanelOriginHand"))}
		switch {
		case u.RuleID != 0:
			c.Origin = must(v.T("PanelOriginRule"))
		case store.GroupRuleOfOrigin(u.Origin) != 0 && groups[store.GroupRuleOfOrigin(u.Origin)] != "":
			c.Origin = must(v.T("PanelOriginGroup", "Group", groups[store.GroupRuleOfOrigin(u.Origin)]))
		case store.GroupRuleOfOrigin(u.Origin) != 0:
			c.Origin = must(v.T("PanelOriginGroupRule"))
		case u.EventID != 0:
			c.Origin = must(v.T("PanelOriginCalendar"))
		}
		for _, r := range u.Pending {
			c.Reminders = append(c.Reminders, line{string(r.Channel), must(v.Clock(r.DueAt)), must(v.Lead(r.Lead))})
		}
		data.Cards = append(data.Cards, c)
	}
	var b strings.Builder
	if err := ref.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n") // the file's last newline
}
