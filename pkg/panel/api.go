package panel

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, p *principal) error {
	writeJSON(w, http.StatusOK, toUserJSON(p.user))
	return nil
}

// meUpdate is the body of PUT /api/v1/me: the contact fields; a field left
// out keeps its value.
type meUpdate struct {
	DisplayName *string `json:"display_name"`
	Email       *string `json:"email"`
	Phone       *string `json:"phone"`
	TimeZone    *string `json:"time_zone"`
	Language    *string `json:"language"`
}

func (s *Server) apiMeUpdate(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req meUpdate
	if err := readJSON(r, &req); err != nil {
		return err
	}
	u := p.user
	f := map[string]string{"display_name": u.DisplayName, "email": u.Email, "phone": u.Phone, "time_zone": u.TimeZone, "language": u.Language}
	for k, v := range map[string]*string{"display_name": req.DisplayName, "email": req.Email, "phone": req.Phone,
		"time_zone": req.TimeZone, "language": req.Language} {
		if v != nil {
			f[k] = strings.TrimSpace(*v)
		}
	}
	ch, errs := s.contactChanges(f)
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	nu, err := s.opts.Store.UpdateUser(r.Context(), u.Login, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(nu))
	return nil
}

// fieldErrors turns a form's problems into one error of FieldErrors.
func fieldErrors(errs map[string]string) error {
	var all []error
	for k, v := range errs {
		all = append(all, &store.FieldError{Field: k, Problem: v})
	}
	return errors.Join(all...)
}

