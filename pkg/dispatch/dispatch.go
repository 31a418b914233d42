package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Store is what the dispatcher needs of the database.
type Store interface {
	Claim(ctx context.Context, req store.ClaimRequest) (store.ClaimBatch, error)
	DueNow(ctx context.Context, limit int) ([]store.Claim, error)
	Finish(ctx context.Context, owner string, results []store.Result) (lost []int64, err error)
	Release(ctx context.Context, owner string, ids []int64) error
	PendingCalls(ctx context.Context, until time.Time) ([]store.PendingCall, error)
	Advance(ctx context.Context, at map[int64]time.Time) error
}

// Options configure a Dispatcher; see config.Invoke for what each means.
type Options struct {
	Store    Store
	Channels map[schedule.Channel]Channel // the configured channels; a missing one has no target
	Owner    string                       // names this process in leases: host, pid, a random part

	Concurrency    int
	BatchSize      int
	Lease          time.Duration
	SendTimeout    time.Duration // the most one Send may take (invoke.http_timeout)
	MaxAttempts    int
	BackoffBase    time.Duration
	BackoffMax     time.Duration
	CallsPerSecond float64 // Twilio's calls per second, for every process on the database together
	SMSPerSecond   float64 // Twilio's texts per second, likewise
	CallLookahead  time.Duration

	PublicURL string // builds acknowledge and panel links; "" leaves them out

	// StateDir holds the run's journal of results (invoke.state_dir); ""
	// keeps none, and a result the database could not take is then lost.
	StateDir string
	// JournalScope names the database in journal file names, so that runs
	// over other databases sharing StateDir leave each other's alone.
	JournalScope string
	// Database names the database in journals and messages.
	Database string
	// SyncJournal fsyncs the journal before each database write, so that a
	// crash of the host forgets at most one write's worth of results: for
	// a database whose commits are durable (store.DurableCommits). Over
	// one whose last commits a host crash may undo anyway (SQLite), the
	// fsync would guard nothing; the journal is then written (what a kill
	// of the process needs) and fsync'd only when a run ends keeping it.
	SyncJournal bool
	// DBTimeout bounds every database call of a run (invoke.db_timeout);
	// default 10s.
	DBTimeout time.Duration

	Reconcile ReconcileOptions // calls whose status callbacks never came; zero: off

	Log    *slog.Logger
	Now    func() time.Time // default time.Now
	Jitter func() float64   // a number in [0, 1); default math/rand/v2
}

// Dispatcher sends what is due. It is safe to run any number of them, in
// one process or many, over one database.
type Dispatcher struct {
	opts    Options
	pace    store.Pace
	backoff backoff
}

// New checks opts and makes a Dispatcher.
func New(opts Options) (*Dispatcher, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("dispatch: no store")
	case opts.Owner == "":
		return nil, errors.New("dispatch: no owner")
	case opts.Concurrency < 1 || opts.BatchSize < 1 || opts.MaxAttempts < 1:
		return nil, errors.New("dispatch: concurrency, batch size and max attempts must be 1 or more")
	case opts.Lease <= opts.SendTimeout:
		return nil, errors.New("dispatch: the lease must be longer than the send timeout")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DBTimeout <= 0 {
		opts.DBTimeout = 10 * time.Second
	}
	d := &Dispatcher{
		opts:    opts,
		pace:    newPace(opts),
		backoff: backoff{base: opts.BackoffBase, max: opts.BackoffMax, jitter: opts.Jitter},
	}
	return d, nil
}

