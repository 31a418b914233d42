// Package benchdb gives each benchmark a fresh, migrated database: a SQLite
// file in a temporary directory, or a new database on a MySQL server, each
// removed afterwards.
package benchdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// Fresh makes an empty, migrated database of driver ("sqlite" or "mysql"
// on the server mysqlDSN names, whose user may create databases), named
// after name, with config's defaults otherwise. remove drops it.
func Fresh(ctx context.Context, driver, mysqlDSN, name string) (db config.Database, remove func(), err error) {
	db = config.Default().Database
	switch driver {
	case "sqlite":
		dir, err := os.MkdirTemp("", "pfsbench-"+name)
		if err != nil {
			return db, nil, err
		}
		db.DSN, remove = filepath.Join(dir, "pfsnotify.db"), func() { os.RemoveAll(dir) }
	case "mysql":
		mc, err := mysql.ParseDSN(mysqlDSN)
		if err != nil {
			return db, nil, fmt.Errorf("mysql dsn: %w", err)
		}
		mc.DBName = ""
		admin, err := sql.Open("mysql", mc.FormatDSN())
		if err != nil {
			return db, nil, err
		}
		var b [4]byte
		rand.Read(b[:])
		dbName := "pfsbench_" + name + "_" + hex.EncodeToString(b[:])
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbName+" CHARACTER SET utf8mb4"); err != nil {
			admin.Close()
			return db, nil, fmt.Errorf("create the bench database on %s: %w", mc.Addr, err)
		}
		remove = func() {
			admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+dbName)
			admin.Close()
		}
		mc.DBName = dbName
		db.Driver, db.DSN = "mysql", mc.FormatDSN()
	default:
		return db, nil, fmt.Errorf("driver %q: use sqlite or mysql", driver)
	}
	s, err := store.Open(ctx, db)
	if err == nil {
		_, err = s.Migrate(ctx)
		s.Close()
	}
	if err != nil {
		remove()
		return db, nil, err
	}
	return db, remove, nil
}

// Open is Fresh, opened: the store and a function that closes and removes it.
func Open(ctx context.Context, driver, mysqlDSN, name string) (*store.Store, func(), error) {
	db, remove, err := Fresh(ctx, driver, mysqlDSN, name)
	if err != nil {
		return nil, nil, err
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		remove()
		return nil, nil, err
	}
	return s, func() { s.Close(); remove() }, nil
}
