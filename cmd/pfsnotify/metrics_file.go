package main

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
)

// The --metrics-file of the cron jobs: the last run's counters in
// Prometheus's text format, for node_exporter's textfile collector. Each
// run writes a registry of its own through prometheus.WriteToTextfile: a
// temporary file in the same folder, renamed over the last one, so the
// collector never reads half a file. A file that cannot be written is a
// warning: it never costs a reminder.

const metricsFileUsage = "write this run's counters to this file (Prometheus text format, for node_exporter's textfile collector; written atomically)"

// jobMetrics are what every job's file says: when it ran, how long, whether it
// succeeded, and which pfsnotify ran.
func jobMetrics(reg *prometheus.Registry, job string, started time.Time, elapsed time.Duration, err error) {
	success := 1.0
	if err != nil {
		success = 0
	}
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "pfsnotify", Subsystem: job, Name: name, Help: help})
		g.Set(v)
		reg.MustRegister(g)
	}
	gauge("last_run_timestamp_seconds", "When the last run started, in seconds since the Unix epoch.", float64(started.UnixNano())/1e9)
	gauge("last_run_duration_seconds", "How long the last run took.", elapsed.Seconds())
	gauge("last_run_success", "1 if the last run succeeded (exit status 0), else 0.", success)
	reg.MustRegister(buildinfo.Read().Collector())
}

// writeMetricsFile writes reg to path, or warns.
func (a *app) writeMetricsFile(path string, reg *prometheus.Registry) {
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		a.warnf("--metrics-file: %v (the run itself is not affected)", err)
	}
}

// writeInvokeMetrics writes the counters of one invoke pass.
func (a *app) writeInvokeMetrics(path string, started time.Time, sum dispatch.Summary, runErr error) {
	reg := prometheus.NewRegistry()
	jobMetrics(reg, "invoke", started, time.Since(started), runErr)
	results := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "pfsnotify", Subsystem: "invoke", Name: "last_run_deliveries",
		Help: "Reminders of the last run, by what became of them."}, []string{"result"})
	for result, n := range map[string]int{"sent": sum.Sent, "failed": sum.Failed, "retrying": sum.Retrying, "skipped": sum.Skipped,
		"fallback": sum.Fallbacks, "lost": sum.Lost, "replayed": sum.Replayed} {
		results.WithLabelValues(result).Set(float64(n))
	}
	channels := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "pfsnotify", Subsystem: "invoke", Name: "last_run_channel_deliveries",
		Help: "Sends of the last run, by channel and outcome."}, []string{"channel", "result"})
	for _, ch := range slices.Sorted(maps.Keys(sum.Channels)) {
		c := sum.Channels[ch]
		channels.WithLabelValues(string(ch), "sent").Set(float64(c.Sent))
		channels.WithLabelValues(string(ch), "retrying").Set(float64(c.Retrying))
		channels.WithLabelValues(string(ch), "failed").Set(float64(c.Failed))
	}
	reg.MustRegister(results, channels)
	a.writeMetricsFile(path, reg)
}

// syncMetrics collects the reports of one calendar-sync run.
type syncMetrics struct {
	started time.Time
	reports []calsync.Report
}

func newSyncMetrics() *syncMetrics { return &syncMetrics{started: time.Now()} }

func (m *syncMetrics) add(r calsync.Report) { m.reports = append(m.reports, r) }

// finish writes the file when path is set, and passes runErr on.
func (m *syncMetrics) finish(a *app, path string, runErr error) error {
	if path == "" {
		return runErr
	}
	var usage usageError
	if errors.As(runErr, &usage) {
		return runErr // nothing ran
	}
	reg := prometheus.NewRegistry()
	jobMetrics(reg, "calendar_sync", m.started, time.Since(m.started), runErr)
	vec := func(name, help string, labels ...string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "pfsnotify", Subsystem: "calendar_sync", Name: name, Help: help}, labels)
		reg.MustRegister(v)
		return v
	}
	events := vec("last_run_events", "Events of the last run, by calendar and change.", "calendar", "change")
	regs := vec("last_run_registrations", "Registrations of the last run, by calendar and change.", "calendar", "change")
	fetched := vec("last_run_fetched", "Occurrences the calendar's source returned in the last run.", "calendar")
	notices := vec("last_run_notices", "Moved and cancelled notices queued in the last run.", "calendar")
	failed := vec("last_run_failed", "1 if the calendar failed to sync in the last run, else 0.", "calendar")
	seconds := vec("last_run_calendar_duration_seconds", "How long the calendar took in the last run.", "calendar")
	for _, r := range m.reports {
		name := r.Calendar.Name
		for change, n := range map[string]int{"new": r.New, "moved": r.Moved, "cancelled": r.Cancelled, "restored": r.Restored,
			"retitled": r.Retitled, "edited": r.Edited} {
			events.WithLabelValues(name, change).Set(float64(n))
		}
		for change, n := range map[string]int{"created": r.Created, "unmatched": r.Unmatched, "revived": r.Revived, "followed": r.Followed} {
			regs.WithLabelValues(name, change).Set(float64(n))
		}
		fetched.WithLabelValues(name).Set(float64(r.Fetched))
		notices.WithLabelValues(name).Set(float64(r.Notices))
		f := 0.0
		if r.Err != nil {
			f = 1
		}
		failed.WithLabelValues(name).Set(f)
		seconds.WithLabelValues(name).Set(r.Elapsed.Seconds())
	}
	a.writeMetricsFile(path, reg)
	return runErr
}
