package panel

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// adminFilter is what the admin lists filter by, as the query string has it.
type adminFilter struct {
	Query      map[string]string // the filter form's fields, kept
	UserID     int64
	CalendarID int64
	Users      []store.User
	Calendars  []store.Calendar
}

// readFilter reads user= (a login) and calendar= (a name or id) and loads
// the choices of the filter form. An unknown user or calendar is a field
// error shown beside the filter, in the language of v.
func (s *Server) readFilter(ctx context.Context, v *view, q url.Values, keys ...string) (adminFilter, map[string]string, error) {
	f := adminFilter{Query: map[string]string{}}
	errs := map[string]string{}
	for _, k := range append([]string{"user", "calendar"}, keys...) {
		f.Query[k] = q.Get(k)
	}
	var err error
	if f.Users, err = s.opts.Store.ListUsers(ctx); err != nil {
		return f, nil, err
	}
	if f.Calendars, err = s.opts.Store.ListCalendars(ctx); err != nil {
		return f, nil, err
	}
	if login := f.Query["user"]; login != "" {
		u, err := s.opts.Store.UserByLogin(ctx, login)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs["user"] = v.tr("PanelAdminErrNoUser", "Login", strconv.Quote(login))
			f.UserID = -1
		case err != nil:
			return f, nil, err
		default:
			f.UserID = u.ID
		}
	}
	if ref := f.Query["calendar"]; ref != "" {
		c, err := s.opts.Store.CalendarByRef(ctx, ref)
		switch {
		case errors.Is(err, store.ErrNotFound) || store.IsInvalid(err):
			errs["calendar"] = v.tr("PanelAdminErrNoCalendar", "Name", strconv.Quote(ref))
			f.CalendarID = -1
		case err != nil:
			return f, nil, err
		default:
			f.CalendarID = c.ID
		}
	}
	return f, errs, nil
}

type adminRegistrationsData struct {
	Filter        adminFilter
	Registrations []store.RegistrationView
}

func (s *Server) adminRegistrationsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	v := s.adminView(r, p, "PanelAdminRegistrations")
	f, errs, err := s.readFilter(r.Context(), v, q, "status", "upcoming")
	if err != nil {
		return err
	}
	status := store.RegistrationStatus(q.Get("status"))
	if status != "" && status != store.RegistrationActive && status != store.RegistrationCancelled {
		errs["status"] = s.say(v, "choose active or cancelled")
	}
	var regs []store.RegistrationView
	if len(errs) == 0 {
		regs, err = s.opts.Store.ListRegistrationViews(r.Context(), store.RegistrationQuery{UserID: f.UserID, CalendarID: f.CalendarID,
			Status: status, Upcoming: q.Get("upcoming") != ""})
		if err != nil {
			return err
		}
	}
	v.Errors, v.errorsLocalized = errs, true
	v.Data = adminRegistrationsData{Filter: f, Registrations: regs}
	return s.page(w, r, p, filterStatus(errs), "admin_registrations", v)
}

// filterStatus is 200, or 422 when a filter is bad.
func filterStatus(errs map[string]string) int {
	if len(errs) > 0 {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

type adminRulesData struct {
	Filter adminFilter
	Rules  []store.RuleView
}

func (s *Server) adminRulesPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	v := s.adminView(r, p, "PanelRulesHeading")
	f, errs, err := s.readFilter(r.Context(), v, r.URL.Query())
	if err != nil {
		return err
	}
	var rules []store.RuleView
	if len(errs) == 0 {
		if rules, err = s.opts.Store.ListRules(r.Context(), store.RuleFilter{UserID: f.UserID, CalendarID: f.CalendarID}); err != nil {
			return err
		}
	}
	v.Errors, v.errorsLocalized = errs, true
	v.Data = adminRulesData{Filter: f, Rules: rules}
	return s.page(w, r, p, filterStatus(errs), "admin_rules", v)
}

func (s *Server) adminCalendarsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	cals, err := s.opts.Store.ListCalendars(r.Context())
	if err != nil {
		return err
	}
	v := s.adminView(r, p, "PanelAdminCalendars")
	v.Data = cals
	return s.page(w, r, p, http.StatusOK, "admin_calendars", v)
}

type adminDeliveriesData struct {
	Filter     adminFilter
	States     []store.DeliveryState
	Deliveries []store.DeliveryView
	Pager      pager
}

