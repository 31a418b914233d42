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
	// Recent are the newest messages, with a cancel for those that still
	// have something to stop.
	Recent []store.MessageView
}

// recentMessages is how many messages the page lists.
const recentMessages = 20

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
	if d.Recent, err = s.opts.Store.RecentMessages(r.Context(), recentMessages); err != nil {
		return err
	}
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

// adminMessageCancel cancels what of a message is not sent yet, as
// `pfsnotify send cancel` does.
func (s *Server) adminMessageCancel(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, n, err := s.cancelMessage(r, p)
	if err != nil {
		return err
	}
	if n == 0 {
		return redirect(w, r, "/admin/send?done=message-nothing-to-cancel")
	}
	return redirect(w, r, "/admin/send?done=message-cancelled")
}

// cancelMessage cancels message {id}'s deliveries not sent yet and returns
// the id and how many; an unknown id is ErrNotFound.
func (s *Server) cancelMessage(r *http.Request, p *principal) (id int64, n int, err error) {
	if id, err = pathID(r); err != nil {
		return 0, 0, err
	}
	if n, err = s.opts.Store.CancelMessage(r.Context(), id); err != nil {
		return 0, 0, err
	}
	s.log.Info("message cancelled", "message", id, "deliveries", n, "by", p.user.Login)
	return id, n, nil
}

// splitList splits a list typed as "a, b c" into its items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
