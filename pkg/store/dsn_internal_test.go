package store

import (
	"testing"
	"time"
)

func TestMySQLConfig(t *testing.T) {
	tests := []struct {
		name        string
		dsn         string
		interpolate bool
	}{
		{"plain", "u:p@tcp(db:3306)/pfsnotify", true},
		{"asks for prepared statements", "u:p@tcp(db:3306)/pfsnotify?interpolateParams=false", true},
		{"a collation the driver cannot escape for", "u:p@tcp(db:3306)/pfsnotify?collation=sjis_japanese_ci", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc, err := mysqlConfig(tt.dsn)
			if err != nil {
				t.Fatalf("mysqlConfig(%q): %v", tt.dsn, err)
			}
			if mc.InterpolateParams != tt.interpolate {
				t.Errorf("got InterpolateParams %v; want %v", mc.InterpolateParams, tt.interpolate)
			}
			if !mc.ParseTime || mc.Loc != time.UTC || mc.Params["time_zone"] != "'+00:00'" || mc.Timeout != 5*time.Second {
				t.Errorf("got ParseTime %v, Loc %v, time_zone %q, Timeout %v; want true, UTC, '+00:00', 5s",
					mc.ParseTime, mc.Loc, mc.Params["time_zone"], mc.Timeout)
			}
		})
	}
}
