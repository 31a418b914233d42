package panel

import (
	"net/http"
	"net/url"

	"github.com/pfsnotify/pfsnotify/pkg/phone"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

var userFields = []string{"login", "display_name", "email", "phone", "time_zone", "language", "role", "disabled"}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	d := s.opts.Config.Defaults
	return s.adminUsersView(w, r, p, http.StatusOK, map[string]string{"time_zone": d.TimeZone, "language": d.Language, "role": "member"}, nil)
}

func (s *Server) adminUsersView(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string) error {
	users, err := s.opts.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	v := s.adminView(r, p, "PanelAdminUsers")
	v.Form, v.Errors, v.Data = f, errs, users
	return s.page(w, r, p, status, "admin_users", v)
}

func (s *Server) adminUsersCreate(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, userFields...)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	e164 := ""
	if f["phone"] != "" {
		if e164, err = phone.Normalize(f["phone"], s.opts.Config.Defaults.PhoneRegion); err != nil {
			errs["phone"] = err.Error()
		}
	}
	if len(errs) == 0 {
		u, err := s.opts.Store.CreateUser(r.Context(), store.User{Login: f["login"], DisplayName: f["display_name"], Email: f["email"],
			Phone: e164, TimeZone: f["time_zone"], Language: f["language"], Role: store.Role(f["role"])})
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, nil)
		case err != nil:
			return err
		default:
			return redirect(w, r, "/admin/users/"+url.PathEscape(u.Login)+"?done=user-saved")
		}
	}
	return s.adminUsersView(w, r, p, http.StatusUnprocessableEntity, f, errs)
}

// adminUserData is the page of one user.
type adminUserData struct {
	Subject     store.User
	NewPassword string // a password just set, shown this once
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := s.opts.Store.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	return s.adminUserView(w, r, p, http.StatusOK, u, userForm(u), nil, "")
}

func userForm(u store.User) map[string]string {
	f := map[string]string{"display_name": u.DisplayName, "email": u.Email, "phone": u.Phone, "time_zone": u.TimeZone,
		"language": u.Language, "role": string(u.Role)}
	if u.Disabled {
		f["disabled"] = "on"
	}
	return f
}

func (s *Server) adminUserView(w http.ResponseWriter, r *http.Request, p *principal, status int, u store.User, f, errs map[string]string, pw string) error {
	v := s.adminView(r, p, "")
	v.Title = v.tr("PanelAdminUserTitle", "Login", u.Login)
	v.Form, v.Errors, v.Data = f, errs, adminUserData{Subject: u, NewPassword: pw}
	return s.page(w, r, p, status, "admin_user", v)
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := s.opts.Store.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	f, err := form(r, userFields...)
	if err != nil {
		return err
	}
	ch, errs := s.contactChanges(f)
	role, disabled := store.Role(f["role"]), f["disabled"] != ""
	ch.Role, ch.Disabled = &role, &disabled
	if u.ID == p.user.ID && (disabled || role != store.RoleAdmin) {
		errs["role"] = "you cannot disable yourself or take away your own admin role: ask another admin"
	}
	if len(errs) == 0 {
		_, err := s.opts.Store.UpdateUser(r.Context(), u.Login, ch)
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, nil)
		case err != nil:
			return err
		default:
			if disabled {
				s.inbox.endUser(u.ID)
			}
			return redirect(w, r, "/admin/users/"+url.PathEscape(u.Login)+"?done=user-saved")
		}
	}
	return s.adminUserView(w, r, p, http.StatusUnprocessableEntity, u, f, errs, "")
}

// adminUserPassword gives the user a new random password, shown once to
// the admin to pass on, and signs them out everywhere.
func (s *Server) adminUserPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := s.opts.Store.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	pw := randomPassword()
	hash, err := hashPassword(pw, s.opts.BcryptCost)
	if err != nil {
		return err
	}
	h := string(hash)
	if u, err = s.opts.Store.UpdateUser(r.Context(), u.Login, store.UserChanges{PasswordHash: &h}); err != nil {
		return err
	}
	if _, err := s.opts.Store.DeleteUserSessions(r.Context(), u.ID); err != nil {
		return err
	}
	s.inbox.endUser(u.ID)
	s.log.Info("password reset", "login", u.Login, "by", p.user.Login)
	w.Header().Set("Cache-Control", "no-store")
	return s.adminUserView(w, r, p, http.StatusOK, u, userForm(u), nil, pw)
}
