// Command faults-bench measures "pfsnotify invoke" on its bad days, on
// MariaDB, with a push service that decrypts every push and counts the
// pushes each delivery got, and prints a Markdown table for bench/README.md:
//
//   - repeats per kill: 10,000 due pushes, invoke killed with SIGKILL
//     -kills times at random moments and started again, then run until
//     everything is sent (target: at most invoke.concurrency per kill);
//   - a cut connection: the database's connections cut (a TCP proxy gone)
//     a third into the run; seconds to exit and pushes repeated by the
//     next runs (target: none);
//   - a stalled database (TCP open, no answer): seconds to exit (target:
//     under 30 s) and repeats (target: none);
//   - overlapping invokers: -invokers processes started at once over -calls
//     due call reminders of one meeting at 1 call per second (target: no
//     one-second window with two calls at Twilio's fake; all before the
//     meeting).
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go build -o /tmp/pfsnotify ./cmd/pfsnotify && go run ./bench/faults -pfsnotify /tmp/pfsnotify
//	go run ./bench/faults -pfsnotify /tmp/pfsnotify -only rate -calls 300 -invokers 4
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush/pushtest"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest/tcpproxy"
)

const (
	leads       = 10
	concurrency = 8
)

type bench struct {
	binary   string
	mysqlDSN string
	n, kills int
	calls    int
	invokers int
	only     string
	dir      string
	push     *pushtest.Server
	env      []string
}

func main() {
	var b bench
	flag.StringVar(&b.binary, "pfsnotify", "/tmp/pfsnotify", "the pfsnotify binary")
	flag.StringVar(&b.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server where the user may create databases")
	flag.IntVar(&b.n, "n", 10_000, "due pushes")
	flag.IntVar(&b.kills, "kills", 5, "SIGKILLs in the kill run")
	flag.IntVar(&b.calls, "calls", 300, "due calls in the rate run")
	flag.IntVar(&b.invokers, "invokers", 4, "invoke processes started at once in the rate run")
	flag.StringVar(&b.only, "only", "", "run one scenario only: kill, proxy or rate")
	flag.Parse()
	if err := b.main(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "faults-bench:", err)
		os.Exit(1)
	}
}

func (b *bench) main(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "faults-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	if b.push, err = pushtest.Start("127.0.0.1:0", pushtest.Options{VAPIDPublicKey: public}); err != nil {
		return err
	}
	defer b.push.Close()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, b.push.CertificatePEM(), 0o600); err != nil {
		return err
	}
	b.env = []string{"SSL_CERT_FILE=" + cert, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"),
		"PFSNOTIFY_WEBPUSH_PUBLIC_KEY=" + public, "PFSNOTIFY_WEBPUSH_PRIVATE_KEY=" + private,
		"PFSNOTIFY_WEBPUSH_SUBJECT=ops@example.org", fmt.Sprintf("PFSNOTIFY_INVOKE_CONCURRENCY=%d", concurrency),
		"PFSNOTIFY_INVOKE_LEASE=10s", "PFSNOTIFY_INVOKE_HTTP_TIMEOUT=5s", "PFSNOTIFY_INVOKE_DB_TIMEOUT=5s"}

	fmt.Printf("| fault | figure | target |\n|---|---|---|\n")
	if b.only == "" || b.only == "kill" {
		perKill, err := b.killRun(ctx)
		if err != nil {
			return err
		}
		total := 0
		for _, r := range perKill {
			total += r
		}
		fmt.Printf("| %d × SIGKILL, %d pushes | repeats per kill %v (%.1f on average; %d in all) | ≤ %d (invoke.concurrency) |\n",
			b.kills, b.n, perKill, float64(total)/float64(b.kills), total, concurrency)
	}
	if b.only == "" || b.only == "rate" {
		created, meeting, err := b.rateRun(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("| %d invokers started at once, %d calls at 1 call/s | %s | ≤ 1 call in any 1 s; all before the meeting |\n",
			b.invokers, b.calls, rateFigures(created, meeting))
	}
	if b.only != "" && b.only != "proxy" {
		return nil
	}
	for _, fault := range []struct {
		name        string
		break_, fix func(*tcpproxy.Proxy)
	}{
		{"connections cut a third into the run", (*tcpproxy.Proxy).Down, (*tcpproxy.Proxy).Up},
		{"database stalled a third into the run", (*tcpproxy.Proxy).Pause, (*tcpproxy.Proxy).Resume},
	} {
		exit, code, repeated, err := b.proxyRun(ctx, fault.break_, fault.fix)
		if err != nil {
			return err
		}
		fmt.Printf("| %s, %d pushes | invoke exits %d after %.1f s; %d pushes repeated by the next runs | exit 1 < 30 s; 0 repeated |\n",
			fault.name, b.n, code, exit.Seconds(), repeated)
	}
	return nil
}

