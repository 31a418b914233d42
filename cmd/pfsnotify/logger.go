package main

import (
	"io"
	"log/slog"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// newLogger builds the logger of every command from log.level and
// log.format, writing to w.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		opts.ReplaceAttr = durationSeconds
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts)) // durations as "1.5s"
}

// durationSeconds writes a duration as seconds, 1.5, in JSON logs: slog's
// JSON handler would write the integer of nanoseconds, 1500000000, which
// log tools read as a plain number without a unit.
func durationSeconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.Float64Value(a.Value.Duration().Seconds())
	}
	return a
}
