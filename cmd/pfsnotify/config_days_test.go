package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

func TestParseDurationTakesDays(t *testing.T) {
	for _, tt := range []struct {
		text string
		want time.Duration
		ok   bool
	}{
		{"400d", 400 * config.Day, true},
		{"0d", 0, true},
		{"1d12h", 36 * time.Hour, true},
		{"2d30m15s", 48*time.Hour + 30*time.Minute + 15*time.Second, true},
		{"90s", 90 * time.Second, true},
		{"1h30m", 90 * time.Minute, true},
		{"-5m", -5 * time.Minute, true}, // as before: time.ParseDuration's
		{"d", 0, false},
		{"1.5d", 0, false},
		{"+3d", 0, false},
		{"-3d", 0, false},
		{"3d-1h", 0, false},
		{"3dd", 0, false},
		{"3d 1h", 0, false},
		{"65536d", 0, false},
		{"65535d2562047h", 0, false}, // past time.Duration's range
	} {
		got, err := parseDuration(tt.text)
		if ok := err == nil; ok != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %s, %v; want %s, ok %v", tt.text, got, err, tt.want, tt.ok)
		}
	}
}

func TestRetentionInDays(t *testing.T) {
	path := writeConfigFile(t, "config.yaml", "retention:\n  deliveries: 400d\n  events: 30d12h\n", 0o600)
	cfg, _, _, err := loadTestConfig(t, path, []string{"PFSNOTIFY_RETENTION_CALENDAR_SYNC_BUDGET=5s"})
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	want := config.Retention{Deliveries: 400 * config.Day, Events: 30*config.Day + 12*time.Hour, BatchSize: 500, CalendarSyncBudget: 5 * time.Second}
	if cfg.Retention != want {
		t.Errorf("retention = %+v; want %+v", cfg.Retention, want)
	}

	for _, tt := range []struct{ file, env, want string }{
		{"retention:\n  deliveries: 1.5d\n", "", `line 2: retention.deliveries: "1.5d" is not a duration (write e.g. "90s", "5m", "1h30m" or "400d")`},
		{"retention:\n  events: 400\n", "", `line 2: retention.events: "400" has no unit (write e.g. "400s" or "400m")`},
		{"", "PFSNOTIFY_RETENTION_EVENTS=400 days", `environment PFSNOTIFY_RETENTION_EVENTS: retention.events: "400 days" is not a duration`},
		{"retention:\n  deliveries: 400s\n", "", `retention.deliveries: 6m40s is shorter than a day`},
	} {
		path := writeConfigFile(t, "config.yaml", tt.file, 0o600)
		var environ []string
		if tt.env != "" {
			environ = []string{tt.env}
		}
		_, _, _, err := loadTestConfig(t, path, environ)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadConfig(%q, %q) error = %v; want %q", tt.file, tt.env, err, tt.want)
		}
	}
}
