package schedule

import (
	"errors"
	"fmt"
	"time"
)

// LoadZone loads the IANA time zone name, such as "Europe/Paris". It rejects "" and "Local"
// (the zone of the machine, which is nobody's in particular) and unknown names, with an
// error naming the value. Store loc.String() to remember the zone.
//
// Zones come from the system's zoneinfo files; a program that must run where there are
// none (a scratch container) imports time/tzdata in its main package.
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, errors.New(`time zone "" is empty: name an IANA zone such as "Europe/Paris"`)
	case "Local":
		return nil, errors.New(`time zone "Local" is not allowed: name an IANA zone such as "Europe/Paris"`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// FormatInZone writes the instant t as a wall time in loc, for people:
// "2026-12-01 09:00 JST (+09:00)". Seconds are shown only when not zero; zones whose
// abbreviation is only a number (America/Santiago's "-03") show just the offset:
// "2026-12-01 09:00 (-03:00)".
func FormatInZone(t time.Time, loc *time.Location) string {
	local := t.In(loc)
	if abbrev := zoneAbbrev(local); abbrev != "" {
		return formatWall(local) + " " + abbrev + " (" + local.Format("-07:00") + ")"
	}
	return formatWall(local) + " (" + local.Format("-07:00") + ")"
}

// formatWall writes the date and clock of t, with seconds only when there are some.
func formatWall(t time.Time) string {
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// zoneAbbrev returns the abbreviation of the zone in effect at t, such as "JST", or "" when
// the zone has only a number such as "-03".
func zoneAbbrev(t time.Time) string {
	name, _ := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		return ""
	}
	return name
}
