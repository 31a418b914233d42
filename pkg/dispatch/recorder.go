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

// recorder writes results in batches, in the background, so that a run of
// thousands of sends costs tens of transactions and the senders never wait
// for the database. A result that carries a provider reference (a placed
// call) is written at once, before its sender goes on: the outbox must know
// a call exists before anything else happens.
type recorder struct {
	store Store
	owner string
	log   *slog.Logger

	mu      sync.Mutex // guards pending, lost, err
	pending []store.Result
	lost    int
	err     error

	flushing sync.Mutex    // one write at a time, in order
	kick     chan struct{} // asks the background writer to flush now
	stop     chan struct{}
	stopped  sync.WaitGroup
	closed   sync.Once
}

func newRecorder(s Store, owner string, log *slog.Logger) *recorder {
	r := &recorder{store: s, owner: owner, log: log, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	r.stopped.Go(func() {
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-r.kick:
			case <-r.stop:
				return
			}
			r.flush()
		}
	})
	return r
}

// add queues a result. A full queue is written in the background; an
// urgent result is written before add returns.
func (r *recorder) add(res store.Result) {
	r.mu.Lock()
	r.pending = append(r.pending, res)
	full := len(r.pending) >= flushSize
	r.mu.Unlock()
	switch {
	case res.ProviderRef != "":
		r.flush()
	case full:
		select {
		case r.kick <- struct{}{}:
		default: // a flush is asked for already
		}
	}
}

// flush writes what is queued and returns the first write error of the run.
func (r *recorder) flush() error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return r.firstErr()
	}
	// The run's context may be ending: results of sends that happened must
	// be written all the same.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lost, err := r.store.Finish(ctx, r.owner, batch)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		// Keep them for the next flush: the database may be back by then.
		r.pending = append(batch, r.pending...)
		r.log.Error("record results", "count", len(batch), "err", err)
		if r.err == nil {
			r.err = fmt.Errorf("record results: %w", err)
		}
		return r.err
	}
	for _, id := range lost {
		r.log.Warn("claim lost before its result was recorded: another run took it over", "delivery", id)
	}
	r.lost += len(lost)
	return r.err
}

func (r *recorder) firstErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *recorder) lostCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// close stops the background writer and writes what is left.
func (r *recorder) close() error {
	r.closed.Do(func() {
		close(r.stop)
		r.stopped.Wait()
	})
	return r.flush()
}
