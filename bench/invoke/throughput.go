package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	concurrency   = 8  // invoke.concurrency, and the bare senders
	leadsPerEvent = 10 // deliveries per user
)

type throughputResult struct {
	invokeRate    float64
	invokeElapsed time.Duration
	bareRate      float64
	channelRate   float64
	peakRSS       int64 // bytes
	// CPU per delivery of each stretch: invoke's process, the database
	// server (MariaDB; 0 for SQLite, which is in invoke's process), the
	// push fake; the bare and channel-alone sends, which run in this one.
	invokeCPU, invokeDBCPU, invokeFakeCPU time.Duration // bare: the mean of its two rounds
	bareCPU, bareFakeCPU                  time.Duration
	channelCPU, channelFakeCPU            time.Duration
}

type subscription struct {
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
}

// throughput sends n due Web Push deliveries with "pfsnotify invoke" to
// the push fake in its own process, between two rounds of n bare
// webpush-go sends to the same service with the same concurrency, then n
// through the push channel alone.
func throughput(ctx context.Context, b *bench, n int) (throughputResult, error) {
	var r throughputResult
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return r, err
	}
	users := n / leadsPerEvent
	fake, err := b.startPushFake(ctx, users)
	if err != nil {
		return r, err
	}
	defer fake.stop()

	db, remove, err := benchdb.Fresh(ctx, b.driver, b.mysqlDSN, "throughput")
	if err != nil {
		return r, err
	}
	defer remove()
	if err := seedDue(ctx, db, fake.subs, n); err != nil {
		return r, fmt.Errorf("seed: %w", err)
	}
	dbPID := 0
	if b.driver == "mysql" {
		dbPID = b.serverPID()
	}
	per := func(d time.Duration) time.Duration { return d / time.Duration(n) }
	// Bare sends run before and after invoke, so that a change in what
	// else the machine does meanwhile weighs on both sides alike.
	os.Setenv("SSL_CERT_FILE", fake.certFile) // the bare sends trust the fake's certificate too
	var bareElapsed, bareCPU, bareFakeCPU time.Duration
	bare := func() error {
		meter := startCPU(fake.pid)
		elapsed, err := bareSends(ctx, fake.subs, n, public, private)
		if err != nil {
			return err
		}
		procs, self := meter.stop()
		bareElapsed, bareCPU, bareFakeCPU = bareElapsed+elapsed, bareCPU+self, bareFakeCPU+procs[0]
		return nil
	}
	if err := bare(); err != nil {
		return r, err
	}

	cmd := b.invokeCmd(ctx, db, "invoke")
	cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+fake.certFile, "PFSNOTIFY_WEBPUSH_PUBLIC_KEY="+public,
		"PFSNOTIFY_WEBPUSH_PRIVATE_KEY="+private, "PFSNOTIFY_WEBPUSH_SUBJECT=mailto:bench@example.org",
		fmt.Sprintf("PFSNOTIFY_INVOKE_CONCURRENCY=%d", concurrency))
	meter := startCPU(dbPID, fake.pid)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.invokeElapsed = time.Since(start)
	procs, _ := meter.stop()
	if err != nil {
		return r, fmt.Errorf("invoke: %v: %s", err, tail(out))
	}
	if want := fmt.Sprintf("invoke: sent %d, failed 0", n); !strings.Contains(string(out), want) {
		return r, fmt.Errorf("invoke printed %q; want %q", tail(out), want)
	}
	r.invokeRate = float64(n) / r.invokeElapsed.Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakRSS = ru.Maxrss * 1024 // Linux reports KiB
	}
	r.invokeCPU = per(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime())
	r.invokeDBCPU, r.invokeFakeCPU = per(procs[0]), per(procs[1])

	if err := bare(); err != nil {
		return r, err
	}
	r.bareRate = float64(2*n) / bareElapsed.Seconds()
	r.bareCPU, r.bareFakeCPU = per(bareCPU/2), per(bareFakeCPU/2)
	meter = startCPU(fake.pid)
	elapsed, err := channelSends(ctx, fake.subs, n, public, private)
	if err != nil {
		return r, err
	}
	procs, self := meter.stop()
	r.channelRate = float64(n) / elapsed.Seconds()
	r.channelCPU, r.channelFakeCPU = per(self), per(procs[0])
	return r, nil
}

