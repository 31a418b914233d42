package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest/tcpproxy"
)

// A database that goes away (cut) or stops answering (stalled) in the
// middle of a run: invoke exits 1 within about 30 s naming the database,
// the results it could not write stay in its journal, and the next run
// records them first, so that nothing sent is sent again.
func TestInvokeUnderDatabaseFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes and a TCP proxy, about 30 s")
	}
	tests := []struct {
		name  string
		fault func(p *tcpproxy.Proxy)
		mend  func(p *tcpproxy.Proxy)
	}{
		{"connection cut", (*tcpproxy.Proxy).Down, (*tcpproxy.Proxy).Up},
		{"database stalled", (*tcpproxy.Proxy).Pause, (*tcpproxy.Proxy).Resume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin := storetest.MySQLConfig(t)
			proxy, db := storetest.ThroughProxy(t, admin)
			f := newFaultFixture(t, admin, db)
			const n = 2000
			f.seedPushes(n)
			c := f.start("invoke", "-q")
			waitFor(t, time.Minute, "a third of the pushes", func() bool { return len(f.push.Pushes()) >= n/3 })
			tt.fault(proxy)
			faultAt := time.Now()
			code := c.wait(t, time.Minute)
			took := c.ended.Sub(faultAt)
			t.Logf("%s: invoke exited %d %.1f s after the fault; %d pushes sent", tt.name, code, took.Seconds(), len(f.push.Pushes()))
			stderr := c.stderr.String()
			if code != 1 || !strings.Contains(stderr, "mysql at "+proxy.Addr()) || !strings.Contains(stderr, "kept in") {
				t.Fatalf("got exit %d, stderr %q; want 1 naming the database and the journal that keeps the results", code, stderr)
			}
			if took > 30*time.Second {
				t.Errorf("invoke took %s to exit after the fault; want at most 30 s", took.Round(time.Second))
			}
			if left := f.journalsLeft(); len(left) != 1 {
				t.Fatalf("got journals %v; want the failed run's one", left)
			}

			tt.mend(proxy)
			f.invokeUntilAllSent(n)
			received := f.receptions()
			if len(received) != n || repeats(received) != 0 {
				t.Errorf("got %d deliveries received, %d repeated; want %d, none repeated", len(received), repeats(received), n)
			}
			if left := f.journalsLeft(); len(left) != 0 {
				t.Errorf("journals left after the runs: %v; want none", left)
			}
		})
	}
}

// A database that accepts connections but never answers, from the start:
// invoke gives up within about 30 s with a message naming the database.
func TestInvokeAgainstStalledDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("a real process and a TCP proxy, about 10 s")
	}
	admin := storetest.MySQLConfig(t)
	proxy, db := storetest.ThroughProxy(t, admin)
	f := newFaultFixture(t, admin, db)
	f.seedPushes(10)
	proxy.Pause()
	c := f.start("invoke", "-q")
	code := c.wait(t, time.Minute)
	took := c.ended.Sub(c.started)
	t.Logf("invoke exited %d after %.1f s: %s", code, took.Seconds(), c.stderr.String())
	if code != 1 || !strings.Contains(c.stderr.String(), proxy.Addr()) {
		t.Errorf("got exit %d, stderr %q; want 1 naming the database at %s", code, c.stderr.String(), proxy.Addr())
	}
	if took > 30*time.Second {
		t.Errorf("invoke took %s to give up; want at most 30 s", took.Round(time.Second))
	}
	if len(f.push.Pushes()) != 0 {
		t.Errorf("got %d pushes; want none", len(f.push.Pushes()))
	}
}
