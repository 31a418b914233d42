// Command panel-bench measures serve-panel's Upcoming page, the one a
// member opens most: requests per second and latency (p50, p99, max) for a
// signed-in member with 50 upcoming reminders (50 registrations, a push 10
// minutes before each), at 20 concurrent keep-alive connections, on SQLite
// and on MariaDB. The database also holds 200 other members with 50
// registrations each (push and call: 20,000 pending reminders), and 500
// past notifications in the member's inbox (the header counts the unread
// ones). Target: p99 under 50 ms. Besides latency it reports what is
// steadier on a shared machine: this process's CPU per request (the panel
// and the load generator; MariaDB's own is not in it) and its allocations
// per request, with the load average at the end of each measurement.
//
// The panel runs in this process on 127.0.0.1 (the whole handler stack:
// logging, metrics, CSP, CrossOriginProtection, session lookup, unread
// count, the two queries of Upcoming, html/template); the clients share
// the machine's cores with it. Logs are discarded.
//
// Usage (from the repository root, MariaDB on 127.0.0.1:3306):
//
//	go run ./bench/panel                      # both backends, 10 s each
//	go run ./bench/panel -driver sqlite -duration 5s
//	go run ./bench/panel -mysql 'user:pw@tcp(db:3306)/'
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/config"
	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/panel"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	upcoming    = 50  // the member's upcoming registrations, one reminder each
	others      = 200 // other members
	perOther    = 50  // their registrations each
	pastInInbox = 500 // notifications sent to the member
)

func main() {
	driver := flag.String("driver", "sqlite,mysql", "backends: sqlite, mysql or both")
	dsn := flag.String("mysql", envOr("PFSNOTIFY_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/"), "a MySQL server where the user may create databases")
	duration := flag.Duration("duration", 10*time.Second, "how long each measurement runs")
	conns := flag.Int("conns", 20, "concurrent connections")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the first measurement to this file")
	flag.Parse()
	var profile *os.File
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "panel-bench:", err)
			os.Exit(1)
		}
		profile = f
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	fmt.Printf("serve-panel Upcoming: %d upcoming reminders of the member, %d other members x %d registrations, %d conns, %s each\n\n",
		upcoming, others, perOther, *conns, *duration)
	fmt.Println("| backend | requests/s | p50 | p99 | max | errors | CPU/req | allocs/req | alloc/req | load avg | target p99 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, d := range []string{"sqlite", "mysql"} {
		if !slices.Contains(splitComma(*driver), d) {
			continue
		}
		if err := run(ctx, d, *dsn, *duration, *conns, profile); err != nil {
			fmt.Fprintln(os.Stderr, "panel-bench:", err)
			os.Exit(1)
		}
		profile = nil
	}
}

// run measures one backend; with profile set, it writes a CPU profile of
// the measurement there.
func run(ctx context.Context, driver, dsn string, duration time.Duration, conns int, profile *os.File) error {
	s, cleanup, err := benchdb.Open(ctx, driver, dsn, "panel")
	if err != nil {
		return err
	}
	defer cleanup()
	token, err := seed(ctx, s)
	if err != nil {
		return err
	}
	cfg := config.Default()
	p, err := panel.New(ctx, panel.Options{Store: s, Config: cfg})
	if err != nil {
		return err
	}
	defer p.Close()
	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	ready, failed := make(chan string, 1), make(chan error, 1)
	go func() {
		failed <- httpserver.Run(srvCtx, httpserver.Options{Addr: "127.0.0.1:0", Handler: p, Log: slog.New(slog.DiscardHandler),
			Ready: func(a net.Addr) { ready <- a.String() }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-failed:
		return fmt.Errorf("serve: %w", err)
	}
	load(addr, token, time.Second, conns) // warm up: connections, caches, the query plans
	if profile != nil {
		pprof.StartCPUProfile(profile)
	}
	before := measure()
	lat, errs, took := load(addr, token, duration, conns)
	after := measure()
	slices.Sort(lat)
	n := float64(len(lat))
	fmt.Printf("| %s | %.0f | %s | %s | %s | %d | %.2f ms | %.0f | %.0f kB | %s | < 50 ms |\n", map[string]string{"sqlite": "SQLite", "mysql": "MariaDB 10.11"}[driver],
		n/took.Seconds(), ms(pct(lat, 0.50)), ms(pct(lat, 0.99)), ms(lat[len(lat)-1]), errs,
		float64(after.cpu-before.cpu)/float64(time.Millisecond)/n, float64(after.mallocs-before.mallocs)/n,
		float64(after.bytes-before.bytes)/1024/n, loadAverage())
	return nil
}

// usage is what this process has spent so far: CPU (user and system, the
// panel's and the load generator's), and heap allocations.
type usage struct {
	cpu            time.Duration
	mallocs, bytes uint64
}

func measure() usage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), mallocs: ms.Mallocs, bytes: ms.TotalAlloc}
}

