package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PanelReads are the reads of every panel page (who asks, their unread
// count) and of the busiest one (Upcoming), with statements prepared once:
// on SQLite parsing a statement costs about as much as running it, and on
// MySQL the server parses it once instead of on every page. It is safe for
// concurrent use; Close it before the Store.
type PanelReads struct {
	s                                                      *Store
	session, sessionUnread, unread, upcoming, upcomingPage *sql.Stmt
}

// sessionUnreadSQL is sessionByTokenSQL with the user's unread count: what
// every page asks first, in one statement.
var sessionUnreadSQL = `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
(SELECT COUNT(*) FROM deliveries d WHERE d.user_id = s.user_id AND d.read_at IS NULL AND d.state IN ` + inboxStates + `), ` +
	qualify("u", userColumns) + ` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`

// PreparePanelReads prepares the panel's reads.
func (s *Store) PreparePanelReads(ctx context.Context) (*PanelReads, error) {
	p := &PanelReads{s: s}
	for _, st := range []struct {
		to    **sql.Stmt
		query string
	}{{&p.session, sessionByTokenSQL}, {&p.sessionUnread, sessionUnreadSQL}, {&p.unread, countUnreadSQL},
		{&p.upcoming, upcomingOfUserSQL(s.dialect, false)}, {&p.upcomingPage, upcomingOfUserSQL(s.dialect, true)}} {
		stmt, err := s.db.PrepareContext(ctx, st.query)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("prepare the panel's reads: %w", err)
		}
		*st.to = stmt
	}
	return p, nil
}

// Close releases the statements.
func (p *PanelReads) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{p.session, p.sessionUnread, p.unread, p.upcoming, p.upcomingPage} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// SessionByToken is Store.SessionByToken, prepared.
func (p *PanelReads) SessionByToken(ctx context.Context, token string) (Session, User, error) {
	return p.session1(ctx, p.session, token)
}

// SessionWithUnread is SessionByToken, with the user's unread count
// (CountUnread) read in the same statement.
func (p *PanelReads) SessionWithUnread(ctx context.Context, token string) (Session, User, int, error) {
	var unread int
	sess, u, err := p.session1(ctx, p.sessionUnread, token, &unread)
	return sess, u, unread, err
}

// session1 runs a session statement whose columns are the session's, then
// extra, then the user's.
func (p *PanelReads) session1(ctx context.Context, stmt *sql.Stmt, token string, extra ...any) (Session, User, error) {
	var sess Session
	var created, lastSeen, expires anyTime
	u, err := scanUser(prefixScanner{
		row:    stmt.QueryRowContext(ctx, tokenHash(token)),
		prefix: append([]any{&sess.ID, &sess.UserID, &created, &lastSeen, &expires}, extra...),
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = created.Time, lastSeen.Time, expires.Time
	if !sess.ExpiresAt.After(p.s.clock()) {
		return Session{}, User{}, fmt.Errorf("session #%d expired at %s: %w", sess.ID, sess.ExpiresAt.Format(time.RFC3339), ErrNotFound)
	}
	if u.Disabled {
		return Session{}, User{}, fmt.Errorf("session #%d: user %s is disabled: %w", sess.ID, u.Login, ErrNotFound)
	}
	return sess, u, nil
}

// CountUnread is Store.CountUnread, prepared.
func (p *PanelReads) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := p.unread.QueryRowContext(ctx, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("unread count of user #%d: %w", userID, err)
	}
	return n, nil
}

// UpcomingOfUser is Store.UpcomingOfUser with the limit MaxUpcoming, prepared.
func (p *PanelReads) UpcomingOfUser(ctx context.Context, userID int64, now time.Time) ([]Upcoming, error) {
	rows, err := p.upcoming.QueryContext(ctx, userID, RegistrationActive, dbTime(now), OriginTest)
	return readUpcoming(rows, err, userID, MaxUpcoming, false)
}

// UpcomingPage is UpcomingOfUser with only what the panel's Upcoming page
// shows: each registration's id, event and rule ids, origin (the group
// rule a card names), title, message, start, place and link, and its
// reminders' id, channel, lead and due time. TimeZone, Channels, Leads
// and the reminders' State are left empty.
func (p *PanelReads) UpcomingPage(ctx context.Context, userID int64, now time.Time) ([]Upcoming, error) {
	rows, err := p.upcomingPage.QueryContext(ctx, userID, RegistrationActive, dbTime(now), OriginTest)
	return readUpcoming(rows, err, userID, MaxUpcoming, true)
}
