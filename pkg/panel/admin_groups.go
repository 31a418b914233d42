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
	Group   store.Group
	Members []store.User
	Users   []store.User // to choose from
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
	return s.page(w, r, p, status, "admin_group", &view{TitleID: "PanelAdminGroupsTitle", Nav: "admin", Form: f, Errors: errs,
		Data: adminGroupData{Group: g, Members: members, Users: users}})
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
	_, err = s.opts.Store.AddGroupMembers(r.Context(), g.Name, logins)
	switch {
	case errors.Is(err, store.ErrNotFound) || store.IsInvalid(err):
		return s.adminGroupView(w, r, p, http.StatusUnprocessableEntity, f, map[string]string{"logins": err.Error()})
	case err != nil:
		return err
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
	return redirect(w, r, "/admin/groups/"+url.PathEscape(g.Name))
}
