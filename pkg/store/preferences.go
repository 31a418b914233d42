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

// PreferencesOf returns a person's preferences, and false when they have
// set none.
func (s *Store) PreferencesOf(ctx context.Context, userID int64) (Preferences, bool, error) {
	prefs, err := s.preferencesOf(ctx, []int64{userID})
	if err != nil {
		return Preferences{}, false, err
	}
	p, ok := prefs[userID]
	return p, ok, nil
}

const preferencesOfUsersSQL = `SELECT user_id, channels, leads, updated_at FROM user_preferences WHERE user_id IN (%s)`

// preferencesOf reads the preferences of several people in one query, by
// user; one who set none is not in the map.
func (s *Store) preferencesOf(ctx context.Context, userIDs []int64) (map[int64]Preferences, error) {
	out := make(map[int64]Preferences, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(preferencesOfUsersSQL, placeholders(len(userIDs))), int64Args(userIDs)...)
	if err != nil {
		return nil, fmt.Errorf("preferences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var channels, leads string
		var updated anyTime
		if err := rows.Scan(&id, &channels, &leads, &updated); err != nil {
			return nil, fmt.Errorf("preferences: %w", err)
		}
		p := Preferences{UpdatedAt: updated.Time}
		if p.Channels, p.Leads, err = decodeChannelsLeads(fmt.Sprintf("preferences of user #%d", id), channels, leads); err != nil {
			return nil, err
		}
		out[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("preferences: %w", err)
	}
	return out, nil
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
