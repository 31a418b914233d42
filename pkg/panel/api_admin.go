package panel

import (
	"net/http"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, _ *principal) error {
	users, err := s.opts.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toUserJSON(u))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// userRequest is the body of POST /api/v1/users and PATCH
// /api/v1/users/{login}; a field left out keeps its value (or default).
type userRequest struct {
	Login       string  `json:"login"`
	DisplayName *string `json:"display_name"`
	Email       *string `json:"email"`
	Phone       *string `json:"phone"`
	TimeZone    *string `json:"time_zone"`
	Language    *string `json:"language"`
	Role        *string `json:"role"`
	Disabled    *bool   `json:"disabled"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	var req userRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	d := s.opts.Config.Defaults
	u := store.User{Login: req.Login, TimeZone: d.TimeZone, Language: d.Language, Role: store.RoleMember}
	ch, err := s.userChanges(req)
	if err != nil {
		return err
	}
	applyChanges(&u, ch)
	if u, err = s.opts.Store.CreateUser(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := s.opts.Store.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	var req userRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Login != "" && !strings.EqualFold(req.Login, u.Login) {
		return fieldErr("login", "cannot be changed")
	}
	ch, err := s.userChanges(req)
	if err != nil {
		return err
	}
	if u.ID == p.user.ID && ((ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != store.RoleAdmin)) {
		return fieldErr("role", "you cannot disable yourself or take away your own admin role")
	}
	if u, err = s.opts.Store.UpdateUser(r.Context(), u.Login, ch); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}

// userChanges reads a userRequest; the phone is normalised to E.164.
func (s *Server) userChanges(req userRequest) (store.UserChanges, error) {
	ch := store.UserChanges{DisplayName: req.DisplayName, Email: req.Email, TimeZone: req.TimeZone, Language: req.Language,
		Disabled: req.Disabled}
	if req.Phone != nil && *req.Phone != "" {
		n, err := phone.Normalize(*req.Phone, s.opts.Config.Defaults.PhoneRegion)
		if err != nil {
			return ch, fieldErr("phone", "%v", err)
		}
		ch.Phone = &n
	} else {
		ch.Phone = req.Phone
	}
	if req.Role != nil {
		role := store.Role(*req.Role)
		ch.Role = &role
	}
	return ch, nil
}

// applyChanges sets the fields of ch on u, for a user not stored yet.
func applyChanges(u *store.User, ch store.UserChanges) {
	for _, f := range []struct {
		to   *string
		from *string
	}{{&u.DisplayName, ch.DisplayName}, {&u.Email, ch.Email}, {&u.Phone, ch.Phone}, {&u.TimeZone, ch.TimeZone}, {&u.Language, ch.Language}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
	}
}

func (s *Server) apiCalendars(w http.ResponseWriter, r *http.Request, _ *principal) error {
	cals, err := s.opts.Store.ListCalendars(r.Context())
	if err != nil {
		return err
	}
	out := make([]calendarJSON, 0, len(cals))
	for _, c := range cals {
		out = append(out, calendarJSON{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Source: c.Source, TimeZone: c.TimeZone,
			LastSyncedAt: optTime(c.LastSyncedAt), LastError: c.LastError})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiDeliveries is the delivery log: ?user=, ?state=, ?channel=, ?from=,
// ?to= (dates in the admin's zone).
func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request, p *principal) error {
	_, df, errs, err := s.deliveryFilter(r.Context(), r.URL.Query(), p)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	ds, err := s.opts.Store.ListDeliveries(r.Context(), df)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDeliveryJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDelivery(w http.ResponseWriter, r *http.Request, _ *principal) error {
	d, attempts, err := s.deliveryDetail(r)
	if err != nil {
		return err
	}
	out := toDeliveryJSON(d)
	for _, a := range attempts {
		out.Log = append(out.Log, attemptJSON{Attempt: a.Attempt, At: a.At.UTC(), Outcome: a.Outcome, ProviderStatus: a.ProviderStatus,
			Detail: a.Detail})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
