// Package calsynctest has a fake Google Calendar API for tests and
// benchmarks: an httptest server that speaks events.list (paging, sync
// tokens, 410 Gone for a stale one, deleted events), events.get, and an
// OAuth token endpoint for service accounts, with failures on demand.
package calsynctest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// GoogleServer is a fake Google Calendar API. Its zero value is not
// usable: call NewGoogleServer, and Close it.
type GoogleServer struct {
	srv *httptest.Server

	mu        sync.Mutex
	calendars map[string]*fakeCalendar
	failures  []failure
	requests  []string

	// PageSize caps the events per page (the client's maxResults too); 0: 250.
	PageSize int
	// APIKey, when set, is required of every API request (key=, or X-Goog-Api-Key).
	APIKey string
	// AccessToken, when set, is required as "Authorization: Bearer" of every
	// API request, and is what the token endpoint hands out.
	AccessToken string
	// TokenRequests counts the calls of the token endpoint.
	TokenRequests int
	// LastAssertion is the JWT assertion of the last token request.
	LastAssertion string
}

type fakeCalendar struct {
	zone     string
	events   map[string]*calendar.Event
	changed  map[string]int // event id -> version of its last change
	version  int
	minValid int // sync tokens older than this answer 410
}

type failure struct {
	status int
	reason string
	left   int
}

// NewGoogleServer starts a fake Calendar API.
func NewGoogleServer() *GoogleServer {
	g := &GoogleServer{calendars: make(map[string]*fakeCalendar)}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// Close stops the server.
func (g *GoogleServer) Close() { g.srv.Close() }

// URL is the server's root.
func (g *GoogleServer) URL() string { return g.srv.URL }

// BaseURL is what to give option.WithEndpoint (the trailing slash matters).
func (g *GoogleServer) BaseURL() string { return g.srv.URL + "/calendar/v3/" }

// TokenURL is the OAuth token endpoint, for a service account's token_uri.
func (g *GoogleServer) TokenURL() string { return g.srv.URL + "/token" }

// Client is an HTTP client for the server.
func (g *GoogleServer) Client() *http.Client { return g.srv.Client() }

func (g *GoogleServer) cal(id string) *fakeCalendar {
	c := g.calendars[id]
	if c == nil {
		c = &fakeCalendar{zone: "UTC", events: make(map[string]*calendar.Event), changed: make(map[string]int)}
		g.calendars[id] = c
	}
	return c
}

// SetTimeZone sets the zone a calendar's listings report.
func (g *GoogleServer) SetTimeZone(calendarID, zone string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cal(calendarID).zone = zone
}

// Put adds or replaces events of a calendar: each is a change that the
// next incremental sync sees.
func (g *GoogleServer) Put(calendarID string, events ...*calendar.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.cal(calendarID)
	for _, ev := range events {
		c.version++
		copied := *ev
		c.events[ev.Id] = &copied
		c.changed[ev.Id] = c.version
	}
}

// Delete deletes an event the way Google does: it stays listed, to
// incremental syncs and with showDeleted, as cancelled with nothing but
// its id (and, for an occurrence, its series and original start).
func (g *GoogleServer) Delete(calendarID string, ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.cal(calendarID)
	for _, id := range ids {
		old := c.events[id]
		if old == nil {
			continue
		}
		c.version++
		c.events[id] = &calendar.Event{Id: id, Status: "cancelled", RecurringEventId: old.RecurringEventId,
			OriginalStartTime: old.OriginalStartTime, Updated: time.Now().UTC().Format(time.RFC3339)}
		c.changed[id] = c.version
	}
}

// Purge forgets an event entirely: events.get answers 404.
func (g *GoogleServer) Purge(calendarID string, ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.cal(calendarID)
	for _, id := range ids {
		delete(c.events, id)
		delete(c.changed, id)
	}
}

// ExpireSyncTokens makes every sync token handed out so far stale: using
// one answers 410 Gone (fullSyncRequired).
func (g *GoogleServer) ExpireSyncTokens(calendarID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.cal(calendarID)
	c.version++
	c.minValid = c.version
}

// FailNext makes the next n API requests fail with status and, when not
// "", an error reason such as "rateLimitExceeded".
func (g *GoogleServer) FailNext(n, status int, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = append(g.failures, failure{status: status, reason: reason, left: n})
}

// Requests returns the API requests served so far, as "GET /path?query",
// and forgets them.
func (g *GoogleServer) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.requests
	g.requests = nil
	return out
}

