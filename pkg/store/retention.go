package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// Retention: finished history is deleted in short transactions of at most
// BatchSize rows each, so that invoke's claims never wait on them. A batch
// picks its rows by an index with a plain read, which locks nothing; locks
// them by primary key with FOR UPDATE SKIP LOCKED (rows that someone holds
// are left for a later run), checking again that they may go; and deletes
// them by primary key.
//
// On MySQL a batch runs at READ COMMITTED, where InnoDB takes no gap or
// next-key locks: it holds only the records of the rows it deletes, which
// are finished ones that no claim takes. A claim that reads past its range
// onto one of them skips it (SKIP LOCKED), and an insert next to one does
// not wait (an insert waits only for a gap lock). At REPEATABLE READ a
// locking read would also lock the gaps around what it read, and a
// delivery finished as sent (a new entry in the "sent" range of
// deliveries_due) would wait for the batch. On SQLite a batch holds the
// database's one write lock for the few milliseconds it takes.

// finishedStates are the states of deliveries that nothing sends any more.
var finishedStates = []DeliveryState{StateSent, StateFailed, StateCancelled, StateAnswered, StateAcknowledged}

// liveStates are the states of deliveries that invoke will still send.
var liveStates = []DeliveryState{StatePending, StateSending}

// Defaults of PruneOptions.
const (
	DefaultPruneBatch   = 500
	DefaultBatchTimeout = 30 * time.Second
)

// PruneOptions says what Prune deletes, and how much at a time.
type PruneOptions struct {
	// DeliveriesBefore: a finished delivery whose last change (updated_at)
	// and last attempt (next_attempt_at) are both before it is deleted,
	// with its delivery log and call progress. Zero: no delivery is.
	DeliveriesBefore time.Time
	// EventsBefore: an event that ended before it is deleted, unless one
	// of its registrations has a delivery still to send. Its registrations
	// that have no delivery left are deleted with it; the others stay,
	// detached (event_id NULL, their title and start kept), for their
	// deliveries. A registration without an event (ad-hoc, or detached)
	// whose start is before it and that has no delivery left is deleted.
	// Zero: no event or registration is.
	EventsBefore time.Time
	// BatchSize is the most rows of the table being pruned that one
	// transaction deletes (0: DefaultPruneBatch). The registrations of the
	// events of a batch come on top: a batch takes events until their
	// registrations would exceed BatchSize, and at least one.
	BatchSize int
	// BatchTimeout is the deadline of each batch's transaction (0:
	// DefaultBatchTimeout), and of each count of CountPrunable.
	BatchTimeout time.Duration
	// Budget: no batch starts once this much time has passed since Prune
	// began (0: no limit). MaxBatches: at most this many batches that
	// deleted something (0: no limit). Prune then reports that more may be
	// left.
	Budget     time.Duration
	MaxBatches int
}

// PruneOptionsFor turns the configured retention periods into cutoffs at
// now; a period of 0 (keep for ever) leaves its cutoff zero.
func PruneOptionsFor(r config.Retention, now time.Time) PruneOptions {
	opts := PruneOptions{BatchSize: r.BatchSize}
	if r.Deliveries > 0 {
		opts.DeliveriesBefore = now.Add(-r.Deliveries)
	}
	if r.Events > 0 {
		opts.EventsBefore = now.Add(-r.Events)
	}
	return opts
}

func (o PruneOptions) withDefaults() PruneOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultPruneBatch
	}
	if o.BatchTimeout <= 0 {
		o.BatchTimeout = DefaultBatchTimeout
	}
	o.DeliveriesBefore, o.EventsBefore = dbTimeOrZero(o.DeliveriesBefore), dbTimeOrZero(o.EventsBefore)
	return o
}

func dbTimeOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return dbTime(t)
}

// PruneCounts is how many rows of each table Prune deleted (or
// CountPrunable would delete).
type PruneCounts struct {
	Deliveries            int64 // deliveries
	DeliveryAttempts      int64 // delivery_attempts: the delivery log
	DeliveryProgress      int64 // delivery_progress: Twilio's reports on calls and texts
	Events                int64 // events
	Registrations         int64 // registrations
	RegistrationUnmatched int64 // registration_unmatched
	// RegistrationsDetached counts the registrations of deleted events
	// that were kept for their deliveries (updated, not deleted).
	RegistrationsDetached int64
}

