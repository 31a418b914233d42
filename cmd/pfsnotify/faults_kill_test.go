package main

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// faultBackends runs fn on a fresh SQLite and a fresh MariaDB database.
func faultBackends(t *testing.T, fn func(t *testing.T, f *faultFixture)) {
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLiteConfig(t)
		fn(t, newFaultFixture(t, db, db))
	})
	t.Run("mysql", func(t *testing.T) {
		db := storetest.MySQLConfig(t)
		fn(t, newFaultFixture(t, db, db))
	})
}

// A pfsnotify invoke killed with SIGKILL mid-run repeats at most what was
// in flight (invoke.concurrency sends) after the next run took over: every
// result is journaled as its send returns, and the next run records the
// journal before it claims.
func TestKillRepeatsOnlyWhatWasInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes, about 15 s")
	}
	faultBackends(t, func(t *testing.T, f *faultFixture) {
		const n, kills, concurrency = 2000, 3, 8
		f.seedPushes(n)
		for range kills {
			c := f.start("invoke", "-q")
			target := len(f.push.Pushes()) + n/(kills+2)
			waitFor(t, time.Minute, "pushes before the kill", func() bool {
				select {
				case <-c.done:
					t.Fatalf("invoke ended before it was killed: %s", c.stderr.String())
				default:
				}
				return len(f.push.Pushes()) >= target
			})
			c.kill(t)
		}
		f.invokeUntilAllSent(n)

		received := f.receptions()
		if len(received) != n {
			t.Errorf("got %d deliveries received; want all %d", len(received), n)
		}
		got := repeats(received)
		t.Logf("%d kills: %d pushes repeated (%.1f per kill; at most %d in flight)", kills, got, float64(got)/kills, concurrency)
		if got > kills*concurrency {
			t.Errorf("got %d repeated pushes after %d kills; want at most %d (invoke.concurrency per kill)", got, kills, kills*concurrency)
		}
		if left := f.journalsLeft(); len(left) != 0 {
			t.Errorf("journals left after the runs: %v; want none", left)
		}
	})
}
