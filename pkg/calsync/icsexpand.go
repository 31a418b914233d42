package calsync

import (
	"fmt"
	"sort"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/teambition/rrule-go"
)

// expand returns the occurrences of master in the window, each replaced by
// its override if it has one (marked in used).
func (p *feedParser) expand(m *vevent, overrides map[time.Time]*vevent, used map[time.Time]bool) ([]store.Event, error) {
	first := p.instant(m.start)
	if m.rrule == "" && len(m.rdates) == 0 {
		ev := p.event(m, eventID(m.uid), m.start, nil)
		if o := overrides[first]; o != nil {
			used[first] = true
			ev = p.event(o, eventID(m.uid), o.start, nil)
		}
		if ev.StartAt.Before(p.opts.From) {
			return nil, nil
		}
		return []store.Event{ev}, nil
	}
	starts, err := p.recurrences(m)
	if err != nil {
		return nil, err
	}
	excluded := make(map[time.Time]bool, len(m.exdates))
	for _, ex := range m.exdates {
		excluded[p.instant(ex)] = true
	}
	var out []store.Event
	for _, at := range starts {
		if excluded[at] {
			continue
		}
		id := p.occurrenceID(m.uid, at, m.start.date)
		if o := overrides[at]; o != nil {
			used[at] = true
			ev := p.event(o, id, o.start, nil)
			if p.inWindow(at) || p.inWindow(ev.StartAt) {
				out = append(out, ev)
			}
			continue
		}
		if !p.inWindow(at) {
			continue
		}
		out = append(out, p.event(m, id, m.start, &at))
	}
	return out, nil
}

// recurrences returns the original starts of the occurrences of m that
// may matter to the window (from before it, for overrides that moved into
// it): DTSTART, those of the RRULE and the RDATEs, sorted, without
// duplicates.
func (p *feedParser) recurrences(m *vevent) ([]time.Time, error) {
	seen := map[time.Time]bool{}
	var out []time.Time
	add := func(t time.Time) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	add(p.instant(m.start))
	for _, rd := range m.rdates {
		add(p.instant(rd))
	}
	if m.rrule != "" {
		opt, err := rrule.StrToROption(m.rrule)
		if err != nil {
			return nil, parseErrorf("event %q: RRULE %q: %v", m.uid, m.rrule, err)
		}
		z := p.zoneOf(m.start)
		if !opt.Until.IsZero() && untilIsUTC(m.rrule) {
			if m.start.date {
				opt.Until = wallOf(opt.Until, p.calZone)
			} else {
				opt.Until = wallOf(opt.Until, z)
			}
		}
		opt.Dtstart = m.start.wall
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, parseErrorf("event %q: RRULE %q: %v", m.uid, m.rrule, err)
		}
		// Walls differ from instants by at most a day: stop a little after the window.
		stop := p.opts.To.Add(48 * time.Hour)
		n := 0
		err = walkRRule(r, func(w time.Time) (bool, error) {
			if w.After(stop) {
				return false, nil
			}
			if n++; n > maxIterations {
				return false, fmt.Errorf("has more than %d occurrences before the end of the window", maxIterations)
			}
			tv := timeValue{wall: w, date: m.start.date, utc: m.start.utc, zone: m.start.zone}
			add(p.instant(tv))
			return true, nil
		})
		if err != nil {
			return nil, parseErrorf("event %q: RRULE %q %v", m.uid, m.rrule, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// event builds the stored event of one occurrence of v: at (when not nil)
// is the occurrence's start in a series, whose length is v's.
func (p *feedParser) event(v *vevent, id string, start timeValue, at *time.Time) store.Event {
	first := p.instant(start)
	var end time.Time
	switch {
	case v.end != nil:
		end = p.instant(*v.end)
	case v.duration != nil:
		end = first.Add(*v.duration)
	case start.date:
		end = p.instant(timeValue{wall: start.wall.AddDate(0, 0, 1), date: true})
	default:
		end = first
	}
	begin := first
	if at != nil {
		begin = *at
		if start.date {
			// All day: as many days as the first occurrence, from the start of this one's day.
			days := int(end.Sub(first).Round(24*time.Hour) / (24 * time.Hour))
			day := begin.In(p.opts.Zone)
			wall := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
			end = p.instant(timeValue{wall: wall.AddDate(0, 0, max(days, 0)), date: true})
		} else {
			end = begin.Add(end.Sub(first))
		}
	}
	ev := store.Event{
		ExternalID:      id,
		Title:           cleanTitle(v.title),
		Description:     cleanText(v.desc),
		Location:        cleanText(v.location),
		URL:             cleanText(v.url),
		StartAt:         begin,
		EndAt:           end,
		AllDay:          start.date,
		TimeZone:        p.opts.Zone.String(),
		Status:          store.EventConfirmed,
		SourceUpdatedAt: v.modified,
	}
	if !start.date && start.zone != nil {
		if name := start.zone.ianaName(); name != "" {
			ev.TimeZone = name
		}
	} else if p.floating && (start.date || !start.utc) {
		ev.TimeZone = "" // local to each member
	}
	if v.cancelled {
		ev.Status = store.EventCancelled
	}
	return ev
}

// walkRRule calls fn with each occurrence of r in order, until fn returns
// false or an error, or the occurrences end. rrule-go panics on some rules
// (BYDAY=20SA;BYMONTH=10, the 20th Saturday of October: found by
// FuzzParseFeed): such a panic is an error.
func walkRRule(r *rrule.RRule, fn func(time.Time) (bool, error)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot be expanded (%v)", p)
		}
	}()
	next := r.Iterator()
	for {
		w, ok := next()
		if !ok {
			return nil
		}
		if more, err := fn(w); err != nil || !more {
			return err
		}
	}
}
