package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// planCalls spreads bursts of calls so that, at the account's calls per
// second, each call starts no later than it is due: a burst that cannot all
// start at its due time starts earlier, never later. It warns when the rate
// makes that impossible for calls already close.
func (d *Dispatcher) planCalls(ctx context.Context) error {
	if d.opts.CallsPerSecond <= 0 || d.opts.CallLookahead <= 0 {
		return nil
	}
	now := d.opts.Now()
	calls, err := d.opts.Store.PendingCalls(ctx, now.Add(d.opts.CallLookahead))
	if err != nil {
		return fmt.Errorf("plan calls: %w", err)
	}
	moves, late := planBurst(calls, paceGap(d.opts.CallsPerSecond), now)
	if err := d.opts.Store.Advance(ctx, moves); err != nil {
		return fmt.Errorf("plan calls: %w", err)
	}
	if len(late) > 0 {
		last := late[len(late)-1]
		d.opts.Log.Warn(fmt.Sprintf("at %g calls per second, %d calls cannot all start before their event: the last would start at %s, after its event at %s",
			d.opts.CallsPerSecond, len(late), last.start.UTC().Format(time.RFC3339), last.call.OccurrenceAt.UTC().Format(time.RFC3339)))
	}
	return nil
}

// lateCall is a call that would start after its event even when planned.
type lateCall struct {
	call  store.PendingCall
	start time.Time
}

// planBurst plans calls (sorted by due time) gap apart: going back from
// the last, each call gets the latest start that is no later than its due
// time and leaves gap before the next call. It returns the calls to move
// earlier, and those that even so would start after their event, given
// that nothing can start before now.
func planBurst(calls []store.PendingCall, gap time.Duration, now time.Time) (map[int64]time.Time, []lateCall) {
	slots := make([]time.Time, len(calls))
	for i := len(calls) - 1; i >= 0; i-- {
		slots[i] = calls[i].NextAttemptAt
		if i+1 < len(calls) {
			if next := slots[i+1].Add(-gap); next.Before(slots[i]) {
				slots[i] = next
			}
		}
	}
	moves := make(map[int64]time.Time)
	var late []lateCall
	start := now.Add(-gap)
	for i, c := range calls {
		if slots[i].Before(c.NextAttemptAt) {
			moves[c.ID] = slots[i]
		}
		start = latest(slots[i], start.Add(gap), now) // when it can really start
		if !start.Before(c.OccurrenceAt) {
			late = append(late, lateCall{call: c, start: start})
		}
	}
	return moves, late
}

// paceMargin widens the gap between two sends of a paced channel beyond
// 1/rate: a send leaves some milliseconds after its slot (timers, the
// scheduler on a busy machine, the network), and without a margin a call a
// little late and the next one on time could reach Twilio closer than
// 1/rate. 10% is 100 ms at 1 call per second.
const paceMargin = 1.10

// paceAheadMax is the furthest ahead a claim takes slots of a paced channel:
// a process that claimed calls and was killed holds back only these seconds
// of calls until its lease runs out.
const paceAheadMax = 10 * time.Second

// paceGap is the time between two sends at rate per second, with the margin.
func paceGap(rate float64) time.Duration {
	return time.Duration(float64(time.Second) / rate * paceMargin)
}

// newPace is how the run's claims space Twilio's calls and texts: at the
// account's rates, for every process on the database together, taking
// slots no further ahead than a claim can wait for well within its lease.
// Only channels the run has are paced: where Twilio is not set up, claims
// take no pacing lock at all.
func newPace(opts Options) store.Pace {
	p := store.Pace{Gap: make(map[schedule.Channel]time.Duration)}
	for ch, rate := range map[schedule.Channel]float64{schedule.ChannelCall: opts.CallsPerSecond, schedule.ChannelSMS: opts.SMSPerSecond} {
		if _, ok := opts.Channels[ch]; ok && rate > 0 {
			p.Gap[ch] = paceGap(rate)
		}
	}
	p.Ahead = min(paceAheadMax, (opts.Lease-opts.SendTimeout)/2)
	return p
}

func latest(ts ...time.Time) time.Time {
	out := ts[0]
	for _, t := range ts[1:] {
		if t.After(out) {
			out = t
		}
	}
	return out
}
