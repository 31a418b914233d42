package panel

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// sessionCookie holds a session's token.
const sessionCookie = "pfsnotify_session"

// touchEvery is how stale a session's last_seen_at may be before a
// request writes it: most requests then only read.
const touchEvery = 5 * time.Minute

// How a person was recognised.
const (
	viaSession = "session"
	viaToken   = "token"
	viaProxy   = "proxy"
)

// principal is who makes a request.
type principal struct {
	user    store.User
	via     string
	scope   string        // the API token's scope, when via is viaToken
	session store.Session // when via is viaSession
	token   string        // the session token, when via is viaSession
	unread  int           // the unread count, read with the session for a page
	counted bool          // unread is known
}

func (p *principal) admin() bool { return p != nil && p.user.Role == store.RoleAdmin }

// sendOnly reports whether p comes with a token that may only send
// messages: it may use the sender routes and nothing else.
func (p *principal) sendOnly() bool {
	return p != nil && p.via == viaToken && p.scope == store.TokenScopeSend
}

// owns reports whether p may read or change what belongs to user ownerID:
// their own things, and everything for an admin.
func (p *principal) owns(ownerID int64) bool { return p.admin() || p.user.ID == ownerID }

// identify finds who makes r: an API token (Authorization: Bearer, on the
// API), the user a trusted proxy names, or a session cookie. nil when
// nobody; an error only when the database fails, the token is unknown, or
// a trusted proxy names nobody known. Another Authorization scheme (nginx
// auth_basic's Basic) is not pfsnotify's and is ignored.
func (s *Server) identify(r *http.Request) (*principal, error) {
	ctx := r.Context()
	if value, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && isAPI(r) {
		tok, u, err := s.opts.Store.UserByAPIToken(ctx, strings.TrimSpace(value))
		if errors.Is(err, store.ErrNotFound) {
			return nil, &httpError{status: http.StatusUnauthorized, msg: "unknown or revoked API token"}
		}
		if err != nil {
			return nil, err
		}
		return &principal{user: u, via: viaToken, scope: tok.Scope}, nil
	}
	if h := s.cfg.ProxyUserHeader; h != "" && s.fromTrustedProxy(r) {
		if login := strings.TrimSpace(r.Header.Get(h)); login != "" {
			u, err := s.opts.Store.UserByLogin(ctx, login)
			if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
				return nil, &httpError{status: http.StatusForbidden, msg: "you are signed in as " + login +
					", who has no (enabled) account here: ask an admin to add you"}
			}
			if err != nil {
				return nil, err
			}
			return &principal{user: u, via: viaProxy}, nil
		}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	var sess store.Session
	var u store.User
	unread, counted := 0, !isAPI(r) // a page shows the unread count: read it along
	if counted {
		sess, u, unread, err = s.reads.SessionWithUnread(ctx, c.Value)
	} else {
		sess, u, err = s.reads.SessionByToken(ctx, c.Value)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if now := s.now(); now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.opts.Store.TouchSession(ctx, sess.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return &principal{user: u, via: viaSession, session: sess, token: c.Value, unread: unread, counted: counted}, nil
}

// remoteAddr is the address r came from, without the port.
func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether r came straight from a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool { return s.trusted(remoteAddr(r)) }

// clientAddr is the address of the person behind r: the connection's
// address, or, when that is a trusted proxy, the last address in
// X-Forwarded-For that is not one (a client can put anything before it).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	addr := remoteAddr(r)
	if !s.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr
		}
		hop = hop.Unmap()
		if !s.trusted(hop) {
			return hop
		}
		addr = hop
	}
	return addr
}

// signInURL is the sign-in page, coming back to r's page afterwards.
func signInURL(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == "/" {
		return "/signin"
	}
	return "/signin?next=" + url.QueryEscape(r.URL.RequestURI())
}

// localPath returns next when it is a path on this site, else "/": a
// sign-in link must not send anyone elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	return next
}

// setSessionCookie gives the browser its session.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, sess store.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(sess.ExpiresAt.Sub(s.now()) / time.Second), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie takes it away.
func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}
