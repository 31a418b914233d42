package panel

import (
	"net/http"
	"strconv"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// groupsData is the "Groups" page of a member: the groups they are in,
// each with the group rules that apply to them. Their preferences (the
// channels and leads group rules and messages use) are on the contact page.
type groupsData struct {
	Groups []memberGroup
}

// memberGroup is one of a member's groups with its rules, as they apply
// to the member (paused by an admin, muted by them).
type memberGroup struct {
	store.Group
	Rules []store.MemberGroupRule
}

func (s *Server) groupsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	groups, err := s.opts.Store.GroupsOf(ctx, p.user.ID)
	if err != nil {
		return err
	}
	rules, err := s.opts.Store.MemberGroupRules(ctx, p.user.ID)
	if err != nil {
		return err
	}
	d := groupsData{Groups: make([]memberGroup, len(groups))}
	at := make(map[int64]int, len(groups))
	for i, g := range groups {
		d.Groups[i], at[g.ID] = memberGroup{Group: g}, i
	}
	for _, rule := range rules {
		if i, ok := at[rule.GroupID]; ok { // a group joined between the two reads is on the next
			d.Groups[i].Rules = append(d.Groups[i].Rules, rule)
		}
	}
	return s.page(w, r, p, http.StatusOK, "groups", &view{TitleID: "PanelGroups", Nav: "groups", Data: d})
}

// memberGroupRule finds the group rule {id} if p is in its group: a rule
// of another group, an unknown id or one that is no number is not found,
// as another person's rule is.
func (s *Server) memberGroupRule(r *http.Request, p *principal) (store.MemberGroupRule, error) {
	id, err := pathID(r)
	if err != nil {
		return store.MemberGroupRule{}, err
	}
	return s.opts.Store.MemberGroupRule(r.Context(), p.user.ID, id)
}

// groupRuleMute mutes a rule of one of the member's groups for them
// alone: their pending reminders from it are cancelled (the page says how
// many), the rest of the group keeps theirs.
func (s *Server) groupRuleMute(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.memberGroupRule(r, p)
	if err != nil {
		return err
	}
	removed, err := s.opts.Store.MuteGroupRule(r.Context(), rule.ID, p.user.ID)
	if err != nil {
		return err
	}
	return redirect(w, r, "/groups?done=group-rule-muted&n="+strconv.Itoa(removed.Deliveries))
}

// groupRuleUnmute undoes groupRuleMute. The reminders of the upcoming
// events already synced come back at once when the server can apply the
// rule (Options.ApplyGroupRules), else at the next calendar-sync; a rule
// an admin paused reminds nobody until it is resumed.
func (s *Server) groupRuleUnmute(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.memberGroupRule(r, p)
	if err != nil {
		return err
	}
	was, err := s.opts.Store.UnmuteGroupRule(r.Context(), rule.ID, p.user.ID)
	if err != nil {
		return err
	}
	done := "group-rule-unmuted"
	switch {
	case !rule.Active:
		done = "group-rule-unmuted-paused"
	case was && !s.applyGroupRules(r.Context(), store.MemberRuleFilter{GroupRuleID: rule.ID, UserID: p.user.ID}):
		done = "group-rule-unmuted-later"
	}
	return redirect(w, r, "/groups?done="+done)
}
