package store

import (
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
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

// The driver's connect, read and write timeouts have defaults, and the
// DSN's own values win, "0" (no timeout) included.
func TestMySQLConfigTimeouts(t *testing.T) {
	tests := []struct {
		name                   string
		dsn                    string
		connect, read, written time.Duration
	}{
		{"defaults", "u:p@tcp(db:3306)/pfsnotify", 5 * time.Second, 15 * time.Second, 15 * time.Second},
		{"the DSN's own", "u:p@tcp(db:3306)/pfsnotify?timeout=2s&readTimeout=90s&writeTimeout=1m", 2 * time.Second, 90 * time.Second, time.Minute},
		{"one of them", "u:p@tcp(db:3306)/pfsnotify?parseTime=false&readTimeout=500ms", 5 * time.Second, 500 * time.Millisecond, 15 * time.Second},
		{"turned off", "u:p@tcp(db:3306)/pfsnotify?readTimeout=0&writeTimeout=0s", 5 * time.Second, 0, 0},
		{"a password with / and ?", "u:p/?readTimeout=1s@tcp(db:3306)/pfsnotify", 5 * time.Second, 15 * time.Second, 15 * time.Second},
		{"no database name", "u:p@tcp(db:3306)/?writeTimeout=3s", 5 * time.Second, 15 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc, err := mysqlConfig(tt.dsn)
			if err != nil {
				t.Fatalf("mysqlConfig(%q): %v", tt.dsn, err)
			}
			if mc.Timeout != tt.connect || mc.ReadTimeout != tt.read || mc.WriteTimeout != tt.written {
				t.Errorf("got timeout %v, readTimeout %v, writeTimeout %v; want %v, %v, %v",
					mc.Timeout, mc.ReadTimeout, mc.WriteTimeout, tt.connect, tt.read, tt.written)
			}
			// What Open hands the driver says the same.
			again, err := mysql.ParseDSN(mc.FormatDSN())
			if err != nil || again.ReadTimeout != tt.read || again.WriteTimeout != tt.written || again.Timeout != tt.connect {
				t.Errorf("the DSN Open uses, %q, does not carry the timeouts (%v)", mc.FormatDSN(), err)
			}
		})
	}
}
