package panel

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// previewLimit is how many matching events a preview shows.
const previewLimit = 50

// rulesData is what the rules page shows besides the form.
type rulesData struct {
	Rules     []store.RuleView
	Calendars []store.Calendar
	Channels  []channelChoice // the channels offered to the person
	Preview   *preview        // nil until asked for (without JavaScript: the Preview button)
}

// preview is the upcoming synced events a pattern matches.
type preview struct {
	Pattern string
	Events  []eventChoice
	More    bool // there are more than shown
}

var ruleFields = []string{"pattern", "ignore_case", "calendar", "lead", "channels", "action"}

var storeToRuleField = map[string]string{"channel": "channels"}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	f := map[string]string{"ignore_case": "on", "lead": "10m", "channels": s.defaultChannel(p)}
	return s.rulesForm(w, r, p, http.StatusOK, f, nil, nil)
}

func (s *Server) rulesForm(w http.ResponseWriter, r *http.Request, p *principal, status int, f, errs map[string]string, pv *preview) error {
	ctx := r.Context()
	rules, err := s.opts.Store.ListRules(ctx, store.RuleFilter{UserID: p.user.ID})
	if err != nil {
		return err
	}
	cals, err := s.opts.Store.ListCalendars(ctx)
	if err != nil {
		return err
	}
	v := &view{TitleID: "PanelRulesHeading", Nav: "rules", Form: f, Errors: errs, lang: s.langOf(r, p)}
	choices, err := s.channelChoices(ctx, p, v)
	if err != nil {
		return err
	}
	v.Data = rulesData{Rules: rules, Calendars: cals, Channels: choices, Preview: pv}
	return s.page(w, r, p, status, "rules", v)
}

// rulePattern is the pattern stored for what was typed: case-insensitive
// unless the person unticked "ignore case".
func rulePattern(typed string, ignoreCase bool) string {
	if ignoreCase && typed != "" && !strings.HasPrefix(typed, "(?i)") {
		return "(?i)" + typed
	}
	return typed
}

func (s *Server) rulesSubmit(w http.ResponseWriter, r *http.Request, p *principal) error {
	f, err := form(r, ruleFields...)
	if err != nil {
		return err
	}
	channels, chErr := checkedChannels(r)
	f["channels"] = channels
	errs := map[string]string{}
	pattern := rulePattern(f["pattern"], f["ignore_case"] != "")
	calendarID, err := optionalID(f["calendar"])
	if err != nil {
		errs["calendar"] = "pick a calendar from the list"
	}
	if f["action"] == "preview" {
		pv, err := s.preview(r.Context(), pattern, calendarID)
		if err != nil {
			errs["pattern"] = err.Error()
		}
		return s.rulesForm(w, r, p, http.StatusOK, f, errs, pv)
	}
	chs, _ := schedule.ParseChannels(channels)
	switch {
	case chErr != nil:
		errs["channels"] = chErr.Error()
	case s.notOffered(p, chs) != "":
		errs["channels"] = errChannelNotOffered
	}
	leads, err := schedule.ParseLeads(f["lead"])
	if err != nil {
		errs["lead"] = err.Error()
	}
	if len(errs) == 0 {
		rule, err := s.opts.Store.CreateRule(r.Context(), store.Rule{UserID: p.user.ID, Pattern: pattern, CalendarID: calendarID,
			Channels: chs, Leads: leads})
		switch {
		case store.IsInvalid(err):
			errs = fieldProblems(err, storeToRuleField)
		case err != nil:
			return err
		default:
			s.applyRule(r.Context(), rule)
			return redirect(w, r, "/rules?done=rule-created")
		}
	}
	return s.rulesForm(w, r, p, http.StatusUnprocessableEntity, f, errs, nil)
}

