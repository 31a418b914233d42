package panel

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/locale"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// view is what every page template sees.
type view struct {
	Title   string
	Nav     string // the menu entry to highlight
	User    *store.User
	Admin   bool
	Session bool // signed in with a session (a sign-out button makes sense)
	Unread  int
	Loc     *time.Location // the person's zone: every time is shown in it
	Now     time.Time
	Flash   string            // a message at the top: what was just done, or what went wrong
	Errors  map[string]string // problems with the input, by field
	Form    map[string]string // the input, kept for the form
	Data    any               // the page's own
	// TitleID, if set, is the catalogue message that gives Title in the
	// person's language.
	TitleID string

	lang       *locale.Language // the person's language: theirs once signed in, else the browser's
	flashError bool             // Flash is an error's message (English until localized)
	words      string           // Words, when the server has them cached for the language
	// errorsLocalized: Errors are in the page's language already.
	errorsLocalized bool
}

// field returns the kept input of a field.
func (v *view) Field(name string) string { return v.Form[name] }

// Err returns the problem with a field, or "".
func (v *view) Err(name string) string { return v.Errors[name] }

// pageNames are the templates under templates/, besides layout.html.
var pageNames = []string{
	"error", "signin", "upcoming", "register", "rules", "contact", "browser", "inbox", "tokens", "ack", "groups",
	"admin_users", "admin_user", "admin_registrations", "admin_rules", "admin_calendars", "admin_deliveries", "admin_delivery",
	"admin_send", "admin_groups", "admin_group",
}

