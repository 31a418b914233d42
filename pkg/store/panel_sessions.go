package store

import (
	"context"
	"fmt"
)

const deleteSessionsOfUserSQL = `DELETE FROM sessions WHERE user_id = ?`

// DeleteUserSessions signs user userID out everywhere (a new password)
// and says how many sessions it ended.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, deleteSessionsOfUserSQL, userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user #%d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user #%d: %w", userID, err)
	}
	return n, nil
}
