package calsync

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// A renamed event is matched again: it may start or stop matching a rule.
func TestSyncRetitleRematches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		single := func(title string) []byte {
			return feed(veventText("UID:review@example.org", "DTSTAMP:20261101T000000Z", "DTSTART:20261210T130000Z",
				"DTEND:20261210T150000Z", "SUMMARY:"+title))
		}
		e := newEnv(t, s, single("Weekly telecon"))
		e.rule(e.alice, "(?i)telecon", pushCall, 10*time.Minute)
		e.rule(e.bob, "(?i)review", []schedule.Channel{schedule.ChannelEmail}, time.Hour)
		e.sync(RunOptions{})
		// bob registers by hand for the event too; his own registration follows the renames.
		byHand, _, _, err := s.Register(e.ctx, store.NewRegistration{UserID: e.bob.ID, EventID: e.event("review@example.org").ID,
			Channels: []schedule.Channel{schedule.ChannelSMS}, Leads: []time.Duration{time.Hour}, CreatedBy: "bob"})
		if err != nil {
			t.Fatal(err)
		}

		e.feed.set(single("Detector review"))
		rep := e.sync(RunOptions{})
		if rep.Retitled != 1 || rep.Unmatched != 1 || rep.Created != 0 {
			t.Errorf("renamed: got %+v; want 1 retitled, alice's registration cancelled, none created (bob registered by hand)", rep)
		}
		a := e.regFor(e.alice, "review@example.org")
		if a.Status != store.RegistrationCancelled || a.Pending != 0 {
			t.Errorf("alice's registration: got %s with %d pending; want cancelled, none pending", a.Status, a.Pending)
		}
		if r, err := s.RegistrationByID(e.ctx, byHand.ID); err != nil || r.Title != "Detector review" {
			t.Errorf("bob's own registration: got title %q, %v; want the new title", r.Title, err)
		}

		e.feed.set(single("Weekly telecon: detector review"))
		rep = e.sync(RunOptions{})
		if rep.Revived != 1 {
			t.Errorf("renamed back: got %+v; want alice's registration revived", rep)
		}
		if a := e.regFor(e.alice, "review@example.org"); a.Status != store.RegistrationActive || a.Pending != 2 ||
			a.Title != "Weekly telecon: detector review" {
			t.Errorf("alice's registration: got %s %q with %d pending; want active, the new title, 2 pending", a.Status, a.Title, a.Pending)
		}
	})
}

// What a member cancels by hand stays cancelled; pausing a rule or
// disabling a user makes no new registrations.
func TestSyncRespectsMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(3)))
		e.rule(e.alice, "(?i)weekly telecon", pushCall, 10*time.Minute)
		paused := e.rule(e.bob, "(?i)weekly", pushCall, 10*time.Minute)
		if err := s.SetRuleActive(e.ctx, paused.ID, false); err != nil {
			t.Fatal(err)
		}
		e.sync(RunOptions{})
		if got := len(e.regsOf(e.bob)); got != 0 {
			t.Fatalf("a paused rule: got %d registrations; want 0", got)
		}
		r := e.regFor(e.alice, dec08)
		if _, err := s.CancelRegistrations(e.ctx, []int64{r.ID}, e.alice.ID); err != nil {
			t.Fatal(err)
		}
		rep := e.sync(RunOptions{Full: true})
		if rep.Created != 0 || rep.Revived != 0 {
			t.Errorf("after alice cancelled one: got %+v; want nothing made again", rep)
		}
		if got := e.regFor(e.alice, dec08); got.Status != store.RegistrationCancelled || got.ID != r.ID {
			t.Errorf("alice's cancelled registration: got #%d %s; want #%d still cancelled", got.ID, got.Status, r.ID)
		}
		if len(e.regsOf(e.alice)) != 3 {
			t.Errorf("alice: got %d registrations; want 3", len(e.regsOf(e.alice)))
		}

		// Resumed: the rule applies at the next sync.
		if err := s.SetRuleActive(e.ctx, paused.ID, true); err != nil {
			t.Fatal(err)
		}
		if rep := e.sync(RunOptions{}); rep.Created != 3 {
			t.Errorf("resumed rule: got %+v; want 3 registrations", rep)
		}
	})
}

// A rule added after events were synced applies at once; removing it
// cancels the future reminders it made.
func TestApplyRuleAtOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(4)))
		e.sync(RunOptions{})
		rule := e.rule(e.bob, "(?i)telecon", []schedule.Channel{schedule.ChannelCall}, 5*time.Minute, 24*time.Hour)
		applied, err := ApplyRule(e.ctx, s, rule, e.syncer.Options, e.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		if applied.Created != 4 || applied.Deliveries != 8 {
			t.Errorf("ApplyRule: got %+v; want 4 registrations, 8 reminders", applied)
		}
		again, err := ApplyRule(e.ctx, s, rule, e.syncer.Options, e.clock.now())
		if err != nil || again.Created != 0 {
			t.Errorf("ApplyRule again: got %+v, %v; want nothing new", again, err)
		}
		if rep := e.sync(RunOptions{Full: true}); rep.Created != 0 {
			t.Errorf("sync after ApplyRule: got %+v; want nothing new", rep)
		}
		removed, err := s.RemoveRule(e.ctx, rule.ID)
		if err != nil {
			t.Fatal(err)
		}
		if removed.Registrations != 4 || removed.Deliveries != 8 {
			t.Errorf("RemoveRule: got %+v; want 4 registrations and 8 reminders cancelled", removed)
		}
		if rep := e.sync(RunOptions{Full: true}); rep.Created != 0 {
			t.Errorf("sync after RemoveRule: got %+v; want nothing made", rep)
		}
		// A rule for a calendar applies to that calendar only.
		other, err := s.CreateCalendar(e.ctx, store.Calendar{Name: "other", Kind: store.CalendarICS, Source: "/nonexistent.ics", TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		narrow, err := s.CreateRule(e.ctx, store.Rule{UserID: e.alice.ID, Pattern: "telecon", CalendarID: other.ID,
			Channels: pushCall, Leads: []time.Duration{time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		if applied, err := ApplyRule(e.ctx, s, narrow, e.syncer.Options, e.clock.now()); err != nil || applied.Created != 0 {
			t.Errorf("a rule of another calendar: got %+v, %v; want nothing", applied, err)
		}
	})
}