// applyRule registers the rule's person for the matching events already
// synced; a failure is logged (the next calendar-sync does it).
func (s *Server) applyRule(ctx context.Context, rule store.Rule) {
	if s.opts.ApplyRule == nil {
		return
	}
	if err := s.opts.ApplyRule(ctx, rule); err != nil {
		s.log.Error("apply new rule to synced events", "rule", rule.ID, "err", err)
	}
}

// optionalID reads an id that may be empty (0).
func optionalID(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fieldErr("calendar", "%q is not an id", s)
	}
	return id, nil
}

// preview lists the upcoming synced events that pattern matches; a pattern
// RE2 cannot compile is a field error with RE2's own message.
func (s *Server) preview(ctx context.Context, pattern string, calendarID int64) (*preview, error) {
	if pattern == "" {
		return nil, fieldErr("pattern", "is empty: use .* to match every title")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fieldErr("pattern", "%v", err)
	}
	now := s.now()
	events, err := s.opts.Store.ListEvents(ctx, store.EventFilter{CalendarID: calendarID, From: now,
		To: now.Add(s.opts.Config.Calsync.Horizon), TitlePattern: re, Limit: previewLimit + 1})
	if err != nil {
		return nil, err
	}
	names, err := s.calendarNames(ctx)
	if err != nil {
		return nil, err
	}
	pv := &preview{Pattern: pattern, More: len(events) > previewLimit}
	for i, e := range events {
		if i == previewLimit {
			break
		}
		pv.Events = append(pv.Events, eventChoice{Event: e, Calendar: names[e.CalendarID]})
	}
	return pv, nil
}

func (s *Server) ruleActive(active bool) handler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		rule, err := s.ownedRule(r, p)
		if err != nil {
			return err
		}
		if err := s.opts.Store.SetRuleActive(r.Context(), rule.ID, active); err != nil {
			return err
		}
		done := "rule-paused"
		if active {
			done = "rule-resumed"
			s.applyRule(r.Context(), rule) // the events synced while it was paused
		}
		return redirect(w, r, ruleBack(r, p, done))
	}
}

// ruleNotices sets whether the registrations a rule made hear of their
// event moving or being cancelled at short notice (calsync.notice_window):
// the form's "moved" and "cancelled" checkboxes, absent meaning off.
func (s *Server) ruleNotices(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.ownedRule(r, p)
	if err != nil {
		return err
	}
	n, err := noticesForm(r)
	if err != nil {
		return err
	}
	if err := s.opts.Store.SetRuleNotices(r.Context(), rule.ID, n); err != nil {
		return err
	}
	return redirect(w, r, ruleBack(r, p, "rule-notices"))
}

// noticesForm reads a notices form: its "moved" and "cancelled"
// checkboxes, absent meaning off.
func noticesForm(r *http.Request) (store.RuleNotices, error) {
	var n store.RuleNotices
	errs := map[string]string{}
	for field, dst := range map[string]*bool{"moved": &n.Moved, "cancelled": &n.Cancelled} {
		switch v := r.PostFormValue(field); v {
		case "", "on":
			*dst = v == "on"
		default:
			errs[field] = strconv.Quote(v) + " is not a checkbox's value (on, or nothing)"
		}
	}
	if len(errs) > 0 {
		return store.RuleNotices{}, fieldErrors(errs)
	}
	return n, nil
}

func (s *Server) ruleDelete(w http.ResponseWriter, r *http.Request, p *principal) error {
	rule, err := s.ownedRule(r, p)
	if err != nil {
		return err
	}
	if _, err := s.opts.Store.RemoveRule(r.Context(), rule.ID); err != nil {
		return err
	}
	return redirect(w, r, ruleBack(r, p, "rule-deleted"))
}

// ruleBack is where a change to a rule returns: the admin list when it
// came from there.
func ruleBack(r *http.Request, p *principal, done string) string {
	if r.PostFormValue("back") == "admin" && p.admin() {
		return "/admin/rules?done=" + done
	}
	return "/rules?done=" + done
}
