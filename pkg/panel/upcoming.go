package panel

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) upcomingPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	up, err := s.reads.UpcomingPage(r.Context(), p.user.ID, s.now())
	if err != nil {
		return err
	}
	v := &view{TitleID: "PanelUpcoming", Nav: "upcoming", Loc: s.zone(p.user.TimeZone), Now: s.now(), lang: s.langOf(r, p)}
	groups, err := s.groupsOfCards(r.Context(), p, up)
	if err != nil {
		return err
	}
	cards, err := upcomingCards(up, groups, v)
	if err != nil {
		return err
	}
	v.Data = cards // template.HTML: "" when there are none
	return s.page(w, r, p, http.StatusOK, "upcoming", v)
}

// groupsOfCards names the group of each of p's group rules, by rule id,
// when a card of up comes from one (nil otherwise: the page most members
// open reads nothing more).
func (s *Server) groupsOfCards(ctx context.Context, p *principal, up []store.Upcoming) (map[int64]string, error) {
	if !slices.ContainsFunc(up, func(u store.Upcoming) bool { return store.GroupRuleOfOrigin(u.Origin) != 0 }) {
		return nil, nil
	}
	rules, err := s.opts.Store.MemberGroupRules(ctx, p.user.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rules))
	for _, r := range rules {
		out[r.ID] = r.GroupName
	}
	return out, nil
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
