package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// RegistrationStatus says whether a registration still reminds anyone.
type RegistrationStatus string

// The registration statuses.
const (
	RegistrationActive    RegistrationStatus = "active"
	RegistrationCancelled RegistrationStatus = "cancelled"
)

// MaxLeads is the most lead times a registration or rule may have.
const MaxLeads = 10

// OriginManual marks a registration made by a person (CLI, panel, API);
// one made by a rule has origin "rule:<id>".
const OriginManual = "manual"

// Registration asks for reminders of one event, or of an ad-hoc instant.
type Registration struct {
	ID          int64
	UserID      int64
	EventID     int64 // 0 for an ad-hoc instant
	RuleID      int64 // 0 when made by hand (or when its rule was removed)
	Origin      string
	Title       string
	Message     string
	StartAt     time.Time // UTC
	TimeZone    string    // the zone the start was given in
	Channels    []schedule.Channel
	Leads       []time.Duration
	Status      RegistrationStatus
	CreatedBy   string
	CancelledAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NewRegistration is what a person or a rule asks for. For an event
// (EventID set) the start, zone and, when Title is empty, the title come
// from the event.
type NewRegistration struct {
	UserID    int64
	EventID   int64
	RuleID    int64
	Title     string
	Message   string
	StartAt   time.Time
	TimeZone  string
	Channels  []schedule.Channel
	Leads     []time.Duration
	CreatedBy string
	// AllDayAt is when the person is reminded of an all-day event, in
	// their zone, instead of the leads (calsync.all_day_at); nil: the
	// default, 09:00 the day before.
	AllDayAt *schedule.AllDayAt

	event  *localEvent    // the event's own start and zone, set by fillFromEvent
	member *time.Location // the person's zone, when event is set
}

// plan is the reminders nr asks for at now: one per channel × lead before
// the start, or, for an all-day event, one per channel at AllDayAt in the
// person's zone, as calendar-sync plans them for rules.
func (nr *NewRegistration) plan(now time.Time) (due, skipped []schedule.Planned) {
	if nr.event != nil && nr.event.allDay {
		_, _, due, skipped = planFor(*nr.event, nr.member, nr.Channels, nr.Leads, allDayOr(nr.AllDayAt), now)
		return due, skipped
	}
	return schedule.Plan(nr.StartAt, nr.Channels, nr.Leads, now)
}

func (nr *NewRegistration) validate(now time.Time) error {
	var fe fieldErrors
	if strings.TrimSpace(nr.Title) == "" {
		fe.add("title", "is empty")
	}
	fe.tooLong("title", nr.Title, 1024)
	fe.noControl("title", nr.Title)
	fe.tooLong("message", nr.Message, 4000)
	if _, err := schedule.LoadZone(nr.TimeZone); err != nil {
		fe.add("time_zone", "%v", err)
	}
	if nr.StartAt.IsZero() {
		fe.add("start", "is missing")
	} else if !nr.StartAt.After(now) {
		fe.add("start", "%s is in the past", nr.StartAt.UTC().Format(time.RFC3339))
	}
	if len(nr.Channels) == 0 {
		fe.add("channel", "none given")
	}
	for _, c := range nr.Channels {
		if _, err := schedule.ParseChannels(string(c)); err != nil {
			fe.add("channel", "%v", err)
		}
	}
	if len(nr.Leads) == 0 {
		fe.add("lead", "none given")
	}
	if len(nr.Leads) > MaxLeads {
		fe.add("lead", "%d lead times given; at most %d", len(nr.Leads), MaxLeads)
	}
	for _, l := range nr.Leads {
		if l < 0 {
			fe.add("lead", "%s is negative: a reminder comes before the event", l)
		}
	}
	if nr.CreatedBy == "" {
		fe.add("created_by", "is empty")
	}
	return fe.err()
}

func (nr *NewRegistration) origin() string {
	if nr.RuleID != 0 {
		return "rule:" + strconv.FormatInt(nr.RuleID, 10)
	}
	return OriginManual
}

const insertRegistrationSQL = `INSERT INTO registrations (user_id, event_id, rule_id, origin, title, message, start_at, time_zone,
channels, leads, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Register creates a registration and its deliveries, one per channel ×
// lead time, in one transaction. Deliveries that would be due in the past
// are skipped and returned so the caller can warn; when every one would
// be, nothing is created and the error names the lead field.
func (s *Store) Register(ctx context.Context, nr NewRegistration) (Registration, []Delivery, []schedule.Planned, error) {
	var (
		reg     Registration
		created []Delivery
		skipped []schedule.Planned
	)
	now := s.clock()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if nr.EventID != 0 {
			if err := fillFromEvent(ctx, tx, &nr); err != nil {
				return err
			}
		}
		if _, err := userByIDTx(ctx, tx, nr.UserID); err != nil {
			return err
		}
		if err := nr.validate(now); err != nil {
			return err
		}
		var due []schedule.Planned
		due, skipped = nr.plan(now)
		if len(due) == 0 {
			return &FieldError{Field: "lead", Problem: fmt.Sprintf("every reminder (%s before %s) would be in the past",
				schedule.FormatLeads(nr.Leads), nr.StartAt.UTC().Format(time.RFC3339))}
		}
		reg = Registration{
			UserID: nr.UserID, EventID: nr.EventID, RuleID: nr.RuleID, Origin: nr.origin(),
			Title: nr.Title, Message: nr.Message, StartAt: dbTime(nr.StartAt), TimeZone: nr.TimeZone,
			Channels: nr.Channels, Leads: nr.Leads, Status: RegistrationActive, CreatedBy: nr.CreatedBy,
			CreatedAt: now, UpdatedAt: now,
		}
		res, err := tx.ExecContext(ctx, insertRegistrationSQL, reg.UserID, nullInt64(reg.EventID), nullInt64(reg.RuleID),
			reg.Origin, reg.Title, reg.Message, reg.StartAt, reg.TimeZone, schedule.FormatChannels(reg.Channels),
			schedule.EncodeLeadSeconds(reg.Leads), reg.Status, reg.CreatedBy, now, now)
		if isUniqueViolation(err) {
			return fmt.Errorf("registration of user #%d for event #%d (%s): %w", reg.UserID, reg.EventID, reg.Origin, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create registration: %w", err)
		}
		if reg.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create registration: %w", err)
		}
		created, err = s.insertDeliveries(ctx, tx, reg, KindReminder, due, now)
		return err
	})
	if err != nil {
		return Registration{}, nil, nil, err
	}
	return reg, created, skipped, nil
}

const eventForRegistrationSQL = `SELECT title, start_at, time_zone, status, all_day FROM events WHERE id = ?`

// fillFromEvent takes the start, zone and (unless given) title from the
// event, and what planning needs of it (see plan).
func fillFromEvent(ctx context.Context, tx *sql.Tx, nr *NewRegistration) error {
	var title, zone, status string
	var start anyTime
	var allDay bool
	err := tx.QueryRowContext(ctx, eventForRegistrationSQL, nr.EventID).Scan(&title, &start, &zone, &status, &allDay)
	if errors.Is(err, sql.ErrNoRows) {
		return &FieldError{Field: "event", Problem: fmt.Sprintf("no event #%d", nr.EventID)}
	}
	if err != nil {
		return fmt.Errorf("event #%d: %w", nr.EventID, err)
	}
	if status == "cancelled" {
		return &FieldError{Field: "event", Problem: fmt.Sprintf("event #%d (%s) is cancelled", nr.EventID, title)}
	}
	if nr.Title == "" {
		nr.Title = title
	}
	member, err := userZoneTx(ctx, tx, nr.UserID, map[int64]*time.Location{})
	if err != nil {
		return err
	}
	nr.event, nr.member = &localEvent{start: start.Time, zone: zone, allDay: allDay}, member
	// A floating event starts at its wall clock in the member's zone.
	nr.StartAt, nr.TimeZone = memberStart(start.Time, zone, member), zone
	if zone == "" {
		nr.TimeZone = member.String()
	}
	return nil
}

func userByIDTx(ctx context.Context, tx *sql.Tx, id int64) (User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, userByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, &FieldError{Field: "user", Problem: fmt.Sprintf("no user #%d", id)}
	}
	if err != nil {
		return User{}, fmt.Errorf("user #%d: %w", id, err)
	}
	if u.Disabled {
		return User{}, &FieldError{Field: "user", Problem: fmt.Sprintf("%s is disabled", u.Login)}
	}
	return u, nil
}

const registrationColumns = `r.id, r.user_id, r.event_id, r.rule_id, r.origin, r.title, r.message, r.start_at, r.time_zone,
r.channels, r.leads, r.status, r.created_by, r.cancelled_at, r.created_at, r.updated_at`

func scanRegistration(row interface{ Scan(...any) error }, extra ...any) (Registration, error) {
	var (
		r               Registration
		eventID, ruleID sql.NullInt64
		channels, leads string
		cancelledAt     anyTime
	)
	dest := []any{&r.ID, &r.UserID, &eventID, &ruleID, &r.Origin, &r.Title, &r.Message, &r.StartAt, &r.TimeZone,
		&channels, &leads, &r.Status, &r.CreatedBy, &cancelledAt, &r.CreatedAt, &r.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Registration{}, err
	}
	r.EventID, r.RuleID, r.CancelledAt = eventID.Int64, ruleID.Int64, cancelledAt.Time
	var err error
	if r.Channels, r.Leads, err = decodeChannelsLeads(fmt.Sprintf("registration #%d", r.ID), channels, leads); err != nil {
		return Registration{}, err
	}
	return r, nil
}

const registrationByIDSQL = `SELECT ` + registrationColumns + ` FROM registrations r WHERE r.id = ?`

// RegistrationByID finds a registration; ErrNotFound if none.
func (s *Store) RegistrationByID(ctx context.Context, id int64) (Registration, error) {
	r, err := scanRegistration(s.db.QueryRowContext(ctx, registrationByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Registration{}, fmt.Errorf("registration #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Registration{}, fmt.Errorf("registration #%d: %w", id, err)
	}
	return r, nil
}
