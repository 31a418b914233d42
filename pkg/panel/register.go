package panel

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// eventChoices is how many upcoming events the register page offers.
const eventChoices = 300

// registerData is what the register page shows besides the form.
type registerData struct {
	Events    []eventChoice
	Zones     []string
	Calendars map[int64]string
	Channels  []channelChoice // the channels offered to the person
}

type eventChoice struct {
	store.Event
	Calendar string
}

// registerFields are the register form's fields.
var registerFields = []string{"event", "date", "time", "zone", "title", "message", "lead", "channels"}

// storeToRegisterField renames the store's fields to the form's.
var storeToRegisterField = map[string]string{"time_zone": "zone", "start": "time", "channel": "channels", "user": "event"}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	f := map[string]string{"zone": p.user.TimeZone, "lead": "10m", "channels": s.defaultChannel(p), "event": r.URL.Query().Get("event")}
	return s.registerForm(w, r, p, http.StatusOK, f, nil)
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string) error {
	data, err := s.registerData(r.Context())
	if err != nil {
		return err
	}
	v := &view{TitleID: "PanelRegisterTitle", Nav: "register", Form: f, Errors: errs, lang: s.langOf(r, p)}
	if data.Channels, err = s.channelChoices(r.Context(), p, v); err != nil {
		return err
	}
	v.Data = data
	return s.page(w, r, p, status, "register", v)
}

func (s *Server) registerData(ctx context.Context) (registerData, error) {
	now := s.now()
	events, err := s.opts.Store.ListEvents(ctx, store.EventFilter{From: now, To: now.Add(s.opts.Config.Calsync.Horizon), Limit: eventChoices})
	if err != nil {
		return registerData{}, err
	}
	names, err := s.calendarNames(ctx)
	if err != nil {
		return registerData{}, err
	}
	out := registerData{Calendars: names, Zones: commonZones}
	for _, e := range events {
		out.Events = append(out.Events, eventChoice{Event: e, Calendar: names[e.CalendarID]})
	}
	return out, nil
}

func (s *Server) calendarNames(ctx context.Context) (map[int64]string, error) {
	cals, err := s.opts.Store.ListCalendars(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(cals))
	for _, c := range cals {
		names[c.ID] = c.Name
	}
	return names, nil
}

func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, registerFields...)
	if err != nil {
		return err
	}
	channels, chErr := checkedChannels(r)
	f["channels"] = channels
	nr, errs := s.newRegistration(f, p.user)
	switch {
	case chErr != nil:
		errs["channels"] = chErr.Error()
	case s.notOffered(p, nr.Channels) != "":
		errs["channels"] = errChannelNotOffered
	}
	if len(errs) == 0 {
		_, _, skipped, err := s.opts.Store.RegisterPanel(r.Context(), nr)
		switch {
		case errors.Is(err, store.ErrConflict):
			errs["event"] = "you are registered for this event already: see Upcoming"
		case store.IsInvalid(err):
			errs = fieldProblems(err, storeToRegisterField)
		case err != nil:
			return err
		case len(skipped) > 0:
			return redirect(w, r, "/?done=registered-skipped")
		default:
			return redirect(w, r, "/?done=registered")
		}
	}
	return s.registerForm(w, r, p, http.StatusUnprocessableEntity, f, errs)
}

// newRegistration reads the register form for u; errs has a problem per
// field. Either an event is picked, or date, time, zone and title are given.
func (s *Server) newRegistration(f map[string]string, u store.User) (store.NewRegistration, map[string]string) {
	errs := map[string]string{}
	nr := store.NewRegistration{UserID: u.ID, Title: f["title"], Message: f["message"], CreatedBy: u.Login,
		AllDayAt: s.opts.Config.Calsync.AllDay()}
	if channels, err := schedule.ParseChannels(f["channels"]); err == nil {
		nr.Channels = channels
	}
	leads, err := schedule.ParseLeads(f["lead"])
	if err != nil {
		errs["lead"] = err.Error()
	}
	nr.Leads = leads
	if f["event"] != "" {
		id, err := strconv.ParseInt(f["event"], 10, 64)
		if err != nil || id <= 0 {
			errs["event"] = "pick an event from the list"
		}
		nr.EventID = id
		return nr, errs
	}
	loc, err := schedule.LoadZone(f["zone"])
	if err != nil {
		errs["zone"] = err.Error()
	}
	switch {
	case f["date"] == "":
		errs["date"] = "pick a date, or an event from the list"
	case f["time"] == "":
		errs["time"] = "give the time the event starts"
	case loc != nil:
		start, err := schedule.ParseLocalTime(f["date"]+" "+f["time"], loc)
		if err != nil {
			errs["time"] = err.Error()
		} else if !start.After(s.now()) {
			errs["time"] = schedule.FormatInZone(start, loc) + " is in the past"
		}
		nr.StartAt = start
	}
	if f["title"] == "" {
		errs["title"] = "give the event a title"
	}
	nr.TimeZone = f["zone"]
	return nr, errs
}

// commonZones are offered as suggestions for the zone field; any IANA zone works.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Paris", "Europe/Zurich", "Europe/Berlin", "America/New_York", "America/Chicago",
	"America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Shanghai", "Asia/Kolkata",
	"Australia/Sydney",
}
