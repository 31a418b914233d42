package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// Preferences are how a person wants to be reminded where a group rule or
// a message to a group leaves it to them: channels in order (the first
// that reaches them is used, the next on failure) and lead times.
type Preferences struct {
	Channels  []schedule.Channel
	Leads     []time.Duration // longest first
	UpdatedAt time.Time
}

const preferencesOfSQL = `SELECT channels, leads, updated_at FROM user_preferences WHERE user_id = ?`

// PreferencesOf returns a person's preferences, and false when they have
// set none.
func (s *Store) PreferencesOf(ctx context.Context, userID int64) (Preferences, bool, error) {
	var channels, leads string
	var updated anyTime
	err := s.db.QueryRowContext(ctx, preferencesOfSQL, userID).Scan(&channels, &leads, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Preferences{}, false, nil
	}
	if err != nil {
		return Preferences{}, false, fmt.Errorf("preferences of user #%d: %w", userID, err)
	}
	p := Preferences{UpdatedAt: updated.Time}
	if p.Channels, p.Leads, err = decodeChannelsLeads(fmt.Sprintf("preferences of user #%d", userID), channels, leads); err != nil {
		return Preferences{}, false, err
	}
	return p, true, nil
}

const (
	preferencesExistSQL  = `SELECT 1 FROM user_preferences WHERE user_id = ?`
	updatePreferencesSQL = `UPDATE user_preferences SET channels = ?, leads = ?, updated_at = ? WHERE user_id = ?`
	insertPreferencesSQL = `INSERT INTO user_preferences (user_id, channels, leads, updated_at) VALUES (?, ?, ?, ?)`
)

// SetPreferences sets a person's preferences and returns them as stored
// (channels once each, leads longest first). Bad channels or leads are
// FieldErrors naming "channel" or "lead", and a missing user a "user" one;
// nothing changes then.
func (s *Store) SetPreferences(ctx context.Context, userID int64, p Preferences) (Preferences, error) {
	var fe fieldErrors
	p.Channels, p.Leads = checkChannelsLeads(&fe, p.Channels, p.Leads)
	if err := fe.err(); err != nil {
		return Preferences{}, err
	}
	err := s.inTxRetry(ctx, func(tx *sql.Tx) error {
		var fe fieldErrors
		if err := s.checkUserTx(ctx, tx, userID, true, &fe); err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		// The user's row is locked: no other writer of their preferences
		// runs between this read and the write.
		var one int
		err := tx.QueryRowContext(ctx, preferencesExistSQL, userID).Scan(&one)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("set preferences of user #%d: %w", userID, err)
		}
		p.UpdatedAt = s.clock()
		channels, leads := schedule.FormatChannels(p.Channels), schedule.EncodeLeadSeconds(p.Leads)
		if err == nil {
			_, err = tx.ExecContext(ctx, updatePreferencesSQL, channels, leads, p.UpdatedAt, userID)
		} else {
			_, err = tx.ExecContext(ctx, insertPreferencesSQL, userID, channels, leads, p.UpdatedAt)
		}
		if err != nil {
			return fmt.Errorf("set preferences of user #%d: %w", userID, err)
		}
		return nil
	})
	if err != nil {
		return Preferences{}, err
	}
	return p, nil
}
