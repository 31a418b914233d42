// Package panel is serve-panel: the members' web control panel and its
// JSON API. Pages are rendered on the server (html/template, parsed from
// the embedded templates/ at start); static/ holds a little vanilla
// JavaScript (app.js), the service worker (served as /sw.js, for root
// scope) and the stylesheet. There is no build step.
//
// Every route is in one table (routes.go) with who may use it: anyone,
// a signed-in member, or an admin. A member sees and changes only their
// own data; an admin may act on anyone's. State-changing requests pass
// http.CrossOriginProtection; every page carries a strict
// Content-Security-Policy (no inline script).
//
// People sign in with a password (bcrypt; "pfsnotify user passwd") and
// get a session in the database, or are signed in by a trusted proxy that
// names them in a header. Scripts use per-user API tokens.
package panel

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	Store  *store.Store  // required
	Config config.Config // public_url, defaults, webpush.public_key, calsync.horizon, panel.*
	Log    *slog.Logger  // nil: discarded
	// Registry gets the request metrics and is what /metrics serves; nil: a new one.
	Registry *prometheus.Registry
	// ApplyRule applies a rule just made to the events already synced
	// (calendar-sync's rule matching); nil: the next calendar-sync does.
	ApplyRule func(ctx context.Context, r store.Rule) error
	// ApplyGroupRules applies the group rules f selects to the events
	// already synced, for their members (a group rule just made or
	// resumed, people just added to a group) or for a member who unmutes
	// one; nil: the next calendar-sync does.
	ApplyGroupRules func(ctx context.Context, f store.MemberRuleFilter) error
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// LookupHost resolves the host of a push endpoint, to refuse endpoints
	// on private addresses; nil: the system resolver.
	LookupHost func(ctx context.Context, host string) ([]netip.Addr, error)
	// AllowPrivatePush accepts push endpoints on loopback and private
	// addresses: for tests against a local fake push service only.
	AllowPrivatePush bool
	// BcryptCost is the cost of new password hashes; 0: DefaultBcryptCost.
	BcryptCost int
	// InboxPoll is how often a live inbox reads its person's inbox state;
	// 0: DefaultInboxPoll.
	InboxPoll time.Duration
}

// maxBody bounds every request body: forms and JSON are small.
const maxBody = 64 << 10

// Server is the panel. It is safe for concurrent use.
type Server struct {
	opts      Options
	cfg       config.Panel
	log       *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template
	proxies   []netip.Prefix
	secure    bool // cookies are Secure: public_url is https
	accounts  *failureLimiter
	addresses *failureLimiter
	tests     *failureLimiter // one test notification per person and channel a while
	dummyHash []byte          // compared against for unknown logins, so that they take as long
	registry  *prometheus.Registry
	handler   http.Handler
	reads     *store.PanelReads // who asks, unread counts, Upcoming: prepared
	cat       *locale.Catalogue // the words of every page, in each person's language
	errorIDs  map[string]string // the panel's own English error sentences -> their catalogue IDs
	words     sync.Map          // *locale.Language -> the page script's sentences (view.Words)
	zones     sync.Map          // zone name -> *time.Location: loading one reads a file
	buffers   sync.Pool         // *bytes.Buffer for rendering pages
	inbox     *inboxHub         // the live inboxes (GET /events/inbox)
}

// New checks opts, parses the templates, prepares the hot reads and builds
// the routes. Close the Server before its Store.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("panel: no store")
	}
	proxies, err := config.ParseProxies(opts.Config.Panel.TrustedProxies)
	if err != nil {
		return nil, &config.FieldError{Key: "panel.trusted_proxies", Problem: err.Error()}
	}
	s := &Server{
		opts: opts, cfg: opts.Config.Panel, log: opts.Log, now: opts.Now, proxies: proxies,
		secure:   strings.HasPrefix(opts.Config.PublicURL, "https://"),
		registry: opts.Registry,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cat, err = locale.LoadConfig(opts.Config); err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	s.errorIDs = errorIDs(locale.Embedded())
	if s.now == nil {
		s.now = time.Now
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if s.opts.LookupHost == nil {
		s.opts.LookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if s.opts.InboxPoll <= 0 {
		s.opts.InboxPoll = DefaultInboxPoll
	}
	s.inbox = newInboxHub(opts.Store.InboxStateOf, s.opts.InboxPoll, s.log)
	if s.opts.BcryptCost == 0 {
		s.opts.BcryptCost = DefaultBcryptCost
	}
	window := s.cfg.SignInWindow
	s.accounts = newFailureLimiter(max(s.cfg.SignInAccountLimit, 1), window)
	s.addresses = newFailureLimiter(max(s.cfg.SignInAddressLimit, 1), window)
	s.tests = newFailureLimiter(1, testCooldown)
	if s.dummyHash, err = hashPassword("not a password of anyone", s.opts.BcryptCost); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.reads, err = opts.Store.PreparePanelReads(ctx); err != nil {
		return nil, err
	}
	metrics := httpserver.NewMetrics(s.registry, "panel")
	cop := http.NewCrossOriginProtection()
	if origin := publicOrigin(opts.Config.PublicURL); origin != "" {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, &config.FieldError{Key: "public_url", Problem: err.Error()}
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, isAPI(r), &httpError{status: http.StatusForbidden, msg: "cross-origin request refused"})
	}))
	s.handler = httpserver.Deadline(httpserver.RequestDeadline,
		httpserver.Observe(s.log, metrics, securityHeaders(cop.Handler(httpserver.LimitBody(maxBody, s.routes())))))
	return s, nil
}

// Close releases the prepared statements.
func (s *Server) Close() error { return s.reads.Close() }

// ServeHTTP serves the panel.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Maintain deletes expired sessions and forgets old sign-in failures every
// interval, until ctx ends.
func (s *Server) Maintain(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		if n, err := s.opts.Store.DeleteExpiredSessions(ctx, now); err != nil {
			s.log.Error("delete expired sessions", "err", err)
		} else if n > 0 {
			s.log.Info("deleted expired sessions", "count", n)
		}
		s.accounts.sweep(now)
		s.addresses.sweep(now)
		s.tests.sweep(now)
	}
}

// publicOrigin is scheme://host of the public URL, or "".
func publicOrigin(publicURL string) string {
	scheme, rest, ok := strings.Cut(publicURL, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}

// isAPI reports whether r is for the JSON API, or a stream of events
// (which a script reads: it gets a status and JSON, not a page).
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/events/")
}

// securityHeaders sets what every answer carries: a strict CSP (scripts
// and styles only from this origin, nothing inline), no framing, no
// sniffing, no referrer beyond this origin.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"worker-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
