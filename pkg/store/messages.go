package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// KindMessage is a delivery of a message sent now to groups and people.
const KindMessage DeliveryKind = "message"

// Message is a message sent now (or at a set time) to groups and people.
// Each recipient has a registration of origin "message:<id>" with one
// delivery of kind message, so that it goes through the outbox.
type Message struct {
	ID          int64
	Title       string
	Body        string // plain text; email shows it as Markdown
	SendAt      time.Time
	CreatedBy   string
	CreatedAt   time.Time
	CancelledAt time.Time
}

// NewMessage is a message to write, to the people Recipients resolved.
type NewMessage struct {
	Title     string
	Body      string
	SendAt    time.Time // zero: now
	CreatedBy string
}

// Check checks and normalizes a message to send at or after now: a title
// and a text, a send time not in the past (zero: now), who sends it. Each
// problem is a FieldError (title, message, at, created_by).
func (m *NewMessage) Check(now time.Time) error {
	var fe fieldErrors
	m.Title = strings.TrimSpace(m.Title)
	if m.Title == "" {
		fe.add("title", "is empty")
	}
	fe.tooLong("title", m.Title, 255)
	fe.noControl("title", m.Title)
	if strings.TrimSpace(m.Body) == "" {
		fe.add("message", "is empty")
	}
	fe.tooLong("message", m.Body, 4000)
	if m.SendAt.IsZero() {
		m.SendAt = now
	} else if m.SendAt.Before(now.Add(-time.Minute)) {
		fe.add("at", "%s is in the past", m.SendAt.UTC().Format(time.RFC3339))
	}
	if m.CreatedBy == "" {
		fe.add("created_by", "is empty")
	}
	return fe.err()
}

// Recipient is a person a message goes to, with what reaches them.
type Recipient struct {
	User     User
	Channels []schedule.Channel // theirs, in order: what the message asked for, else their preferences
	LivePush int                // browsers subscribed and not expired
	// Channel is the one the message goes on (the first that reaches
	// them), set by the caller before QueueMessage; "" leaves them out.
	Channel schedule.Channel
}

// Audience names who a message is for.
type Audience struct {
	Groups   []string
	Logins   []string
	Channels []schedule.Channel // the channels to use, in order; none: each person's preferences, else Fallback
	Fallback []schedule.Channel // for people without preferences
}

