package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/twiliostatus"
)

// CallStatusFetcher looks a call up at Twilio (the call channel does, with
// twilio-go's Api.FetchCall). CallStatus returns an error wrapping
// twiliostatus.ErrUnknownCall when Twilio has no such call; any other
// error (classified by message.Classify) leaves the call for a later pass.
type CallStatusFetcher interface {
	CallStatus(ctx context.Context, sid string) (twiliostatus.Call, error)
}

// ReconcileOptions configure the finishing of calls whose status callbacks
// never came (serve-twiml unreachable, a wrong public_url): without them a
// call stays sent for ever, never retried nor failed.
type ReconcileOptions struct {
	// Calls looks calls up; nil turns reconciliation off.
	Calls CallStatusFetcher
	// After is twiml.reconcile_after: how long a call stays sent, with
	// nothing heard of it, before it is looked up; 0 turns reconciliation
	// off. A call still under way is looked up again after as long.
	After time.Duration
	// RetryDelay and MaxCallRetries are twiml.retry_delay and
	// twiml.max_call_retries: what serve-twiml does with a busy, unanswered
	// or failed call, invoke does with one it looked up.
	RetryDelay     time.Duration
	MaxCallRetries int
	// Batch is the most calls one pass looks up; 0 means
	// DefaultReconcileBatch.
	Batch int
}

// DefaultReconcileBatch is the most calls one pass looks up by default.
const DefaultReconcileBatch = 50

// reconcileBudget bounds the time one pass spends looking calls up before
// it sends what is due; the rest wait for the next pass.
const reconcileBudget = 5 * time.Second

// reconcileDBTimeout is the deadline of each database call of the
// reconciliation.
const reconcileDBTimeout = 10 * time.Second

// reconcileStore is what reconciliation needs of the database:
// *store.Store has it.
type reconcileStore interface {
	CallsToReconcile(ctx context.Context, before time.Time, limit int) ([]store.CallToReconcile, error)
	ApplyReport(ctx context.Context, token string, decide func(store.Report) (store.ReportChange, error)) (store.Delivery, error)
}

// reconcileCalls looks up at Twilio the calls that have been sent with no
// final status for Reconcile.After, and finishes each from Twilio's answer
// as its status callback would have (twiliostatus.Reconcile, through
// store.ApplyReport: one log row each). Twilio's failures are logged and
// end the look-ups of this pass (the rest would fare the same); the error
// is about the database.
func (d *Dispatcher) reconcileCalls(ctx context.Context) error {
	o := d.opts.Reconcile
	if o.Calls == nil || o.After <= 0 {
		return nil
	}
	st, ok := d.opts.Store.(reconcileStore)
	if !ok {
		return errors.New("reconcile calls: the store cannot list the calls to look up")
	}
	batch := o.Batch
	if batch <= 0 {
		batch = DefaultReconcileBatch
	}
	dbCtx, cancel := context.WithTimeout(ctx, reconcileDBTimeout)
	calls, err := st.CallsToReconcile(dbCtx, d.opts.Now().Add(-o.After), batch)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("reconcile calls: %w", err)
	}
	policy := twiliostatus.RetryPolicy{Delay: o.RetryDelay, Max: o.MaxCallRetries}
	lookCtx, stop := context.WithTimeout(ctx, reconcileBudget)
	defer stop()
	for i, c := range calls {
		if lookCtx.Err() != nil {
			d.opts.Log.Debug("reconcile calls: out of time for this pass", "left", len(calls)-i)
			return nil
		}
		call, err := o.Calls.CallStatus(lookCtx, c.ProviderRef)
		var decide func(store.Report) twiliostatus.Decision
		status := call.Status
		switch {
		case errors.Is(err, twiliostatus.ErrUnknownCall):
			status = "not found"
			decide = func(r store.Report) twiliostatus.Decision { return twiliostatus.Vanished(r, c.ProviderRef, err) }
		case err != nil:
			if lookCtx.Err() != nil {
				return nil
			}
			log := d.opts.Log.Warn
			if outcome, _ := message.Classify(err); outcome == message.OutcomePermanent {
				log = d.opts.Log.Error // credentials or account: nothing will look up until it is fixed
			}
			log("reconcile calls: cannot look the call up at Twilio; trying again next pass",
				"delivery", c.ID, "call", c.ProviderRef, "left", len(calls)-i, "err", err)
			return nil
		default:
			decide = func(r store.Report) twiliostatus.Decision { return twiliostatus.Reconcile(r, call, policy) }
		}
		outcome := ""
		dbCtx, cancel := context.WithTimeout(ctx, reconcileDBTimeout)
		after, err := st.ApplyReport(dbCtx, c.Token, func(r store.Report) (store.ReportChange, error) {
			dec := decide(r)
			outcome = dec.Outcome
			return dec.Change, nil
		})
		cancel()
		switch {
		case errors.Is(err, store.ErrNotFound): // deleted meanwhile
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reconcile delivery #%d: %w", c.ID, err)
		case outcome == "settled": // a callback or another invoke got there first
			d.opts.Log.Debug("reconcile calls: settled meanwhile", "delivery", c.ID, "call", c.ProviderRef)
			continue
		}
		d.opts.Log.Info("call reconciled from Twilio", "delivery", c.ID, "call", c.ProviderRef, "status", status,
			"outcome", outcome, "state", after.State)
	}
	return nil
}
