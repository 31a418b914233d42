// Package calsync is calendar-sync: it brings the events of the configured
// calendars (Google Calendar, iCalendar feeds) into the database, applies
// the members' rules to them, and keeps registrations and their pending
// reminders in step as events appear, move and are cancelled.
//
// It is conservative where it is unsure: a fetch that fails, times out or
// returns something unparseable changes nothing; events missing from a
// complete feed are cancelled only when not too many vanish at once; and
// two syncs of one calendar never run at the same time.
package calsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Options are calendar-sync's settings.
type Options struct {
	Horizon  time.Duration // how far ahead events are read and rules applied; 0: 90 days
	Lookback time.Duration // how far back events are read; 0: none
	// MaxVanishShare is the largest share of a calendar's upcoming events
	// that may vanish from a complete feed in one sync and be cancelled;
	// beyond it the sync refuses. 0: 0.5.
	MaxVanishShare float64
	// NoticeWindow: moves and cancellations of events within this of now
	// are announced to their registrations (as rules allow). 0: none.
	NoticeWindow time.Duration
	// FullSyncInterval is how long a sync token or an unchanged feed is
	// trusted: after it, the whole window is read again (events come into
	// the horizon as time passes). 0: 24 hours.
	FullSyncInterval time.Duration
	// LockTTL is the lease of a calendar's lock, renewed every third of it
	// while a sync runs. 0: 2 minutes.
	LockTTL time.Duration
	// VerifyLimit: when at most this many events vanished from a complete
	// listing, a source that can (Google) is asked about each before it is
	// cancelled. 0: 200.
	VerifyLimit int
	// AllDayAt is when members are reminded of all-day events, in their
	// own zones (calsync.all_day_at); nil: 09:00 the day before.
	AllDayAt *schedule.AllDayAt
}

// OptionsFromConfig reads the calsync section of the configuration.
func OptionsFromConfig(c config.Calsync) Options {
	return Options{
		AllDayAt:         c.AllDay(),
		Horizon:          c.Horizon,
		Lookback:         c.Lookback,
		MaxVanishShare:   c.MaxVanishShare,
		NoticeWindow:     c.NoticeWindow,
		FullSyncInterval: c.FullSyncInterval,
	}
}

func (o Options) withDefaults() Options {
	if o.Horizon <= 0 {
		o.Horizon = 90 * 24 * time.Hour
	}
	if o.Lookback < 0 {
		o.Lookback = 0
	}
	if o.MaxVanishShare <= 0 {
		o.MaxVanishShare = 0.5
	}
	if o.FullSyncInterval <= 0 {
		o.FullSyncInterval = 24 * time.Hour
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 2 * time.Minute
	}
	if o.VerifyLimit <= 0 {
		o.VerifyLimit = 200
	}
	return o
}

// Syncer syncs calendars into a store.
type Syncer struct {
	Store   *store.Store
	Options Options
	// SourceFor returns the source that fetches cal (see Sources).
	SourceFor func(ctx context.Context, cal store.Calendar) (Source, error)
	// Now is the clock; nil: time.Now. The store should share it.
	Now func() time.Time
	// Owner names this process in the lock it takes; "": host, pid and a random tag.
	Owner string
}

// RunOptions say how to run one sync.
type RunOptions struct {
	Full   bool // read the whole window, ignoring sync tokens and validators
	DryRun bool // fetch and compare, report, change nothing
	Force  bool // cancel vanished events even beyond MaxVanishShare
}

func (y *Syncer) now() time.Time {
	if y.Now != nil {
		return y.Now()
	}
	return time.Now()
}

func (y *Syncer) owner() string {
	if y.Owner != "" {
		return y.Owner
	}
	host, _ := os.Hostname()
	var tag [4]byte
	rand.Read(tag[:])
	owner := fmt.Sprintf("%s pid %d %s", host, os.Getpid(), hex.EncodeToString(tag[:]))
	if r := []rune(owner); len(r) > 128 {
		owner = string(r[len(r)-128:])
	}
	return owner
}

