package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// RegistrationQuery narrows ListRegistrationViews, the panel's lists.
type RegistrationQuery struct {
	UserID     int64
	CalendarID int64              // registrations for events of this calendar
	Status     RegistrationStatus // "": every status
	Upcoming   bool               // only those whose start is ahead
	Limit      int                // 0: 500
}

// ListRegistrationViews is ListRegistrations for the panel's lists: by
// default every status, at most 500.
func (s *Store) ListRegistrationViews(ctx context.Context, q RegistrationQuery) ([]RegistrationView, error) {
	if q.Limit <= 0 {
		q.Limit = 500
	}
	return s.ListRegistrations(ctx, RegistrationFilter{UserID: q.UserID, CalendarID: q.CalendarID, Upcoming: q.Upcoming,
		IncludeCancelled: true, Status: q.Status, Limit: q.Limit})
}

// RegisterPanel is Register for a person in the panel: registering again
// for an event whose registration they cancelled brings that registration
// back, with the channels, lead times and message asked for now, instead
// of failing on the unique key. Registering twice for an event while the
// first registration is active is still ErrConflict.
func (s *Store) RegisterPanel(ctx context.Context, nr NewRegistration) (Registration, []Delivery, []schedule.Planned, error) {
	reg, created, skipped, err := s.Register(ctx, nr)
	if !errors.Is(err, ErrConflict) || nr.EventID == 0 || nr.RuleID != 0 {
		return reg, created, skipped, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		reg, created, skipped = Registration{}, nil, nil
		old, err := scanRegistration(tx.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM registrations r
WHERE r.user_id = ? AND r.event_id = ? AND r.origin = ?`+s.forUpdate(), nr.UserID, nr.EventID, OriginManual))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("registration of user #%d for event #%d: %w", nr.UserID, nr.EventID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("registration of user #%d for event #%d: %w", nr.UserID, nr.EventID, err)
		}
		if old.Status == RegistrationActive {
			return fmt.Errorf("registration #%d of user #%d for event #%d: %w", old.ID, nr.UserID, nr.EventID, ErrConflict)
		}
		if err := fillFromEvent(ctx, tx, &nr); err != nil {
			return err
		}
		now := s.clock()
		if err := nr.validate(now); err != nil {
			return err
		}
		var due []schedule.Planned
		due, skipped = nr.plan(now)
		if len(due) == 0 {
			return &FieldError{Field: "lead", Problem: fmt.Sprintf("every reminder (%s before %s) would be in the past",
				schedule.FormatLeads(nr.Leads), nr.StartAt.UTC().Format(time.RFC3339))}
		}
		reg = old
		reg.Title, reg.Message, reg.StartAt, reg.TimeZone = nr.Title, nr.Message, dbTime(nr.StartAt), nr.TimeZone
		reg.Channels, reg.Leads, reg.Status, reg.CancelledAt, reg.UpdatedAt = nr.Channels, nr.Leads, RegistrationActive, time.Time{}, now
		if _, err := tx.ExecContext(ctx, `UPDATE registrations SET title = ?, message = ?, start_at = ?, time_zone = ?, channels = ?,
leads = ?, status = ?, cancelled_at = NULL, updated_at = ? WHERE id = ?`, reg.Title, reg.Message, reg.StartAt, reg.TimeZone,
			schedule.FormatChannels(reg.Channels), schedule.EncodeLeadSeconds(reg.Leads), reg.Status, now, reg.ID); err != nil {
			return fmt.Errorf("register again #%d: %w", reg.ID, err)
		}
		// The reminders cancelled with the registration come back when
		// they are still ahead and asked for again; the others are new.
		var pairs []string
		args := []any{StatePending, now, reg.ID, KindReminder, StateCancelled, reg.StartAt, now}
		for _, p := range due {
			pairs = append(pairs, "(channel = ? AND lead_seconds = ?)")
			args = append(args, p.Channel, int64(p.Lead/time.Second))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, last_error = NULL, next_attempt_at = due_at, updated_at = ?
WHERE registration_id = ? AND kind = ? AND state = ? AND occurrence_at = ? AND due_at > ? AND (`+strings.Join(pairs, " OR ")+`)`, args...); err != nil {
			return fmt.Errorf("register again #%d: %w", reg.ID, err)
		}
		if created, err = s.insertDeliveries(ctx, tx, reg, KindReminder, due, now); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return Registration{}, nil, nil, err
	}
	return reg, created, skipped, nil
}