func (c *PruneCounts) add(d PruneCounts) {
	c.Deliveries += d.Deliveries
	c.DeliveryAttempts += d.DeliveryAttempts
	c.DeliveryProgress += d.DeliveryProgress
	c.Events += d.Events
	c.Registrations += d.Registrations
	c.RegistrationUnmatched += d.RegistrationUnmatched
	c.RegistrationsDetached += d.RegistrationsDetached
}

// pruneBatch runs one batch in tx and says what it deleted and whether it
// was full (more may be left).
type pruneBatch func(ctx context.Context, tx *sql.Tx, opts PruneOptions, now time.Time) (PruneCounts, bool, error)

// Prune deletes the history that opts names, one short transaction at a
// time: finished deliveries first, then past events with their
// registrations, then past registrations without an event. It never
// deletes a user, a rule, a calendar, a push subscription, or a delivery
// that is pending or sending. It returns what it deleted, even with an
// error, and done: false when it stopped at opts.Budget or opts.MaxBatches
// with more to do, or when rows were skipped because someone held them
// (a later run takes them).
func (s *Store) Prune(ctx context.Context, opts PruneOptions) (counts PruneCounts, done bool, err error) {
	opts = opts.withDefaults()
	start := time.Now() // the budget is of real time, not of the store's clock
	var phases []pruneBatch
	if !opts.DeliveriesBefore.IsZero() {
		phases = append(phases, s.pruneDeliveriesBatch)
	}
	if !opts.EventsBefore.IsZero() {
		phases = append(phases, s.pruneEventsBatch, s.pruneRegistrationsBatch)
	}
	batches := 0
	for _, batch := range phases {
		for more := true; more; {
			if (opts.Budget > 0 && time.Since(start) >= opts.Budget) || (opts.MaxBatches > 0 && batches >= opts.MaxBatches) {
				return counts, false, nil
			}
			var c PruneCounts
			now := s.clock()
			err := s.pruneTx(ctx, opts.BatchTimeout, func(ctx context.Context, tx *sql.Tx) error {
				var err error
				c, more, err = batch(ctx, tx, opts, now)
				return err
			})
			if err != nil {
				return counts, false, err
			}
			counts.add(c)
			if c != (PruneCounts{}) {
				batches++ // one that found nothing does not count: the next phase may have work
			}
		}
	}
	return counts, true, nil
}

// pruneTx runs fn in a transaction with a deadline of timeout, at READ
// COMMITTED on MySQL, again after a deadlock.
func (s *Store) pruneTx(ctx context.Context, timeout time.Duration, fn func(ctx context.Context, tx *sql.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var opts *sql.TxOptions
	if s.dialect == MySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	var err error
	for range upsertAttempts {
		if err = s.pruneTxOnce(ctx, opts, fn); !isDeadlock(err) {
			break
		}
	}
	return pruneError(err)
}

func (s *Store) pruneTxOnce(ctx context.Context, opts *sql.TxOptions, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// pruneError explains the one server setting that stops pruning on MySQL:
// statement-based binary logging refuses writes at READ COMMITTED.
func pruneError(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1665 {
		return fmt.Errorf("%w (the server logs statements, binlog_format=STATEMENT, which refuses the READ COMMITTED transactions pruning uses: set binlog_format=ROW or MIXED)", err)
	}
	return err
}

// skipLocked is the clause with which a batch locks the rows it picks:
// rows someone else holds are left for a later batch. Nothing on SQLite,
// where the transaction holds the database's write lock.
func (s *Store) skipLocked() string {
	if s.dialect == MySQL {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// afterPruneBatch is called in each batch's transaction before it commits,
// with the table pruned; tests set it (SetPruneHook) to act while the
// batch holds its locks.
func (s *Store) afterPruneBatch(table string) {
	if s.pruneHook != nil {
		s.pruneHook(table)
	}
}

func stateArgs(states []DeliveryState) []any {
	args := make([]any, len(states))
	for i, st := range states {
		args[i] = st
	}
	return args
}
