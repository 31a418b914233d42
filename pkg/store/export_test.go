package store

import (
	"context"
	"fmt"
)

// Exec runs raw SQL, for tests that check what the schema itself enforces.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// QueryStrings runs raw SQL and returns every column of every row as text.
func (s *Store) QueryStrings(ctx context.Context, query string, args ...any) ([][]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
			case []byte:
				row[i] = string(v)
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// IsUniqueViolation exposes the store's duplicate-key check.
var IsUniqueViolation = isUniqueViolation

// SetPruneHook makes each batch of Prune call hook, with the table it
// pruned, in its transaction before it commits.
func (s *Store) SetPruneHook(hook func(table string)) { s.pruneHook = hook }

// The queries that pick what a prune batch deletes, for EXPLAIN.
const (
	PrunableDeliveriesSQL    = prunableDeliveriesSQL
	PrunableEventsSQL        = prunableEventsSQL
	PrunableRegistrationsSQL = prunableRegistrationsSQL
)
