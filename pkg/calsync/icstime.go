package calsync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// timeValues reads the DATE or DATE-TIME values of a property: a list for
// RDATE and EXDATE; the start of each PERIOD.
func (p *feedParser) timeValues(prop *ical.Prop) ([]timeValue, error) {
	kind := strings.ToUpper(prop.Params.Get("VALUE"))
	var out []timeValue
	for _, raw := range strings.Split(prop.Value, ",") {
		v := strings.TrimSpace(raw)
		if kind == "PERIOD" {
			v, _, _ = strings.Cut(v, "/")
		}
		if strings.HasPrefix(v, "0000") {
			// Year 0 parses, but recurrence rules from it panic rrule-go (found by FuzzParseFeed).
			return nil, fmt.Errorf("%q is in the year 0", v)
		}
		switch {
		case kind == "DATE" || kind == "" && len(v) == len("20060102"):
			d, err := time.Parse("20060102", v)
			if err != nil {
				return nil, fmt.Errorf("%q is not a date like 20261201", v)
			}
			out = append(out, timeValue{wall: d, date: true})
		case strings.HasSuffix(v, "Z"):
			t, err := time.Parse("20060102T150405Z", v)
			if err != nil {
				return nil, fmt.Errorf("%q is not a date-time like 20261201T090000Z", v)
			}
			out = append(out, timeValue{wall: t, utc: true})
		default:
			t, err := time.Parse("20060102T150405", v)
			if err != nil {
				return nil, fmt.Errorf("%q is not a date-time like 20261201T090000", v)
			}
			tv := timeValue{wall: t}
			if tzid := prop.Params.Get(ical.PropTimezoneID); tzid != "" {
				z, err := p.zones.resolve(tzid)
				if err != nil {
					return nil, &zoneError{err}
				}
				tv.zone = z
			}
			out = append(out, tv)
		}
	}
	return out, nil
}

// zoneOf is the zone of a date-time value (the calendar's when floating).
func (p *feedParser) zoneOf(tv timeValue) zone {
	switch {
	case tv.utc:
		return ianaZone{time.UTC}
	case tv.zone != nil:
		return tv.zone
	}
	return p.calZone
}

// instant is when tv is: a date at the start of its day in the calendar's zone.
func (p *feedParser) instant(tv timeValue) time.Time {
	if tv.date {
		t, err := schedule.StartOfDay(tv.wall.Format(time.DateOnly), p.opts.Zone)
		if err != nil { // a day the clocks skip entirely: its wall midnight, read as RFC 5545 says
			return instantOf(tv.wall, p.calZone)
		}
		return t
	}
	if tv.utc {
		return tv.wall
	}
	return instantOf(tv.wall, p.zoneOf(tv))
}

// occurrenceID is the external id of an occurrence of a series: the UID
// and the original start, as a date for all-day series, in UTC otherwise
// (the form of RECURRENCE-ID and of Google's instance ids).
func (p *feedParser) occurrenceID(uid string, original time.Time, date bool) string {
	if date {
		return eventID(uid) + "/" + original.In(p.opts.Zone).Format("20060102")
	}
	return eventID(uid) + "/" + original.UTC().Format("20060102T150405Z")
}

// eventID is a UID short enough to be an external id (512 characters).
func eventID(uid string) string {
	if len(uid) <= 400 {
		return uid
	}
	sum := sha256.Sum256([]byte(uid))
	return "sha256-" + hex.EncodeToString(sum[:])
}
