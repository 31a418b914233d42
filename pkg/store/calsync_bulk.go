package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// maxRowsPerInsert bounds the rows of one multi-row INSERT: at 14 columns,
// 200 rows are 2,800 placeholders, far below the limits of MySQL (65,535)
// and SQLite (32,766), and a statement of a few hundred kilobytes at most.
const maxRowsPerInsert = 200

// bulkInsert runs head + "(?, ...), (?, ...)" + tail for rows, each of
// width values, in statements of at most maxRowsPerInsert rows, and
// returns how many rows they affected. A calendar sync writes thousands
// of rows: one statement per row would be one round trip per row.
func bulkInsert(ctx context.Context, tx *sql.Tx, head, tail string, width int, rows [][]any) (int64, error) {
	group := "(?" + strings.Repeat(", ?", width-1) + ")"
	var total int64
	for start := 0; start < len(rows); start += maxRowsPerInsert {
		chunk := rows[start:min(start+maxRowsPerInsert, len(rows))]
		var b strings.Builder
		b.Grow(len(head) + len(tail) + len(chunk)*(len(group)+2))
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if len(r) != width {
				return total, fmt.Errorf("bulk insert: a row of %d values; want %d", len(r), width)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(group)
			args = append(args, r...)
		}
		b.WriteString(tail)
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// inList is "(?, ?, ...)" for n values.
func inList(n int) string {
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

func idsAsArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// The multi-row forms of insertDeliverySQL: the same columns, and the
// same way of skipping a delivery that exists already.
const bulkInsertDeliveriesHead = `INSERT INTO deliveries (registration_id, user_id, kind, channel, lead_seconds, occurrence_at, due_at, state,
next_attempt_at, token, created_at, updated_at) VALUES `

var bulkInsertDeliveriesTail = map[Dialect]string{
	MySQL:  ` ON DUPLICATE KEY UPDATE id = id`,
	SQLite: ` ON CONFLICT DO NOTHING`,
}

// insertDeliveriesBulk is insertDeliveries for many registrations at once:
// it adds their planned deliveries that do not exist yet and returns how
// many it added.
func (s *Store) insertDeliveriesBulk(ctx context.Context, tx *sql.Tx, regs []Registration, kind DeliveryKind, planned [][]schedule.Planned, now time.Time) (int, error) {
	var rows [][]any
	for i, reg := range regs {
		for _, p := range planned[i] {
			token, err := newToken()
			if err != nil {
				return 0, err
			}
			due := dbTime(p.DueAt)
			rows = append(rows, []any{reg.ID, reg.UserID, kind, p.Channel, int64(p.Lead / time.Second), dbTime(p.OccurrenceAt),
				due, StatePending, due, token, now, now})
		}
	}
	n, err := bulkInsert(ctx, tx, bulkInsertDeliveriesHead, bulkInsertDeliveriesTail[s.dialect], 12, rows)
	if err != nil {
		return 0, fmt.Errorf("create deliveries: %w", err)
	}
	return int(n), nil
}
