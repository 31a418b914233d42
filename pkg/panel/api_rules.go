package panel

import (
	"net/http"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// apiRules lists the person's rules; an admin's ?user=LOGIN someone's,
// ?user=* everyone's.
func (s *Server) apiRules(w http.ResponseWriter, r *http.Request, p *principal) error {
	var f store.RuleFilter
	userID, err := s.listedUser(r, p)
	if err != nil {
		return err
	}
	f.UserID = userID
	rules, err := s.opts.Store.ListRules(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]ruleJSON, 0, len(rules))
	for _, v := range rules {
		out = append(out, toRuleJSON(v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ruleRequest is the body of POST /api/v1/rules.
type ruleRequest struct {
	User     string   `json:"user"`     // admins only
	Pattern  string   `json:"pattern"`  // RE2
	Calendar string   `json:"calendar"` // a name or id; "": every calendar
	Channels []string `json:"channels"`
	Leads    []string `json:"leads"`
	// CaseSensitive keeps the pattern as given; by default (?i) is added.
	CaseSensitive bool `json:"case_sensitive"`
}

func (s *Server) apiCreateRule(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req ruleRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	u, err := s.subjectUser(r, p, req.User)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	rule := store.Rule{UserID: u.ID, Pattern: rulePattern(req.Pattern, !req.CaseSensitive)}
	if rule.Channels, err = schedule.ParseChannels(strings.Join(req.Channels, ",")); err != nil {
		errs["channels"] = err.Error()
	} else if why := s.notOffered(p, rule.Channels); why != "" {
		errs["channels"] = why
	}
	if rule.Leads, err = schedule.ParseLeads(strings.Join(req.Leads, ",")); err != nil {
		errs["leads"] = err.Error()
	}
	if req.Calendar != "" {
		c, err := s.opts.Store.CalendarByRef(r.Context(), req.Calendar)
		if err != nil {
			errs["calendar"] = "no calendar " + req.Calendar
		}
		rule.CalendarID = c.ID
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	if rule, err = s.opts.Store.CreateRule(r.Context(), rule); err != nil {
		return err
	}
	s.applyRule(r.Context(), rule)
	writeJSON(w, http.StatusCreated, toRuleJSON(store.RuleView{Rule: rule, UserLogin: u.Login, Notices: store.DefaultRuleNotices}))
	return nil
}

// rulePatchRequest is the body of PATCH /api/v1/rules/{id}: what it
// holds changes, the rest stays.
type rulePatchRequest struct {
	Active          *bool `json:"active"`
	NotifyMoved     *bool `json:"notify_moved"`
	NotifyCancelled *bool `json:"notify_cancelled"`
}

func (s *Server) apiUpdateRule(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.ownedRule(r, p)
	if err != nil {
		return err
	}
	var req rulePatchRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Active == nil && req.NotifyMoved == nil && req.NotifyCancelled == nil {
		return fieldErr("active", `nothing to change: send {"active": false} to pause, true to resume, or notify_moved / notify_cancelled`)
	}
	ctx := r.Context()
	notices, err := s.opts.Store.RuleNotices(ctx, rule.ID)
	if err != nil {
		return err
	}
	if req.NotifyMoved != nil || req.NotifyCancelled != nil {
		if req.NotifyMoved != nil {
			notices.Moved = *req.NotifyMoved
		}
		if req.NotifyCancelled != nil {
			notices.Cancelled = *req.NotifyCancelled
		}
		if err := s.opts.Store.SetRuleNotices(ctx, rule.ID, notices); err != nil {
			return err
		}
	}
	if req.Active != nil {
		if err := s.opts.Store.SetRuleActive(ctx, rule.ID, *req.Active); err != nil {
			return err
		}
		rule.Active = *req.Active
		if rule.Active {
			s.applyRule(ctx, rule)
		}
	}
	writeJSON(w, http.StatusOK, toRuleJSON(store.RuleView{Rule: rule, Notices: notices}))
	return nil
}

func (s *Server) apiDeleteRule(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.ownedRule(r, p)
	if err != nil {
		return err
	}
	removed, err := s.opts.Store.RemoveRule(r.Context(), rule.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"cancelled_registrations": removed.Registrations, "cancelled_reminders": removed.Deliveries})
	return nil
}

// previewJSON is the answer of GET /api/v1/rules/preview: what the live
// preview of the rules page shows. A bad pattern is a 422 with RE2's
// message in fields.pattern.
type previewJSON struct {
	Pattern string      `json:"pattern"`
	Events  []eventJSON `json:"events"`
	More    bool        `json:"more"`
}

// apiRulePreview: ?pattern=, ?calendar= (an id), ?ignore_case=1.
func (s *Server) apiRulePreview(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	calendarID, err := optionalID(q.Get("calendar"))
	if err != nil {
		return err
	}
	pv, err := s.preview(r.Context(), rulePattern(strings.TrimSpace(q.Get("pattern")), q.Get("ignore_case") != ""), calendarID)
	if err != nil {
		return err
	}
	v := s.memberView(r, p)
	out := previewJSON{Pattern: pv.Pattern, More: pv.More, Events: make([]eventJSON, 0, len(pv.Events))}
	for _, e := range pv.Events {
		ev, err := toEventJSON(e, v)
		if err != nil {
			return err
		}
		out.Events = append(out.Events, ev)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
