package dispatch

import (
	"context"
	"errors"
	"github.com/pfsnotify/pfsnotify/pkg/message"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// failingFinish is a Store whose Finish fails, as a database that went away
// after the claims were made.
type failingFinish struct {
	Store
}

func (failingFinish) Finish(context.Context, string, []store.Result) ([]int64, error) {
	return nil, errors.New("connection refused")
}

// journals lists the journal files in dir.
func journals(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, journalPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// Results the database refused are kept in the journal; the next run
// records them before it claims, and nothing is sent twice.
func TestJournalKeepsWhatTheDatabaseRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(3, schedule.ChannelPush)
		ch := newRecordingChannel()
		channels := map[schedule.Channel]Channel{schedule.ChannelPush: ch}
		broken := f.dispatcher("broken", channels, func(o *Options) { o.Store = failingFinish{s} })
		sum, err := broken.RunOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), "kept in "+f.state) {
			t.Fatalf("RunOnce over a failing database: got %v; want an error naming the journal in %s", err, f.state)
		}
		// The pass stops at the first write the database refused: what
		// was sent by then is in the journal, the rest was given back.
		sent := sum.Sent
		if sent < 1 || sent > 30 {
			t.Fatalf("got %s; want some sent before the results could not be written", sum)
		}
		if got := journals(t, f.state); len(got) != 1 {
			t.Fatalf("got journals %v; want the broken run's one", got)
		}
		if got := f.states(regs); got[store.StateSending] != sent || got[store.StatePending] != 30-sent {
			t.Fatalf("got states %v; want the %d sent still claimed (sending), the rest given back", got, sent)
		}

		next := f.dispatcher("next", channels)
		sum = f.run(next)
		if sum.Replayed != sent || sum.Sent != 30-sent {
			t.Errorf("next run: got %s; want %d results recorded from the journal and the other %d sent", sum, sent, 30-sent)
		}
		if got := f.states(regs); got[store.StateSent] != 30 {
			t.Errorf("got states %v; want 30 sent", got)
		}
		if n, sends := ch.total(); n != 30 || sends != 30 {
			t.Errorf("got %d deliveries in %d sends; want 30 in 30: none sent twice", n, sends)
		}
		if got := journals(t, f.state); len(got) != 0 {
			t.Errorf("got journals %v after the replay; want none", got)
		}
		for _, r := range regs {
			for _, d := range f.deliveries(r.ID) {
				attempts, err := s.AttemptsOfDelivery(context.Background(), d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(attempts) != 1 || attempts[0].Outcome != "sent" {
					t.Errorf("delivery #%d: got log %+v; want one row, sent", d.ID, attempts)
				}
			}
		}
	})
}

// A journal is replayed only when its run has ended (its lock is free) and
// it is this database's; a last line cut short by a kill is left out.
func TestJournalReplayRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(1, schedule.ChannelPush)
		ctx := context.Background()
		claimed, err := s.ClaimDue(ctx, "dead", time.Minute, 10)
		if err != nil || len(claimed) != 10 {
			t.Fatalf("claimed %d, %v; want 10", len(claimed), err)
		}
		live, err := openJournal(f.state, "test", "live", "db", true)
		if err != nil {
			t.Fatal(err)
		}
		defer live.close()
		other, err := openJournal(f.state, "otherdb", "dead", "another database", true)
		if err != nil {
			t.Fatal(err)
		}
		dead, err := openJournal(f.state, "test", "dead", "db", false)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claimed[:9] {
			for _, j := range []*journal{live, other, dead} {
				if err := j.append(store.Result{ID: c.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		dead.f.WriteString(`{"ID":` + strconv.FormatInt(claimed[9].ID, 10) + `,"State":"se`) // killed mid-line
		// The dead run's process is gone: its descriptor closes, unlocking
		// it, and nothing else happens.
		dead.f.Close()
		other.f.Close()

		d := f.dispatcher("next", map[schedule.Channel]Channel{schedule.ChannelPush: newRecordingChannel()})
		n, err := d.replayJournals(ctx)
		if err != nil || n != 9 {
			t.Fatalf("replay: got %d, %v; want the dead run's 9 results", n, err)
		}
		got := journals(t, f.state)
		if len(got) != 2 || !slices.Contains(got, live.path) || !slices.Contains(got, other.path) {
			t.Errorf("left %v; want the live run's and the other database's journals", got)
		}
		if states := f.states(regs); states[store.StateSent] != 9 || states[store.StateSending] != 1 {
			t.Errorf("got states %v; want 9 sent from the journal, the cut one still claimed", states)
		}
	})
}

// oneThenWait sends its first message at once and every later one only
// once the database has refused a write: the sends under way when the
// pass learns of it.
type oneThenWait struct {
	*recordingChannel
	started atomic.Int32
	refused chan struct{}
}

func (c *oneThenWait) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	if c.started.Add(1) > 1 {
		<-c.refused
	}
	return c.recordingChannel.Send(ctx, m)
}

// refusingFinish fails every write and says so on refused.
type refusingFinish struct {
	Store
	once    sync.Once
	refused chan struct{}
}

func (r *refusingFinish) Finish(context.Context, string, []store.Result) ([]int64, error) {
	r.once.Do(func() { close(r.refused) })
	return nil, errors.New("connection refused")
}

// A pass stops sending at the first write the database refuses: the sends
// under way finish, the claims not started are given back, not sent while
// every result piles up in the journal (a stalled database kept a pass
// sending a claimed batch for a minute).
func TestPassStopsWhenResultsCannotBeWritten(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		regs := f.many(3, schedule.ChannelPush)
		refused := make(chan struct{})
		ch := &oneThenWait{recordingChannel: newRecordingChannel(), refused: refused}
		d := f.dispatcher("broken", map[schedule.Channel]Channel{schedule.ChannelPush: ch},
			func(o *Options) { o.Store = &refusingFinish{Store: s, refused: refused} })
		sum, err := d.RunOnce(context.Background())
		if err == nil {
			t.Fatal("RunOnce over a database refusing results: got no error")
		}
		if _, sends := ch.total(); sends > 1+4 {
			t.Errorf("got %d sends; want the first and those under way when it was refused, at most invoke.concurrency (4)", sends)
		}
		if got := f.states(regs); got[store.StatePending] < 30-(1+4) {
			t.Errorf("got states %v (%s); want the claims not started given back", got, sum)
		}
	})
}
