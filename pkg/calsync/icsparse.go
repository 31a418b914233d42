package calsync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// feedOptions say how to read an iCalendar feed.
type feedOptions struct {
	// From and To bound the window: occurrences that start, or were meant
	// to start (RECURRENCE-ID), in [From, To). A single (not recurring)
	// event counts from From on, however far ahead, so that one moved
	// beyond the window is seen as moved, not gone.
	From, To time.Time
	// Zone is the calendar's: the zone of floating times and all-day
	// events. nil: the feed's X-WR-TIMEZONE, or else none (see floating).
	Zone *time.Location
}

// maxIterations bounds the recurrences walked for one series: a rule that
// would need more (FREQ=SECONDLY since 1970) is refused.
const maxIterations = 1_000_000

// ParseError is a feed that cannot be read: it changes nothing.
type ParseError struct {
	Problem string
}

func (e *ParseError) Error() string { return e.Problem }

func parseErrorf(format string, args ...any) error {
	return &ParseError{Problem: fmt.Sprintf(format, args...)}
}

// parseFeed reads an iCalendar feed and returns its events in the window,
// one per occurrence: RRULE, RDATE and EXDATE are expanded, RECURRENCE-ID
// overrides replace the occurrences they name, STATUS:CANCELLED cancels
// an event or one occurrence. Every problem is an error (a feed read in
// part is never used), except an event whose zone is unknown: that event
// (its whole series) is skipped and named.
//
// The panics of the libraries it uses (go-ical's decoder on some garbled
// content lines, rrule-go on some rules) are errors of the feed; any other
// panic while reading is recovered here as a last resort: one bad feed
// must not stop calendar-sync's other calendars.
func parseFeed(data []byte, opts feedOptions) (feed parsedFeed, err error) {
	defer func() {
		if r := recover(); r != nil {
			feed, err = parsedFeed{}, parseErrorf("the feed could not be read (%v)", r)
		}
	}()
	return parseFeedUnsafe(data, opts)
}

// parsedFeed is what parseFeed read of a feed.
type parsedFeed struct {
	events []store.Event
	// skipped are the events left out, each whole series of its UID: their
	// zone is unknown. The rest of the feed is good.
	skipped []SkippedEvent
}

// SkippedEvent is an event of a feed left out of a sync, and why. Its
// stored occurrences stay as they are: it is not gone.
type SkippedEvent struct {
	ID      string // its external id, or that of its series: occurrences are ID + "/" + their start
	Title   string
	Problem string
}

func (s SkippedEvent) String() string {
	if s.Title == "" {
		return fmt.Sprintf("event %q: %s", s.ID, s.Problem)
	}
	return fmt.Sprintf("event %q (%s): %s", s.ID, shorten(s.Title, 60), s.Problem)
}

// covers reports whether the stored event with externalID is s or one of
// its occurrences.
func (s SkippedEvent) covers(externalID string) bool {
	return externalID == s.ID || strings.HasPrefix(externalID, s.ID+"/")
}

func parseFeedUnsafe(data []byte, opts feedOptions) (parsedFeed, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	n, err := checkStructure(data)
	if err != nil {
		return parsedFeed{}, err
	}
	dec := ical.NewDecoder(bytes.NewReader(data))
	vtimezones := make(map[string]*ical.Component)
	var components []*ical.Component
	var xWRTimezone string // the zone the feed says it is in (Google's and Apple's exports)
	for range n {
		cal, err := decodeCalendar(dec)
		if err != nil {
			return parsedFeed{}, err
		}
		if xWRTimezone == "" {
			xWRTimezone = propText(cal.Component, "X-WR-TIMEZONE")
		}
		for _, c := range cal.Children {
			switch c.Name {
			case ical.CompTimezone:
				if tzid := c.Props.Get(ical.PropTimezoneID); tzid != nil {
					vtimezones[tzid.Value] = c
				}
			case ical.CompEvent:
				components = append(components, c)
			}
		}
	}
	floating := false
	if opts.Zone == nil { // the calendar names no zone: the feed's, else each member's
		if opts.Zone = loadIANA(xWRTimezone); opts.Zone == nil {
			opts.Zone, floating = time.UTC, true
		}
	}
	p := &feedParser{opts: opts, zones: newZoneResolver(vtimezones, opts.To.AddDate(1, 0, 0)), calZone: ianaZone{opts.Zone}, floating: floating}
	return p.events(components)
}

