package dispatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// TestKeptCallIsNotMadeAgain: a delivery that serve-twiml gave the SID of
// a call Twilio reported (an earlier attempt's answer was lost) is recorded
// as sent when it comes due again; the channel is not asked to call.
func TestKeptCallIsNotMadeAgain(t *testing.T) {
	const sid = "CA0000000000000000000000000000000a"
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		start := t0.Add(time.Hour)
		reg, created := f.register(start, []schedule.Channel{schedule.ChannelCall}, 10*time.Minute)
		if _, err := s.ApplyReport(ctx, created[0].Token, func(store.Report) (store.ReportChange, error) {
			return store.ReportChange{AdoptProviderRef: sid}, nil
		}); err != nil {
			t.Fatal(err)
		}
		calls := newRecordingChannel()
		d := f.dispatcher("a", map[schedule.Channel]Channel{schedule.ChannelCall: calls})
		f.clock.Set(start.Add(-10 * time.Minute))
		if sum := f.run(d); sum.Sent != 1 {
			t.Fatalf("got %s; want the kept call recorded as sent", sum)
		}
		if n, _ := calls.total(); n != 0 {
			t.Errorf("the channel was asked to call %d times; want none", n)
		}
		got := f.deliveries(reg.ID)[0]
		log, _ := s.AttemptsOfDelivery(ctx, got.ID)
		if got.State != store.StateSent || got.ProviderRef != sid || len(log) != 1 || !strings.Contains(log[0].Detail, "not made again") {
			t.Errorf("got %s, %q, log %+v; want sent with the kept SID, the log saying why", got.State, got.ProviderRef, log)
		}
	})
}
