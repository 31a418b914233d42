package doctor

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Calendars lists the configured calendars.
type Calendars interface {
	ListCalendars(ctx context.Context) ([]store.Calendar, error)
}

// CalendarProbe reads a calendar once, changing nothing: a Google
// calendar's events through the API (signed in as configured), an ICS
// feed fetched and parsed.
type CalendarProbe func(ctx context.Context, cal store.Calendar) error

// CalendarsCheck reads every calendar once through probe: one result per
// calendar. cals is nil when the database does not answer.
func CalendarsCheck(cals Calendars, probe CalendarProbe) Check {
	const name = "calendars"
	return Check{Name: name, Run: func(ctx context.Context) []Result {
		if cals == nil {
			return one(warnf(name, "not checked until the database check passes", "see the database check"))
		}
		list, err := cals.ListCalendars(ctx)
		if err != nil {
			return one(warnf(name, "not checked: %v", "see the database check", err))
		}
		if len(list) == 0 {
			return one(ok(name, "none added; calendar-sync has nothing to do"))
		}
		var out []Result
		for _, c := range list {
			check := "calendar " + c.Name
			if err := probe(ctx, c); err != nil {
				fix := "check the feed's URL (pfsnotify calendar list) and that this host reaches it"
				if c.Kind == store.CalendarGoogle {
					fix = "check google.credentials_file or google.api_key, that the calendar is shared with the service account, and the calendar id"
				}
				out = append(out, failf(check, "%s %s: %s", fix, c.Kind, displaySource(c), redactSource(err.Error(), c)))
				continue
			}
			out = append(out, ok(check, "%s %s answers", c.Kind, displaySource(c)))
		}
		return out
	}}
}

// displaySource shows a calendar's source without its query string and
// password, where private feed URLs keep their token.
func displaySource(c store.Calendar) string {
	u, err := url.Parse(c.Source)
	if err != nil || u.Scheme == "" {
		return c.Source
	}
	if u.RawQuery != "" {
		u.RawQuery, u.ForceQuery = "", false
		return u.Redacted() + "?…"
	}
	return u.Redacted()
}

// redactSource removes the source's query string and password from an
// error's text (Go's HTTP errors quote the URL they fetched).
func redactSource(msg string, c store.Calendar) string {
	u, err := url.Parse(c.Source)
	if err != nil {
		return msg
	}
	if u.RawQuery != "" {
		msg = strings.ReplaceAll(msg, u.RawQuery, "…")
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	return msg
}

// SourceFor picks calendar-sync's source of a calendar (Google or ICS).
type SourceFor func(ctx context.Context, cal store.Calendar) (calsync.Source, error)

// SyncProbe reads a calendar as a full calendar-sync would, over the next
// day only, through the source calendar-sync uses: the same client,
// credentials and parser. It ignores the calendar's sync token and ETag so
// that the feed is really fetched, and stores nothing.
func SyncProbe(sourceFor SourceFor, now func() time.Time) CalendarProbe {
	return func(ctx context.Context, cal store.Calendar) error {
		src, err := sourceFor(ctx, cal)
		if err != nil {
			return err
		}
		cal.SyncToken, cal.ETag, cal.LastModified = "", "", ""
		from := now()
		_, err = src.Fetch(ctx, calsync.Request{Calendar: cal, Full: true, From: from, To: from.Add(24 * time.Hour)})
		return err
	}
}