// deliveryLogLimit is how many deliveries a page of the log shows.
const deliveryLogLimit = 200

var deliveryStates = []store.DeliveryState{store.StatePending, store.StateSending, store.StateSent, store.StateFailed,
	store.StateCancelled, store.StateAnswered, store.StateAcknowledged}

// deliveryFilter reads the delivery log's filters for the API: its
// problems in English.
func (s *Server) deliveryFilter(ctx context.Context, q url.Values, p *principal) (adminFilter, store.DeliveryFilter, map[string]string, error) {
	v := &view{Loc: s.zone(p.user.TimeZone), lang: s.cat.Language(locale.Reference.String())}
	return s.deliveryFilterIn(ctx, v, q)
}

// deliveryFilterIn reads the delivery log's filters: user, state, channel,
// and from/to dates (in the zone of v); its problems in the language of v.
func (s *Server) deliveryFilterIn(ctx context.Context, v *view, q url.Values) (adminFilter, store.DeliveryFilter, map[string]string, error) {
	f, errs, err := s.readFilter(ctx, v, q, "state", "channel", "from", "to")
	if err != nil {
		return f, store.DeliveryFilter{}, nil, err
	}
	df := store.DeliveryFilter{UserID: f.UserID, State: store.DeliveryState(q.Get("state")), Limit: deliveryLogLimit}
	var problem string
	if df.Before, problem = readBefore(q); problem != "" {
		errs["before"] = s.say(v, problem)
	}
	if df.State != "" && !validState(df.State) {
		errs["state"] = s.say(v, "not a delivery state")
	}
	if c := q.Get("channel"); c != "" {
		ch, err := schedule.ParseChannel(c)
		if err != nil {
			errs["channel"] = s.say(v, err.Error())
		}
		df.Channel = ch
	}
	loc := v.Loc
	day := func(key string) time.Time {
		raw := q.Get(key)
		if raw == "" {
			return time.Time{}
		}
		t, err := schedule.StartOfDay(raw, loc)
		if err != nil {
			errs[key] = s.say(v, err.Error())
		}
		return t
	}
	df.From = day("from")
	if to := day("to"); !to.IsZero() { // through the end of that day, however long it is
		df.To, _ = schedule.StartOfDay(to.In(loc).AddDate(0, 0, 1).Format(time.DateOnly), loc)
	}
	return f, df, errs, nil
}

func validState(st store.DeliveryState) bool {
	for _, s := range deliveryStates {
		if s == st {
			return true
		}
	}
	return false
}

func (s *Server) adminDeliveriesPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	v := s.adminView(r, p, "PanelAdminDeliveries")
	f, df, errs, err := s.deliveryFilterIn(r.Context(), v, r.URL.Query())
	if err != nil {
		return err
	}
	d := adminDeliveriesData{Filter: f, States: deliveryStates}
	df.Limit++ // to know whether there is a next page
	if len(errs) == 0 {
		ds, err := s.opts.Store.ListDeliveries(r.Context(), df)
		if err != nil {
			return err
		}
		d.Deliveries, d.Pager = pageOf(r, ds, deliveryLogLimit, func(v store.DeliveryView) int64 { return v.ID })
	}
	v.Errors, v.errorsLocalized, v.Data = errs, true, d
	return s.page(w, r, p, filterStatus(errs), "admin_deliveries", v)
}

type adminDeliveryData struct {
	Delivery store.DeliveryView
	Attempts []store.Attempt
}

func (s *Server) adminDeliveryPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	d, attempts, err := s.deliveryDetail(r)
	if err != nil {
		return err
	}
	v := s.adminView(r, p, "")
	v.Title = v.tr("PanelAdminDeliveryTitle", "ID", d.ID)
	v.Data = adminDeliveryData{Delivery: d, Attempts: attempts}
	return s.page(w, r, p, http.StatusOK, "admin_delivery", v)
}

func (s *Server) deliveryDetail(r *http.Request) (store.DeliveryView, []store.Attempt, error) {
	id, err := pathID(r)
	if err != nil {
		return store.DeliveryView{}, nil, err
	}
	d, err := s.opts.Store.DeliveryViewByID(r.Context(), id)
	if err != nil {
		return store.DeliveryView{}, nil, err
	}
	attempts, err := s.opts.Store.AttemptsOfDelivery(r.Context(), id)
	return d, attempts, err
}
