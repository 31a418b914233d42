package panel

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// groupRuleFields are the form of a new group rule, on the group's page:
// the fallback channels and lead times as rule add --group's --channel
// and --lead take them.
var groupRuleFields = []string{"pattern", "calendar", "channel", "lead"}

// adminGroupRuleCreate adds a rule for every member of the group, as
// `pfsnotify rule add --group` does, and applies it to the events already
// synced. Bad input is shown by field (pattern, calendar, channel, lead)
// and makes nothing.
func (s *Server) adminGroupRuleCreate(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, groupRuleFields...)
	if err != nil {
		return err
	}
	ctx := r.Context()
	g, err := s.opts.Store.GroupByName(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	rule := store.GroupRule{GroupID: g.ID, Pattern: f["pattern"]}
	errs := map[string]string{}
	if rule.CalendarID, err = optionalID(f["calendar"]); err != nil {
		errs["calendar"] = "pick a calendar from the list"
	}
	if rule.Leads, err = schedule.ParseLeads(f["lead"]); err != nil {
		errs["lead"] = err.Error()
	}
	for _, c := range splitList(f["channel"]) {
		rule.Channels = append(rule.Channels, schedule.Channel(c)) // CreateGroupRule checks each
	}
	if len(errs) == 0 {
		rule, err = s.opts.Store.CreateGroupRule(ctx, rule)
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, nil)
		case err != nil:
			return err
		default:
			s.log.Info("group rule added", "rule", groupRuleRef(rule.ID), "group", g.Name, "pattern", rule.Pattern, "by", p.user.Login)
			s.applyGroupRules(ctx, store.MemberRuleFilter{GroupRuleID: rule.ID})
			return redirect(w, r, groupPage(g.Name, "group-rule-added"))
		}
	}
	return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, errs)
}

// applyGroupRules registers the members of the group rules f selects for
// the matching events already synced, and reports whether it did; a
// failure is logged (the next calendar-sync does it).
func (s *Server) applyGroupRules(ctx context.Context, f store.MemberRuleFilter) bool {
	if s.opts.ApplyGroupRules == nil {
		return false
	}
	if err := s.opts.ApplyGroupRules(ctx, f); err != nil {
		s.log.Error("apply group rules to synced events", "rule", f.GroupRuleID, "group", f.GroupID, "user", f.UserID, "err", err)
		return false
	}
	return true
}

// groupRuleRef is how the shell and the logs name a group rule: g3.
func groupRuleRef(id int64) string { return "g" + strconv.FormatInt(id, 10) }

// groupRuleOf finds the group rule {id} of group {name}: not found when it
// is another group's.
func (s *Server) groupRuleOf(r *http.Request) (store.Group, store.GroupRule, error) {
	id, err := pathID(r)
	if err != nil {
		return store.Group{}, store.GroupRule{}, err
	}
	g, err := s.opts.Store.GroupByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return store.Group{}, store.GroupRule{}, err
	}
	rule, err := s.opts.Store.GroupRuleByID(r.Context(), id)
	if err != nil {
		return store.Group{}, store.GroupRule{}, err
	}
	if rule.GroupID != g.ID {
		return store.Group{}, store.GroupRule{}, fmt.Errorf("group rule %s of group %s: %w", groupRuleRef(id), g.Name, store.ErrNotFound)
	}
	return g, rule, nil
}

// adminGroupRuleActive pauses or resumes a group rule, as rule pause and
// rule resume do: resumed, it applies at once to the events synced while
// it was paused.
func (s *Server) adminGroupRuleActive(active bool) handler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		g, rule, err := s.groupRuleOf(r)
		if err != nil {
			return err
		}
		if err := s.opts.Store.SetGroupRuleActive(r.Context(), rule.ID, active); err != nil {
			return err
		}
		if !active {
			s.log.Info("group rule paused", "rule", groupRuleRef(rule.ID), "group", g.Name, "by", p.user.Login)
			return redirect(w, r, groupPage(g.Name, "group-rule-paused"))
		}
		s.log.Info("group rule resumed", "rule", groupRuleRef(rule.ID), "group", g.Name, "by", p.user.Login)
		s.applyGroupRules(r.Context(), store.MemberRuleFilter{GroupRuleID: rule.ID})
		return redirect(w, r, groupPage(g.Name, "group-rule-resumed"))
	}
}

// adminGroupRuleNotices sets whether the registrations the group rule
// made are told of their event moving or being cancelled at short notice
// (calsync.notice_window), as rule notices g3 does: the form's "moved" and
// "cancelled" checkboxes, absent meaning off.
func (s *Server) adminGroupRuleNotices(w http.ResponseWriter, r *http.Request, p *principal) error {
	g, rule, err := s.groupRuleOf(r)
	if err != nil {
		return err
	}
	n, err := noticesForm(r)
	if err != nil {
		return err
	}
	if err := s.opts.Store.SetGroupRuleNotices(r.Context(), rule.ID, n); err != nil {
		return err
	}
	s.log.Info("group rule notices set", "rule", groupRuleRef(rule.ID), "group", g.Name, "moved", n.Moved, "cancelled", n.Cancelled,
		"by", p.user.Login)
	return redirect(w, r, groupPage(g.Name, "group-rule-notices"))
}

// adminGroupRuleRemove removes a group rule, as rule remove g3 does: the
// pending reminders it made for every member are cancelled, and the page
// says how many.
func (s *Server) adminGroupRuleRemove(w http.ResponseWriter, r *http.Request, p *principal) error {
	g, rule, err := s.groupRuleOf(r)
	if err != nil {
		return err
	}
	removed, err := s.opts.Store.RemoveGroupRule(r.Context(), rule.ID)
	if err != nil {
		return err
	}
	s.log.Info("group rule removed", "rule", groupRuleRef(rule.ID), "group", g.Name, "registrations", removed.Registrations,
		"reminders", removed.Deliveries, "by", p.user.Login)
	return redirect(w, r, groupPage(g.Name, "group-rule-removed")+"&n="+strconv.Itoa(removed.Deliveries))
}
