package panel

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// The admin pages speak the admin's language as the member pages do: every
// word from the panel's catalogues (PanelAdmin*), dates in the admin's
// zone and language. The helpers below name what the store keeps as codes.

// adminView is the view of an admin page for p, its language chosen now so
// that the handler can word titles and problems in it.
func (s *Server) adminView(r *http.Request, p *principal, titleID string) *view {
	return &view{TitleID: titleID, Nav: "admin", Loc: s.zone(p.user.TimeZone), Now: s.now(), lang: s.langOf(r, p)}
}

// say is a problem the code or a parser words in English, in the page's
// language as localizeErrors puts it: the panel's own sentence by its
// catalogue ID, any other around its English detail.
func (s *Server) say(v *view, problem string) string {
	one := view{lang: v.lang, Errors: map[string]string{"": problem}}
	one.localizeErrors(s.errorIDs)
	return one.Errors[""]
}

// tr is v.T for a message that cannot fail (the catalogue tests walk
// them): on an error, the ID, which a test finds on the page.
func (v *view) tr(id string, kv ...any) string {
	out, err := v.T(id, kv...)
	if err != nil {
		return id
	}
	return out
}

// stateIDs name the delivery states.
var stateIDs = map[store.DeliveryState]string{
	store.StatePending: "PanelAdminStatePending", store.StateSending: "PanelAdminStateSending",
	store.StateSent: "PanelAdminStateSent", store.StateFailed: "PanelAdminStateFailed",
	store.StateCancelled: "PanelAdminStateCancelled", store.StateAnswered: "PanelAdminStateAnswered",
	store.StateAcknowledged: "PanelAdminStateAcknowledged",
}

// kindIDs name the delivery kinds.
var kindIDs = map[store.DeliveryKind]string{
	store.KindReminder: "PanelAdminKindReminder", store.KindMoved: "PanelKindMoved",
	store.KindCancelled: "PanelKindCancelled", store.KindTest: "PanelKindTest",
}

// fieldIDs label the user forms' fields.
var fieldIDs = map[string]string{
	"login": "PanelLogin", "display_name": "PanelName", "email": "PanelEmail", "phone": "PanelAdminPhone",
	"time_zone": "PanelTimeZone", "language": "PanelAdminLanguage", "role": "PanelAdminRole",
}

// roleIDs name the roles.
var roleIDs = map[store.Role]string{store.RoleMember: "PanelAdminRoleMember", store.RoleAdmin: "PanelAdminRoleAdmin"}

// whyIDs say why calendar-sync cancelled a registration.
var whyIDs = map[string]string{store.CancelledWithEvent: "PanelAdminWhyEvent", store.CancelledUnmatched: "PanelAdminWhyUnmatched"}

// named is the catalogue's name of a code, or the code where it has none
// (a state a newer version stored).
func (v *view) named(ids map[string]string, code string) string {
	if id, ok := ids[code]; ok {
		return v.tr(id)
	}
	return code
}

// State names a delivery state.
func (v *view) State(st store.DeliveryState) string {
	if id, ok := stateIDs[st]; ok {
		return v.tr(id)
	}
	return string(st)
}

// Kind names a delivery kind.
func (v *view) Kind(k store.DeliveryKind) string {
	if id, ok := kindIDs[k]; ok {
		return v.tr(id)
	}
	return string(k)
}

// Role names a role.
func (v *view) Role(r store.Role) string {
	if id, ok := roleIDs[r]; ok {
		return v.tr(id)
	}
	return string(r)
}

// Label labels a field of the user forms.
func (v *view) Label(field string) string { return v.named(fieldIDs, field) }

// Origin says where a registration comes from: by hand, a rule, the test
// notifications.
func (v *view) Origin(origin string) string {
	switch {
	case origin == store.OriginManual:
		return v.tr("PanelAdminOriginManual")
	case origin == store.OriginTest:
		return v.tr("PanelAdminOriginTest")
	case strings.HasPrefix(origin, "rule:"):
		if id, err := strconv.ParseInt(strings.TrimPrefix(origin, "rule:"), 10, 64); err == nil {
			return v.tr("PanelAdminOriginRule", "ID", id)
		}
	}
	return origin
}

// RegistrationStatus says a registration's status, and why calendar-sync
// cancelled it.
func (v *view) RegistrationStatus(reg store.RegistrationView) string {
	switch {
	case reg.Status == store.RegistrationActive:
		return v.tr("PanelActive")
	case reg.Status != store.RegistrationCancelled:
		return string(reg.Status)
	case reg.CancelledWhy != "":
		return v.tr("PanelAdminCancelledWhy", "Why", v.named(whyIDs, reg.CancelledWhy))
	}
	return v.tr("PanelAdminCancelled")
}

// StateAfter says where a delivery is after its attempts: "sent after 1
// attempt".
func (v *view) StateAfter(st store.DeliveryState, attempts int) (string, error) {
	n, err := v.lang.Count("PanelAdminAttemptCount", attempts)
	if err != nil {
		return "", err
	}
	return v.T("PanelAdminStateAfter", "State", v.State(st), "Attempts", n)
}

// InZoneOf is t in the zone named zone (a member's), with the zone named,
// in the page's language: "—" for none.
func (v *view) InZoneOf(t time.Time, zone string) (string, error) {
	in := *v
	in.Loc = zoneOf(zone)
	return in.InZone(t)
}
