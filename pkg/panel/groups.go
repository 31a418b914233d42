package panel

import (
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// groupsData is the "Groups" page of a member: the groups they are in, and
// their preferences (the channels and leads group rules and messages use).
type groupsData struct {
	Groups []store.Group
	Set    bool // the preferences were ever saved
}

func (s *Server) groupsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	prefs, set, err := s.opts.Store.PreferencesOf(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	f := map[string]string{"channels": schedule.FormatChannels(prefs.Channels), "leads": schedule.FormatLeads(prefs.Leads)}
	if !set {
		f = map[string]string{}
	}
	return s.groupsView(w, r, p, http.StatusOK, set, f, nil)
}

func (s *Server) groupsView(w http.ResponseWriter, r *http.Request, p *principal, status int, set bool, f, errs map[string]string) error {
	groups, err := s.opts.Store.GroupsOf(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	return s.page(w, r, p, status, "groups", &view{TitleID: "PanelGroups", Nav: "groups", Form: f, Errors: errs,
		Data: groupsData{Groups: groups, Set: set}})
}

// groupsPreferences saves the member's preferences: channels in order (the
// first that reaches them is used, the next on failure) and lead times.
func (s *Server) groupsPreferences(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, "channels", "leads")
	if err != nil {
		return err
	}
	errs := map[string]string{}
	channels, err := schedule.ParseChannels(f["channels"])
	if err != nil {
		errs["channels"] = err.Error()
	}
	leads, err := schedule.ParseLeads(f["leads"])
	if err != nil {
		errs["leads"] = err.Error()
	}
	if len(errs) == 0 {
		_, err := s.opts.Store.SetPreferences(r.Context(), p.user.ID, store.Preferences{Channels: channels, Leads: leads})
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, nil)
		case err != nil:
			return err
		default:
			return redirect(w, r, "/groups?done=preferences-saved")
		}
	}
	_, set, err := s.opts.Store.PreferencesOf(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	return s.groupsView(w, r, p, http.StatusUnprocessableEntity, set, f, errs)
}
