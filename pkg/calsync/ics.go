package calsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// ICS fetches iCalendar feeds: over HTTP(S) with a conditional GET
// (If-None-Match, If-Modified-Since), or from a file.
type ICS struct {
	Client    *http.Client // give it a timeout
	Retry     Retry
	MaxBytes  int64  // the largest feed read; 0: 64 MiB
	UserAgent string // "": pfsnotify
}

const defaultMaxFeedBytes = 64 << 20

// Fetch reads the feed of req.Calendar and expands its events in the
// window. A feed that did not change since the last sync (HTTP 304, or a
// file with the same content) is NotModified unless req.Full.
func (s *ICS) Fetch(ctx context.Context, req Request) (Result, error) {
	cal := req.Calendar
	var loc *time.Location // nil: the feed's X-WR-TIMEZONE, else each member's
	if cal.TimeZone != "" {
		var err error
		if loc, err = schedule.LoadZone(cal.TimeZone); err != nil {
			return Result{}, fmt.Errorf("calendar %s: time zone: %w", cal.Name, err)
		}
	}
	var (
		err                error
		data               []byte
		etag, lastModified string
		notModified        bool
		where              = displaySource(cal.Source)
	)
	if filepath.IsAbs(cal.Source) {
		data, etag, err = readFeedFile(cal.Source, s.maxBytes())
		notModified = err == nil && !req.Full && cal.ETag != "" && cal.ETag == etag
	} else {
		data, etag, lastModified, notModified, err = s.get(ctx, cal.Source, cal.ETag, cal.LastModified, req.Full)
	}
	if err != nil {
		return Result{}, err
	}
	if notModified {
		return Result{NotModified: true, ETag: cal.ETag, LastModified: cal.LastModified}, nil
	}
	feed, err := parseFeed(data, feedOptions{From: req.From, To: req.To, Zone: loc})
	if err != nil {
		return Result{}, fmt.Errorf("ics %s: %w", where, err)
	}
	return Result{Events: feed.events, Skipped: feed.skipped, Complete: true, FullRead: true, ETag: etag, LastModified: lastModified}, nil
}

func (s *ICS) maxBytes() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return defaultMaxFeedBytes
}

// readFeedFile reads a feed file; its validator is a hash of its content.
func readFeedFile(path string, limit int64) (data []byte, etag string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("ics %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("ics %s: read: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, "", fmt.Errorf("ics %s: larger than %s", path, byteSize(limit))
	}
	sum := sha256.Sum256(data)
	return data, "sha256:" + hex.EncodeToString(sum[:]), nil
}

// displaySource is a feed's URL without its query, which often holds a
// key (Indico's signed export links), and without a password.
func displaySource(source string) string {
	u, err := url.Parse(source)
	if err != nil || u.Scheme == "" {
		return source
	}
	if u.RawQuery != "" {
		u.RawQuery = ""
		u.ForceQuery = false
		return strings.TrimSuffix(u.Redacted(), "?") + "?…"
	}
	return u.Redacted()
}

// get fetches a feed URL, conditionally unless full, trying again after
// transient failures.
func (s *ICS) get(ctx context.Context, source, etag, lastModified string, full bool) (data []byte, newETag, newLastModified string, notModified bool, err error) {
	where := displaySource(source)
	client := s.Client
	if client == nil {
		return nil, "", "", false, fmt.Errorf("ics %s: no HTTP client configured", where)
	}
	conditional := !full && (etag != "" || lastModified != "")
	var last error
	for attempt := 1; attempt <= s.Retry.attempts(); attempt++ {
		if attempt > 1 {
			if err := sleep(ctx, s.Retry.wait(attempt-1, retryAfterOf(last))); err != nil {
				return nil, "", "", false, fmt.Errorf("ics %s: %w (after: %v)", where, err, last)
			}
		}
		data, newETag, newLastModified, notModified, err = s.getOnce(ctx, source, etag, lastModified, conditional)
		if err == nil {
			return data, newETag, newLastModified, notModified, nil
		}
		last = err
		var te *transientError
		if !errors.As(err, &te) || ctx.Err() != nil {
			break
		}
	}
	return nil, "", "", false, fmt.Errorf("ics %s: %w", where, last)
}

// transientError is a failure worth another try.
type transientError struct {
	err        error
	retryAfter int64 // seconds the server asked to wait; 0 when none
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func retryAfterOf(err error) time.Duration {
	var te *transientError
	if errors.As(err, &te) {
		return time.Duration(te.retryAfter) * time.Second
	}
	return 0
}

func (s *ICS) getOnce(ctx context.Context, source, etag, lastModified string, conditional bool) ([]byte, string, string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return nil, "", "", false, errors.New("not a URL")
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	ua := s.UserAgent
	if ua == "" {
		ua = "pfsnotify"
	}
	req.Header.Set("User-Agent", ua)
	if conditional {
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		if lastModified != "" {
			req.Header.Set("If-Modified-Since", lastModified)
		}
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a key
		}
		return nil, "", "", false, &transientError{err: fmt.Errorf("GET: %w", err)}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		return nil, "", "", true, nil
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNonAuthoritativeInfo:
	case transientStatus(resp.StatusCode):
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, "", "", false, &transientError{err: fmt.Errorf("GET: %s", resp.Status), retryAfter: int64(retryAfter(resp.Header) / time.Second)}
	default:
		return nil, "", "", false, fmt.Errorf("GET: %s", resp.Status)
	}
	limit := s.maxBytes()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", "", false, &transientError{err: fmt.Errorf("GET: reading the body: %w", err)}
	}
	if int64(len(data)) > limit {
		return nil, "", "", false, fmt.Errorf("GET: the feed is larger than %s", byteSize(limit))
	}
	if resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength {
		return nil, "", "", false, &transientError{err: fmt.Errorf("GET: got %d of %d bytes", len(data), resp.ContentLength)}
	}
	return data, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), false, nil
}

// byteSize writes a size for people: "64 MiB", "100 bytes".
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