// timeValue is one DATE or DATE-TIME value of a property.
type timeValue struct {
	wall time.Time // the wall clock as a UTC time; for a UTC value, the instant
	date bool      // a DATE: wall is its midnight
	utc  bool      // ends in Z
	zone zone      // the zone of a TZID; nil when floating, UTC or a date
}

// vevent is what pfsnotify reads of one VEVENT.
type vevent struct {
	uid        string
	recurrence *timeValue // RECURRENCE-ID: this VEVENT overrides one occurrence
	start      timeValue
	end        *timeValue
	duration   *time.Duration
	rrule      string
	rdates     []timeValue
	exdates    []timeValue
	title      string
	desc       string
	location   string
	url        string
	cancelled  bool
	sequence   int
	modified   time.Time
}

type feedParser struct {
	opts    feedOptions
	zones   *zoneResolver
	calZone ianaZone
	// floating: neither the calendar nor the feed names a zone; calZone is
	// UTC, and all-day events and floating times are stored without a zone
	// (their wall clock as UTC), local to each member.
	floating bool
}

func (p *feedParser) events(components []*ical.Component) (parsedFeed, error) {
	type series struct {
		master    *vevent
		overrides map[time.Time]*vevent // by the instant of RECURRENCE-ID
	}
	byUID := make(map[string]*series)
	var order []string
	var feed parsedFeed
	skipped := make(map[string]bool) // by UID
	var vevents []*vevent
	for _, c := range components {
		v, err := p.vevent(c)
		var ze *eventZoneError
		if errors.As(err, &ze) {
			if !skipped[ze.uid] {
				skipped[ze.uid] = true
				feed.skipped = append(feed.skipped, SkippedEvent{ID: eventID(ze.uid), Title: ze.title, Problem: ze.err.Error()})
			}
			continue
		}
		if err != nil {
			return parsedFeed{}, err
		}
		vevents = append(vevents, v)
	}
	for _, v := range vevents {
		if skipped[v.uid] {
			continue // the whole series: an override read without its master (or the reverse) would be wrong
		}
		s := byUID[v.uid]
		if s == nil {
			s = &series{overrides: make(map[time.Time]*vevent)}
			byUID[v.uid] = s
			order = append(order, v.uid)
		}
		if v.recurrence == nil {
			if s.master == nil || newer(v, s.master) {
				s.master = v
			}
			continue
		}
		at := p.instant(*v.recurrence)
		if old := s.overrides[at]; old == nil || newer(v, old) {
			s.overrides[at] = v
		}
	}
	var out []store.Event
	for _, uid := range order {
		s := byUID[uid]
		used := make(map[time.Time]bool)
		if s.master != nil {
			occ, err := p.expand(s.master, s.overrides, used)
			if err != nil {
				return parsedFeed{}, err
			}
			out = append(out, occ...)
		}
		// Overrides of no occurrence of the master (or without a master).
		var rest []time.Time
		for at := range s.overrides {
			if !used[at] {
				rest = append(rest, at)
			}
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].Before(rest[j]) })
		for _, at := range rest {
			o := s.overrides[at]
			ev := p.event(o, p.occurrenceID(uid, at, o.recurrence.date), o.start, nil)
			if p.inWindow(at) || p.inWindow(ev.StartAt) {
				out = append(out, ev)
			}
		}
	}
	feed.events = out
	return feed, nil
}

// eventZoneError is an event whose zone is unknown: that event is skipped,
// not the feed.
type eventZoneError struct {
	uid, title string
	err        error
}

func (e *eventZoneError) Error() string { return e.err.Error() }

// zoneError is a TZID that names no zone pfsnotify knows.
type zoneError struct{ err error }

func (e *zoneError) Error() string { return e.err.Error() }

// newer reports whether a replaces b among two VEVENTs for the same
// occurrence: the higher SEQUENCE, then the later LAST-MODIFIED, then the
// later in the feed.
func newer(a, b *vevent) bool {
	if a.sequence != b.sequence {
		return a.sequence > b.sequence
	}
	return !a.modified.Before(b.modified)
}

func (p *feedParser) inWindow(t time.Time) bool {
	return !t.Before(p.opts.From) && t.Before(p.opts.To)
}

