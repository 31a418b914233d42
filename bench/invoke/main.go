// Command invoke-bench measures "pfsnotify invoke" against the targets of
// the invoke issue, on SQLite and on MariaDB, and prints a Markdown table
// for bench/README.md:
//
//   - idle cost: a run with nothing due over 1,000 and over 1,000,000
//     finished deliveries (target: the second within 1.2 times the first);
//   - throughput: 10,000 due Web Push deliveries to a fake push service in
//     another process (bench/pushfake), against bare webpush-go sends to the
//     same service at the same concurrency (target: at least 80%), and the
//     peak RSS of that run (target: under 100 MB). Bare sends run before
//     and after invoke; -throughput-runs repeats the lot (bare, invoke,
//     bare, channel alone) and reports medians;
//     the CPU per delivery of invoke, of the database server and of the
//     push fake comes from /proc.
//
// -what storecost runs the store calls of one pass phase by phase and prints
// what each costs in the database server.
//
// -cpuprofile adds one invoke pass run in this process (the dispatcher and
// push channel as cmd/pfsnotify builds them) under a CPU profile, for go
// tool pprof.
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go build -o /tmp/pfsnotify ./cmd/pfsnotify && go build -o /tmp/pushfake ./bench/pushfake
//	go run ./bench/invoke -pfsnotify /tmp/pfsnotify -pushfake /tmp/pushfake
//	go run ./bench/invoke -drivers mysql -what throughput -throughput-runs 5 -cpuprofile /tmp/invoke.prof
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

type bench struct {
	binary   string // the pfsnotify binary
	pushfake string // the bench/pushfake binary
	driver   string
	mysqlDSN string // a server where the user may create databases
	mysqlPID int    // that server's process, whose CPU is counted; 0: the first mariadbd or mysqld
	dir      string // for SQLite files
	runs     int
}

// figures are the throughput runs of one backend.
type figures []throughputResult

// median returns the median of f over the runs, and the smallest and largest.
func (rs figures) median(f func(throughputResult) float64) (med, lo, hi float64) {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2], v[0], v[len(v)-1]
}

