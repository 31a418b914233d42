package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// The database's clock is read in UTC, close to the host's (the test's
// database runs on this machine).
func TestDatabaseNow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		before := time.Now().Add(-time.Second) // MySQL's clock may lag by a rounding
		got, err := s.DatabaseNow(context.Background())
		after := time.Now().Add(time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got.Location() != time.UTC || got.Before(before) || got.After(after) {
			t.Errorf("got %v; want a UTC time between %v and %v", got, before.UTC(), after.UTC())
		}
	})
}
