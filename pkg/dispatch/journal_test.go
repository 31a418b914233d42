package dispatch

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
		if sum.Sent != 30 {
			t.Fatalf("got %s; want 30 sent before the results could not be written", sum)
		}
		if got := journals(t, f.state); len(got) != 1 {
			t.Fatalf("got journals %v; want the broken run's one", got)
		}
		if got := f.states(regs); got[store.StateSending] != 30 {
			t.Fatalf("got states %v; want 30 still claimed (sending)", got)
		}

		next := f.dispatcher("next", channels)
		sum = f.run(next)
		if sum.Replayed != 30 || sum.Sent != 0 {
			t.Errorf("next run: got %s; want 30 results recorded from the journal and nothing sent", sum)
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
		live, err := openJournal(f.state, "test", "live", "db")
		if err != nil {
			t.Fatal(err)
		}
		defer live.close()
		other, err := openJournal(f.state, "otherdb", "dead", "another database")
		if err != nil {
			t.Fatal(err)
		}
		dead, err := openJournal(f.state, "test", "dead", "db")
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
