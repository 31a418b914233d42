package panel

import (
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// upcomingCards writes the Upcoming page's cards, in the language and zone
// of v, as HTML: the page every member opens is the one page whose
// repeated part is written here rather than by html/template, which calls
// its escapers through reflection for each of the 12 or so values of a
// card (two thirds of the page's rendering; bench/README.md). Every value
// is escaped here, as html/template would: text and attribute values with
// html.EscapeString, a link only for an http, https or mailto URL (any
// other is shown as text). TestUpcomingCardsAsTemplate holds it to the
// template it replaces (testdata/upcoming_cards.html). groups names the
// group of each group rule whose registrations are among up, by rule id.
func upcomingCards(up []store.Upcoming, groups map[int64]string, v *view) (template.HTML, error) {
	if len(up) == 0 {
		return "", nil
	}
	var words [6]string
	for i, id := range []string{"PanelOriginHand", "PanelOriginRule", "PanelOriginCalendar", "PanelReminders", "PanelNoReminderLeft", "PanelCancel"} {
		w, err := v.T(id)
		if err != nil {
			return "", err
		}
		words[i] = html.EscapeString(w)
	}
	hand, rule, event, reminders, noneLeft, cancel := words[0], words[1], words[2], words[3], words[4], words[5]
	leads := map[time.Duration]string{} // a page's reminders have few leads: each said once
	fromGroup := map[int64]string{}     // and few group rules
	var b strings.Builder
	b.Grow(600 * len(up))
	text := func(s string) { b.WriteString(html.EscapeString(s)) }
	b.WriteString(`<ul class="cards" id="upcoming">`)
	for _, u := range up {
		start, err := v.InZone(u.StartAt)
		if err != nil {
			return "", err
		}
		untilStart, err := v.Until(u.StartAt)
		if err != nil {
			return "", err
		}
		b.WriteString("\n<li class=\"card\">\n  <div class=\"card-head\">\n    <h2>")
		if link := safeURL(u.URL); link != "" {
			b.WriteString(`<a href="`)
			text(link)
			b.WriteString(`" rel="noopener noreferrer">`)
			text(u.Title)
			b.WriteString(`</a>`)
		} else {
			text(u.Title)
		}
		b.WriteString("</h2>\n    <p class=\"when\"><time datetime=\"")
		b.WriteString(u.StartAt.UTC().Format(time.RFC3339)) // digits, '-', ':', 'T', 'Z': nothing to escape
		b.WriteString(`">`)
		text(start)
		b.WriteString(`</time> <span class="muted">`)
		text(untilStart)
		b.WriteString("</span></p>\n  </div>")
		if u.Location != "" {
			b.WriteString(`<p class="muted">`)
			text(u.Location)
			b.WriteString("</p>")
		}
		if u.Message != "" {
			b.WriteString("<p>")
			text(u.Message)
			b.WriteString("</p>")
		}
		b.WriteString("\n  <ul class=\"reminders\" aria-label=\"")
		b.WriteString(reminders)
		b.WriteString(`">`)
		for _, rem := range u.Pending {
			when, err := v.Clock(rem.DueAt)
			if err != nil {
				return "", err
			}
			lead, ok := leads[rem.Lead]
			if !ok {
				if lead, err = v.Lead(rem.Lead); err != nil {
					return "", err
				}
				leads[rem.Lead] = lead
			}
			b.WriteString("\n    <li><span class=\"chan\">")
			text(string(rem.Channel))
			b.WriteString("</span> ")
			text(when)
			b.WriteString(` <span class="muted">`)
			text(lead)
			b.WriteString("</span></li>")
		}
		if len(u.Pending) == 0 {
			b.WriteString("\n    <li class=\"muted\">")
			b.WriteString(noneLeft)
			b.WriteString("</li>")
		}
		origin := hand
		switch {
		case u.RuleID != 0:
			origin = rule
		case store.GroupRuleOfOrigin(u.Origin) != 0:
			if origin, err = groupOrigin(store.GroupRuleOfOrigin(u.Origin), groups, fromGroup, v); err != nil {
				return "", err
			}
		case u.EventID != 0:
			origin = event
		}
		b.WriteString("\n  </ul>\n  <div class=\"card-foot\">\n    <span class=\"muted\">")
		b.WriteString(origin)
		b.WriteString("</span>\n    <form method=\"post\" action=\"/registrations/")
		b.WriteString(strconv.FormatInt(u.ID, 10))
		b.WriteString("/cancel\" class=\"inline\"><button type=\"submit\" class=\"danger small\">")
		b.WriteString(cancel)
		b.WriteString("</button></form>\n  </div>\n</li>")
	}
	b.WriteString("\n</ul>")
	return template.HTML(b.String()), nil
}

// groupOrigin says, escaped, that a card comes from group rule id: "From
// group drp" (its group in groups), or from a group's rule when groups
// does not know it. said keeps what was said for each rule.
func groupOrigin(id int64, groups map[int64]string, said map[int64]string, v *view) (string, error) {
	if s, ok := said[id]; ok {
		return s, nil
	}
	var s string
	var err error
	if name, ok := groups[id]; ok {
		s, err = v.T("PanelOriginGroup", "Group", name)
	} else {
		s, err = v.T("PanelOriginGroupRule")
	}
	if err != nil {
		return "", err
	}
	said[id] = html.EscapeString(s)
	return said[id], nil
}

// safeURL is raw, normalised, when it is an absolute http, https or
// mailto URL (an event's meeting link from a calendar feed), else "".
func safeURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return u.String()
	}
	return ""
}
