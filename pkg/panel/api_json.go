package panel

import (
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// The JSON shapes of the API. Instants are RFC 3339 in UTC; lead times are
// strings as ParseLeads reads them ("10m"); channels are lists of names.

type userJSON struct {
	ID          int64  `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	TimeZone    string `json:"time_zone"`
	Language    string `json:"language"`
	Role        string `json:"role"`
	HasPassword bool   `json:"has_password"`
	Disabled    bool   `json:"disabled"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Email: u.Email, Phone: u.Phone, TimeZone: u.TimeZone,
		Language: u.Language, Role: string(u.Role), HasPassword: u.PasswordHash != "", Disabled: u.Disabled}
}

type reminderJSON struct {
	DeliveryID int64     `json:"delivery_id"`
	Channel    string    `json:"channel"`
	Lead       string    `json:"lead"`
	DueAt      time.Time `json:"due_at"`
	State      string    `json:"state"`
}

type registrationJSON struct {
	ID        int64          `json:"id"`
	User      string         `json:"user,omitempty"`
	EventID   int64          `json:"event_id,omitempty"`
	RuleID    int64          `json:"rule_id,omitempty"`
	Origin    string         `json:"origin"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	Start     time.Time      `json:"start"`
	TimeZone  string         `json:"time_zone"`
	Channels  []string       `json:"channels"`
	Leads     []string       `json:"leads"`
	Status    string         `json:"status"`
	NextDueAt *time.Time     `json:"next_due_at,omitempty"`
	Reminders []reminderJSON `json:"reminders,omitempty"`
}

func toRegistrationJSON(r store.Registration) registrationJSON {
	return registrationJSON{ID: r.ID, EventID: r.EventID, RuleID: r.RuleID, Origin: r.Origin, Title: r.Title, Message: r.Message,
		Start: r.StartAt.UTC(), TimeZone: r.TimeZone, Channels: channelNames(r.Channels), Leads: leadNames(r.Leads), Status: string(r.Status)}
}

func toReminders(ds []store.Delivery) []reminderJSON {
	out := make([]reminderJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, reminderJSON{DeliveryID: d.ID, Channel: string(d.Channel), Lead: schedule.FormatLeads([]time.Duration{d.Lead}),
			DueAt: d.DueAt.UTC(), State: string(d.State)})
	}
	return out
}

func upcomingReminders(rs []store.Reminder) []reminderJSON {
	out := make([]reminderJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, reminderJSON{DeliveryID: r.ID, Channel: string(r.Channel), Lead: schedule.FormatLeads([]time.Duration{r.Lead}),
			DueAt: r.DueAt.UTC(), State: string(r.State)})
	}
	return out
}

func channelNames(cs []schedule.Channel) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func leadNames(ls []time.Duration) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = schedule.FormatLeads([]time.Duration{l})
	}
	return out
}

type ruleJSON struct {
	ID       int64    `json:"id"`
	User     string   `json:"user,omitempty"`
	Pattern  string   `json:"pattern"`
	Calendar string   `json:"calendar,omitempty"`
	Channels []string `json:"channels"`
	Leads    []string `json:"leads"`
	Active   bool     `json:"active"`
	// NotifyMoved and NotifyCancelled: its registrations hear of their
	// event moving or being cancelled at short notice.
	NotifyMoved     bool `json:"notify_moved"`
	NotifyCancelled bool `json:"notify_cancelled"`
}

func toRuleJSON(v store.RuleView) ruleJSON {
	return ruleJSON{ID: v.ID, User: v.UserLogin, Pattern: v.Pattern, Calendar: v.CalendarName, Channels: channelNames(v.Channels),
		Leads: leadNames(v.Leads), Active: v.Active, NotifyMoved: v.Notices.Moved, NotifyCancelled: v.Notices.Cancelled}
}

type eventJSON struct {
	ID       int64     `json:"id"`
	Calendar string    `json:"calendar"`
	Title    string    `json:"title"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"time_zone"`
	AllDay   bool      `json:"all_day"`
	Location string    `json:"location,omitempty"`
	// StartLocal is the start as the panel's pages write it (view.Clock):
	// in the asking person's zone and language ("Mon 2 Jan 15:04",
	// "1月2日(月) 15:04"), so that the rules page's live preview and the
	// page it replaces say it alike.
	StartLocal string `json:"start_local"`
}

// toEventJSON is e for the API, its start_local in v's zone and language.
func toEventJSON(e eventChoice, v *view) (eventJSON, error) {
	local, err := v.Clock(e.StartAt)
	if err != nil {
		return eventJSON{}, err
	}
	return eventJSON{ID: e.ID, Calendar: e.Calendar, Title: e.Title, Start: e.StartAt.UTC(), End: e.EndAt.UTC(), TimeZone: e.TimeZone,
		AllDay: e.AllDay, Location: e.Location, StartLocal: local}, nil
}

type subscriptionOutJSON struct {
	ID            int64      `json:"id"`
	Endpoint      string     `json:"endpoint"`
	UserAgent     string     `json:"user_agent"`
	CreatedAt     time.Time  `json:"created_at"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	ExpiredAt     *time.Time `json:"expired_at,omitempty"`
}

func toSubscriptionJSON(p store.PushSubscription) subscriptionOutJSON {
	return subscriptionOutJSON{ID: p.ID, Endpoint: p.Endpoint, UserAgent: p.UserAgent, CreatedAt: p.CreatedAt.UTC(),
		LastSuccessAt: optTime(p.LastSuccessAt), ExpiredAt: optTime(p.ExpiredAt)}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

type inboxJSON struct {
	DeliveryID int64      `json:"delivery_id"`
	Kind       string     `json:"kind"`
	Channel    string     `json:"channel"`
	Title      string     `json:"title"`
	Start      time.Time  `json:"start"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

type deliveryJSON struct {
	ID             int64         `json:"id"`
	RegistrationID int64         `json:"registration_id"`
	User           string        `json:"user"`
	Title          string        `json:"title"`
	Kind           string        `json:"kind"`
	Channel        string        `json:"channel"`
	Lead           string        `json:"lead"`
	DueAt          time.Time     `json:"due_at"`
	State          string        `json:"state"`
	Attempts       int           `json:"attempts"`
	Target         string        `json:"target,omitempty"`
	LastError      string        `json:"last_error,omitempty"`
	SentAt         *time.Time    `json:"sent_at,omitempty"`
	Log            []attemptJSON `json:"log,omitempty"`
}

type attemptJSON struct {
	Attempt        int       `json:"attempt"`
	At             time.Time `json:"at"`
	Outcome        string    `json:"outcome"`
	ProviderStatus string    `json:"provider_status,omitempty"`
	Detail         string    `json:"detail,omitempty"`
}

func toDeliveryJSON(d store.DeliveryView) deliveryJSON {
	return deliveryJSON{ID: d.ID, RegistrationID: d.RegistrationID, User: d.UserLogin, Title: d.Title, Kind: string(d.Kind),
		Channel: string(d.Channel), Lead: schedule.FormatLeads([]time.Duration{d.Lead}), DueAt: d.DueAt.UTC(), State: string(d.State),
		Attempts: d.Attempts, Target: d.Target, LastError: d.LastError, SentAt: optTime(d.SentAt)}
}

type calendarJSON struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	Source       string     `json:"source"`
	TimeZone     string     `json:"time_zone"`
	LastSyncedAt *time.Time `json:"last_synced_at,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
}
