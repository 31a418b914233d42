// Package storetest gives each test a fresh, migrated database: on SQLite
// always, and on MySQL/MariaDB when PFSNOTIFY_TEST_MYSQL_DSN names a server
// (a DSN whose user may create and drop databases, e.g.
// "root@tcp(127.0.0.1:3306)/test"). Under CI (CI set) that variable is
// required: a MySQL test never skips there.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest/tcpproxy"
)

// MySQLDSNVar is the environment variable that names the test MySQL server.
const MySQLDSNVar = "PFSNOTIFY_TEST_MYSQL_DSN"

// Run runs fn once per backend, as subtests "sqlite" and "mysql", each on a
// fresh migrated database.
func Run(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Open(t, SQLiteConfig(t)))
	})
	t.Run("mysql", func(t *testing.T) {
		fn(t, Open(t, MySQLConfig(t)))
	})
}

// Open opens and migrates the database cfg names, closing it at cleanup.
func Open(t *testing.T, cfg config.Database) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", cfg.Driver, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", cfg.Driver, err)
	}
	return s
}

// SQLiteConfig names a new SQLite file in the test's temporary directory.
func SQLiteConfig(t *testing.T) config.Database {
	t.Helper()
	return config.Database{
		Driver:          "sqlite",
		DSN:             filepath.Join(t.TempDir(), "pfsnotify.db"),
		MaxOpenConns:    4,
		ConnMaxLifetime: time.Minute,
	}
}

// MySQLConfig creates an empty database on the test server, dropped at
// cleanup, and names it. It skips the test when no server is configured,
// except under CI, where it fails.
func MySQLConfig(t *testing.T) config.Database {
	t.Helper()
	dsn := os.Getenv(MySQLDSNVar)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: under CI the MySQL suite must run", MySQLDSNVar)
		}
		t.Skipf("%s is not set: MySQL suite skipped", MySQLDSNVar)
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLDSNVar, err)
	}
	admin, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatalf("open test server: %v", err)
	}
	defer admin.Close()
	name := databaseName(t)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("create test database on %s (is MariaDB running? the README's test command starts it): %v", mc.Addr, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", mc.FormatDSN())
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	mc.DBName = name
	return config.Database{
		Driver:          "mysql",
		DSN:             mc.FormatDSN(),
		MaxOpenConns:    8,
		ConnMaxLifetime: time.Minute,
	}
}

var notIdentifier = regexp.MustCompile(`[^a-z0-9_]+`)

// databaseName is a unique, readable database name for this test.
func databaseName(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	base := notIdentifier.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	return "pfst_" + strings.Trim(base, "_") + "_" + hex.EncodeToString(b[:])
}

// ThroughProxy starts a fault proxy (see tcpproxy) in front of the MySQL
// server that cfg names and returns cfg pointed at the proxy, for tests
// that stall or cut the database's connections.
func ThroughProxy(t *testing.T, cfg config.Database) (*tcpproxy.Proxy, config.Database) {
	t.Helper()
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		t.Fatalf("through proxy: %v", err)
	}
	p := tcpproxy.Start(t, mc.Addr)
	mc.Addr = p.Addr()
	cfg.DSN = mc.FormatDSN()
	return p, cfg
}
