package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/dispatch"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// profileInvoke runs one invoke pass over n due push deliveries in this
// process, under a CPU profile written to file: the dispatcher and push
// channel as cmd/pfsnotify builds them with the default configuration
// (concurrency 8), the push fake in its own process as in throughput. It
// prints the pass's rate and the CPU per delivery of this process and of
// the database server, which the profile does not see.
func profileInvoke(ctx context.Context, b *bench, n int, file string) error {
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	fake, err := b.startPushFake(ctx, n/leadsPerEvent)
	if err != nil {
		return err
	}
	defer fake.stop()
	os.Setenv("SSL_CERT_FILE", fake.certFile)
	db, remove, err := benchdb.Fresh(ctx, b.driver, b.mysqlDSN, "profile")
	if err != nil {
		return err
	}
	defer remove()
	if err := seedDue(ctx, db, fake.subs, n); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	cfg := config.Default()
	cfg.Database = db
	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	templates, err := message.NewTemplates(cfg.Templates)
	if err != nil {
		return err
	}
	inv := cfg.Invoke
	stateDir, err := os.MkdirTemp("", "invoke-bench-state")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)
	ch, err := webpush.New(webpush.Options{Subscriptions: s, PublicKey: public, PrivateKey: private,
		Subject: "mailto:bench@example.org", HTTPClient: webpush.NewHTTPClient(inv.HTTPTimeout, concurrency),
		Templates: templates, PerHostRPS: inv.PushPerHostRPS})
	if err != nil {
		return err
	}
	d, err := dispatch.New(dispatch.Options{Store: s, Channels: map[schedule.Channel]dispatch.Channel{schedule.ChannelPush: ch},
		Owner: "invoke-bench-profile", Concurrency: concurrency, BatchSize: inv.BatchSize, Lease: inv.Lease,
		SendTimeout: inv.HTTPTimeout, MaxAttempts: inv.MaxAttempts, BackoffBase: inv.BackoffBase, BackoffMax: inv.BackoffMax,
		CallLookahead: inv.CallLookahead, DBTimeout: inv.DBTimeout,
		StateDir: stateDir, JournalScope: "bench", Database: s.Name(), SyncJournal: s.DurableCommits()}) // a journal, as invoke keeps one
	if err != nil {
		return err
	}
	// As invoke sets its collector (cmd/pfsnotify: tuneGC).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(64 << 20))
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	dbPID := 0
	if b.driver == "mysql" {
		dbPID = b.serverPID()
	}
	meter := startCPU(dbPID, fake.pid)
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	start := time.Now()
	sum, err := d.RunOnce(ctx)
	elapsed := time.Since(start)
	pprof.StopCPUProfile()
	procs, self := meter.stop()
	if err != nil {
		return err
	}
	if sum.Sent != n {
		return fmt.Errorf("the profiled pass sent %d; want %d (%+v)", sum.Sent, n, sum)
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n)) }
	fmt.Fprintf(os.Stderr, "profile (%s): %d in %s, %.0f/s; CPU per delivery: this process %s, database server %s, push fake %s; profile in %s\n",
		b.driver, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), per(self), per(procs[0]), per(procs[1]), file)
	return nil
}
