package panel

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/broadcast"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// sendFields are the text fields of the "Send a message" form; the groups
// are checkboxes (group).
var sendFields = []string{"users", "title", "message", "channels", "at", "confirm"}

// adminSendData is the "Send a message" page: the groups to choose from,
// those chosen, and, after the first step, the plan to confirm.
type adminSendData struct {
	Groups []store.Group
	Picked []string
	Plan   *broadcast.Plan
	// When is the send time of a planned message, in the admin's zone
	// ("" for now).
	When string
}

// Picks reports whether group name was chosen.
func (d adminSendData) Picks(name string) bool { return slices.Contains(d.Picked, name) }

func (s *Server) adminSendPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.adminSendView(w, r, p, http.StatusOK, adminSendData{}, map[string]string{}, nil)
}

func (s *Server) adminSendView(w http.ResponseWriter, r *http.Request, p *principal, status int, d adminSendData, f, errs map[string]string) error {
	groups, err := s.opts.Store.ListGroups(r.Context())
	if err != nil {
		return err
	}
	d.Groups = groups
	return s.page(w, r, p, status, "admin_send", &view{TitleID: "PanelAdminSendTitle", Nav: "admin", Form: f, Errors: errs, Data: d})
}

// adminSendSubmit is both steps of sending: without confirm it shows who
// will get the message on which channel and who cannot be reached; with
// confirm it plans again (the people may have changed) and queues it, as
// `pfsnotify send` and POST /api/v1/messages do. Bad input is shown by
// field, and nothing is queued.
func (s *Server) adminSendSubmit(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, sendFields...)
	if err != nil {
		return err
	}
	d := adminSendData{Picked: r.PostForm["group"]}
	errs := map[string]string{}
	now := s.now()
	nm := store.NewMessage{Title: f["title"], Body: r.PostForm.Get("message"), CreatedBy: "panel:" + p.user.Login}
	if f["at"] != "" {
		at, err := schedule.ParseAt(f["at"], s.zone(p.user.TimeZone), now)
		if err != nil {
			errs["at"] = err.Error()
		}
		nm.SendAt = at
	}
	audience := store.Audience{Groups: d.Picked, Logins: splitList(f["users"])}
	for _, c := range splitList(f["channels"]) {
		ch, err := schedule.ParseChannel(c)
		if err != nil {
			errs["channels"] = err.Error()
			break
		}
		audience.Channels = append(audience.Channels, ch)
	}
	if len(errs) > 0 {
		return s.adminSendView(w, r, p, http.StatusUnprocessableEntity, d, f, errs)
	}
	b := broadcast.New(s.opts.Store, s.opts.Config)
	plan, err := b.Plan(r.Context(), &nm, audience, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		errs["users"] = err.Error()
	case store.IsInvalid(err):
		errs = fieldProblems(err, map[string]string{"to": "users", "channel": "channels"})
	case err != nil:
		return err
	}
	if len(errs) > 0 {
		return s.adminSendView(w, r, p, http.StatusUnprocessableEntity, d, f, errs)
	}
	if f["confirm"] == "" {
		d.Plan = &plan
		if f["at"] != "" {
			d.When = schedule.FormatInZone(nm.SendAt, s.zone(p.user.TimeZone))
		}
		return s.adminSendView(w, r, p, http.StatusOK, d, f, nil)
	}
	m, queued, err := b.Send(r.Context(), nm, plan)
	if store.IsInvalid(err) {
		d.Plan = &plan
		return s.adminSendView(w, r, p, http.StatusUnprocessableEntity, d, f, fieldProblems(err, map[string]string{"to": "users"}))
	}
	if err != nil {
		return err
	}
	s.log.Info("message queued", "message", m.ID, "deliveries", queued, "by", p.user.Login)
	return redirect(w, r, "/admin/send?done=message-sent")
}

// splitList splits a list typed as "a, b c" into its items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