// Sync syncs one calendar and reports what it did. On failure, the
// report's Err says why, nothing that the failure concerns has changed,
// and the calendar's last error says it too (except in a dry run, and when
// another sync holds the calendar).
func (y *Syncer) Sync(ctx context.Context, cal store.Calendar, run RunOptions) Report {
	began := time.Now()
	rep := Report{Calendar: cal, DryRun: run.DryRun}
	err := y.sync(ctx, cal, run, &rep)
	rep.Elapsed = time.Since(began)
	if err == nil {
		return rep
	}
	rep.Err = err
	if errors.Is(err, store.ErrCalendarBusy) {
		rep.Busy = true
		return rep
	}
	if !run.DryRun {
		// Recorded even when ctx was cancelled (a timeout): say why.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if rerr := y.Store.RecordCalendarSync(rctx, cal.ID, store.SyncResult{Err: err.Error(), At: y.now()}); rerr != nil {
			rep.Err = fmt.Errorf("%w (and recording it failed: %v)", err, rerr)
		}
	}
	return rep
}

func (y *Syncer) sync(ctx context.Context, cal store.Calendar, run RunOptions, rep *Report) (err error) {
	opts := y.Options.withDefaults()
	s := y.Store
	if !run.DryRun {
		lock, err := s.LockCalendar(ctx, cal.ID, y.owner(), opts.LockTTL)
		if err != nil {
			return err
		}
		defer lock.Release(context.WithoutCancel(ctx))
		var stop func()
		ctx, stop = holdLock(ctx, lock, opts.LockTTL)
		defer stop()
		defer func() {
			if cause := context.Cause(ctx); err != nil && errors.Is(cause, store.ErrCalendarBusy) {
				err = fmt.Errorf("stopped: the lock was lost: %w", cause)
			}
		}()
		// Another sync may have run while this one waited: start from its state.
		if cal, err = s.CalendarByID(ctx, cal.ID); err != nil {
			return err
		}
	}
	src, err := y.SourceFor(ctx, cal)
	if err != nil {
		return err
	}
	now := y.now()
	fullAt, err := s.CalendarFullSyncAt(ctx, cal.ID)
	if err != nil {
		return err
	}
	full := run.Full || fullAt.IsZero() || now.Sub(fullAt) >= opts.FullSyncInterval
	from, to := now.Add(-opts.Lookback), now.Add(opts.Horizon)
	res, err := src.Fetch(ctx, Request{Calendar: cal, Full: full, From: from, To: to})
	if err != nil {
		return err
	}
	rep.Fetched, rep.NotModified, rep.FullRead, rep.Skipped = len(res.Events), res.NotModified, res.FullRead, res.Skipped
	var writes []store.Event
	var stored map[string]store.Event
	if !res.NotModified {
		if writes, stored, err = y.reconcile(ctx, cal, src, res, run, opts, now, rep); err != nil {
			return err
		}
	}
	if run.DryRun {
		return y.dryRun(ctx, cal, writes, stored, opts, now, rep)
	}
	changed, err := s.SyncEvents(ctx, cal.ID, writes, store.SyncEventsOptions{NoticeWindow: opts.NoticeWindow, AllDayAt: opts.AllDayAt})
	countChanges(changed, rep)
	if err != nil {
		return err
	}
	applied, err := applyRules(ctx, s, cal.ID, opts, now, y.now())
	rep.Created, rep.Unmatched, rep.Revived, rep.TooLate, rep.Reminders = applied.Created, applied.Unmatched, applied.Revived, applied.TooLate, applied.Deliveries
	if err != nil {
		return err
	}
	warning := rep.Warning()
	if res.NotModified && strings.HasPrefix(cal.LastError, skippedPrefix) {
		warning = cal.LastError // the feed, and what it left out, are as they were
	}
	if err := s.RecordCalendarSync(ctx, cal.ID, store.SyncResult{SyncToken: res.SyncToken, ETag: res.ETag,
		LastModified: res.LastModified, At: now, Warning: warning}); err != nil {
		return err
	}
	if res.FullRead {
		return s.RecordCalendarFullSync(ctx, cal.ID, now)
	}
	return nil
}