// fresh makes a database with b.n due pushes to new subscriptions.
func (b *bench) fresh(ctx context.Context, name string) (config.Database, func(), error) {
	db, remove, err := benchdb.Fresh(ctx, "mysql", b.mysqlDSN, name)
	if err != nil {
		return db, nil, err
	}
	subs := make([]store.PushSubscription, b.n/leads)
	for i := range subs {
		s := b.push.NewSubscription()
		subs[i] = store.PushSubscription{Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth}
	}
	if due, err := benchdb.SeedDuePushes(ctx, db, subs, leads); err != nil || due != b.n {
		remove()
		return db, nil, fmt.Errorf("seed: %d due, %v; want %d", due, err, b.n)
	}
	return db, remove, nil
}

// killRun kills invoke b.kills times and returns the repeats each kill
// caused: a delivery pushed twice is the doing of the first kill after its
// first push.
func (b *bench) killRun(ctx context.Context) ([]int, error) {
	db, remove, err := b.fresh(ctx, "kill")
	if err != nil {
		return nil, err
	}
	defer remove()
	before := len(b.push.Pushes())
	var killedAt []time.Time
	for k := range b.kills {
		cmd, done, err := b.start(db, "invoke", "-q")
		if err != nil {
			return nil, err
		}
		// A random moment in the k-th of kills+1 equal parts of the run.
		target := before + int((float64(k)+rand.Float64())*float64(b.n)/float64(b.kills+1))
		if err := waitFor(5*time.Minute, done, func() bool { return len(b.push.Pushes()) >= target }); err != nil {
			return nil, fmt.Errorf("kill %d: %w", k+1, err)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		killedAt = append(killedAt, time.Now())
	}
	if err := b.finish(ctx, db); err != nil {
		return nil, err
	}
	perKill := make([]int, b.kills)
	for _, times := range b.received(before) {
		if len(times) < 2 {
			continue
		}
		k := 0
		for k < len(killedAt)-1 && times[0].After(killedAt[k]) {
			k++
		}
		perKill[k] += len(times) - 1
	}
	return perKill, nil
}

// proxyRun breaks the database's connections a third into a run, and
// returns how long invoke took to exit, its status, and the repeats after
// the database was fixed.
func (b *bench) proxyRun(ctx context.Context, breakIt, fix func(*tcpproxy.Proxy)) (time.Duration, int, int, error) {
	db, remove, err := b.fresh(ctx, "proxy")
	if err != nil {
		return 0, 0, 0, err
	}
	defer remove()
	mc, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		return 0, 0, 0, err
	}
	proxy, err := tcpproxy.New(mc.Addr)
	if err != nil {
		return 0, 0, 0, err
	}
	defer proxy.Close()
	mc.Addr = proxy.Addr()
	viaProxy := db
	viaProxy.DSN = mc.FormatDSN()

	before := len(b.push.Pushes())
	cmd, done, err := b.start(viaProxy, "invoke", "-q")
	if err != nil {
		return 0, 0, 0, err
	}
	if err := waitFor(5*time.Minute, done, func() bool { return len(b.push.Pushes()) >= before+b.n/3 }); err != nil {
		return 0, 0, 0, err
	}
	breakIt(proxy)
	at := time.Now()
	<-done
	exit := time.Since(at)
	fix(proxy)
	if err := b.finish(ctx, viaProxy); err != nil {
		return 0, 0, 0, err
	}
	repeated := 0
	for _, times := range b.received(before) {
		repeated += len(times) - 1
	}
	return exit, cmd.ProcessState.ExitCode(), repeated, nil
}

// start runs pfsnotify over db in the background; done closes when it exits.
func (b *bench) start(db config.Database, args ...string) (*exec.Cmd, chan struct{}, error) {
	cmd := exec.Command(b.binary, args...)
	cmd.Dir = b.dir
	cmd.Env = append([]string{"PFSNOTIFY_DATABASE_DRIVER=" + db.Driver, "PFSNOTIFY_DATABASE_DSN=" + db.DSN,
		"PFSNOTIFY_INVOKE_STATE_DIR=" + b.dir}, b.env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return cmd, done, nil
}

// finish runs invoke --loop until every delivery is sent, then stops it.
func (b *bench) finish(ctx context.Context, db config.Database) error {
	cmd, done, err := b.start(db, "invoke", "--loop", "--interval", "1s", "-q")
	if err != nil {
		return err
	}
	err = waitFor(5*time.Minute, done, func() bool {
		states, err := benchdb.States(ctx, db)
		return err == nil && states["sent"] == b.n
	})
	cmd.Process.Signal(syscall.SIGTERM)
	<-done
	return err
}

// received lists when each delivery's pushes arrived, from the before-th
// push on.
func (b *bench) received(before int) map[int64][]time.Time {
	out := map[int64][]time.Time{}
	for _, p := range b.push.Pushes()[before:] {
		var payload struct {
			DeliveryID int64 `json:"delivery_id"`
		}
		json.Unmarshal(p.Payload, &payload)
		out[payload.DeliveryID] = append(out[payload.DeliveryID], p.At)
	}
	return out
}

// waitFor polls cond until it holds, at most limit, and fails early when
// the process it waits on (done) has ended.
func waitFor(limit time.Duration, done <-chan struct{}, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		select {
		case <-done:
			return errors.New("pfsnotify exited before it was waited for (see its stderr above)")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
