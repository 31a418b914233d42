package calsync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// GoogleBaseURL is the Google Calendar API's endpoint.
const GoogleBaseURL = "https://www.googleapis.com/calendar/v3/"

// GoogleAuth is how pfsnotify signs in to Google Calendar: a service
// account's key file (private calendars shared with that account) or an
// API key (public calendars). With neither, requests go unauthenticated
// (tests, or a proxy that authenticates).
type GoogleAuth struct {
	CredentialsFile string
	APIKey          string
}

// NewGoogleService returns a Calendar API client at baseURL (the API's
// when ""), over client (give it a timeout), signed in as auth says.
func NewGoogleService(ctx context.Context, auth GoogleAuth, baseURL string, client *http.Client) (*calendar.Service, error) {
	if baseURL == "" {
		baseURL = GoogleBaseURL
	}
	if client == nil {
		return nil, errors.New("google calendar: no HTTP client")
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var authOpts []option.ClientOption
	switch {
	case auth.CredentialsFile != "":
		authOpts = []option.ClientOption{option.WithAuthCredentialsFile(option.ServiceAccount, auth.CredentialsFile),
			option.WithScopes(calendar.CalendarReadonlyScope)}
	case auth.APIKey != "":
		authOpts = []option.ClientOption{option.WithAPIKey(auth.APIKey)}
	}
	if len(authOpts) > 0 {
		rt, err := htransport.NewTransport(ctx, base, authOpts...)
		if err != nil {
			if auth.CredentialsFile != "" {
				return nil, fmt.Errorf("google.credentials_file %s: %w", auth.CredentialsFile, err)
			}
			return nil, fmt.Errorf("google.api_key: %w", err)
		}
		client = &http.Client{Transport: rt, Timeout: client.Timeout, CheckRedirect: client.CheckRedirect, Jar: client.Jar}
	}
	svc, err := calendar.NewService(ctx, option.WithHTTPClient(client), option.WithEndpoint(baseURL))
	if err != nil {
		return nil, fmt.Errorf("google calendar: %w", err)
	}
	return svc, nil
}

// Google fetches Google calendars through the Calendar API: recurring
// events as single occurrences, every event of the window on a full sync,
// then only the changes since the sync token of the last one.
type Google struct {
	Service *calendar.Service
	Retry   Retry
	// PageSize is how many events each page asks for; 0: 2500, the most the API gives.
	PageSize int64
}

// errFullSyncRequired is Google's 410 Gone: the sync token is stale.
var errFullSyncRequired = errors.New("the sync token expired: a full sync is required")

// Fetch lists the changes since the calendar's sync token, or, with none
// (or req.Full, or a stale token), every event of the window.
func (g *Google) Fetch(ctx context.Context, req Request) (Result, error) {
	cal := req.Calendar
	if !req.Full && cal.SyncToken != "" {
		res, err := g.list(ctx, req, cal.SyncToken)
		if !errors.Is(err, errFullSyncRequired) {
			return res, err
		}
	}
	return g.list(ctx, req, "")
}

func (g *Google) list(ctx context.Context, req Request, syncToken string) (Result, error) {
	cal := req.Calendar
	loc, err := googleZone(cal)
	if err != nil {
		return Result{}, err
	}
	res := Result{Complete: syncToken == "", FullRead: syncToken == ""}
	pageToken := ""
	size := g.PageSize
	if size <= 0 {
		size = 2500
	}
	for {
		call := g.Service.Events.List(cal.Source).SingleEvents(true).ShowDeleted(true).MaxResults(size)
		if syncToken != "" {
			call.SyncToken(syncToken)
		} else {
			call.TimeMin(req.From.UTC().Format(time.RFC3339)).TimeMax(req.To.UTC().Format(time.RFC3339))
		}
		if pageToken != "" {
			call.PageToken(pageToken)
		}
		var page *calendar.Events
		err := g.retry(ctx, func() error {
			var err error
			page, err = call.Context(ctx).Do()
			return err
		})
		if err != nil {
			var ge *googleapi.Error
			if syncToken != "" && errors.As(err, &ge) && ge.Code == http.StatusGone {
				return Result{}, errFullSyncRequired
			}
			return Result{}, googleError(cal.Source, err)
		}
		for _, item := range page.Items {
			if notMeeting(item) {
				continue
			}
			ev, ok, err := googleEventIn(item, loc, cal)
			if err != nil {
				return Result{}, fmt.Errorf("google calendar %s: %w", cal.Source, err)
			}
			if !ok {
				res.Gone = append(res.Gone, item.Id)
				continue
			}
			res.Events = append(res.Events, ev)
		}
		if page.NextPageToken == "" {
			if page.NextSyncToken == "" {
				return Result{}, fmt.Errorf("google calendar %s: the last page has no nextSyncToken", cal.Source)
			}
			res.SyncToken = page.NextSyncToken
			return res, nil
		}
		pageToken = page.NextPageToken
	}
}

// Lookup gets events one by one: those that vanished from a full listing
// may have moved beyond its window.
func (g *Google) Lookup(ctx context.Context, cal store.Calendar, ids []string) (map[string]store.Event, error) {
	loc, err := googleZone(cal)
	if err != nil {
		return nil, err
	}
	out := make(map[string]store.Event)
	for _, id := range ids {
		var item *calendar.Event
		err := g.retry(ctx, func() error {
			var err error
			item, err = g.Service.Events.Get(cal.Source, id).Context(ctx).Do()
			return err
		})
		var ge *googleapi.Error
		if errors.As(err, &ge) && (ge.Code == http.StatusNotFound || ge.Code == http.StatusGone) {
			continue
		}
		if err != nil {
			return nil, googleError(cal.Source, err)
		}
		if notMeeting(item) {
			continue
		}
		ev, ok, err := googleEventIn(item, loc, cal)
		if err != nil {
			return nil, fmt.Errorf("google calendar %s: %w", cal.Source, err)
		}
		if ok {
			out[id] = ev
		}
	}
	return out, nil
}

// retry runs call until it succeeds, fails for good, or the tries run out:
// 429, 5xx, 403 rateLimitExceeded and network errors are tried again.
func (g *Google) retry(ctx context.Context, call func() error) error {
	var err error
	for attempt := 1; attempt <= g.Retry.attempts(); attempt++ {
		if attempt > 1 {
			var wait time.Duration
			var ge *googleapi.Error
			if errors.As(err, &ge) {
				wait = retryAfter(ge.Header)
			}
			if serr := sleep(ctx, g.Retry.wait(attempt-1, wait)); serr != nil {
				return err
			}
		}
		if err = call(); err == nil || !googleTransient(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func googleTransient(err error) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return true // a network error or a timeout
	}
	if transientStatus(ge.Code) {
		return true
	}
	if ge.Code == http.StatusForbidden {
		for _, e := range ge.Errors {
			if e.Reason == "rateLimitExceeded" || e.Reason == "userRateLimitExceeded" {
				return true
			}
		}
	}
	return false
}

// googleError names what went wrong, with a hint for the usual mistakes.
func googleError(calendarID string, err error) error {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return fmt.Errorf("google calendar %s: %w", calendarID, err)
	}
	msg := ge.Message
	if msg == "" && len(ge.Errors) > 0 {
		msg = ge.Errors[0].Message
	}
	if msg == "" {
		msg = http.StatusText(ge.Code)
	}
	hint := ""
	switch ge.Code {
	case http.StatusUnauthorized:
		hint = " (check google.credentials_file or google.api_key)"
	case http.StatusForbidden, http.StatusNotFound:
		hint = " (check the calendar id, and that the calendar is shared with the service account or public)"
	}
	return fmt.Errorf("google calendar %s: HTTP %d: %s%s", calendarID, ge.Code, msg, hint)
}

// notMeeting reports whether an item is a calendar entry that is no
// meeting: a working location, an out-of-office block, focus time, a
// birthday. They are not brought in.
func notMeeting(item *calendar.Event) bool {
	switch item.EventType {
	case "workingLocation", "outOfOffice", "focusTime", "birthday":
		return true
	}
	return false
}

// googleZone is the zone of the all-day events of cal: its own, or, when
// it names none, UTC, their dates being local to each member (see
// googleEventIn).
func googleZone(cal store.Calendar) (*time.Location, error) {
	if cal.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := schedule.LoadZone(cal.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: time zone: %w", cal.Name, err)
	}
	return loc, nil
}

// googleEventIn is googleEvent for an event of cal: when cal names no
// zone, an all-day event is stored without one (its date's midnight as
// UTC), and each member is reminded of it in their own zone.
func googleEventIn(item *calendar.Event, loc *time.Location, cal store.Calendar) (store.Event, bool, error) {
	ev, ok, err := googleEvent(item, loc)
	if ok && cal.TimeZone == "" && ev.AllDay {
		ev.TimeZone = ""
	}
	return ev, ok, err
}

// googleEvent turns an API event into a stored one. ok is false for a
// cancelled event known by its id only (a deleted event or occurrence).
func googleEvent(item *calendar.Event, loc *time.Location) (ev store.Event, ok bool, err error) {
	if item.Id == "" {
		return store.Event{}, false, errors.New("an event without an id")
	}
	status := store.EventConfirmed
	if item.Status == "cancelled" {
		status = store.EventCancelled
	}
	start := item.Start
	if start == nil && status == store.EventCancelled {
		return store.Event{}, false, nil
	}
	if start == nil {
		return store.Event{}, false, fmt.Errorf("event %q has no start", item.Id)
	}
	ev = store.Event{
		ExternalID:  item.Id,
		Title:       cleanTitle(item.Summary),
		Description: cleanText(item.Description),
		Location:    cleanText(item.Location),
		URL:         cleanText(item.HtmlLink),
		TimeZone:    loc.String(),
		Status:      status,
	}
	if ev.StartAt, ev.AllDay, err = googleTime(start, loc); err != nil {
		return store.Event{}, false, fmt.Errorf("event %q: start: %w", item.Id, err)
	}
	ev.EndAt = ev.StartAt
	if item.End != nil && !item.EndTimeUnspecified {
		if ev.EndAt, _, err = googleTime(item.End, loc); err != nil {
			return store.Event{}, false, fmt.Errorf("event %q: end: %w", item.Id, err)
		}
		if ev.EndAt.Before(ev.StartAt) {
			ev.EndAt = ev.StartAt
		}
	}
	if !ev.AllDay && start.TimeZone != "" {
		if l := loadIANA(start.TimeZone); l != nil {
			ev.TimeZone = l.String()
		}
	}
	if item.Updated != "" {
		if t, err := time.Parse(time.RFC3339Nano, item.Updated); err == nil {
			ev.SourceUpdatedAt = t
		}
	}
	return ev, true, nil
}

// googleTime reads an EventDateTime: an RFC 3339 instant, or a date (an
// all-day event) that starts at midnight in loc.
func googleTime(t *calendar.EventDateTime, loc *time.Location) (time.Time, bool, error) {
	if t.DateTime != "" {
		v, err := time.Parse(time.RFC3339, t.DateTime)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 time", t.DateTime)
		}
		return v.UTC(), false, nil
	}
	if t.Date != "" {
		v, err := schedule.StartOfDay(strings.TrimSpace(t.Date), loc)
		if err != nil {
			return time.Time{}, false, err
		}
		return v, true, nil
	}
	return time.Time{}, false, errors.New("neither dateTime nor date")
}
