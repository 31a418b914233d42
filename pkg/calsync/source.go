package calsync

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Source fetches the events of one kind of calendar: Google, ICS.
type Source interface {
	Fetch(ctx context.Context, req Request) (Result, error)
}

// Verifier is a Source that can look events up one by one. calendar-sync
// asks it about the stored events that vanished from a complete listing
// before it cancels them: an event moved beyond the window is not gone.
type Verifier interface {
	// Lookup returns the events among ids that still exist, by id,
	// cancelled ones included; an id it does not return is gone.
	Lookup(ctx context.Context, cal store.Calendar, ids []string) (map[string]store.Event, error)
}

// Request says what to fetch.
type Request struct {
	Calendar store.Calendar // the source, zone, and the state the last sync left (sync token, validators)
	// Full ignores that state: read every event of the window.
	Full bool
	// From and To bound the window of events wanted: those that start in
	// [From, To). Sources may return more.
	From, To time.Time
}

// Result is what a source fetched.
type Result struct {
	// Events are the events fetched, one per occurrence, with clean
	// titles; their CalendarID is not set.
	Events []store.Event
	// Gone are the ids of events the source says were cancelled without
	// telling more (Google's deleted events): stored ones are cancelled.
	Gone []string
	// Complete: Events hold every event of the window, so that a stored
	// upcoming event missing from them is gone (subject to the safety guard).
	Complete bool
	// Skipped are the events left out because they could not be read
	// (an unknown zone): their stored occurrences are kept as they are,
	// and the sync says which they are.
	Skipped []SkippedEvent
	// NotModified: nothing changed since the last sync (HTTP 304).
	NotModified bool
	// FullRead: the whole window was read (not a sync token's changes, not a 304).
	FullRead bool
	// The state for the next sync.
	SyncToken, ETag, LastModified string
}

// Limits of the events table (see store.Event).
const (
	maxTitleRunes = 1024
	maxTextBytes  = 65535
	noTitle       = "(no title)"
)

// cleanTitle makes a title fit for one line on a phone screen, in a call
// and in the database: every run of control characters and white space
// (newlines too) becomes one space, invalid UTF-8 is replaced, the ends are
// trimmed, the length bounded. An empty title is "(no title)".
func cleanTitle(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	out := sb.String()
	if utf8.RuneCountInString(out) > maxTitleRunes {
		out = string([]rune(out)[:maxTitleRunes-1]) + "…"
	}
	if out == "" {
		return noTitle
	}
	return out
}

// cleanText makes a free text (description, location, URL) valid UTF-8
// that fits a TEXT column, cut at a rune boundary, without NUL bytes.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.TrimSpace(s)
	if len(s) <= maxTextBytes {
		return s
	}
	cut := maxTextBytes - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
