package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	maxWrite   = 1000        // results written in one transaction at most (config.MaxBatchSize: one statement names them all)
	writePause = time.Second // the wait after a failed write before the next
)

// recorder writes results as a continuous group commit: a writer writes
// everything queued in one transaction and, as soon as that ends, what was
// queued meanwhile, so that a result waits for at most one write before its
// own, and a run of thousands of sends costs one transaction per database
// round trip rather than one per send. Senders do not wait for it: the
// journal holds each result from the moment it is added. A result that
// carries a provider reference (a placed call) is waited for: the outbox
// must know a call exists before the sender goes on.
type recorder struct {
	owner   string
	log     *slog.Logger
	journal *journal // nil: no state directory
	finish  func(ctx context.Context, owner string, results []store.Result) (lost []int64, err error)
	// failedWrite is told of each write that failed: the run stops sending
	// what the database cannot record.
	failedWrite func(error)

	mu        sync.Mutex
	cond      *sync.Cond // a result was queued, a write ended, or closing began
	pending   []store.Result
	queued    int // results queued so far
	attempted int // results queued before the last write began: that write tried them all
	failed    bool
	lost      int
	closing   bool
	writer    sync.WaitGroup
	closeOnce sync.Once
}

func newRecorder(owner string, log *slog.Logger, j *journal,
	finish func(ctx context.Context, owner string, results []store.Result) ([]int64, error), failedWrite func(error)) *recorder {
	r := &recorder{owner: owner, log: log, journal: j, finish: finish, failedWrite: failedWrite}
	r.cond = sync.NewCond(&r.mu)
	r.writer.Go(r.run)
	return r
}

// add journals res and queues it for the database.
func (r *recorder) add(res store.Result) {
	if r.journal != nil {
		if err := r.journal.append(res); err != nil {
			r.log.Error("journal a result", "delivery", res.ID, "err", err)
		}
	}
	r.mu.Lock()
	r.pending = append(r.pending, res)
	r.queued++
	seq := r.queued
	r.cond.Broadcast()
	if res.ProviderRef != "" {
		r.waitLocked(seq)
	}
	r.mu.Unlock()
}

// sync waits until every result queued so far has been written, and says
// whether the last write failed.
func (r *recorder) sync() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waitLocked(r.queued)
	if r.failed {
		return fmt.Errorf("record results: %d not written yet", len(r.pending))
	}
	return nil
}

// waitLocked waits until a write has tried the seq-th result.
func (r *recorder) waitLocked(seq int) {
	for r.attempted < seq && !(r.closing && r.failed) {
		r.cond.Wait()
	}
}

// run is the writer.
func (r *recorder) run() {
	for {
		r.mu.Lock()
		for len(r.pending) == 0 && !r.closing {
			r.cond.Wait()
		}
		if len(r.pending) == 0 || (r.closing && r.failed) {
			r.mu.Unlock()
			return // closing, and everything written or given up on
		}
		n := min(len(r.pending), maxWrite)
		batch := r.pending[:n:n]
		r.pending = r.pending[n:]
		through := r.queued - len(r.pending)
		r.mu.Unlock()

		lost, err := r.write(batch)

		r.mu.Lock()
		r.attempted = max(r.attempted, through)
		r.failed = err != nil
		if err != nil {
			r.pending = append(batch, r.pending...) // tried again after a pause
		} else {
			r.lost += len(lost)
		}
		r.cond.Broadcast()
		closing := r.closing
		r.mu.Unlock()
		if err != nil {
			r.failedWrite(err)
		}
		if err != nil && !closing {
			r.pause()
		}
	}
}

// write makes the journal durable, then writes batch to the database.
func (r *recorder) write(batch []store.Result) ([]int64, error) {
	if r.journal != nil {
		if err := r.journal.sync(); err != nil {
			r.log.Error("sync the journal", "err", err)
		}
	}
	// The run may be ending: results of sends that happened are written
	// all the same (finish has a deadline of its own).
	lost, err := r.finish(context.Background(), r.owner, batch)
	if err != nil {
		r.log.Error("record results", "count", len(batch), "err", err)
		return nil, err
	}
	for _, id := range lost {
		r.log.Warn("claim lost before its result was recorded: another run took it over", "delivery", id)
	}
	if r.journal != nil {
		if err := r.journal.recorded(len(batch)); err != nil {
			r.log.Error("cut the journal back", "err", err)
		}
	}
	return lost, nil
}

// pause waits after a failed write, less if closing begins. It waits for
// the timer itself, not for a time of day: a deadline read after the timer
// was set lies after the timer's one wake-up, and a waiter woken by it just
// before the deadline would wait for ever (a run hung in sync).
func (r *recorder) pause() {
	over := false
	t := time.AfterFunc(writePause, func() {
		r.mu.Lock()
		over = true
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer t.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !r.closing && !over {
		r.cond.Wait()
	}
}

func (r *recorder) lostCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// close writes what is left (one more try after a failure) and stops the
// writer. Results it could not write stay in the journal, which it names in
// the error.
func (r *recorder) close() error {
	var err error
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closing = true
		if r.failed {
			r.failed = false // one last try
		}
		r.cond.Broadcast()
		r.mu.Unlock()
		r.writer.Wait()

		r.mu.Lock()
		unwritten := len(r.pending)
		r.mu.Unlock()
		if r.journal == nil {
			if unwritten > 0 {
				err = fmt.Errorf("record results: %d results could not be written and are lost (no invoke.state_dir)", unwritten)
			}
			return
		}
		kept, jerr := r.journal.close()
		switch {
		case unwritten > 0:
			err = fmt.Errorf("record results: %d results could not be written; they are kept in %s, and the next run records them before it sends anything", unwritten, kept)
		case jerr != nil:
			err = fmt.Errorf("close journal: %w", jerr)
		}
	})
	return err
}
