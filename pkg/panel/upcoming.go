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
	return s.page(w, r, p, http.StatusOK, "upcoming", &view{Title: "Upcoming", Nav: "upcoming",
		Data: upcomingCards(up, s.zone(p.user.TimeZone), s.now())})
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

func upcomingCards(up []store.Upcoming, loc *time.Location, now time.Time) []upcomingCard {
	cards := make([]upcomingCard, len(up))
	for i, u := range up {
		c := upcomingCard{ID: u.ID, Title: u.Title, URL: u.URL, Location: u.Location, Message: u.Message,
			Start: schedule.FormatInZone(u.StartAt, loc), StartISO: u.StartAt.UTC().Format(time.RFC3339), Until: until(u.StartAt, now),
			Origin: "Added by hand", Reminders: make([]reminderLine, len(u.Pending))}
		switch {
		case u.RuleID != 0:
			c.Origin = "From a rule"
		case u.EventID != 0:
			c.Origin = "Calendar event"
		}
		for j, rem := range u.Pending {
			c.Reminders[j] = reminderLine{Channel: string(rem.Channel), When: rem.DueAt.In(loc).Format("Mon 2 Jan 15:04"),
				Lead: leadWords(rem.Lead)}
		}
		cards[i] = c
	}
	return cards
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
