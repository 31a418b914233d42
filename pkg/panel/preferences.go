package panel

import (
	"context"
	"net/http"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// prefsFields are the fields of the preferences form on the contact page.
var prefsFields = []string{"channels", "leads"}

// storeToPrefsField names the form's field of each store field.
var storeToPrefsField = map[string]string{"channel": "channels", "lead": "leads"}

// savedPreferences puts p's saved preferences in f where f has no input
// of the preferences form, and reports whether p ever saved them.
func (s *Server) savedPreferences(ctx context.Context, p *principal, f map[string]string) (bool, error) {
	prefs, set, err := s.opts.Store.PreferencesOf(ctx, p.user.ID)
	if err != nil {
		return false, err
	}
	if _, posted := f["channels"]; !posted && set {
		f["channels"], f["leads"] = schedule.FormatChannels(prefs.Channels), schedule.FormatLeads(prefs.Leads)
	}
	return set, nil
}

// contactPreferences saves the member's preferences (POST
// /contact/preferences): channels in order (the first that reaches them
// is used, the next on failure), among those offered to them as on the
// rules page, and lead times; group rules and messages use them. Bad
// input is shown beside its field and nothing is saved.
func (s *Server) contactPreferences(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, prefsFields...)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	channels, err := schedule.ParseChannels(f["channels"])
	switch {
	case err != nil:
		errs["channels"] = err.Error()
	case s.notOffered(p, channels) != "": // log and webhook are for admins; a channel not set up here reaches nobody
		errs["channels"] = s.notOffered(p, channels)
	}
	leads, err := schedule.ParseLeads(f["leads"])
	if err != nil {
		errs["leads"] = err.Error()
	}
	if len(errs) == 0 {
		_, err := s.opts.Store.SetPreferences(r.Context(), p.user.ID, store.Preferences{Channels: channels, Leads: leads})
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, storeToPrefsField)
		case err != nil:
			return err
		default:
			return redirect(w, r, "/contact?done=preferences-saved")
		}
	}
	return s.contactForm(w, r, p, http.StatusUnprocessableEntity, f, errs)
}
