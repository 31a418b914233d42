package calsync

import (
	"fmt"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Report is the outcome of one sync of one calendar.
type Report struct {
	Calendar    store.Calendar
	DryRun      bool
	Busy        bool // not synced: another calendar-sync holds the calendar
	NotModified bool // the source said nothing changed
	FullRead    bool // the whole window was read
	Fetched     int  // occurrences the source returned

	New, Moved, Cancelled, Restored, Retitled, Edited int // events, by what changed
	Vanished                                          int // of Cancelled: gone from a complete feed

	Created   int // registrations made by rules
	Unmatched int // registrations cancelled: their event no longer matches their rule
	Revived   int // registrations back: their event matches again
	TooLate   int // matches left without a registration: every reminder would be past
	Followed  int // registrations whose reminders moved with their event, or were cancelled with it
	Reminders int // reminders planned for the registrations made
	Notices   int // "moved" or "cancelled" notices queued

	// Skipped are the events of the feed left out (an unknown zone); the
	// rest was synced.
	Skipped []SkippedEvent

	Elapsed time.Duration
	Err     error
}

// Warning says which events a sync that succeeded left out, or "".
func (r Report) Warning() string {
	if len(r.Skipped) == 0 {
		return ""
	}
	parts := make([]string, len(r.Skipped))
	for i, s := range r.Skipped {
		parts[i] = s.String()
	}
	noun := "event"
	if len(r.Skipped) > 1 {
		noun = "events"
	}
	return fmt.Sprintf("%s%d %s, kept as they were: %s", skippedPrefix, len(r.Skipped), noun, strings.Join(parts, "; "))
}

const skippedPrefix = "skipped "

// String is the one summary line calendar-sync prints per calendar.
func (r Report) String() string {
	var b strings.Builder
	b.WriteString(r.Calendar.Name + ": ")
	if r.DryRun {
		b.WriteString("(dry run) ")
	}
	switch {
	case r.Busy:
		fmt.Fprintf(&b, "skipped: %v", r.Err)
		return b.String()
	case r.Err != nil:
		fmt.Fprintf(&b, "failed after %.2fs: %v", r.Elapsed.Seconds(), r.Err)
		return b.String()
	case r.NotModified:
		b.WriteString("not modified")
	default:
		kind := "changes"
		if r.FullRead {
			kind = "full"
		}
		fmt.Fprintf(&b, "fetched %d (%s), %d new, %d moved, %d cancelled", r.Fetched, kind, r.New, r.Moved, r.Cancelled)
		if r.Vanished > 0 {
			fmt.Fprintf(&b, " (%d vanished)", r.Vanished)
		}
		if r.Retitled > 0 {
			fmt.Fprintf(&b, ", %d retitled", r.Retitled)
		}
		if r.Restored > 0 {
			fmt.Fprintf(&b, ", %d restored", r.Restored)
		}
	}
	fmt.Fprintf(&b, "; registrations %d created, %d cancelled", r.Created, r.Unmatched)
	if r.Revived > 0 {
		fmt.Fprintf(&b, ", %d revived", r.Revived)
	}
	if r.Followed > 0 {
		fmt.Fprintf(&b, ", %d followed their event", r.Followed)
	}
	if r.TooLate > 0 {
		fmt.Fprintf(&b, ", %d too late to remind", r.TooLate)
	}
	if r.Notices > 0 {
		fmt.Fprintf(&b, "; %d notices", r.Notices)
	}
	if w := r.Warning(); w != "" {
		fmt.Fprintf(&b, "; %s", w)
	}
	fmt.Fprintf(&b, "; %.2fs", r.Elapsed.Seconds())
	return b.String()
}

// GuardError is the safety guard refusing a sync: too many upcoming events
// vanished from a complete feed at once.
type GuardError struct {
	Calendar string
	Vanished int
	Upcoming int
	Max      float64
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("refusing to cancel %d of %d upcoming events (%.0f%%) that vanished from the feed at once, "+
		"more than calsync.max_vanish_share (%.0f%%); nothing was changed. If they really were removed, run "+
		"pfsnotify calendar-sync --calendar %s --force",
		e.Vanished, e.Upcoming, 100*float64(e.Vanished)/float64(e.Upcoming), 100*e.Max, e.Calendar)
}

// countChanges adds what SyncEvents did to the report.
func countChanges(changed []store.EventSync, rep *Report) {
	for _, c := range changed {
		countChange(c.Change, rep)
		if c.Change&(store.ChangeMoved|store.ChangeCancelled|store.ChangeRestored) != 0 {
			rep.Followed += c.Registrations
		}
		rep.Notices += c.Notices
	}
}

func countChange(c store.EventChange, rep *Report) {
	switch {
	case c.Has(store.ChangeCreated):
		rep.New++
		return
	case c.Has(store.ChangeCancelled):
		rep.Cancelled++
	case c.Has(store.ChangeRestored):
		rep.Restored++
	case c.Has(store.ChangeMoved):
		rep.Moved++
	}
	if c.Has(store.ChangeRetitled) {
		rep.Retitled++
	}
	if c&(store.ChangeMoved|store.ChangeCancelled|store.ChangeRestored|store.ChangeRetitled) == 0 && c.Has(store.ChangeEdited) {
		rep.Edited++
	}
}
