package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateRetention(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*Retention)
		key    string // "": valid
		want   string // part of the problem
	}{
		{"defaults", func(r *Retention) {}, "", ""},
		{"keep for ever", func(r *Retention) { r.Deliveries, r.Events = 0, 0 }, "", ""},
		{"one day", func(r *Retention) { r.Deliveries, r.Events = Day, 2*Day }, "", ""},
		{"no pruning in calendar-sync", func(r *Retention) { r.CalendarSyncBudget = 0 }, "", ""},
		{"largest batch", func(r *Retention) { r.BatchSize = MaxRetentionBatch }, "", ""},
		{"seconds for days", func(r *Retention) { r.Deliveries = 400 * time.Second }, "retention.deliveries", `6m40s is shorter than a day (use whole days such as "400d"`},
		{"negative", func(r *Retention) { r.Events = -Day }, "retention.events", "-24h0m0s is negative"},
		{"within the lookback", func(r *Retention) { r.Events = Day }, "retention.events", "24h0m0s is not longer than calsync.lookback (24h0m0s)"},
		{"empty batch", func(r *Retention) { r.BatchSize = 0 }, "retention.batch_size", "0 is out of range (use 1 to 5000"},
		{"huge batch", func(r *Retention) { r.BatchSize = MaxRetentionBatch + 1 }, "retention.batch_size", "5001 is out of range"},
		{"negative budget", func(r *Retention) { r.CalendarSyncBudget = -time.Second }, "retention.calendar_sync_budget", "-1s is out of range"},
		{"long budget", func(r *Retention) { r.CalendarSyncBudget = time.Hour }, "retention.calendar_sync_budget", "1h0m0s is out of range (use 0 to 10m"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c.Retention)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Errorf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil; want a problem with %s", tt.key)
			}
			if got := err.Error(); !strings.Contains(got, tt.key+": "+tt.want) {
				t.Errorf("Validate() = %q; want %s: %s...", got, tt.key, tt.want)
			}
		})
	}
}
