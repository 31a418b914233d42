package store

import (
	"context"
	"fmt"
)

// InboxState is what a live inbox needs to know whether to show something
// new: how many notifications a person's inbox holds and how many of
// them are unread. A notification that arrives raises Count; one read (on
// any device) lowers Unread.
type InboxState struct {
	Count  int `json:"count"`
	Unread int `json:"unread"`
}

const inboxStateSQL = `SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.read_at IS NULL THEN 1 ELSE 0 END), 0)
FROM deliveries d WHERE d.user_id = ? AND d.state IN ` + inboxStates

// InboxStateOf reads the InboxState of user userID in one query (on the
// index of deliveries by user): the panel asks it every few seconds for
// each person with an inbox open.
func (s *Store) InboxStateOf(ctx context.Context, userID int64) (InboxState, error) {
	var st InboxState
	if err := s.db.QueryRowContext(ctx, inboxStateSQL, userID).Scan(&st.Count, &st.Unread); err != nil {
		return InboxState{}, fmt.Errorf("inbox state of user #%d: %w", userID, err)
	}
	return st, nil
}
