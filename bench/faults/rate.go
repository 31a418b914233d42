package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pfsnotify/pfsnotify/bench/benchdb"
	"github.com/pfsnotify/pfsnotify/pkg/channel/twiliotest"
)

// rateRun starts b.invokers invoke processes at once over b.calls due call
// reminders of one meeting at 1 call per second, and returns when Twilio's
// fake saw each call created, and the meeting's start.
func (b *bench) rateRun(ctx context.Context) ([]time.Time, time.Time, error) {
	db, remove, err := benchdb.Fresh(ctx, "mysql", b.mysqlDSN, "rate")
	if err != nil {
		return nil, time.Time{}, err
	}
	defer remove()
	twilio := twiliotest.Start(twiliotest.Config{})
	defer twilio.Close()
	meeting := time.Now().Add(time.Duration(b.calls)*1050*time.Millisecond + 2*time.Minute)
	if due, err := benchdb.SeedDueCalls(ctx, db, b.calls, meeting); err != nil || due != b.calls {
		return nil, time.Time{}, fmt.Errorf("seed calls: %d due, %v; want %d", due, err, b.calls)
	}
	env := b.env
	b.env = append(slices.Clone(env), "PFSNOTIFY_PUBLIC_URL=https://notify.example.org",
		"PFSNOTIFY_TWILIO_ACCOUNT_SID="+twiliotest.AccountSID, "PFSNOTIFY_TWILIO_AUTH_TOKEN="+twiliotest.AuthToken,
		"PFSNOTIFY_TWILIO_FROM_NUMBER="+twiliotest.FromNumber, "PFSNOTIFY_TWILIO_API_URL="+twilio.URL,
		"PFSNOTIFY_TWILIO_CALLS_PER_SECOND=1", "PFSNOTIFY_INVOKE_LEASE=2m", "PFSNOTIFY_INVOKE_HTTP_TIMEOUT=15s")
	defer func() { b.env = env }()
	var dones []chan struct{}
	for range b.invokers {
		_, done, err := b.start(db, "invoke", "-q")
		if err != nil {
			return nil, time.Time{}, err
		}
		dones = append(dones, done)
	}
	for _, done := range dones {
		<-done
	}
	var created []time.Time
	for _, c := range twilio.Calls() {
		created = append(created, c.Created)
	}
	slices.SortFunc(created, time.Time.Compare)
	if len(created) != b.calls {
		return nil, time.Time{}, fmt.Errorf("rate run: %d calls reached Twilio; want %d", len(created), b.calls)
	}
	return created, meeting, nil
}

// rateFigures sums a rate run up: the most calls in any one-second window
// (sliding), the smallest gap between two calls, a histogram of calls per
// wall-clock second, and how long before the meeting the last call started.
func rateFigures(created []time.Time, meeting time.Time) string {
	most, minGap := 0, time.Duration(1<<62)
	for i := range created {
		n := 0
		for j := i; j < len(created) && created[j].Sub(created[i]) < time.Second; j++ {
			n++
		}
		most = max(most, n)
		if i > 0 {
			minGap = min(minGap, created[i].Sub(created[i-1]))
		}
	}
	perSecond := map[int]int{}
	first := created[0].Truncate(time.Second)
	for _, t := range created {
		perSecond[int(t.Sub(first)/time.Second)]++
	}
	hist := map[int]int{} // calls in a second -> how many seconds
	last := int(created[len(created)-1].Sub(first) / time.Second)
	for s := 0; s <= last; s++ {
		hist[perSecond[s]]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(hist)) {
		parts = append(parts, fmt.Sprintf("%d s with %d", hist[k], k))
	}
	return fmt.Sprintf("at most %d call in any sliding 1 s window; smallest gap %s; wall-clock seconds: %s; last call %s before the meeting",
		most, minGap.Round(time.Millisecond), strings.Join(parts, ", "), meeting.Sub(created[len(created)-1]).Round(time.Second))
}