// vevent reads the properties pfsnotify uses.
func (p *feedParser) vevent(c *ical.Component) (*vevent, error) {
	v := &vevent{
		title:    propText(c, ical.PropSummary),
		desc:     propText(c, ical.PropDescription),
		location: propText(c, ical.PropLocation),
		url:      strings.TrimSpace(propValue(c, ical.PropURL)),
	}
	v.uid = strings.TrimSpace(propValue(c, ical.PropUID))
	if v.uid == "" {
		// RFC 5545 wants a UID; feeds without one get an id from what
		// identifies the event best.
		sum := sha256.Sum256([]byte(propValue(c, ical.PropDateTimeStart) + "\x00" + propValue(c, ical.PropSummary)))
		v.uid = "nouid-" + hex.EncodeToString(sum[:10])
	}
	what := fmt.Sprintf("event %q", v.uid)
	if v.title != "" {
		what = fmt.Sprintf("event %q (%s)", v.uid, shorten(cleanTitle(v.title), 60))
	}
	// bad is the error of a property: an unknown zone skips the event only.
	bad := func(prop *ical.Prop, err error) error {
		var ze *zoneError
		if errors.As(err, &ze) {
			return &eventZoneError{uid: v.uid, title: cleanTitle(v.title), err: ze.err}
		}
		return parseErrorf("%s: %s %q: %v", what, prop.Name, prop.Value, errOrMany(err))
	}
	start := c.Props.Get(ical.PropDateTimeStart)
	if start == nil {
		return nil, parseErrorf("%s has no DTSTART", what)
	}
	starts, err := p.timeValues(start)
	if err != nil || len(starts) != 1 {
		return nil, bad(start, err)
	}
	v.start = starts[0]
	if end := c.Props.Get(ical.PropDateTimeEnd); end != nil {
		ends, err := p.timeValues(end)
		if err != nil || len(ends) != 1 {
			return nil, bad(end, err)
		}
		v.end = &ends[0]
		if p.instant(*v.end).Before(p.instant(v.start)) {
			return nil, parseErrorf("%s: DTEND %s is before DTSTART %s", what, end.Value, start.Value)
		}
	} else if dur := c.Props.Get(ical.PropDuration); dur != nil {
		d, err := dur.Duration()
		if err != nil || d < 0 {
			return nil, parseErrorf("%s: DURATION %q is not a duration", what, dur.Value)
		}
		v.duration = &d
	}
	if rid := c.Props.Get(ical.PropRecurrenceID); rid != nil {
		rids, err := p.timeValues(rid)
		if err != nil || len(rids) != 1 {
			return nil, bad(rid, err)
		}
		v.recurrence = &rids[0]
	}
	if rr := c.Props.Get(ical.PropRecurrenceRule); rr != nil {
		v.rrule = strings.TrimSpace(rr.Value)
		if _, err := rrule.StrToROption(v.rrule); err != nil {
			return nil, parseErrorf("%s: RRULE %q: %v", what, v.rrule, err)
		}
	}
	for _, prop := range c.Props.Values(ical.PropRecurrenceDates) {
		tvs, err := p.timeValues(&prop)
		if err != nil {
			return nil, bad(&prop, err)
		}
		v.rdates = append(v.rdates, tvs...)
	}
	for _, prop := range c.Props.Values(ical.PropExceptionDates) {
		tvs, err := p.timeValues(&prop)
		if err != nil {
			return nil, bad(&prop, err)
		}
		v.exdates = append(v.exdates, tvs...)
	}
	switch status := strings.ToUpper(strings.TrimSpace(propValue(c, ical.PropStatus))); status {
	case "", "CONFIRMED", "TENTATIVE":
	case "CANCELLED":
		v.cancelled = true
	default:
		return nil, parseErrorf("%s: STATUS %q is not TENTATIVE, CONFIRMED or CANCELLED", what, status)
	}
	if seq := strings.TrimSpace(propValue(c, ical.PropSequence)); seq != "" {
		if v.sequence, err = strconv.Atoi(seq); err != nil {
			return nil, parseErrorf("%s: SEQUENCE %q is not a number", what, seq)
		}
	}
	if lm := c.Props.Get(ical.PropLastModified); lm != nil {
		if tvs, err := p.timeValues(lm); err == nil && len(tvs) == 1 {
			v.modified = p.instant(tvs[0])
		}
	}
	return v, nil
}

func errOrMany(err error) error {
	if err != nil {
		return err
	}
	return errors.New("one value wanted")
}

// propValue is the raw value of c's property name, or "".
func propValue(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}