// loadAverage is the machine's 1-minute load average at the end of a
// measurement (/proc/loadavg), or "?" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// load requests the page from conns connections for d and returns each
// request's latency and the number of failures. The client is a bare
// HTTP/1.1 keep-alive loop (a prebuilt request, a Content-Length body), so
// that the cores it shares with the panel go to the panel, as they would
// with wrk or a browser elsewhere.
func load(addr, token string, d time.Duration, conns int) ([]time.Duration, int, time.Duration) {
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nCookie: pfsnotify_session=" + token + "\r\nAccept: text/html\r\n\r\n")
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			var conn net.Conn
			var r *bufio.Reader
			for time.Now().Before(deadline) {
				if conn == nil {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						bad++
						time.Sleep(10 * time.Millisecond)
						continue
					}
					conn, r = c, bufio.NewReaderSize(c, 64<<10)
				}
				t0 := time.Now()
				conn.SetDeadline(t0.Add(10 * time.Second))
				if err := roundTrip(conn, r, req); err != nil {
					bad++
					conn.Close()
					conn = nil
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			all, errs = append(all, mine...), errs+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

// roundTrip writes req and reads one 200 answer with a Content-Length.
func roundTrip(conn net.Conn, r *bufio.Reader, req []byte) error {
	if _, err := conn.Write(req); err != nil {
		return err
	}
	status, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200") {
		return fmt.Errorf("answer %q", strings.TrimSpace(status))
	}
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
			if length, err = strconv.Atoi(strings.TrimSpace(value)); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return fmt.Errorf("no Content-Length")
	}
	_, err = r.Discard(length)
	return err
}

// seed makes the member (signed in: the token is returned) and the others.
func seed(ctx context.Context, s *store.Store) (string, error) {
	now := time.Now()
	register := func(u store.User, n int, title string, channels ...schedule.Channel) error {
		_, _, _, err := s.Register(ctx, store.NewRegistration{UserID: u.ID, Title: fmt.Sprintf("%s #%d", title, n),
			Message: "Room 4-S-030", StartAt: now.Add(time.Duration(n+1) * 7 * time.Hour), TimeZone: "Europe/Zurich",
			Channels: channels, Leads: []time.Duration{10 * time.Minute}, CreatedBy: "bench"})
		return err
	}
	member, err := s.CreateUser(ctx, store.User{Login: "member", DisplayName: "Marie Member", TimeZone: "Europe/Zurich", Language: "en-GB"})
	if err != nil {
		return "", err
	}
	for n := range upcoming {
		if err := register(member, n, "Detector review", schedule.ChannelPush); err != nil {
			return "", err
		}
	}
	for i := range others {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("other%03d", i), TimeZone: "Asia/Tokyo", Language: "ja-JP"})
		if err != nil {
			return "", err
		}
		for n := range perOther {
			if err := register(u, n, "Telecon", schedule.ChannelPush, schedule.ChannelCall); err != nil {
				return "", err
			}
		}
	}
	// Past notifications in the member's inbox: tests, sent.
	for range pastInInbox {
		d, err := s.CreateTestDelivery(ctx, member.ID, schedule.ChannelLog, "bench")
		if err != nil {
			return "", err
		}
		if _, err := s.ClaimDue(ctx, "bench", time.Minute, 10); err != nil {
			return "", err
		}
		if _, err := s.Finish(ctx, "bench", []store.Result{{ID: d.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
			return "", err
		}
	}
	token, _, err := s.CreateSession(ctx, member.ID, 24*time.Hour)
	return token, err
}

func pct(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(int(float64(len(sorted))*p), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func splitComma(s string) []string { return strings.Split(s, ",") }
