package schedule

import (
	"cmp"
	"slices"
	"time"
)

// Planned is one delivery to create: a reminder on Channel, Lead before the event that
// starts at OccurrenceAt.
type Planned struct {
	Channel      Channel
	Lead         time.Duration
	OccurrenceAt time.Time // the event start it reminds of, UTC
	DueAt        time.Time // when to send it, UTC: OccurrenceAt − Lead
}

// DueAt returns when a reminder lead before an event starting at start is due: start −
// lead on the absolute time line, in UTC. A 10-minute reminder comes 10 real minutes before
// the event even when the clocks change in between, so its wall time may not be 10 minutes
// before the event's.
func DueAt(start time.Time, lead time.Duration) time.Time {
	return start.Add(-lead).UTC()
}

// Plan returns the deliveries for an event starting at start: one per channel × lead,
// ordered by due time, then by channel in the order given. Those due before now come back
// in skipped rather than due, for the caller to warn about (see Planned.SkippedWarning); an
// event that already started has them all skipped. Channels and leads are expected without
// duplicates, as ParseChannels and ParseLeads return them.
func Plan(start time.Time, channels []Channel, leads []time.Duration, now time.Time) (due, skipped []Planned) {
	byDueTime := slices.Clone(leads)
	slices.SortStableFunc(byDueTime, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	for _, lead := range byDueTime {
		for _, c := range channels {
			p := Planned{Channel: c, Lead: lead, OccurrenceAt: start.UTC(), DueAt: DueAt(start, lead)}
			if p.Past(now) {
				skipped = append(skipped, p)
			} else {
				due = append(due, p)
			}
		}
	}
	return due, skipped
}

// Move returns p for its event moved to newStart: the same channel and lead, due at
// newStart − lead. Check Past on the result: a moved reminder whose time has gone is
// skipped, not sent late.
func Move(p Planned, newStart time.Time) Planned {
	p.OccurrenceAt = newStart.UTC()
	p.DueAt = DueAt(newStart, p.Lead)
	return p
}

// Past reports whether p was due before now, so that sending it now would be late.
// A delivery due exactly now is not past.
func (p Planned) Past(now time.Time) bool {
	return p.DueAt.Before(now)
}

// String names the reminder for people: "reminder 10m before (push)", or
// "reminder at the start (call)" for a lead of 0.
func (p Planned) String() string {
	if p.Lead == 0 {
		return "reminder at the start (" + string(p.Channel) + ")"
	}
	return "reminder " + formatLead(p.Lead) + " before (" + string(p.Channel) + ")"
}

// SkippedWarning explains, with times in loc, why Plan skipped p: "reminder 10m before
// (push) would be due at 2026-12-01 08:50 JST (+09:00), which is in the past; skipped".
func (p Planned) SkippedWarning(loc *time.Location) string {
	return p.String() + " would be due at " + FormatInZone(p.DueAt, loc) + ", which is in the past; skipped"
}