func main() {
	var b bench
	var what, drivers, cpuprofile string
	var throughputRuns int
	flag.StringVar(&b.binary, "pfsnotify", "/tmp/pfsnotify", "the pfsnotify binary")
	flag.StringVar(&b.pushfake, "pushfake", "/tmp/pushfake", "the bench/pushfake binary")
	flag.StringVar(&b.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server for the MariaDB figures")
	flag.IntVar(&b.mysqlPID, "mysql-pid", 0, "the pid of that server, whose CPU is counted (0: the first mariadbd or mysqld found; give it when several run)")
	flag.IntVar(&b.runs, "runs", 15, "runs per idle measurement")
	flag.StringVar(&what, "what", "idle,throughput", "which measurements")
	flag.StringVar(&drivers, "drivers", "sqlite,mysql", "which backends, in order")
	flag.IntVar(&throughputRuns, "throughput-runs", 1, "throughput runs per backend (invoke, bare and channel alone in turn); medians are reported")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "also profile one invoke pass in this process into this file (with several backends: the last)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "invoke-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	ctx := context.Background()
	fmt.Printf("| backend | measurement | figure | target |\n|---|---|---|---|\n")
	for _, driver := range strings.Split(drivers, ",") {
		b.driver = driver
		if strings.Contains(what, "idle") {
			small, err := idle(ctx, &b, 1_000)
			if err != nil {
				fail(err)
			}
			large, err := idle(ctx, &b, 1_000_000)
			if err != nil {
				fail(err)
			}
			fmt.Printf("| %s | idle invoke, 1,000 finished | %s (median of %d) | |\n", driver, small.Round(100*time.Microsecond), b.runs)
			fmt.Printf("| %s | idle invoke, 1,000,000 finished | %s, %.2f× | ≤ 1.2× |\n", driver, large.Round(100*time.Microsecond),
				float64(large)/float64(small))
		}
		if strings.Contains(what, "throughput") {
			var rs figures
			for i := range throughputRuns {
				r, err := throughput(ctx, &b, 10_000)
				if err != nil {
					fail(err)
				}
				fmt.Fprintf(os.Stderr, "%s run %d: invoke %.0f/s, bare %.0f/s (%.0f%%; by CPU %.0f%%), channel alone %.0f/s (%.0f%%); "+
					"CPU per delivery: invoke %s + database %s + fake %s, bare %s + fake %s, channel %s + fake %s\n",
					driver, i+1, r.invokeRate, r.bareRate, 100*r.invokeRate/r.bareRate, 100*r.cpuRatio(), r.channelRate, 100*r.invokeRate/r.channelRate,
					r.invokeCPU, r.invokeDBCPU, r.invokeFakeCPU, r.bareCPU, r.bareFakeCPU, r.channelCPU, r.channelFakeCPU)
				rs = append(rs, r)
			}
			runs := fmt.Sprintf("median of %d", len(rs))
			rate := func(f func(throughputResult) float64) string {
				m, lo, hi := rs.median(f)
				return fmt.Sprintf("%.0f/s (%.0f–%.0f, %s)", m, lo, hi, runs)
			}
			share := func(f func(throughputResult) float64) string {
				m, lo, hi := rs.median(f)
				return fmt.Sprintf("%.0f%% (%.0f–%.0f%%, %s)", 100*m, 100*lo, 100*hi, runs)
			}
			micros := func(f func(throughputResult) time.Duration) string {
				m, _, _ := rs.median(func(r throughputResult) float64 { return float64(f(r).Microseconds()) })
				return fmt.Sprintf("%.0f µs", m)
			}
			fmt.Printf("| %s | invoke, 10,000 Web Push | %s | |\n", driver, rate(func(r throughputResult) float64 { return r.invokeRate }))
			fmt.Printf("| %s | bare webpush-go, same service and concurrency | %s | |\n", driver, rate(func(r throughputResult) float64 { return r.bareRate }))
			fmt.Printf("| %s | invoke / bare (per run) | %s | ≥ 80%% |\n", driver, share(func(r throughputResult) float64 { return r.invokeRate / r.bareRate }))
			fmt.Printf("| %s | invoke / bare by CPU per delivery (sender + database server + push fake) | %s | |\n", driver,
				share(throughputResult.cpuRatio))
			fmt.Printf("| %s | pfsnotify's push channel alone (no database, no dispatcher), same service and concurrency | %s | |\n",
				driver, rate(func(r throughputResult) float64 { return r.channelRate }))
			fmt.Printf("| %s | invoke / channel alone (per run) | %s | |\n", driver, share(func(r throughputResult) float64 { return r.invokeRate / r.channelRate }))
			fmt.Printf("| %s | CPU per delivery: invoke + database server + push fake / bare + push fake / channel alone + push fake | %s + %s + %s / %s + %s / %s + %s | |\n", driver,
				micros(func(r throughputResult) time.Duration { return r.invokeCPU }), micros(func(r throughputResult) time.Duration { return r.invokeDBCPU }),
				micros(func(r throughputResult) time.Duration { return r.invokeFakeCPU }),
				micros(func(r throughputResult) time.Duration { return r.bareCPU }), micros(func(r throughputResult) time.Duration { return r.bareFakeCPU }),
				micros(func(r throughputResult) time.Duration { return r.channelCPU }), micros(func(r throughputResult) time.Duration { return r.channelFakeCPU }))
			m, _, hi := rs.median(func(r throughputResult) float64 { return float64(r.peakRSS) / 1e6 })
			fmt.Printf("| %s | peak RSS of the invoke run | %.1f MB (at most %.1f) | < 100 MB |\n", driver, m, hi)
		}
	}
	if strings.Contains(what, "storecost") {
		if err := storeCost(ctx, &b, 10_000); err != nil {
			fail(err)
		}
	}
	if cpuprofile != "" {
		if err := profileInvoke(ctx, &b, 10_000, cpuprofile); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "invoke-bench:", err)
	os.Exit(1)
}

// timeInvoke runs "pfsnotify invoke -q" runs times and returns the median.
func (b *bench) timeInvoke(ctx context.Context, db config.Database, runs int) (time.Duration, error) {
	var times []time.Duration
	for range runs {
		start := time.Now()
		cmd := b.invokeCmd(ctx, db, "invoke", "-q")
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("invoke: %v: %s", err, out)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

func (b *bench) invokeCmd(ctx context.Context, db config.Database, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.binary, args...)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "PFSNOTIFY_DATABASE_DRIVER="+db.Driver, "PFSNOTIFY_DATABASE_DSN="+db.DSN)
	return cmd
}

func driverName(db config.Database) string { return db.Driver }

// driverDSN is what database/sql needs for raw statements.
func driverDSN(db config.Database) string {
	if db.Driver == "mysql" {
		mc, _ := mysql.ParseDSN(db.DSN)
		mc.ParseTime = true
		return mc.FormatDSN()
	}
	return db.DSN
}
