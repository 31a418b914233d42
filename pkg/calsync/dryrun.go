package calsync

import (
	"context"
	"errors"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// dryRun reports what writing would change, and what the rules would then
// do, without writing.
func (y *Syncer) dryRun(ctx context.Context, cal store.Calendar, writes []store.Event, stored map[string]store.Event,
	opts Options, now time.Time, rep *Report) error {
	byID := make(map[string]store.Event, len(writes))
	for _, ev := range writes {
		old, known := stored[ev.ExternalID]
		if !known {
			countChange(store.ChangeCreated, rep)
		} else {
			countChange(store.DiffEvent(old, ev), rep)
		}
		byID[ev.ExternalID] = ev
	}
	// The upcoming events as they would be after the writes.
	events, err := y.Store.ListEvents(ctx, store.EventFilter{CalendarID: cal.ID, From: now, To: now.Add(opts.Horizon)})
	if err != nil {
		return err
	}
	var after []store.Event
	for _, ev := range events {
		if w, ok := byID[ev.ExternalID]; ok {
			delete(byID, ev.ExternalID)
			w.ID = ev.ID
			ev = w
		}
		after = append(after, ev)
	}
	next := int64(-1)
	for _, w := range writes {
		if _, ok := byID[w.ExternalID]; !ok {
			continue
		}
		if old, known := stored[w.ExternalID]; known {
			w.ID = old.ID
		} else {
			w.ID, next = next, next-1 // not stored yet
		}
		after = append(after, w)
	}
	upcoming := after[:0]
	for _, ev := range after {
		if ev.Status != store.EventCancelled && ev.StartAt.After(now) && ev.StartAt.Before(now.Add(opts.Horizon)) {
			upcoming = append(upcoming, ev)
		}
	}
	rules, err := activeRules(ctx, y.Store, cal.ID)
	if err != nil {
		return err
	}
	regs, err := y.Store.RegistrationsOfCalendar(ctx, cal.ID, now, now.Add(opts.Horizon))
	if err != nil {
		return err
	}
	plan := planRules(rules, upcoming, regs)
	rep.Created, rep.Unmatched, rep.Revived = len(plan.Create), len(plan.Unmatch), len(plan.Revive)
	return nil
}

// holdLock renews lock every third of its ttl until stop is called. When
// the lock is lost, the returned context is cancelled: the sync stops
// before it writes anything more.
func holdLock(ctx context.Context, lock *store.CalendarLock, ttl time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := lock.Renew(ctx); errors.Is(err, store.ErrCalendarBusy) {
					cancel(err)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}
