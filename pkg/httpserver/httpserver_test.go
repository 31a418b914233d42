package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
)

func TestObserveLogsRoutesNotPaths(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, "test")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /voice/{token}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	h := Deadline(time.Minute, Observe(log, m, mux)) // as the servers wrap it

	tests := []struct {
		method, path string
		wantRoute    string
		wantCode     int
	}{
		{"POST", "/voice/s3cret-token", "POST /voice/{token}", http.StatusAccepted},
		{"GET", "/nowhere?key=s3cret-key", "unmatched", http.StatusNotFound},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.wantCode {
			t.Errorf("%s %s: got %d; want %d", tt.method, tt.path, w.Code, tt.wantCode)
		}
		if got := counted(t, reg, tt.wantRoute, strconv.Itoa(tt.wantCode)); got != 1 {
			t.Errorf("%s %s: got %v requests counted for route %q; want 1", tt.method, tt.path, got, tt.wantRoute)
		}
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the log holds a secret from a URL: %s", logs.String())
	}
	if !strings.Contains(logs.String(), `route="POST /voice/{token}"`) {
		t.Errorf("the log lacks the route: %s", logs.String())
	}
}

// counted reads pfsnotify_test_http_requests_total{route, code} from reg.
func counted(t *testing.T, reg *prometheus.Registry, route, code string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "pfsnotify_test_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestLimitBody(t *testing.T) {
	h := LimitBody(10, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "too big", http.StatusRequestEntityTooLarge)
				return
			}
		}
	}))
	for _, tt := range []struct {
		body string
		want int
	}{{"short", 200}, {"much longer than ten bytes", 413}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(tt.body)))
		if w.Code != tt.want {
			t.Errorf("body %q: got %d; want %d", tt.body, w.Code, tt.want)
		}
	}
}

type fakeDB struct {
	err   error
	stall bool // answers only when the context ends, with its error
}

func (f fakeDB) CheckSchema(ctx context.Context) error {
	if f.stall {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func TestHealth(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, tt := range []struct {
		name           string
		db             fakeDB
		wantCode       int
		wantBody       string
		wantRetryAfter string
		wantLog        string
	}{
		{"ok", fakeDB{}, 200, `{"status":"ok","build":` + buildJSON(t) + `}`, "", ""},
		{"refused", fakeDB{err: errors.New("connect to mysql at db:3306: refused")}, 503, `{"status":"unavailable"}`, "5", "refused"},
		{"stalled", fakeDB{stall: true}, 503, `{"status":"unavailable"}`, "5", "deadline exceeded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			w := httptest.NewRecorder()
			Health(tt.db, log).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
			if w.Code != tt.wantCode || strings.TrimSpace(w.Body.String()) != tt.wantBody {
				t.Errorf("got %d %q; want %d %q", w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
			}
			if got := w.Header().Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("got Retry-After %q; want %q", got, tt.wantRetryAfter)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("got log %q; want the cause, %q", logs.String(), tt.wantLog)
			}
		})
	}
}

// Deadline gives the handler's context a deadline d from its start, and
// leaves a request without one as it was otherwise.
func TestDeadline(t *testing.T) {
	const d = 50 * time.Millisecond
	var got error
	var deadline time.Time
	h := Deadline(d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, _ = r.Context().Deadline()
		<-r.Context().Done() // a database that does not answer
		got = r.Context().Err()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	before := time.Now()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("got the context's error %v; want its deadline exceeded", got)
	}
	if deadline.Before(before.Add(d)) || deadline.After(time.Now().Add(d)) {
		t.Errorf("got a deadline %v after the start; want %v", deadline.Sub(before), d)
	}
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("got %d; want the handler's 503", w.Code)
	}
}

// Run serves until its context ends, and lets a request under way finish.
func TestRunShutsDownGracefully(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Addr: "127.0.0.1:0", Handler: handler, Log: slog.New(slog.DiscardHandler),
			Ready: func(a net.Addr) { addrc <- a }})
	}()
	addr := <-addrc
	respc := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr.String() + "/")
		if err != nil {
			respc <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		respc <- string(b)
	}()
	<-started
	cancel()
	// Release the request only once the shutdown is under way: the
	// listener is closed and new connections are refused.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr.String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 10 s after it was told to stop")
		}
	}
	close(release)
	if got := <-respc; got != "finished" {
		t.Errorf("the request under way got %q; want it to finish", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := http.Get("http://" + addr.String() + "/"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
}

// buildJSON is the build information /healthz must carry, as JSON.
func buildJSON(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(buildinfo.Read())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"go":"go1.`) {
		t.Fatalf("got build info %s; want the Go version in it", b)
	}
	return string(b)
}

// Every server's registry says which pfsnotify answers.
func TestMetricsHaveBuildInfo(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg, "test")
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	info := buildinfo.Read()
	for _, f := range families {
		if f.GetName() != "pfsnotify_build_info" {
			continue
		}
		m := f.GetMetric()[0]
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if m.GetGauge().GetValue() != 1 || labels["version"] != info.Version || labels["goversion"] != info.GoVersion {
			t.Errorf("got pfsnotify_build_info %v = %v; want version %q, goversion %q = 1", labels, m.GetGauge().GetValue(), info.Version, info.GoVersion)
		}
		return
	}
	t.Error("got no pfsnotify_build_info metric")
}
