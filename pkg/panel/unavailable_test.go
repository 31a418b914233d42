package panel

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// probe is one request of the database-down tests and what it answers
// when the database does not.
type probe struct {
	name, method, path, body string
	as                       string // a login whose session cookie goes along
	okStatus                 int    // what it answers when the database does
	kind                     string // of its 503: "page", "api" or "health"
}

// probeAnswer is what a probe got.
type probeAnswer struct {
	status                  int
	retryAfter, ctype, body string
	took                    time.Duration
	err                     error
}

// send makes p's request to the panel at base, over a real connection,
// with a client that gives up after timeout.
func (f *fixture) send(base string, p probe, timeout time.Duration) probeAnswer {
	req, err := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
	if err != nil {
		return probeAnswer{err: err}
	}
	switch {
	case strings.HasPrefix(p.body, "{"):
		req.Header.Set("Content-Type", "application/json")
	case p.body != "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if p.as != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.token[p.as]})
	}
	client := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return probeAnswer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return probeAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), ctype: resp.Header.Get("Content-Type"),
		body: string(b), took: time.Since(start), err: err}
}

// sendAll sends every probe at once and returns their answers in order.
func (f *fixture) sendAll(base string, probes []probe, timeout time.Duration) []probeAnswer {
	out := make([]probeAnswer, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { out[i] = f.send(base, p, timeout) })
	}
	wg.Wait()
	return out
}

// checkUnavailable checks that a answers p's 503: with Retry-After, and a
// page that says so, or the API's JSON error, or /healthz's.
func checkUnavailable(t *testing.T, p probe, a probeAnswer) {
	t.Helper()
	t.Logf("%s with the database not answering: %d after %v", p.name, a.status, a.took.Round(time.Millisecond))
	if a.err != nil {
		t.Errorf("%s: %v; want an answer", p.name, a.err)
		return
	}
	if a.status != http.StatusServiceUnavailable || a.retryAfter != "5" {
		t.Errorf("%s: got %d, Retry-After %q; want 503, Retry-After 5\n%s", p.name, a.status, a.retryAfter, excerpt(a.body))
	}
	switch p.kind {
	case "page":
		if !strings.HasPrefix(a.ctype, "text/html") || !strings.Contains(a.body, "the database is not answering; try again in a moment") {
			t.Errorf("%s: got %s %q; want a page that says the database is not answering", p.name, a.ctype, excerpt(a.body))
		}
	case "api":
		var e apiError
		if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Error != "the database is not answering; try again in a moment" {
			t.Errorf("%s: got %q (%v); want the API's JSON error saying the database is not answering", p.name, a.body, err)
		}
	case "health":
		if strings.TrimSpace(a.body) != `{"status":"unavailable"}` {
			t.Errorf("%s: got %q; want {\"status\":\"unavailable\"}", p.name, a.body)
		}
	}
}

// waitOK sends p until it answers as when the database answers, for at
// most 20 seconds.
func (f *fixture) waitOK(t *testing.T, base string, p probe) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for attempt := 1; ; attempt++ {
		a := f.send(base, p, 10*time.Second)
		if a.err == nil && a.status == p.okStatus {
			t.Logf("%s after the database came back: %d at attempt %d", p.name, a.status, attempt)
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s after the database came back: got %d %v; want %d", p.name, a.status, a.err, p.okStatus)
			return
		}
		time.Sleep(50 * time.Millisecond) // a poll's pace; the loop ends on the answer, not on time
	}
}

// TestDatabaseStalls: with MariaDB stalled behind a proxy (connections
// open, nothing forwarded), a page, the API, a change and /healthz answer
// 503 with Retry-After, within the request deadline rather than never;
// once the proxy forwards again, or after it cut every connection, they
// answer as usual without a restart.
func TestDatabaseStalls(t *testing.T) {
	proxy, cfg := storetest.ThroughProxy(t, storetest.MySQLConfig(t))
	f := newFixture(t, storetest.Open(t, cfg), nil)
	f.sentReminder("alice", "Detector review")
	srv := httptest.NewServer(f.srv)
	t.Cleanup(srv.Close)
	probes := []probe{
		{name: "the Upcoming page", method: "GET", path: "/", as: "alice", okStatus: http.StatusOK, kind: "page"},
		{name: "an admin page", method: "GET", path: "/admin/deliveries", as: "root", okStatus: http.StatusOK, kind: "page"},
		{name: "the API's upcoming", method: "GET", path: "/api/v1/upcoming", as: "alice", okStatus: http.StatusOK, kind: "api"},
		{name: "marking the inbox read", method: "POST", path: "/api/v1/inbox/read", body: `{"all": true}`, as: "alice", okStatus: http.StatusOK, kind: "api"},
		{name: "/healthz", method: "GET", path: "/healthz", okStatus: http.StatusOK, kind: "health"},
	}
	for _, p := range probes {
		if a := f.send(srv.URL, p, 10*time.Second); a.err != nil || a.status != p.okStatus {
			t.Fatalf("%s before the fault: got %d %v; want %d\n%s", p.name, a.status, a.err, p.okStatus, excerpt(a.body))
		}
	}

	proxy.Pause()
	for i, a := range f.sendAll(srv.URL, probes, 10*time.Second) {
		checkUnavailable(t, probes[i], a)
	}
	proxy.Resume()
	for _, p := range probes {
		f.waitOK(t, srv.URL, p)
	}

	// A cut loses every connection of the pool: the next request still
	// answers, on a new one.
	for _, p := range probes {
		proxy.Cut()
		if a := f.send(srv.URL, p, 10*time.Second); a.err != nil || a.status != p.okStatus {
			t.Errorf("%s right after a cut: got %d %v; want %d\n%s", p.name, a.status, a.err, p.okStatus, excerpt(a.body))
		}
	}
}

// TestDatabaseLocked: on SQLite, another connection holding a write
// transaction makes a change answer 503 with Retry-After, not 500, once
// the busy timeout has passed; reads go on (WAL). SQLite's busy wait does
// not end with the request's context: the change answers after the busy
// timeout (10 s, sqliteDSN), not after the request deadline.
func TestDatabaseLocked(t *testing.T) {
	cfg := storetest.SQLiteConfig(t)
	f := newFixture(t, storetest.Open(t, cfg), nil)
	f.sent("alice")
	srv := httptest.NewServer(f.srv)
	t.Cleanup(srv.Close)

	holder, err := sql.Open("sqlite", "file:"+cfg.DSN+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	tx, err := holder.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	changes := []probe{
		{name: "marking the inbox read (API)", method: "POST", path: "/api/v1/inbox/read", body: `{"all": true}`, as: "alice", okStatus: http.StatusOK, kind: "api"},
		{name: "marking the inbox read (page)", method: "POST", path: "/inbox/read-all", body: "x=1", as: "alice", okStatus: http.StatusSeeOther, kind: "page"},
	}
	read := probe{name: "the Upcoming page", method: "GET", path: "/", as: "alice", okStatus: http.StatusOK}
	if a := f.send(srv.URL, read, 10*time.Second); a.err != nil || a.status != http.StatusOK {
		t.Errorf("a read while the database is locked: got %d %v; want 200", a.status, a.err)
	}
	for i, a := range f.sendAll(srv.URL, changes, 30*time.Second) {
		checkUnavailable(t, changes[i], a)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for _, p := range changes {
		f.waitOK(t, srv.URL, p)
	}
}