func (s *Server) apiUpcoming(w http.ResponseWriter, r *http.Request, p *principal) error {
	up, err := s.reads.UpcomingOfUser(r.Context(), p.user.ID, s.now())
	if err != nil {
		return err
	}
	out := make([]registrationJSON, 0, len(up))
	for _, u := range up {
		out = append(out, registrationJSON{ID: u.ID, EventID: u.EventID, RuleID: u.RuleID, Origin: u.Origin, Title: u.Title,
			Message: u.Message, Start: u.StartAt.UTC(), TimeZone: u.TimeZone, Channels: channelNames(u.Channels), Leads: leadNames(u.Leads),
			Status: string(store.RegistrationActive), Reminders: upcomingReminders(u.Pending)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiEvents lists the upcoming synced events; ?pattern= (RE2) and
// ?calendar= (a name or id) narrow them.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	now := s.now()
	filter := store.EventFilter{From: now, To: now.Add(s.opts.Config.Calsync.Horizon), Limit: eventChoices}
	if pat := q.Get("pattern"); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			return fieldErr("pattern", "%v", err)
		}
		filter.TitlePattern = re
	}
	if ref := q.Get("calendar"); ref != "" {
		c, err := s.opts.Store.CalendarByRef(r.Context(), ref)
		if err != nil {
			return err
		}
		filter.CalendarID = c.ID
	}
	events, err := s.opts.Store.ListEvents(r.Context(), filter)
	if err != nil {
		return err
	}
	names, err := s.calendarNames(r.Context())
	if err != nil {
		return err
	}
	v := s.memberView(r, p)
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		ev, err := toEventJSON(eventChoice{Event: e, Calendar: names[e.CalendarID]}, v)
		if err != nil {
			return err
		}
		out = append(out, ev)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// subjectUser is whom a request is about: the person asking, or, for an
// admin, the user ?user= or the body names. A member naming someone else
// is refused.
func (s *Server) subjectUser(r *http.Request, p *principal, login string) (store.User, error) {
	if login == "" || strings.EqualFold(login, p.user.Login) {
		return p.user, nil
	}
	if !p.admin() {
		return store.User{}, errAdminOnly
	}
	u, err := s.opts.Store.UserByLogin(r.Context(), login)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fieldErr("user", "no user %q", login)
	}
	return u, err
}

// listedUser is whose things a list shows: ?user= absent or the person's
// own login, them; an admin's ?user=LOGIN, that user; an admin's ?user=*,
// everyone (0).
func (s *Server) listedUser(r *http.Request, p *principal) (int64, error) {
	login := r.URL.Query().Get("user")
	if login == "*" {
		if !p.admin() {
			return 0, errAdminOnly
		}
		return 0, nil
	}
	u, err := s.subjectUser(r, p, login)
	return u.ID, err
}

// apiRegistrations lists registrations: the person's own; an admin's
// ?user=LOGIN someone's, ?user=* everyone's. ?status=active|cancelled,
// ?upcoming=1, ?calendar= narrow them.
func (s *Server) apiRegistrations(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	query := store.RegistrationQuery{Status: store.RegistrationStatus(q.Get("status")), Upcoming: q.Get("upcoming") != ""}
	switch query.Status {
	case "", store.RegistrationActive, store.RegistrationCancelled:
	default:
		return fieldErr("status", "%q is not a status (active or cancelled)", query.Status)
	}
	userID, err := s.listedUser(r, p)
	if err != nil {
		return err
	}
	query.UserID = userID
	if ref := q.Get("calendar"); ref != "" {
		c, err := s.opts.Store.CalendarByRef(r.Context(), ref)
		if err != nil {
			return err
		}
		query.CalendarID = c.ID
	}
	views, err := s.opts.Store.ListRegistrationViews(r.Context(), query)
	if err != nil {
		return err
	}
	out := make([]registrationJSON, 0, len(views))
	for _, v := range views {
		j := toRegistrationJSON(v.Registration)
		j.User, j.NextDueAt = v.UserLogin, optTime(v.NextDueAt)
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// registerRequest is the body of POST /api/v1/registrations: an event
// (event_id), or a start ("2026-12-01 09:00" in time_zone, or with an
// offset) and a title.
type registerRequest struct {
	User     string   `json:"user"` // admins only; default: the person asking
	EventID  int64    `json:"event_id"`
	Start    string   `json:"start"`
	TimeZone string   `json:"time_zone"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Channels []string `json:"channels"`
	Leads    []string `json:"leads"`
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req registerRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	u, err := s.subjectUser(r, p, req.User)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	nr := store.NewRegistration{UserID: u.ID, EventID: req.EventID, Title: strings.TrimSpace(req.Title), Message: req.Message,
		TimeZone: req.TimeZone, CreatedBy: p.user.Login, AllDayAt: s.opts.Config.Calsync.AllDay()}
	if nr.Channels, err = schedule.ParseChannels(strings.Join(req.Channels, ",")); err != nil {
		errs["channels"] = err.Error()
	} else if why := s.notOffered(p, nr.Channels); why != "" {
		errs["channels"] = why
	}
	if nr.Leads, err = schedule.ParseLeads(strings.Join(req.Leads, ",")); err != nil {
		errs["leads"] = err.Error()
	}
	if req.EventID == 0 {
		if nr.TimeZone == "" {
			nr.TimeZone = u.TimeZone
		}
		loc, err := schedule.LoadZone(nr.TimeZone)
		if err != nil {
			errs["time_zone"] = err.Error()
		} else if nr.StartAt, err = schedule.ParseLocalTime(req.Start, loc); err != nil {
			errs["start"] = err.Error()
		}
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	reg, created, skipped, err := s.opts.Store.RegisterPanel(r.Context(), nr)
	if errors.Is(err, store.ErrConflict) {
		return &httpError{status: http.StatusConflict, msg: "registered for this event already"}
	}
	if err != nil {
		return err
	}
	out := toRegistrationJSON(reg)
	out.User, out.Reminders = u.Login, toReminders(created)
	writeJSON(w, http.StatusCreated, struct {
		registrationJSON
		Skipped int `json:"skipped_reminders"`
	}{out, len(skipped)})
	return nil
}

func (s *Server) apiCancelRegistration(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.cancelOwned(r, p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
