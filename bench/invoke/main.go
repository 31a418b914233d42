// Command invoke-bench measures "pfsnotify invoke" against the targets of
// the invoke issue, on SQLite and on MariaDB, and prints a Markdown table
// for bench/README.md:
//
//   - idle cost: a run with nothing due over 1,000 and over 1,000,000
//     finished deliveries (target: the second within 1.2 times the first);
//   - throughput: 10,000 due Web Push deliveries to a fake push service in
//     another process (bench/pushfake), against bare webpush-go sends to the
//     same service at the same concurrency (target: at least 70%), and the
//     peak RSS of that run (target: under 100 MB).
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go build -o /tmp/pfsnotify ./cmd/pfsnotify && go build -o /tmp/pushfake ./bench/pushfake
//	go run ./bench/invoke -pfsnotify /tmp/pfsnotify -pushfake /tmp/pushfake
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
	dir      string // for SQLite files
	runs     int
}

func main() {
	var b bench
	var what string
	flag.StringVar(&b.binary, "pfsnotify", "/tmp/pfsnotify", "the pfsnotify binary")
	flag.StringVar(&b.pushfake, "pushfake", "/tmp/pushfake", "the bench/pushfake binary")
	flag.StringVar(&b.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MySQL server for the MariaDB figures")
	flag.IntVar(&b.runs, "runs", 15, "runs per idle measurement")
	flag.StringVar(&what, "what", "idle,throughput", "which measurements")
	flag.Parse()
	dir, err := os.MkdirTemp("", "invoke-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	ctx := context.Background()
	fmt.Printf("| backend | measurement | figure | target |\n|---|---|---|---|\n")
	for _, driver := range []string{"sqlite", "mysql"} {
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
			r, err := throughput(ctx, &b, 10_000)
			if err != nil {
				fail(err)
			}
			fmt.Printf("| %s | invoke, 10,000 Web Push | %.0f/s (%s) | |\n", driver, r.invokeRate, r.invokeElapsed.Round(time.Millisecond))
			fmt.Printf("| %s | bare webpush-go, same service and concurrency | %.0f/s | |\n", driver, r.bareRate)
			fmt.Printf("| %s | invoke / bare | %.0f%% | ≥ 70%% |\n", driver, 100*r.invokeRate/r.bareRate)
			fmt.Printf("| %s | pfsnotify's push channel alone (no database, no dispatcher), same service and concurrency | %.0f/s | |\n",
				driver, r.channelRate)
			fmt.Printf("| %s | invoke / channel alone | %.0f%% | |\n", driver, 100*r.invokeRate/r.channelRate)
			fmt.Printf("| %s | peak RSS of the invoke run | %.1f MB | < 100 MB |\n", driver, float64(r.peakRSS)/1e6)
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
