// Command calsync-bench times calendar-sync on a large calendar: 5,000
// upcoming occurrences (250 series of 20), 500 rules over 200 members, on
// a fresh database (MariaDB by default). With -titles distinct every
// occurrence has a title of its own (5,000 distinct titles, the ICS feed
// 5,000 single VEVENTs): what costs when rules are matched per title. It reports the first full sync, an
// incremental sync with no change, and one with 50 changes, for a Google
// calendar (the fake API of calsynctest, with sync tokens) and for an ICS
// feed (a conditional GET answered 304, a full re-read of an unchanged
// feed, and a feed with 50 changes).
//
//	go run ./bench/calsync -dsn 'root@tcp(127.0.0.1:3306)/'
//	go run ./bench/calsync -driver sqlite
//	go run ./bench/calsync -titles distinct
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/calsync"
	"github.com/pfsnotify/pfsnotify/pkg/calsync/calsynctest"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

const (
	series      = 250
	perSeries   = 20
	members     = 200
	rules       = 500
	changes     = 50
	seriesEvery = 4 * 24 * time.Hour // 20 occurrences 4 days apart: 80 days, within the 90-day horizon
)

var topics = []string{"Weekly telecon", "Detector review", "Computing meeting", "Physics coordination", "Trigger meeting",
	"Run coordination", "Analysis forum", "Software tutorial", "Publication board", "Collaboration board",
	"Tracker upgrade", "Calorimeter meeting", "Muon system", "Data quality", "Simulation meeting",
	"Outreach meeting", "Speakers committee", "Machine learning forum", "Beam instrumentation", "Safety briefing",
	"Operations meeting", "Luminosity meeting", "Alignment meeting", "Top physics", "Higgs physics"}

