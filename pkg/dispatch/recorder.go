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
	flushSize  = 64                     // results written in one transaction
	flushEvery = 100 * time.Millisecond // the longest a result waits to be written
)

// recorder writes results in batches, so that a run of thousands of sends
// costs tens of transactions, not thousands. A result that carries a
// provider reference (a placed call) is written at once: the outbox must
// know a call exists before anything else happens.
type recorder struct {
	store Store
	owner string
	log   *slog.Logger

	mu      sync.Mutex // guards pending and lost; held while flushing
	pending []store.Result
	lost    int
	err     error

	stop     chan struct{}
	stopped  sync.WaitGroup
	closeErr error
	closed   sync.Once
}

func newRecorder(s Store, owner string, log *slog.Logger) *recorder {
	r := &recorder{store: s, owner: owner, log: log, stop: make(chan struct{})}
	r.stopped.Go(func() {
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.flush()
			case <-r.stop:
				return
			}
		}
	})
	return r
}

// add queues a result, writing the queue when it is full or urgent.
func (r *recorder) add(res store.Result) {
	r.mu.Lock()
	r.pending = append(r.pending, res)
	full := len(r.pending) >= flushSize || res.ProviderRef != ""
	r.mu.Unlock()
	if full {
		r.flush()
	}
}

// flush writes what is queued; it returns the first write error of the run.
func (r *recorder) flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 {
		// The run's context may be ending: results of sends that happened
		// must be written all the same.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		lost, err := r.store.Finish(ctx, r.owner, r.pending)
		cancel()
		if err != nil {
			// Keep them for the next flush: the database may be back by then.
			r.log.Error("record results", "count", len(r.pending), "err", err)
			if r.err == nil {
				r.err = fmt.Errorf("record results: %w", err)
			}
			return r.err
		}
		for _, id := range lost {
			r.log.Warn("claim lost before its result was recorded: another run took it over", "delivery", id)
		}
		r.lost += len(lost)
		r.pending = r.pending[:0]
	}
	return r.err
}

func (r *recorder) lostCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// close stops the timer and writes what is left.
func (r *recorder) close() error {
	r.closed.Do(func() {
		close(r.stop)
		r.stopped.Wait()
		r.closeErr = r.flush()
	})
	return r.closeErr
}
