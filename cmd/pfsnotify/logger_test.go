package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// lease is a value that logs itself as a duration.
type lease time.Duration

func (l lease) LogValue() slog.Value { return slog.DurationValue(time.Duration(l)) }

func TestJSONLogsGiveDurationsInSeconds(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, config.Log{Level: "info", Format: "json"})
	log.Info("invoke pass", "elapsed", 1500*time.Millisecond, "sent", 3, "lease", lease(2*time.Minute),
		slog.Group("pace", "wait", 250*time.Microsecond), "note", "1s")
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	for _, tt := range []struct {
		key  string
		got  any
		want any
	}{
		{"elapsed", got["elapsed"], 1.5},
		{"lease (a LogValuer)", got["lease"], 120.0},
		{"pace.wait (in a group)", got["pace"].(map[string]any)["wait"], 0.00025},
		{"sent (not a duration)", got["sent"], 3.0},
		{"note (a string)", got["note"], "1s"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %#v; want %#v in %s", tt.key, tt.got, tt.want, buf.String())
		}
	}
	if _, ok := got["time"].(string); !ok {
		t.Errorf("time = %#v; want the timestamp kept", got["time"])
	}
}

func TestTextLogsKeepDurations(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf, config.Log{Level: "info", Format: "text"}).Info("invoke pass", "elapsed", 1500*time.Millisecond)
	if got := buf.String(); !strings.Contains(got, " elapsed=1.5s") {
		t.Errorf("text log = %q; want elapsed=1.5s", got)
	}
}