func main() {
	driver := flag.String("driver", "mysql", "mysql or sqlite")
	dsn := flag.String("dsn", envOr("PFSNOTIFY_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), "MySQL DSN of a server where databases may be created")
	runs := flag.Int("runs", 5, "how many times to time each no-change sync (the median is shown)")
	titles := flag.String("titles", "series", "series: one title per series (250 distinct); distinct: one per occurrence (5,000)")
	flag.BoolVar(&withGroupRules, "group-rules", false, "also put every member in one group with 5 group rules (1,000 member rules), and time a sync after a member joins")
	flag.Parse()
	switch *titles {
	case "series":
	case "distinct":
		distinct = true
	default:
		fmt.Fprintf(os.Stderr, "calsync-bench: -titles %q: want series or distinct\n", *titles)
		os.Exit(2)
	}
	ctx := context.Background()
	distinctTitles := series
	if distinct {
		distinctTitles = series * perSeries
	}
	fmt.Printf("calendar-sync benchmark: %d occurrences (%d series x %d), %d distinct titles, %d rules over %d members, %s\n",
		series*perSeries, series, perSeries, distinctTitles, rules, members, *driver)
	fmt.Println("changed: events new, moved, cancelled or renamed; regs+: registrations made; regs~: registrations")
	fmt.Println("cancelled as unmatched or whose reminders followed their event; reminders: reminders planned;")
	fmt.Println("cpu: user+system CPU of this process (the client; the fake servers' share included, MariaDB's not)")
	fmt.Printf("%-48s %10s %9s %7s %7s %7s %7s %9s\n", "scenario", "time", "cpu", "fetched", "changed", "regs+", "regs~", "reminders")
	for _, kind := range []string{"google", "ics"} {
		if err := bench(ctx, kind, *driver, *dsn, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "calsync-bench:", err)
			os.Exit(1)
		}
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// distinct: every occurrence has a title of its own (-titles distinct).
var distinct bool

// withGroupRules: every member in group "all", with groupRules group
// rules, each matching one series (-group-rules).
var withGroupRules bool

const groupRules = 5

// cpuTime is the user and system CPU this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seed adds the members and their rules: 300 rules name one series, 150 a
// topic (2 series), 50 match nothing; each reminds by push and call, half
// of them 10 minutes and 1 hour before, the others 10 minutes before.
func seed(ctx context.Context, s *store.Store) error {
	var users []store.User
	for i := range members {
		u, err := s.CreateUser(ctx, store.User{Login: fmt.Sprintf("member%03d", i), TimeZone: "Europe/Zurich", Language: "en-US"})
		if err != nil {
			return err
		}
		users = append(users, u)
	}
	for i := range rules {
		var pattern string
		switch {
		case i < 300:
			n := (i * 7) % series
			pattern = fmt.Sprintf(`^%s #%03d\b`, topics[n%len(topics)], n)
		case i < 450:
			// A topic and a tens digit: two of its ten series.
			t, d := (i-300)%len(topics), (i-300)/len(topics)%5
			pattern = fmt.Sprintf(`(?i)%s #%d[0-9]%d\b`, strings.ToLower(topics[t]), d, t%10)
		default:
			pattern = fmt.Sprintf("(?i)cancelled forever %d", i)
		}
		leads := []time.Duration{10 * time.Minute}
		if i%2 == 0 {
			leads = append(leads, time.Hour)
		}
		if _, err := s.CreateRule(ctx, store.Rule{UserID: users[i%members].ID, Pattern: pattern,
			Channels: []schedule.Channel{schedule.ChannelPush, schedule.ChannelCall}, Leads: leads}); err != nil {
			return fmt.Errorf("rule %q: %w", pattern, err)
		}
	}
	if !withGroupRules {
		return nil
	}
	if _, err := s.CreateGroup(ctx, store.Group{Name: "all"}); err != nil {
		return err
	}
	logins := make([]string, len(users))
	for i, u := range users {
		logins[i] = u.Login
	}
	if _, err := s.AddGroupMembers(ctx, "all", logins); err != nil {
		return err
	}
	for i := range groupRules {
		n := 1 + i*50
		if _, err := s.CreateGroupRule(ctx, store.GroupRule{GroupName: "all", Pattern: fmt.Sprintf(`^%s #%03d\b`, topics[n%len(topics)], n),
			Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{15 * time.Minute}}); err != nil {
			return err
		}
	}
	return nil
}

// joinGroup adds a new member to group "all": its group rules are new to
// the events for every member at the next sync.
func joinGroup(ctx context.Context, s *store.Store, round int) error {
	login := fmt.Sprintf("newcomer%d", round)
	if _, err := s.CreateUser(ctx, store.User{Login: login, TimeZone: "Asia/Tokyo", Language: "en-US"}); err != nil {
		return err
	}
	_, err := s.AddGroupMembers(ctx, "all", []string{login})
	return err
}

// title is the title of occurrence k of series n.
func title(n, k int) string {
	if distinct {
		return fmt.Sprintf("%s #%03d, session %02d", topics[n%len(topics)], n, k+1)
	}
	return fmt.Sprintf("%s #%03d", topics[n%len(topics)], n)
}

// firstStart is when series n starts: from a day ahead, spread over the day.
func firstStart(now time.Time, n int) time.Time {
	return now.Truncate(time.Hour).Add(24*time.Hour + time.Duration(n%48)*30*time.Minute + time.Duration(n/48)*time.Hour*24/7)
}

// printRow writes one scenario: its time, and what the sync did.
func printRow(name string, took, cpu time.Duration, r calsync.Report) {
	fmt.Printf("%-48s %9.3fs %8.3fs %7d %7d %7d %7d %9d\n", name, took.Seconds(), cpu.Seconds(), r.Fetched,
		r.New+r.Moved+r.Cancelled+r.Restored+r.Retitled+r.Edited, r.Created, r.Unmatched+r.Followed, r.Reminders)
}

func bench(ctx context.Context, kind, driver, dsn string, runs int) error {
	s, cleanup, err := benchdb.Open(ctx, driver, dsn, "calsync")
	if err != nil {
		return err
	}
	defer cleanup()
	if err := seed(ctx, s); err != nil {
		return err
	}
	now := time.Now()
	var src calsync.Source
	var cal store.Calendar
	var change func(round int) // makes 50 changes
	switch kind {
	case "google":
		fake := calsynctest.NewGoogleServer()
		defer fake.Close()
		fake.PageSize = 2500
		const id = "c_bench@group.calendar.google.com"
		for n := range series {
			var evs []*calendar.Event
			for k := range perSeries {
				at := firstStart(now, n).Add(time.Duration(k) * seriesEvery)
				evs = append(evs, calsynctest.Occurrence(fmt.Sprintf("s%03d", n), title(n, k), at, at, time.Hour, "Europe/Zurich"))
			}
			fake.Put(id, evs...)
		}
		svc, err := calendar.NewService(ctx, option.WithEndpoint(fake.BaseURL()), option.WithoutAuthentication(),
			option.WithHTTPClient(&http.Client{Timeout: time.Minute}))
		if err != nil {
			return err
		}
		src = &calsync.Google{Service: svc}
		if cal, err = s.CreateCalendar(ctx, store.Calendar{Name: "google", Kind: store.CalendarGoogle, Source: id, TimeZone: "Europe/Zurich"}); err != nil {
			return err
		}
		change = func(round int) {
			// 25 moves, 15 deletions, 10 renames, each of another series.
			for i := range changes {
				n := (i*5 + round*3) % series
				k := 3 + round
				orig := firstStart(now, n).Add(time.Duration(k) * seriesEvery)
				sid := fmt.Sprintf("s%03d", n)
				switch {
				case i < 25:
					fake.Put(id, calsynctest.Occurrence(sid, title(n, k), orig, orig.Add(2*time.Hour), time.Hour, "Europe/Zurich"))
				case i < 40:
					fake.Delete(id, calsynctest.Occurrence(sid, title(n, k), orig, orig, time.Hour, "Europe/Zurich").Id)
				default:
					fake.Put(id, calsynctest.Occurrence(sid, title(n, k)+" (renamed)", orig, orig, time.Hour, "Europe/Zurich"))
				}
			}
		}
	case "ics":
		feed := &icsServer{}
		feed.render(now, nil)
		srv := httptest.NewServer(feed)
		defer srv.Close()
		src = &calsync.ICS{Client: &http.Client{Timeout: time.Minute}}
		if cal, err = s.CreateCalendar(ctx, store.Calendar{Name: "indico", Kind: store.CalendarICS, Source: srv.URL + "/events.ics", TimeZone: "Europe/Zurich"}); err != nil {
			return err
		}
		change = func(round int) {
			edits := map[int]string{}
			for i := range changes {
				n := (i*5 + round*3) % series
				switch {
				case i < 25:
					edits[n] = "move"
				case i < 40:
					edits[n] = "exdate"
				default:
					edits[n] = "rename"
				}
			}
			feed.render(now, edits)
		}
	}
	syncer := &calsync.Syncer{
		Store: s,
		Options: calsync.Options{Horizon: 90 * 24 * time.Hour, Lookback: 24 * time.Hour, MaxVanishShare: 0.5,
			NoticeWindow: 24 * time.Hour, FullSyncInterval: 24 * time.Hour},
		SourceFor: func(context.Context, store.Calendar) (calsync.Source, error) { return src, nil },
	}
	var cpu time.Duration // of the last timed sync
	timed := func(name string, run calsync.RunOptions) (calsync.Report, error) {
		before := cpuTime()
		rep := syncer.Sync(ctx, cal, run)
		cpu = cpuTime() - before
		if rep.Err != nil {
			return rep, fmt.Errorf("%s: %w", name, rep.Err)
		}
		return rep, nil
	}
	rep, err := timed("first sync", calsync.RunOptions{})
	if err != nil {
		return err
	}
	printRow(kind+": first full sync", rep.Elapsed, cpu, rep)
	median := func(name string, run calsync.RunOptions) error {
		var took, cpus []time.Duration
		var last calsync.Report
		for range runs {
			r, err := timed(name, run)
			if err != nil {
				return err
			}
			if r.New+r.Moved+r.Cancelled+r.Retitled+r.Created+r.Unmatched != 0 {
				return fmt.Errorf("%s changed something: %s", name, r)
			}
			took, cpus = append(took, r.Elapsed), append(cpus, cpu)
			last = r
		}
		slices.Sort(took)
		slices.Sort(cpus)
		printRow(fmt.Sprintf("%s: %s, median of %d", kind, name, runs), took[len(took)/2], cpus[len(cpus)/2], last)
		return nil
	}
	if kind == "google" {
		if err := median("incremental, no change", calsync.RunOptions{}); err != nil {
			return err
		}
	} else {
		if err := median("incremental, no change (304)", calsync.RunOptions{}); err != nil {
			return err
		}
		if err := median("full re-read, no change (200)", calsync.RunOptions{Full: true}); err != nil {
			return err
		}
	}
	change(0)
	rep, err = timed("50 changes", calsync.RunOptions{})
	if err != nil {
		return err
	}
	printRow(kind+": incremental, 50 changes", rep.Elapsed, cpu, rep)
	fmt.Printf("  (%s)\n", rep)
	if !withGroupRules {
		return nil
	}
	if err := joinGroup(ctx, s, 0); err != nil {
		return err
	}
	rep, err = timed("a member joins", calsync.RunOptions{})
	if err != nil {
		return err
	}
	printRow(kind+": a member joins the group (5 group rules)", rep.Elapsed, cpu, rep)
	return median("no change after the join", calsync.RunOptions{})
}

// icsServer serves the benchmark's feed with an ETag.
type icsServer struct {
	mu   sync.Mutex
	body []byte
	etag string
}

// render writes the feed: each series an RRULE of 20 occurrences, 4 days
// apart; edits move (an override 2 hours later), exclude (EXDATE) or
// rename the 4th occurrence of some. With distinct titles, each occurrence
// is a VEVENT of its own, and edits move, drop or rename it.
func (f *icsServer) render(now time.Time, edits map[int]string) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//pfsnotify//bench//EN\r\n")
	for n := range series {
		if distinct {
			for k := range perSeries {
				at, name := firstStart(now, n).UTC().Add(time.Duration(k)*seriesEvery), title(n, k)
				if k == 3 {
					switch edits[n] {
					case "move":
						at = at.Add(2 * time.Hour)
					case "exdate":
						continue
					case "rename":
						name += " (renamed)"
					}
				}
				fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:series-%03d-%02d@bench.example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDURATION:PT1H\r\nSUMMARY:%s\r\nEND:VEVENT\r\n",
					n, k, at.Format("20060102T150405Z"), name)
			}
			continue
		}
		start := firstStart(now, n).UTC()
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:series-%03d@bench.example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;INTERVAL=4;COUNT=%d\r\nSUMMARY:%s\r\n",
			n, start.Format("20060102T150405Z"), perSeries, title(n, 0))
		fourth := start.Add(3 * seriesEvery)
		if edits[n] == "exdate" {
			fmt.Fprintf(&b, "EXDATE:%s\r\n", fourth.Format("20060102T150405Z"))
		}
		b.WriteString("END:VEVENT\r\n")
		switch edits[n] {
		case "move", "rename":
			at, name := fourth.Add(2*time.Hour), title(n, 3)
			if edits[n] == "rename" {
				at, name = fourth, name+" (renamed)"
			}
			fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:series-%03d@bench.example.org\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:%s\r\nDTSTART:%s\r\nDURATION:PT1H\r\nSUMMARY:%s\r\nEND:VEVENT\r\n",
				n, fourth.Format("20060102T150405Z"), at.Format("20060102T150405Z"), name)
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = []byte(b.String())
	f.etag = fmt.Sprintf(`"%d-%d"`, len(f.body), len(edits))
}

func (f *icsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	body, etag := f.body, f.etag
	f.mu.Unlock()
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Write(body)
}
