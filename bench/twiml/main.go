// Command twiml-bench measures serve-twiml against the target of its issue:
// signed voice-TwiML requests (what Twilio asks when a call is answered) at
// 50 concurrent connections, against a bare net/http handler that answers a
// fixed string, in the same run, over the same kind of loopback listener,
// with the same load generator; on SQLite and on MariaDB. Target: at least
// half the bare handler's requests per second, p99 under 20 ms.
//
// serve-twiml runs as "pfsnotify serve-twiml" does: twiml.New over a
// migrated store with the config's defaults (database.max_open_conns 10),
// behind httpserver.Run, logging each request at info level (formatted,
// then discarded). The database holds -deliveries placed calls; each
// request is for one of them, round robin, with the form and signature
// Twilio would send (made before the run, so that the load generator does
// not sign on the clock).
//
// serve-twiml keeps a call it looked up for twiml.DefaultCacheTTL (2 s):
// with 1,000 calls round robin, nearly every request finds its call cached,
// as requests repeated about one call do (Twilio's retries, the key-press
// loop). A third server without the cache shows the cost of a database
// lookup per request, which is what one request per answered call meets.
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go run ./bench/twiml                     # both backends
//	go run ./bench/twiml -driver sqlite -duration 5s -runs 1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
)

type options struct {
	drivers    []string
	mysqlDSN   string
	conns      int
	duration   time.Duration
	warmup     time.Duration
	runs       int
	deliveries int
	rate       float64
}

func main() {
	var o options
	var drivers string
	flag.StringVar(&drivers, "driver", "sqlite,mysql", "backends, comma-separated")
	flag.StringVar(&o.mysqlDSN, "mysql", envOr("PFSNOTIFY_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"),
		"a MySQL server where the user may create databases")
	flag.IntVar(&o.conns, "conns", 50, "concurrent connections")
	flag.DurationVar(&o.duration, "duration", 4*time.Second, "measured time of each run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each run")
	flag.IntVar(&o.runs, "runs", 7, "runs of each server, interleaved; medians are reported")
	flag.IntVar(&o.deliveries, "deliveries", 1000, "placed calls in the database")
	flag.Float64Var(&o.rate, "rate", 1000, "also run serve-twiml at this many requests per second (0: not)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "twiml-bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	o.drivers = strings.Split(drivers, ",")
	ctx := context.Background()

	fmt.Printf("%s, GOMAXPROCS %d, %d connections, %s runs (median of %d)\n\n", runtime.Version(), runtime.GOMAXPROCS(0),
		o.conns, o.duration, o.runs)
	fmt.Println("| backend | server | requests/s | p50 | p99 | errors | of bare | target |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, driver := range o.drivers {
		if err := benchBackend(ctx, o, driver); err != nil {
			fmt.Fprintln(os.Stderr, "twiml-bench:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}

func benchBackend(ctx context.Context, o options, driver string) error {
	db, cleanup, err := benchdb.Open(ctx, driver, o.mysqlDSN, "twiml")
	if err != nil {
		return err
	}
	defer cleanup()
	reqs, err := seed(ctx, db, o.deliveries)
	if err != nil {
		return err
	}
	calls, err := db.PrepareCallLookup(ctx)
	if err != nil {
		return err
	}
	defer calls.Close()
	handler, err := twimlHandler(calls, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if err != nil {
		return err
	}
	twiml, stopTwiml, err := serve(ctx, handler)
	if err != nil {
		return err
	}
	defer stopTwiml()
	uncachedHandler, err := twimlHandler(calls, slog.New(slog.NewTextHandler(io.Discard, nil)), -1)
	if err != nil {
		return err
	}
	uncached, stopUncached, err := serve(ctx, uncachedHandler)
	if err != nil {
		return err
	}
	defer stopUncached()
	bare, stopBare, err := serve(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response></Response>")
	}))
	if err != nil {
		return err
	}
	defer stopBare()

	if err := check(twiml, reqs[0]); err != nil {
		return fmt.Errorf("%s: serve-twiml does not answer the reminder: %w", driver, err)
	}
	var bareRuns, twimlRuns, uncachedRuns, paced []result
	for i := range o.runs { // interleaved, so that all see the same machine
		bareRuns = append(bareRuns, load(bare, reqs, o.conns, o.warmup, o.duration, "", 0))
		twimlRuns = append(twimlRuns, load(twiml, reqs, o.conns, o.warmup, o.duration, "<Gather", 0))
		uncachedRuns = append(uncachedRuns, load(uncached, reqs, o.conns, o.warmup, o.duration, "<Gather", 0))
		if o.rate > 0 && i == 0 {
			paced = append(paced, load(twiml, reqs, o.conns, o.warmup, o.duration, "<Gather", o.rate))
		}
	}
	row := func(server string, runs []result, ofBare bool, target string) {
		m := median(runs, func(r result) float64 { return r.rate })
		p50 := median(runs, func(r result) float64 { return float64(r.p50) })
		p99 := median(runs, func(r result) float64 { return float64(r.p99) })
		errors := 0
		for _, r := range runs {
			errors += r.errors
		}
		share := ""
		if ofBare {
			// The share of each run against the bare run next to it: the
			// machine's speed drifts between runs more than within a pair.
			ratios := make([]result, len(runs))
			for i := range runs {
				ratios[i] = result{rate: runs[i].rate / bareRuns[i].rate}
			}
			share = fmt.Sprintf("%.0f%%", 100*median(ratios, func(r result) float64 { return r.rate }))
		}
		fmt.Printf("| %s | %s | %.0f | %s | %s | %d | %s | %s |\n", driver, server, m, ms(time.Duration(p50)), ms(time.Duration(p99)),
			errors, share, target)
	}
	row("bare net/http", bareRuns, false, "")
	row("serve-twiml, signed voice TwiML", twimlRuns, true, "≥ 50%, p99 < 20 ms")
	row("serve-twiml without its call cache (a database lookup per request)", uncachedRuns, true, "")
	if len(paced) > 0 {
		row(fmt.Sprintf("serve-twiml at %.0f requests/s", o.rate), paced, false, "p99 < 20 ms")
	}
	return nil
}

// serve runs h as serve-twiml runs: httpserver.Run on a loopback port.
func serve(ctx context.Context, h http.Handler) (base string, stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- httpserver.Run(ctx, httpserver.Options{Addr: "127.0.0.1:0", Handler: h,
			Log: slog.New(slog.DiscardHandler), Ready: func(a net.Addr) { addrc <- a }})
	}()
	select {
	case a := <-addrc:
		return "http://" + a.String(), func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", nil, err
	}
}

// median is the median of what f reads of each run.
func median(rs []result, f func(result) float64) float64 {
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
