package panel

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) adminGroupsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.adminGroupsView(w, r, p, http.StatusOK, nil, nil)
}

func (s *Server) adminGroupsView(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string) error {
	groups, err := s.opts.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	return s.page(w, r, p, status, "admin_groups", &view{TitleID: "PanelAdminGroupsTitle", Nav: "admin", Form: f, Errors: errs, Data: groups})
}

// adminGroupsCreate adds a group, as `pfsnotify group add` does.
func (s *Server) adminGroupsCreate(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "name", "description")
	if err != nil {
		return err
	}
	g, err := s.opts.Store.CreateGroup(r.Context(), store.Group{Name: f["name"], Description: f["description"]})
	switch {
	case store.IsInvalid(err):
		return s.adminGroupsView(w, r, p, http.StatusUnprocessableEntity, f, fieldProblems(err, nil))
	case err != nil:
		return err
	}
	s.log.Info("group added", "group", g.Name, "by", p.user.Login)
	return redirect(w, r, "/admin/groups/"+url.PathEscape(g.Name))
}

// adminGroupData is the page of one group.
type adminGroupData struct {
	Group     store.Group
	Members   []store.User
	Users     []store.User // to choose from
	Rules     []store.GroupRuleView
	Calendars []store.Calendar // for a new rule
}

func (s *Server) adminGroupPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.adminGroupView(w, r, p, http.StatusOK, nil, nil)
}

func (s *Server) adminGroupView(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string) error {
	ctx := r.Context()
	g, err := s.opts.Store.GroupByName(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	members, err := s.opts.Store.GroupMembers(ctx, g.Name)
	if err != nil {
		return err
	}
	users, err := s.opts.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	rules, err := s.opts.Store.ListGroupRules(ctx, g.ID)
	if err != nil {
		return err
	}
	cals, err := s.opts.Store.ListCalendars(ctx)
	if err != nil {
		return err
	}
	if f == nil {
		f = map[string]string{}
	}
	for k, def := range map[string]string{"description": g.Description, "channel": store.DefaultGroupRuleChannels, "lead": store.DefaultGroupRuleLeads} {
		if _, typed := f[k]; !typed {
			f[k] = def
		}
	}
	return s.page(w, r, p, status, "admin_group", &view{TitleID: "PanelAdminGroupsTitle", Nav: "admin", Form: f, Errors: errs,
		Data: adminGroupData{Group: g, Members: members, Users: users, Rules: rules, Calendars: cals}})
}

// adminGroupDescription changes the group's description; one CreateGroup
// would refuse is shown by the field and changes nothing.
func (s *Server) adminGroupDescription(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "description")
	if err != nil {
		return err
	}
	g, err := s.opts.Store.SetGroupDescription(r.Context(), r.PathValue("name"), f["description"])
	switch {
	case store.IsInvalid(err):
		return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, fieldProblems(err, nil))
	case err != nil:
		return err
	}
	s.log.Info("group described", "group", g.Name, "by", p.user.Login)
	return redirect(w, r, groupPage(g.Name, "group-described"))
}

// adminGroupRemove removes the group, as `pfsnotify group remove` does:
// its memberships and rules go, the reminders its rules made are
// cancelled, its people and their history stay. The form's confirm box
// must be ticked.
func (s *Server) adminGroupRemove(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "on" {
		if _, err := s.opts.Store.GroupByName(r.Context(), r.PathValue("name")); err != nil {
			return err
		}
		return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, map[string]string{"confirm": errConfirmRemoval})
	}
	name := r.PathValue("name")
	if err := s.opts.Store.RemoveGroup(r.Context(), name); err != nil {
		return err
	}
	s.log.Info("group removed", "group", name, "by", p.user.Login)
	return redirect(w, r, "/admin/groups?done=group-removed")
}

// errConfirmRemoval is what a removal without its box ticked is told
// (PanelErrConfirmRemoval).
const errConfirmRemoval = "tick the box to confirm the removal"

// groupPage is the page of group name, telling what was done.
func groupPage(name, done string) string {
	return "/admin/groups/" + url.PathEscape(name) + "?done=" + done
}

// adminGroupMembers adds people (logins, separated by commas or spaces) to
// the group; an unknown login changes nothing and is named by the field.
func (s *Server) adminGroupMembers(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "logins")
	if err != nil {
		return err
	}
	g, err := s.opts.Store.GroupByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	logins := splitList(f["logins"])
	if len(logins) == 0 {
		return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, map[string]string{"logins": "give one or more logins"})
	}
	added, err := s.opts.Store.AddGroupMembers(r.Context(), g.Name, logins)
	switch {
	case errors.Is(err, store.ErrNotFound) || store.IsInvalid(err):
		return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, map[string]string{"logins": err.Error()})
	case err != nil:
		return err
	}
	s.log.Info("group members added", "group", g.Name, "logins", logins, "added", added, "by", p.user.Login)
	if added > 0 { // the group's rules remind them of the upcoming events at once, as group member add does
		s.applyGroupRules(r.Context(), store.MemberRuleFilter{GroupID: g.ID})
	}
	return redirect(w, r, "/admin/groups/"+url.PathEscape(g.Name))
}

// adminGroupMemberRemove takes one person out of the group (their account
// and history stay).
func (s *Server) adminGroupMemberRemove(w http.ResponseWriter, r *http.Request, p *principal) error {
	g, err := s.opts.Store.GroupByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if _, err := s.opts.Store.RemoveGroupMembers(r.Context(), g.Name, []string{r.PathValue("login")}); err != nil {
		return err
	}
	s.log.Info("group member removed", "group", g.Name, "login", r.PathValue("login"), "by", p.user.Login)
	return redirect(w, r, "/admin/groups/"+url.PathEscape(g.Name))
}