// RunOnce makes one pass: it records what the journals of ended runs hold,
// plans call bursts, then claims and sends everything due until nothing is
// left, and returns what it did. When ctx ends it stops claiming, finishes
// the sends under way, and gives back the claims it had not started. The
// error is about the database (or the state directory): failed deliveries
// are counted in the Summary. Every database call has a deadline, so a
// database that stops answering ends the pass within a few DBTimeouts.
func (d *Dispatcher) RunOnce(ctx context.Context) (Summary, error) {
	started := d.opts.Now()
	var sum Summary
	if d.opts.StateDir != "" {
		replayed, err := d.replayJournals(ctx)
		sum.Replayed = replayed
		if err != nil {
			return sum, err
		}
	}
	if err := d.reconcileCalls(ctx); err != nil {
		return sum, err
	}
	var j *journal
	if d.opts.StateDir != "" {
		var err error
		if j, err = openJournal(d.opts.StateDir, d.opts.JournalScope, d.opts.Owner, d.opts.Database, d.opts.SyncJournal); err != nil {
			return sum, err
		}
	}
	// A database that cannot take results stops the pass: the claims not
	// started yet are given back rather than sent, each send waiting on
	// the database to its timeout (a stalled database kept a pass sending a
	// claimed batch for a minute).
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	rec := newRecorder(d.opts.Owner, d.opts.Log, j, d.finish, func(err error) { stop(errDatabaseDown{err}) })
	planCtx, cancel := context.WithTimeout(ctx, d.opts.DBTimeout)
	err := d.planCalls(planCtx)
	cancel()
	if err != nil {
		return sum, errors.Join(err, rec.close())
	}

	// A batch's worth of buffer lets the next claim happen while the last
	// batch is still being sent.
	work := make(chan store.Claim, d.opts.BatchSize)
	var workers, inflight sync.WaitGroup
	var mu sync.Mutex // guards sum and unstarted
	var unstarted []store.Claim
	// process sends one claim and records its result; a run told to stop
	// gives the claim back untried.
	process := func(c store.Claim) {
		defer inflight.Done()
		if ctx.Err() != nil {
			mu.Lock()
			unstarted = append(unstarted, c)
			mu.Unlock()
			return
		}
		r := d.handle(ctx, c)
		rec.add(r)
		d.logResult(c, r)
		mu.Lock()
		sum.count(c, r)
		mu.Unlock()
	}
	for range d.opts.Concurrency {
		workers.Go(func() {
			for c := range work {
				process(c)
			}
		})
	}

	var paced sync.WaitGroup // claims waiting for their slot
	err = d.claimLoop(ctx, work, &inflight, &paced, rec, process)
	paced.Wait()
	close(work)
	workers.Wait()
	err = errors.Join(err, d.cleanUp(unstarted, rec))
	if down, ok := context.Cause(ctx).(errDatabaseDown); ok && err == nil {
		err = down // the results were written after all, at the last try; the pass still stopped early
	}
	sum.Elapsed = d.opts.Now().Sub(started)
	sum.Lost = rec.lostCount()
	return sum, err
}

// cleanUp ends a pass: it gives back the claims not started, lets the
// channels write what they batched and writes the last results, at once,
// so that a database that stopped answering costs one DBTimeout here, not
// one per step.
func (d *Dispatcher) cleanUp(unstarted []store.Claim, rec *recorder) error {
	var steps sync.WaitGroup
	var recErr error
	steps.Go(func() { recErr = rec.close() })
	steps.Go(d.flushChannels)
	if len(unstarted) > 0 {
		steps.Go(func() { d.release(unstarted) })
	}
	steps.Wait()
	return recErr
}

// finish records results for owner within DBTimeout.
func (d *Dispatcher) finish(ctx context.Context, owner string, results []store.Result) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.DBTimeout)
	defer cancel()
	return d.opts.Store.Finish(ctx, owner, results)
}

