package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// readMetricsFile parses a --metrics-file as node_exporter's textfile
// collector does, and returns each sample by "name{label=value,...}".
func readMetricsFile(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	if info.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("got mode %04o; want the file readable by node_exporter (0644)", info.Mode().Perm())
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s is not Prometheus text: %v", path, err)
	}
	out := map[string]float64{}
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				if name == "pfsnotify_build_info" {
					continue
				}
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out[name+"{"+strings.Join(labels, ",")+"}"] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	if m.GetGauge() != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetCounter().GetValue()
}

func TestInvokeMetricsFile(t *testing.T) {
	for name, dbConfig := range map[string]func(*testing.T) config.Database{"sqlite": storetestSQLite, "mysql": storetestMySQL} {
		t.Run(name, func(t *testing.T) { testInvokeMetricsFile(t, dbConfig(t)) })
	}
}

func testInvokeMetricsFile(t *testing.T, db config.Database) {
	c := newCLI(t, db)
	dir := t.TempDir()
	path := filepath.Join(dir, "pfsnotify-invoke.prom")
	// The database is not migrated yet: the run fails, and says so.
	if _, _, code := c.run("invoke", "--metrics-file", path); code != 1 {
		t.Fatalf("invoke on an empty database: exit %d; want 1", code)
	}
	if got := readMetricsFile(t, path); got["pfsnotify_invoke_last_run_success{}"] != 0 || got["pfsnotify_build_info{}"] != 1 {
		t.Errorf("after a failed run: got %v; want success 0 and the build info", got)
	}

	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
	c.ok("registration", "add", "--user", "alice", "--at", "+2h", "--title", "Now", "--channel", "log", "--lead", "10m")
	makeDue(t, db)
	c.ok("invoke", "-q", "--metrics-file", path)
	got := readMetricsFile(t, path)
	for key, want := range map[string]float64{
		"pfsnotify_invoke_last_run_success{}":                                   1,
		"pfsnotify_invoke_last_run_deliveries{result=sent}":                     1,
		"pfsnotify_invoke_last_run_deliveries{result=failed}":                   0,
		"pfsnotify_invoke_last_run_channel_deliveries{channel=log,result=sent}": 1,
		"pfsnotify_build_info{}":                                                1,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s: got %v (present %v); want %v", key, v, ok, want)
		}
	}
	if ts := got["pfsnotify_invoke_last_run_timestamp_seconds{}"]; time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("got last run timestamp %v; want about now", ts)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*")); len(leftovers) != 1 {
		t.Errorf("got files %v; want only the metrics file (the temporary one renamed)", leftovers)
	}
	// A folder that cannot be written is a warning, not a failed run.
	_, errOut, code := c.run("invoke", "--metrics-file", filepath.Join(dir, "missing", "x.prom"))
	if code != 0 || !strings.Contains(errOut, "--metrics-file") {
		t.Errorf("invoke with an unwritable metrics file: exit %d, %q; want 0 and a warning", code, errOut)
	}
	if _, _, code := c.run("invoke", "--dry-run", "--metrics-file", path); code != 2 {
		t.Errorf("invoke --dry-run --metrics-file: exit %d; want 2", code)
	}
}

func TestCalendarSyncMetricsFile(t *testing.T) {
	feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:20261201T000000Z\r\n" +
		"DTSTART:" + time.Now().Add(48*time.Hour).UTC().Format("20060102T150405Z") + "\r\nDURATION:PT1H\r\nSUMMARY:Weekly telecon\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/good.ics" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(feed))
	}))
	defer srv.Close()
	c := newCLI(t, storetestSQLite(t))
	c.ok("db", "migrate")
	c.ok("user", "add", "alice", "--tz", "Europe/Zurich")
	c.ok("calendar", "add", "--ics", srv.URL+"/good.ics", "--name", "good")
	c.ok("calendar", "add", "--ics", srv.URL+"/gone.ics", "--name", "gone")
	c.ok("rule", "add", "--user", "alice", "--pattern", "(?i)telecon", "--channel", "log", "--lead", "10m")
	path := filepath.Join(t.TempDir(), "pfsnotify-calendar-sync.prom")
	if _, _, code := c.run("calendar-sync", "-q", "--metrics-file", path); code != 1 {
		t.Fatalf("calendar-sync with a missing feed: exit %d; want 1", code)
	}
	got := readMetricsFile(t, path)
	for key, want := range map[string]float64{
		"pfsnotify_calendar_sync_last_run_success{}":                                   0,
		"pfsnotify_calendar_sync_last_run_failed{calendar=good}":                       0,
		"pfsnotify_calendar_sync_last_run_failed{calendar=gone}":                       1,
		"pfsnotify_calendar_sync_last_run_events{calendar=good,change=new}":            1,
		"pfsnotify_calendar_sync_last_run_fetched{calendar=good}":                      1,
		"pfsnotify_calendar_sync_last_run_registrations{calendar=good,change=created}": 1,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s: got %v (present %v); want %v", key, v, ok, want)
		}
	}
}
