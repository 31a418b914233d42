package panel

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	next := localPath(r.URL.Query().Get("next"))
	if p != nil {
		return redirect(w, r, next)
	}
	return s.page(w, r, nil, http.StatusOK, "signin", &view{TitleID: "PanelSignIn", Form: map[string]string{"next": next},
		Data: s.signInOptions()})
}

// signInOptions says which ways of signing in the page offers.
type signInOptions struct {
	Password bool
	Proxy    bool
}

func (s *Server) signInOptions() signInOptions {
	return signInOptions{Password: s.cfg.PasswordSignIn, Proxy: s.cfg.ProxyUserHeader != ""}
}

// addressKey is the key of the per-address limit: the address, or its /64
// for IPv6 (one machine has a whole /64).
func addressKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func (s *Server) signInSubmit(w http.ResponseWriter, r *http.Request, _ *principal) error {
	f, err := form(r, "login", "password", "next")
	if err != nil {
		return err
	}
	f["password"] = r.PostForm.Get("password") // spaces count
	f["next"] = localPath(f["next"])
	again := func(status int, msg string) error {
		kept := map[string]string{"login": f["login"], "next": f["next"]}
		return s.page(w, r, nil, status, "signin", &view{TitleID: "PanelSignIn", Form: kept, Errors: map[string]string{"password": msg},
			Data: s.signInOptions()})
	}
	// tooMany is the refusal while the failures of the login or the address
	// are over their limit, with the wait, in the browser's language.
	tooMany := func(until, now time.Time) error {
		v := &view{TitleID: "PanelSignIn", Form: map[string]string{"login": f["login"], "next": f["next"]}, Data: s.signInOptions(),
			lang: s.langOf(r, nil), errorsLocalized: true}
		msg, err := v.lang.Count("PanelErrSignInTooMany", waitMinutes(until, now))
		if err != nil {
			return err
		}
		v.Errors = map[string]string{"password": msg}
		return s.page(w, r, nil, http.StatusTooManyRequests, "signin", v)
	}
	if !s.cfg.PasswordSignIn {
		return again(http.StatusForbidden, "signing in with a password is off here: sign in through your organisation's login")
	}
	now := s.now()
	login := strings.ToLower(f["login"])
	account, address := "login:"+login, addressKey(s.clientAddr(r))
	if blocked, until := s.accounts.blocked(account, now); blocked {
		return tooMany(until, now)
	}
	if blocked, until := s.addresses.blocked(address, now); blocked {
		return tooMany(until, now)
	}
	if login == "" || f["password"] == "" {
		return again(http.StatusUnprocessableEntity, "give your login and your password")
	}
	u, err := s.opts.Store.UserByLogin(r.Context(), login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := u.PasswordHash
	if err != nil || hash == "" || u.Disabled {
		hash = string(s.dummyHash) // as slow as a real check: no telling who exists
	}
	if !passwordMatches(hash, f["password"]) || err != nil || u.PasswordHash == "" || u.Disabled {
		s.accounts.fail(account, now)
		s.addresses.fail(address, now)
		s.log.Warn("failed sign-in", "login", login, "addr", address)
		return again(http.StatusUnauthorized, "wrong login or password")
	}
	s.accounts.reset(account)
	token, sess, err := s.opts.Store.CreateSession(r.Context(), u.ID, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token, sess)
	s.log.Info("signed in", "login", u.Login, "addr", address)
	return redirect(w, r, f["next"])
}

// waitMinutes is how many whole minutes, at least 1, until is from now.
func waitMinutes(until, now time.Time) int {
	wait := until.Sub(now).Round(time.Minute)
	return max(int(wait/time.Minute), 1)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.via == viaSession {
		if err := s.opts.Store.DeleteSession(r.Context(), p.token); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.inbox.endSession(p.token)
	}
	s.clearSessionCookie(w)
	return redirect(w, r, "/signin?done=signed-out")
}