// claimLoop claims batches and hands them to the workers until a claim
// comes back empty: then, if anything was sent, it waits for every result
// to be recorded and claims once more (a fallback may have made something
// due), and stops when that claim is empty too. Claims of paced channels
// wait for their slots and are sent (process) on their own (paced), not
// queued behind other sends for a worker, so that they leave on time; while due
// calls or texts wait for slots that other claims hold, it claims again
// when the next slot comes within reach.
func (d *Dispatcher) claimLoop(ctx context.Context, work chan<- store.Claim, inflight, paced *sync.WaitGroup, rec *recorder,
	process func(store.Claim)) error {
	emptyOnce, claimedAny := false, false
	req := store.ClaimRequest{Owner: d.opts.Owner, Lease: d.opts.Lease, Limit: d.opts.BatchSize, Pace: d.pace}
	for ctx.Err() == nil {
		claimCtx, cancel := context.WithTimeout(ctx, d.opts.DBTimeout)
		batch, err := d.opts.Store.Claim(claimCtx, req)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("claim: %w", err)
		}
		claims := batch.Claims
		if len(claims) == 0 && !batch.PacedUntil.IsZero() {
			d.sleepUntil(ctx, batch.PacedUntil)
			continue
		}
		if len(claims) == 0 {
			if emptyOnce || !claimedAny {
				return nil
			}
			emptyOnce = true
			inflight.Wait()
			if err := rec.sync(); err != nil {
				return err
			}
			continue
		}
		emptyOnce, claimedAny = false, true
		d.prefetch(ctx, claims)
		for i, c := range claims {
			inflight.Add(1)
			if !c.NotBefore.IsZero() {
				paced.Go(func() { d.atSlot(ctx, c.NotBefore, func() { process(c) }) })
				continue
			}
			select {
			case work <- c:
			case <-ctx.Done():
				inflight.Done()
				d.release(claims[i:])
				return nil
			}
		}
	}
	return nil
}

// atSlot runs send when slot has come by the run's clock; a run told to
// stop meanwhile runs it at once (process then gives the claim back).
func (d *Dispatcher) atSlot(ctx context.Context, slot time.Time, send func()) {
	if wait := slot.Sub(d.opts.Now()); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	send()
}

// sleepUntil waits until at by the run's clock, or until ctx ends; never
// longer than a second at a time, so a clock set by a test is followed.
func (d *Dispatcher) sleepUntil(ctx context.Context, at time.Time) {
	wait := min(max(at.Sub(d.opts.Now()), time.Millisecond), time.Second)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// errDatabaseDown stops a pass whose results the database did not take.
type errDatabaseDown struct{ err error }

func (e errDatabaseDown) Error() string {
	return "stopped: the database did not take results: " + e.err.Error()
}
func (e errDatabaseDown) Unwrap() error { return e.err }

// prefetcher is a channel that reads what it needs of a batch's people in
// one query (push subscriptions) rather than one per send.
type prefetcher interface {
	Prefetch(ctx context.Context, userIDs []int64) error
}

// prefetch lets channels read ahead for a claimed batch. A failure is
// logged: each send then reads what it needs itself.
func (d *Dispatcher) prefetch(ctx context.Context, claims []store.Claim) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.DBTimeout)
	defer cancel()
	users := make(map[schedule.Channel][]int64)
	for _, c := range claims {
		users[c.Channel] = append(users[c.Channel], c.User.ID)
	}
	for name, ids := range users {
		if p, ok := d.opts.Channels[name].(prefetcher); ok {
			if err := p.Prefetch(ctx, ids); err != nil && ctx.Err() == nil {
				d.opts.Log.Warn("prefetch for a batch", "channel", name, "err", err)
			}
		}
	}
}

// flusher is a channel that batches writes of its own (push subscriptions'
// last success) and must write them before a pass ends.
type flusher interface {
	Flush(ctx context.Context) error
}

// flushChannels lets channels write what they batched. Their writes are
// bookkeeping, not outcomes: a failure is logged, not fatal.
func (d *Dispatcher) flushChannels() {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.DBTimeout)
	defer cancel()
	for name, ch := range d.opts.Channels {
		if f, ok := ch.(flusher); ok {
			if err := f.Flush(ctx); err != nil {
				d.opts.Log.Warn("flush channel", "channel", name, "err", err)
			}
		}
	}
}

// release gives back claims not started, with a context of its own: the
// run's has ended.
func (d *Dispatcher) release(claims []store.Claim) {
	ids := make([]int64, len(claims))
	for i, c := range claims {
		ids[i] = c.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.DBTimeout)
	defer cancel()
	if err := d.opts.Store.Release(ctx, d.opts.Owner, ids); err != nil {
		d.opts.Log.Error("release claims", "count", len(ids), "err", err)
	}
}