// templateFuncs are the helpers templates use; none of them returns HTML,
// so html/template escapes all they give.
var templateFuncs = template.FuncMap{
	"inZone": func(t time.Time, loc *time.Location) string {
		if t.IsZero() {
			return "—"
		}
		return schedule.FormatInZone(t, loc)
	},
	"clock":    func(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan 15:04") },
	"until":    until,
	"lead":     leadWords,
	"leads":    schedule.FormatLeads,
	"channels": schedule.FormatChannels,
	"hasChannel": func(list string, c schedule.Channel) bool {
		for item := range strings.SplitSeq(list, ",") {
			if item == string(c) {
				return true
			}
		}
		return false
	},
	"allChannels": schedule.Channels,
	"device":      deviceName,
	"list":        func(items ...string) []string { return items },
	"zoneOf": func(name string) *time.Location {
		if loc, err := schedule.LoadZone(name); err == nil {
			return loc
		}
		return time.UTC
	},
}

// until says how far t is from now, for people: "in 2 h 5 min", "3 min ago".
func until(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	ago := d < 0
	if ago {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		s = fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	if ago {
		return s + " ago"
	}
	return "in " + s
}

// parsePages parses each page with the layout, once, at start.
func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("panel: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page with v, as status. The page is rendered into a
// buffer first, so that a template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	if v.Loc == nil {
		v.Loc = time.UTC
	}
	if v.Now.IsZero() {
		v.Now = s.now()
	}
	if v.lang == nil {
		v.lang = s.langOf(r, nil)
	}
	if v.TitleID != "" {
		if title, err := v.T(v.TitleID); err == nil {
			v.Title = title
		}
	}
	v.localizeErrors(s.errorIDs)
	v.words = s.scriptWords(v)
	buf, _ := s.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= 1<<20 { // a huge page's buffer is not kept
			buf.Reset()
			s.buffers.Put(buf)
		}
	}()
	if err := s.pages[page].Execute(buf, v); err != nil {
		s.log.Error("render page", "page", page, "route", r.Pattern, "err", err)
		http.Error(w, "something went wrong on our side; it has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page renders page for p: the header (name, unread count, admin menu) and
// the person's zone filled in.
func (s *Server) page(w http.ResponseWriter, r *http.Request, p *principal, status int, name string, v *view) error {
	if p != nil {
		u := p.user
		v.User, v.Admin, v.Session = &u, p.admin(), p.via == viaSession
		v.Loc = s.zone(u.TimeZone)
		v.Unread = p.unread
		if !p.counted || r.Method != http.MethodGet { // a change may have read some
			n, err := s.reads.CountUnread(r.Context(), u.ID)
			if err != nil {
				return err
			}
			v.Unread = n
		}
	}
	if v.lang == nil {
		v.lang = s.langOf(r, p)
	}
	done := r.URL.Query().Get("done")
	if id, ok := flashText[done]; ok && v.Flash == "" {
		v.Flash, _ = v.T(id)
	}
	if id, ok := flashCounted[done]; ok && v.Flash == "" {
		if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n >= 0 {
			v.Flash, _ = v.lang.Count(id, n)
		}
	}
	s.render(w, r, status, name, v)
	return nil
}

// zone is zoneOf, cached.
func (s *Server) zone(name string) *time.Location {
	if loc, ok := s.zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc := zoneOf(name)
	s.zones.Store(name, loc)
	return loc
}

// zoneOf loads a stored zone; a stored zone was checked when stored.
func zoneOf(name string) *time.Location {
	if loc, err := schedule.LoadZone(name); err == nil {
		return loc
	}
	return time.UTC
}

// flashText are the messages a redirect after a change may show (?done=),
// by catalogue ID: fixed texts, so that a link cannot put words on the page.
var flashText = map[string]string{
	"registered":                "PanelDoneRegistered",
	"registered-skipped":        "PanelDoneRegisteredSkipped",
	"cancelled":                 "PanelDoneCancelled",
	"rule-created":              "PanelDoneRuleCreated",
	"rule-paused":               "PanelDoneRulePaused",
	"rule-resumed":              "PanelDoneRuleResumed",
	"rule-notices":              "PanelDoneRuleNotices",
	"rule-deleted":              "PanelDoneRuleDeleted",
	"contact-saved":             "PanelDoneContactSaved",
	"test-call":                 "PanelDoneTestCall",
	"test-sms":                  "PanelDoneTestSMS",
	"test-email":                "PanelDoneTestEmail",
	"test-push":                 "PanelDoneTestPush",
	"device-removed":            "PanelDoneDeviceRemoved",
	"read":                      "PanelDoneRead",
	"token-deleted":             "PanelDoneTokenDeleted",
	"user-saved":                "PanelDoneUserSaved",
	"signed-out":                "PanelDoneSignedOut",
	"message-sent":              "PanelDoneMessageSent",
	"message-cancelled":         "PanelDoneMessageCancelled",
	"message-nothing-to-cancel": "PanelDoneMessageNothingToCancel",
	"preferences-saved":         "PanelDonePreferencesSaved",

	// A member's group rules.
	"group-rule-unmuted":        "PanelDoneGroupRuleUnmuted",
	"group-rule-unmuted-later":  "PanelDoneGroupRuleUnmutedLater",
	"group-rule-unmuted-paused": "PanelDoneGroupRuleUnmutedPaused",

	// The admin pages of groups.
	"group-removed":      "PanelAdminGroupRemoved",
	"group-described":    "PanelAdminGroupDescribed",
	"group-rule-added":   "PanelAdminGroupRuleAdded",
	"group-rule-paused":  "PanelAdminGroupRulePaused",
	"group-rule-resumed": "PanelAdminGroupRuleResumed",
	"group-rule-notices": "PanelAdminGroupRuleNoticesSaved",
}

// flashCounted are the messages of a redirect that say how many (?done=
// with &n=, a number), by plural catalogue ID.
var flashCounted = map[string]string{
	"group-rule-muted":   "PanelDoneGroupRuleMuted",
	"group-rule-removed": "PanelAdminGroupRuleRemoved", // how many pending reminders went
}

// redirect answers a change with 303 to target.
func redirect(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// staticFile serves one embedded file.
func staticFile(name, cacheControl string) http.Handler {
	data, err := fs.ReadFile(staticFS, name)
	if err != nil {
		panic("panel: " + name + " is not embedded") // a build without it cannot be
	}
	ctype := contentType(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", cacheControl)
		w.Write(data)
	})
}

// staticFiles serves static/.
func staticFiles() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic("panel: static/ is not embedded")
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		if ct := contentType(r.URL.Path); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		files.ServeHTTP(w, r)
	})
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".png":
		return "image/png"
	case ".json", ".webmanifest":
		return "application/manifest+json"
	}
	return ""
}