// reconcile turns what the source fetched into the events to write: new
// and changed ones, those the source says are gone, and, from a complete
// listing, the upcoming ones that vanished from it (cancelled, within the
// safety guard). It also returns the stored events it compared them with.
func (y *Syncer) reconcile(ctx context.Context, cal store.Calendar, src Source, res Result, run RunOptions, opts Options,
	now time.Time, rep *Report) ([]store.Event, map[string]store.Event, error) {
	ids := make([]string, 0, len(res.Events)+len(res.Gone))
	present := make(map[string]bool, len(res.Events)+len(res.Gone))
	// An event listed twice (changed while the source was paging): the later one wins.
	last := make(map[string]int, len(res.Events))
	for i, ev := range res.Events {
		last[ev.ExternalID] = i
	}
	events := res.Events[:0:0]
	for i, ev := range res.Events {
		if last[ev.ExternalID] == i {
			events = append(events, ev)
			ids, present[ev.ExternalID] = append(ids, ev.ExternalID), true
		}
	}
	res.Events = events
	for _, id := range res.Gone {
		if !present[id] {
			ids, present[id] = append(ids, id), true
		}
	}
	stored, err := y.Store.EventsByExternalID(ctx, cal.ID, ids)
	if err != nil {
		return nil, nil, err
	}
	var writes []store.Event
	for _, ev := range res.Events {
		ev.CalendarID = cal.ID
		old, known := stored[ev.ExternalID]
		switch {
		case !known && ev.Status == store.EventCancelled:
			continue // nothing to cancel
		case known && store.DiffEvent(old, ev) == store.ChangeNone:
			continue
		}
		writes = append(writes, ev)
	}
	for _, id := range res.Gone {
		if old, ok := stored[id]; ok && old.Status != store.EventCancelled {
			old.Status = store.EventCancelled
			writes = append(writes, old)
		}
	}
	if !res.Complete {
		return writes, stored, nil
	}
	upcoming, err := y.Store.ListEvents(ctx, store.EventFilter{CalendarID: cal.ID, From: now, To: now.Add(opts.Horizon)})
	if err != nil {
		return nil, nil, err
	}
	var vanished []store.Event
	for _, ev := range upcoming {
		if !present[ev.ExternalID] && !skippedEvent(res.Skipped, ev.ExternalID) {
			vanished = append(vanished, ev)
		}
	}
	if len(vanished) == 0 {
		return writes, stored, nil
	}
	if float64(len(vanished)) > opts.MaxVanishShare*float64(len(upcoming)) && !run.Force {
		return nil, nil, &GuardError{Calendar: cal.Name, Vanished: len(vanished), Upcoming: len(upcoming), Max: opts.MaxVanishShare}
	}
	if v, ok := src.(Verifier); ok && len(vanished) <= opts.VerifyLimit {
		vids := make([]string, len(vanished))
		for i, ev := range vanished {
			vids[i] = ev.ExternalID
		}
		found, err := v.Lookup(ctx, cal, vids)
		if err != nil {
			return nil, nil, err
		}
		kept := vanished[:0]
		for _, old := range vanished {
			ev, ok := found[old.ExternalID]
			if !ok {
				kept = append(kept, old)
				continue
			}
			ev.CalendarID = cal.ID
			stored[old.ExternalID] = old
			if store.DiffEvent(old, ev) != store.ChangeNone {
				writes = append(writes, ev) // it moved beyond the window, or was cancelled
			}
		}
		vanished = kept
	}
	for _, old := range vanished {
		stored[old.ExternalID] = old
		old.Status = store.EventCancelled
		writes = append(writes, old)
	}
	rep.Vanished = len(vanished)
	return writes, stored, nil
}

// skippedEvent reports whether the stored event with externalID is one of
// skipped, or an occurrence of one.
func skippedEvent(skipped []SkippedEvent, externalID string) bool {
	for _, s := range skipped {
		if s.covers(externalID) {
			return true
		}
	}
	return false
}