// Recipients resolves an audience into people, each once, by login;
// disabled people are left out. Unknown groups or logins are ErrNotFound,
// named all in one error; an unknown channel or an empty audience a
// FieldError.
func (s *Store) Recipients(ctx context.Context, a Audience) ([]Recipient, error) {
	var fe fieldErrors
	if len(a.Groups) == 0 && len(a.Logins) == 0 {
		fe.add("to", "no group or person given")
	}
	for _, c := range slices.Concat(a.Channels, a.Fallback) {
		if !c.Valid() {
			fe.add("channel", "unknown channel %q", c)
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	byID := make(map[int64]User)
	var missing []string
	for _, g := range a.Groups {
		members, err := s.GroupMembers(ctx, g)
		if errors.Is(err, ErrNotFound) {
			missing = append(missing, "group "+g)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, u := range members {
			byID[u.ID] = u
		}
	}
	for _, login := range a.Logins {
		u, err := s.UserByLogin(ctx, login)
		if errors.Is(err, ErrNotFound) {
			missing = append(missing, "user "+login)
			continue
		}
		if err != nil {
			return nil, err
		}
		byID[u.ID] = u
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no such %s: %w", strings.Join(missing, ", "), ErrNotFound)
	}
	var ids []int64
	for id, u := range byID {
		if !u.Disabled {
			ids = append(ids, id)
		}
	}
	prefs, err := s.preferencesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	subs, err := s.LivePushSubscriptionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Recipient, 0, len(ids))
	for _, id := range ids {
		r := Recipient{User: byID[id], Channels: a.Channels, LivePush: len(subs[id])}
		if len(r.Channels) == 0 {
			r.Channels = a.Fallback
			if p, ok := prefs[id]; ok {
				r.Channels = p.Channels
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Recipient) int { return strings.Compare(a.User.Login, b.User.Login) })
	return out, nil
}

const insertMessageSQL = `INSERT INTO messages (title, body, send_at, created_by, created_at) VALUES (?, ?, ?, ?, ?)`

// QueueMessage writes m and, for each recipient with a Channel, a
// registration of origin "message:<id>" and one delivery of kind message
// on that channel (falling back to their later channels when it cannot
// reach them), due at m.SendAt, in one transaction. It returns the message
// and how many deliveries it queued.
func (s *Store) QueueMessage(ctx context.Context, nm NewMessage, to []Recipient) (Message, int, error) {
	now := s.clock()
	if err := nm.Check(now); err != nil {
		return Message{}, 0, err
	}
	m := Message{Title: nm.Title, Body: nm.Body, SendAt: dbTime(nm.SendAt), CreatedBy: nm.CreatedBy, CreatedAt: now}
	queued := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queued = 0
		res, err := tx.ExecContext(ctx, insertMessageSQL, m.Title, m.Body, m.SendAt, m.CreatedBy, now)
		if err != nil {
			return fmt.Errorf("create message: %w", err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create message: %w", err)
		}
		origin := messageOrigin(m.ID)
		for _, r := range to {
			i := slices.Index(r.Channels, r.Channel)
			if r.Channel == "" || i < 0 {
				continue
			}
			reg := Registration{UserID: r.User.ID, Origin: origin, Title: m.Title, Message: m.Body, StartAt: m.SendAt,
				TimeZone: r.User.TimeZone, Channels: r.Channels[i:], Leads: []time.Duration{0}, Status: RegistrationActive,
				CreatedBy: m.CreatedBy, CreatedAt: now, UpdatedAt: now}
			res, err := tx.ExecContext(ctx, insertRegistrationSQL, reg.UserID, nil, nil, reg.Origin, reg.Title, reg.Message,
				reg.StartAt, reg.TimeZone, schedule.FormatChannels(reg.Channels), schedule.EncodeLeadSeconds(reg.Leads),
				reg.Status, reg.CreatedBy, now, now)
			if err != nil {
				return fmt.Errorf("message #%d to %s: %w", m.ID, r.User.Login, err)
			}
			if reg.ID, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("message #%d to %s: %w", m.ID, r.User.Login, err)
			}
			p := schedule.Planned{Channel: r.Channel, OccurrenceAt: m.SendAt, DueAt: m.SendAt}
			created, err := s.insertDeliveries(ctx, tx, reg, KindMessage, []schedule.Planned{p}, now)
			if err != nil {
				return err
			}
			queued += len(created)
		}
		return nil
	})
	if err != nil {
		return Message{}, 0, err
	}
	return m, queued, nil
}

func messageOrigin(id int64) string { return "message:" + strconv.FormatInt(id, 10) }

const (
	messageByIDSQL      = `SELECT id, title, body, send_at, created_by, created_at, cancelled_at FROM messages WHERE id = ?`
	cancelMessageSQL    = `UPDATE messages SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL`
	cancelMessageRegSQL = `UPDATE registrations SET status = ?, cancelled_at = ?, updated_at = ? WHERE origin = ? AND status = ?`
	cancelMessageDelSQL = `UPDATE deliveries SET state = ?, last_error = ?, updated_at = ?
WHERE state = ? AND registration_id IN (SELECT id FROM registrations WHERE origin = ?)`
)

// MessageByID finds a message; ErrNotFound if none.
func (s *Store) MessageByID(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, messageByIDSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("message #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Message{}, fmt.Errorf("message #%d: %w", id, err)
	}
	return m, nil
}

// scanMessage reads the columns of messageByIDSQL.
func scanMessage(row scanner) (Message, error) {
	var m Message
	var sendAt, created, cancelled anyTime
	err := row.Scan(&m.ID, &m.Title, &m.Body, &sendAt, &m.CreatedBy, &created, &cancelled)
	m.SendAt, m.CreatedAt, m.CancelledAt = sendAt.Time, created.Time, cancelled.Time
	return m, err
}

// CancelMessage stops what of a message is not sent yet: its pending
// deliveries are cancelled (a send under way finishes), and returns how
// many. ErrNotFound if there is no such message.
func (s *Store) CancelMessage(ctx context.Context, id int64) (int, error) {
	if _, err := s.MessageByID(ctx, id); err != nil {
		return 0, err
	}
	cancelled := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		origin := messageOrigin(id)
		if _, err := tx.ExecContext(ctx, cancelMessageSQL, now, id); err != nil {
			return fmt.Errorf("cancel message #%d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, cancelMessageDelSQL, StateCancelled, "message cancelled", now, StatePending, origin)
		if err != nil {
			return fmt.Errorf("cancel message #%d: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("cancel message #%d: %w", id, err)
		}
		cancelled = int(n)
		if _, err := tx.ExecContext(ctx, cancelMessageRegSQL, RegistrationCancelled, now, now, origin, RegistrationActive); err != nil {
			return fmt.Errorf("cancel message #%d: %w", id, err)
		}
		return nil
	})
	return cancelled, err
}
