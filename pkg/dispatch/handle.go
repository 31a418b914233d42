package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// handle decides what to do with one claim, sends it if it should be sent,
// and returns the result to record.
func (d *Dispatcher) handle(ctx context.Context, c store.Claim) store.Result {
	now := d.opts.Now()
	r := store.Result{ID: c.ID, Attempt: c.Attempts}
	if c.ProviderRef != "" {
		// Twilio reported on a call or message of an earlier attempt that
		// never heard back (a timeout, or a run killed while waiting), and
		// serve-twiml kept its SID: it was made. Making it again would
		// reach the person twice.
		return sent(r, message.Receipt{ProviderRef: c.ProviderRef, Status: "adopted",
			Detail: fmt.Sprintf("made by an earlier attempt whose answer was lost (%s, reported by Twilio): not made again", c.ProviderRef)})
	}
	m := Message(c, d.opts.PublicURL)
	if why := SkipReason(c, m, now); why != "" {
		return skipped(r, why)
	}
	ch, ok := d.opts.Channels[c.Channel]
	if !ok {
		return d.noTarget(r, c, fmt.Errorf("%w: the %s channel is not configured", message.ErrNoTarget, c.Channel))
	}
	// A send under way finishes even when the run is told to stop: the
	// provider may act on it, so its outcome must be recorded.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.SendTimeout)
	defer cancel()
	receipt, err := ch.Send(sendCtx, m)
	if err == nil {
		r = sent(r, receipt)
		if c.TakenOver && r.Detail == "" {
			// The run before held it until its lease ran out: killed, or cut
			// off from the database. Its journal was recorded before this run
			// claimed, so only a send it had under way can have reached the
			// person too.
			r.Detail = "sent after taking over the expired claim of an earlier run (that run may have had it under way)"
		}
		return r
	}
	now = d.opts.Now()
	switch outcome, after := message.Classify(err); outcome {
	case message.OutcomeNoTarget:
		return d.noTarget(r, c, err)
	case message.OutcomePermanent:
		return failed(r, "failed", err.Error())
	default:
		return d.retry(r, c, err, after, now)
	}
}

// retry schedules another try with backoff, or gives up: after the last
// attempt, or when the next try would come after the event started.
func (d *Dispatcher) retry(r store.Result, c store.Claim, err error, after time.Duration, now time.Time) store.Result {
	if c.Attempts >= d.opts.MaxAttempts {
		return failed(r, "failed", fmt.Sprintf("gave up after %d attempts: %v", c.Attempts, err))
	}
	next := now.Add(max(d.backoff.delay(c.Attempts), after))
	if c.Kind == store.KindReminder && !next.Before(c.OccurrenceAt) {
		return failed(r, "failed", fmt.Sprintf("no time left to try again before the event: %v", err))
	}
	r.State, r.NextAttemptAt, r.Error, r.Outcome = store.StatePending, next, err.Error(), "retry"
	return r
}

// noTarget fails the delivery and falls back to the next channel of the
// registration after this one, if there is one.
func (d *Dispatcher) noTarget(r store.Result, c store.Claim, err error) store.Result {
	channels := c.Registration.Channels
	i := slices.Index(channels, c.Channel)
	if i < 0 || i+1 >= len(channels) {
		return failed(r, "no-target", err.Error()+"; no other channel to fall back to")
	}
	next := channels[i+1]
	r = failed(r, "no-target", fmt.Sprintf("%v; falling back to %s", err, next))
	r.Fallback = &store.Fallback{RegistrationID: c.RegistrationID, UserID: c.UserID, Kind: c.Kind, Channel: next,
		Lead: c.Lead, OccurrenceAt: c.OccurrenceAt}
	return r
}

func sent(r store.Result, rc message.Receipt) store.Result {
	r.State, r.Target, r.ProviderRef, r.Outcome, r.ProviderStatus, r.Detail =
		store.StateSent, rc.Target, rc.ProviderRef, "sent", rc.Status, rc.Detail
	return r
}

func failed(r store.Result, outcome, why string) store.Result {
	r.State, r.Error, r.Outcome = store.StateFailed, why, outcome
	return r
}

func skipped(r store.Result, why string) store.Result {
	r.State, r.Error, r.Outcome = store.StateCancelled, why, "skipped"
	return r
}

// logResult writes one line for each send that did not go: a warning when
// it will be tried again, an error when it failed for good. Channels' errors
// carry no secrets (each channel redacts its own).
func (d *Dispatcher) logResult(c store.Claim, r store.Result) {
	switch r.State {
	case store.StateFailed:
		d.opts.Log.Error("reminder failed", "delivery", c.ID, "user", c.User.Login, "channel", c.Channel,
			"kind", c.Kind, "outcome", r.Outcome, "reason", r.Error)
	case store.StatePending:
		d.opts.Log.Warn("send failed, will try again", "delivery", c.ID, "user", c.User.Login, "channel", c.Channel,
			"kind", c.Kind, "next_attempt", r.NextAttemptAt.UTC().Format(time.RFC3339), "reason", r.Error)
	}
}