func (g *GoogleServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		g.token(w, r)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	if len(g.failures) > 0 {
		f := &g.failures[0]
		f.left--
		status, reason := f.status, f.reason
		if f.left <= 0 {
			g.failures = g.failures[1:]
		}
		apiError(w, status, reason, fmt.Sprintf("injected failure %d", status))
		return
	}
	if g.APIKey != "" && r.URL.Query().Get("key") != g.APIKey && r.Header.Get("X-Goog-Api-Key") != g.APIKey {
		apiError(w, http.StatusBadRequest, "keyInvalid", "API key not valid. Please pass a valid API key.")
		return
	}
	if g.AccessToken != "" && r.Header.Get("Authorization") != "Bearer "+g.AccessToken {
		apiError(w, http.StatusUnauthorized, "authError", "Invalid Credentials")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/calendar/v3/calendars/")
	if !ok || r.Method != http.MethodGet {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	parts := strings.Split(rest, "/")
	calID, err := url.PathUnescape(parts[0])
	if err != nil || len(parts) < 2 || parts[1] != "events" {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	c := g.calendars[calID]
	if c == nil {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	switch len(parts) {
	case 2:
		g.list(w, r, c)
	case 3:
		id, _ := url.PathUnescape(parts[2])
		ev := c.events[id]
		if ev == nil {
			apiError(w, http.StatusNotFound, "notFound", "Not Found")
			return
		}
		writeJSON(w, ev)
	default:
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
	}
}

// list serves events.list.
func (g *GoogleServer) list(w http.ResponseWriter, r *http.Request, c *fakeCalendar) {
	q := r.URL.Query()
	syncToken := q.Get("syncToken")
	if syncToken != "" && (q.Has("timeMin") || q.Has("timeMax") || q.Has("q") || q.Has("orderBy")) {
		apiError(w, http.StatusBadRequest, "invalid", "Sync token cannot be used with timeMin, timeMax, q or orderBy.")
		return
	}
	if q.Get("singleEvents") != "true" {
		apiError(w, http.StatusBadRequest, "invalid", "this fake serves singleEvents=true only")
		return
	}
	var ids []string
	if syncToken != "" {
		since, err := strconv.Atoi(strings.TrimPrefix(syncToken, "sync-"))
		if err != nil || !strings.HasPrefix(syncToken, "sync-") || since < c.minValid {
			apiError(w, http.StatusGone, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
			return
		}
		for id, v := range c.changed {
			if v > since {
				ids = append(ids, id)
			}
		}
	} else {
		timeMin, err1 := parseOptionalTime(q.Get("timeMin"))
		timeMax, err2 := parseOptionalTime(q.Get("timeMax"))
		if err1 != nil || err2 != nil {
			apiError(w, http.StatusBadRequest, "invalid", "Bad timeMin or timeMax")
			return
		}
		showDeleted := q.Get("showDeleted") == "true"
		for id, ev := range c.events {
			if ev.Status == "cancelled" && !showDeleted {
				continue
			}
			start, end, ok := eventSpan(ev)
			if !ok {
				if showDeleted { // a deleted event, known by id: Google lists it
					ids = append(ids, id)
				}
				continue
			}
			if (!timeMax.IsZero() && !start.Before(timeMax)) || (!timeMin.IsZero() && !end.After(timeMin)) {
				continue
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	size := g.PageSize
	if size <= 0 {
		size = 250
	}
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 && m < size {
		size = m
	}
	offset := 0
	if pt := q.Get("pageToken"); pt != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(pt, "page-"))
		if err != nil || n < 0 || n > len(ids) {
			apiError(w, http.StatusBadRequest, "invalid", "Invalid page token")
			return
		}
		offset = n
	}
	end := min(offset+size, len(ids))
	resp := &calendar.Events{Kind: "calendar#events", TimeZone: c.zone, Items: []*calendar.Event{}}
	for _, id := range ids[offset:end] {
		resp.Items = append(resp.Items, c.events[id])
	}
	if end < len(ids) {
		resp.NextPageToken = "page-" + strconv.Itoa(end)
	} else {
		resp.NextSyncToken = "sync-" + strconv.Itoa(c.version)
	}
	writeJSON(w, resp)
}

func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// eventSpan is when an event starts and ends; ok is false for one known by id only.
func eventSpan(ev *calendar.Event) (start, end time.Time, ok bool) {
	if ev.Start == nil {
		return time.Time{}, time.Time{}, false
	}
	read := func(t *calendar.EventDateTime) time.Time {
		if t == nil {
			return time.Time{}
		}
		if t.DateTime != "" {
			v, _ := time.Parse(time.RFC3339, t.DateTime)
			return v
		}
		v, _ := time.Parse(time.DateOnly, t.Date)
		return v
	}
	start, end = read(ev.Start), read(ev.End)
	if end.IsZero() {
		end = start
	}
	return start, end, true
}

// token is the OAuth 2 token endpoint of a service account's JWT grant.
func (g *GoogleServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost ||
		r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	assertion := r.PostForm.Get("assertion")
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.TokenRequests++
	g.LastAssertion = assertion
	token := g.AccessToken
	g.mu.Unlock()
	if token == "" {
		token = "fake-access-token"
	}
	writeJSON(w, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
}

// apiError writes an error the way the Calendar API does.
func apiError(w http.ResponseWriter, status int, reason, message string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": status, "message": message,
		"errors": []map[string]string{{"domain": "calendar", "reason": reason, "message": message}},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// Timed returns an event from start to end (instants; zone is the event's).
func Timed(id, summary string, start, end time.Time, zone string) *calendar.Event {
	return &calendar.Event{
		Id: id, Status: "confirmed", Summary: summary,
		Start:    &calendar.EventDateTime{DateTime: start.Format(time.RFC3339), TimeZone: zone},
		End:      &calendar.EventDateTime{DateTime: end.Format(time.RFC3339), TimeZone: zone},
		HtmlLink: "https://calendar.google.com/calendar/event?eid=" + id,
		Updated:  "2026-11-01T00:00:00.000Z",
	}
}

// Occurrence returns an occurrence of a recurring series, with Google's
// instance id: the series id, "_" and the original start in UTC.
func Occurrence(seriesID, summary string, original, start time.Time, length time.Duration, zone string) *calendar.Event {
	ev := Timed(seriesID+"_"+original.UTC().Format("20060102T150405Z"), summary, start, start.Add(length), zone)
	ev.RecurringEventId = seriesID
	ev.OriginalStartTime = &calendar.EventDateTime{DateTime: original.Format(time.RFC3339), TimeZone: zone}
	return ev
}

// AllDay returns an all-day event from date to the day before end (dates "2026-12-24").
func AllDay(id, summary, date, end string) *calendar.Event {
	return &calendar.Event{
		Id: id, Status: "confirmed", Summary: summary,
		Start: &calendar.EventDateTime{Date: date}, End: &calendar.EventDateTime{Date: end},
	}
}
