package store

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"

	sqlfiles "github.com/pfsnotify/pfsnotify/sql"
)

// Migration is one schema migration and whether it is applied.
type Migration struct {
	Version   int64
	Name      string // file name, e.g. 00001_initial.sql
	Applied   bool
	AppliedAt time.Time // zero when pending
}

// provider builds a goose provider over this dialect's embedded migrations.
func (s *Store) provider() (*goose.Provider, error) {
	dir, dialect := "sqlite", goose.DialectSQLite3
	if s.dialect == MySQL {
		dir, dialect = "mysql", goose.DialectMySQL
	}
	fsys, err := fs.Sub(sqlfiles.Migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dir, err)
	}
	p, err := goose.NewProvider(dialect, s.db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dir, err)
	}
	return p, nil
}

// Migrate applies every pending migration in order and returns those it applied.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	applied := make([]Migration, 0, len(results))
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, Migration{Version: r.Source.Version, Name: baseName(r.Source.Path), Applied: true})
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// Migrations lists every migration this binary knows, applied or pending.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]Migration, 0, len(statuses))
	for _, st := range statuses {
		out = append(out, Migration{
			Version:   st.Source.Version,
			Name:      baseName(st.Source.Path),
			Applied:   st.State == goose.StateApplied,
			AppliedAt: st.AppliedAt,
		})
	}
	return out, nil
}

// CheckSchema returns nil when the database is at the version this binary
// expects; ErrSchemaBehind (run "pfsnotify db migrate") or ErrSchemaAhead
// (upgrade pfsnotify) otherwise. Commands that serve or dispatch call it
// before doing anything.
func (s *Store) CheckSchema(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case current < target:
		return fmt.Errorf("%w: it is at version %d, this pfsnotify needs %d; run \"pfsnotify db migrate\"", ErrSchemaBehind, current, target)
	case current > target:
		return fmt.Errorf("%w: it is at version %d, this pfsnotify knows up to %d; upgrade pfsnotify", ErrSchemaAhead, current, target)
	}
	return nil
}

func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