// pushFake is bench/pushfake running in its own process.
type pushFake struct {
	subs     []subscription
	certFile string
	pid      int
	stop     func()
}

// startPushFake runs bench/pushfake with users subscriptions and returns them.
func (b *bench) startPushFake(ctx context.Context, users int) (pushFake, error) {
	subsFile, certFile := filepath.Join(b.dir, "subs.jsonl"), filepath.Join(b.dir, "cert.pem")
	cmd := exec.CommandContext(ctx, b.pushfake, "-addr", "127.0.0.1:0", "-n", fmt.Sprint(users), "-subs", subsFile,
		"-cert", certFile, "-skip-verify")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return pushFake{}, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return pushFake{}, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		stop()
		return pushFake{}, fmt.Errorf("pushfake did not start: %q %v", line, err)
	}
	data, err := os.ReadFile(subsFile)
	if err != nil {
		stop()
		return pushFake{}, err
	}
	var subs []subscription
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var s subscription
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			stop()
			return pushFake{}, err
		}
		subs = append(subs, s)
	}
	return pushFake{subs: subs, certFile: certFile, pid: cmd.Process.Pid, stop: stop}, nil
}

// seedDue adds a user per subscription, each registered for one event with
// leadsPerEvent push reminders, all due now (benchdb.SeedDuePushes).
func seedDue(ctx context.Context, db config.Database, subs []subscription, n int) error {
	browsers := make([]store.PushSubscription, len(subs))
	for i, sub := range subs {
		browsers[i] = store.PushSubscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth}
	}
	due, err := benchdb.SeedDuePushes(ctx, db, browsers, leadsPerEvent)
	if err != nil {
		return err
	}
	if due != n {
		return fmt.Errorf("%d deliveries due; want %d", due, n)
	}
	return nil
}

// bareSends sends n pushes with webpush-go alone, concurrency at a time,
// round-robin over subs, with the HTTP client invoke uses.
func bareSends(ctx context.Context, subs []subscription, n int, public, private string) (time.Duration, error) {
	client := webpush.NewHTTPClient(15*time.Second, concurrency)
	payload := []byte(`{"title":"Collaboration meeting in 10 minutes","body":"Tue 1 Dec 2026 09:00 CET","tag":"r1-1"}`)
	return sendAll("bare", n, func(i int) bool {
		sub := subs[i%len(subs)]
		resp, err := webpushgo.SendNotificationWithContext(ctx, payload[:len(payload):len(payload)],
			&webpushgo.Subscription{Endpoint: sub.Endpoint, Keys: webpushgo.Keys{P256dh: sub.P256dh, Auth: sub.Auth}},
			&webpushgo.Options{HTTPClient: client, Subscriber: "bench@example.org", VAPIDPublicKey: public,
				VAPIDPrivateKey: private, TTL: 600, Urgency: webpushgo.UrgencyHigh, Topic: "r1-1"})
		if resp != nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode/100 == 2
	})
}

// sendAll runs send for 0..n-1 from concurrency goroutines and returns how
// long it took; an error if any send failed.
func sendAll(what string, n int, send func(i int) bool) (time.Duration, error) {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if !send(int(i)) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		return 0, fmt.Errorf("%d %s sends failed", f, what)
	}
	return elapsed, nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// cpuRatio is invoke's rate over bare webpush-go's where CPU is all that
// limits both, as on these two shared cores: the CPU a bare send costs
// (sender and push fake) over what an invoke delivery costs (invoke, the
// database server, the push fake). It moves less with other work on the
// machine than the ratio of rates does.
func (r throughputResult) cpuRatio() float64 {
	return float64(r.bareCPU+r.bareFakeCPU) / float64(r.invokeCPU+r.invokeDBCPU+r.invokeFakeCPU)
}
