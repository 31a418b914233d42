package panel

import (
	"net/http"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) upcomingPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	up, err := s.reads.UpcomingOfUser(r.Context(), p.user.ID, s.now())
	if err != nil {
		return err
	}
	v := &view{TitleID: "PanelUpcoming", Nav: "upcoming", Loc: s.zone(p.user.TimeZone), Now: s.now(), lang: s.langOf(r, p)}
	cards, err := upcomingCards(up, v)
	if err != nil {
		return err
	}
	v.Data = cards
	return s.page(w, r, p, http.StatusOK, "upcoming", v)
}

// upcomingCard is one registration on the Upcoming page, its words ready:
// the page every member opens is rendered from plain strings.
type upcomingCard struct {
	ID                             int64
	Title, URL, Location, Message  string
	Start, StartISO, Until, Origin string
	Reminders                      []reminderLine
}

type reminderLine struct{ Channel, When, Lead string }

// upcomingCards puts up in words, in the language and zone of v.
func upcomingCards(up []store.Upcoming, v *view) ([]upcomingCard, error) {
	cards := make([]upcomingCard, len(up))
	origin := func(id string) string {
		s, _ := v.T(id)
		return s
	}
	hand, rule, event := origin("PanelOriginHand"), origin("PanelOriginRule"), origin("PanelOriginCalendar")
	for i, u := range up {
		start, err := v.InZone(u.StartAt)
		if err != nil {
			return nil, err
		}
		untilStart, err := v.Until(u.StartAt)
		if err != nil {
			return nil, err
		}
		c := upcomingCard{ID: u.ID, Title: u.Title, URL: u.URL, Location: u.Location, Message: u.Message,
			Start: start, StartISO: u.StartAt.UTC().Format(time.RFC3339), Until: untilStart,
			Origin: hand, Reminders: make([]reminderLine, len(u.Pending))}
		switch {
		case u.RuleID != 0:
			c.Origin = rule
		case u.EventID != 0:
			c.Origin = event
		}
		for j, rem := range u.Pending {
			when, err := v.Clock(rem.DueAt)
			if err != nil {
				return nil, err
			}
			lead, err := v.Lead(rem.Lead)
			if err != nil {
				return nil, err
			}
			c.Reminders[j] = reminderLine{Channel: string(rem.Channel), When: when, Lead: lead}
		}
		cards[i] = c
	}
	return cards, nil
}

// leadWords says when a reminder comes: "10 minutes before", "at the start".
func leadWords(d time.Duration) string {
	if d == 0 {
		return "at the start"
	}
	return schedule.HumanLead(d) + " before"
}

// cancelRegistration cancels one registration and its pending reminders:
// the person's own, or anyone's for an admin. Another person's counts as
// not found, so nobody learns which ids exist.
func (s *Server) cancelRegistration(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.cancelOwned(r, p); err != nil {
		return err
	}
	back := "/?done=cancelled"
	if ref := r.PostFormValue("back"); ref == "admin" && p.admin() {
		back = "/admin/registrations?done=cancelled"
	}
	return redirect(w, r, back)
}

// cancelOwned cancels the registration {id} if p owns it.
func (s *Server) cancelOwned(r *http.Request, p *principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	owner := p.user.ID
	if p.admin() {
		owner = 0 // any
	}
	_, err = s.opts.Store.CancelRegistrations(r.Context(), []int64{id}, owner)
	return err
}

// ownedRule finds rule {id} if p owns it; another person's is not found.
func (s *Server) ownedRule(r *http.Request, p *principal) (store.Rule, error) {
	id, err := pathID(r)
	if err != nil {
		return store.Rule{}, err
	}
	rule, err := s.opts.Store.RuleByID(r.Context(), id)
	if err != nil {
		return store.Rule{}, err
	}
	if !p.owns(rule.UserID) {
		return store.Rule{}, store.ErrNotFound
	}
	return rule, nil
}
