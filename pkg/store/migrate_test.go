package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestMigrate(t *testing.T) {
	for name, cfg := range map[string]func(*testing.T) config.Database{"sqlite": storetest.SQLiteConfig, "mysql": storetest.MySQLConfig} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, cfg(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaBehind) {
				t.Fatalf("CheckSchema on an empty database = %v; want ErrSchemaBehind", err)
			}
			if _, err := s.ListUsers(ctx); err == nil {
				t.Fatalf("ListUsers on an empty database succeeded; want an error")
			}
			applied, err := s.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if len(applied) == 0 {
				t.Fatalf("Migrate applied nothing; want the initial schema")
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after Migrate = %v; want nil", err)
			}
			again, err := s.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing applied", again, err)
			}
			all, err := s.Migrations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != len(applied) {
				t.Fatalf("got %d migrations; want %d", len(all), len(applied))
			}
			for _, m := range all {
				if !m.Applied || m.AppliedAt.IsZero() {
					t.Errorf("migration %s: applied=%v at %v; want applied with a time", m.Name, m.Applied, m.AppliedAt)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  config.Database
		want string
	}{
		{"unknown driver", config.Database{Driver: "postgres", DSN: "x"}, `database.driver: "postgres" is not supported`},
		{"bad mysql dsn", config.Database{Driver: "mysql", DSN: "not a dsn"}, "database.dsn"},
		{"unreachable mysql", config.Database{Driver: "mysql", DSN: "root@tcp(127.0.0.1:1)/test"}, "connect to mysql at 127.0.0.1:1"},
		{"sqlite in a missing directory", config.Database{Driver: "sqlite", DSN: "/nonexistent/dir/pfsnotify.db"}, "connect to sqlite at /nonexistent/dir/pfsnotify.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, tt.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}
