package calsync

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// Rules are matched against what is new to them only (the events written
// since the last sync, those that came into the window, every event for a
// rule that is new): each change still has its effect. The clock moves
// between syncs, so that what one sync wrote is old to the next.
func TestSyncMatchesWhatChanged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		review := func(title string) string {
			return veventText("UID:review@x", "DTSTAMP:20261101T000000Z", "DTSTART:20261203T090000Z", "DURATION:PT1H", "SUMMARY:"+title)
		}
		// 100 days ahead: beyond the 90-day window, stored, not matched yet.
		far := veventText("UID:far@x", "DTSTAMP:20261101T000000Z", "DTSTART:20270301T090000Z", "DURATION:PT1H", "SUMMARY:Far review")
		e := newEnv(t, s, feed(telecon(4), review("Detector review"), far))
		// A clock that ticks a millisecond at each reading, as a real one
		// moves on: what a sync writes is before its end.
		s.SetClock(e.clock.tick)
		e.syncer.Now = e.clock.tick
		telecons := e.rule(e.alice, "(?i)telecon", pushCall, 10*time.Minute)
		syncAt := func(d time.Duration) Report {
			t.Helper()
			e.clock.set(e.clock.now().Add(d))
			return e.sync(RunOptions{})
		}
		if rep := syncAt(0); rep.Created != 4 {
			t.Fatalf("first sync: %+v; want 4 registrations", rep)
		}

		// A new rule (made without ApplyRule) applies to the titles synced before.
		reviews := e.rule(e.bob, "(?i)review", pushCall, time.Hour)
		if rep := syncAt(time.Minute); !rep.NotModified || rep.Created != 1 {
			t.Errorf("a new rule, feed unchanged: %+v; want bob registered for the review", rep)
		}
		if r := e.regFor(e.bob, "review@x"); r.Status != store.RegistrationActive || r.RuleID != reviews.ID {
			t.Errorf("bob's registration: %+v", r)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Unmatched+rep.Revived != 0 {
			t.Errorf("nothing changed: %+v; want nothing done", rep)
		}

		// A renamed event is matched again.
		e.feed.set(feed(telecon(4), review("Detector meeting"), far))
		if rep := syncAt(time.Minute); rep.Retitled != 1 || rep.Unmatched != 1 {
			t.Errorf("renamed: %+v; want bob's registration cancelled as unmatched", rep)
		}
		if r := e.regFor(e.bob, "review@x"); r.Status != store.RegistrationCancelled {
			t.Errorf("bob's registration for the renamed event: %s; want cancelled", r.Status)
		}

		// A rule paused while an event is renamed, then resumed: it matches again.
		if err := s.SetRuleActive(e.ctx, telecons.ID, false); err != nil {
			t.Fatal(err)
		}
		e.feed.set(feed(telecon(4), veventText("UID:telecon@indico.example.org", "DTSTAMP:20261101T000000Z", "SEQUENCE:1",
			"RECURRENCE-ID;TZID=Europe/Zurich:20261208T160000", "DTSTART;TZID=Europe/Zurich:20261208T160000", "DURATION:PT1H",
			"SUMMARY:Weekly call"),
			review("Detector meeting"), far))
		if rep := syncAt(time.Minute); rep.Retitled != 1 || rep.Unmatched != 0 {
			t.Errorf("renamed while the rule is paused: %+v; want alice's registration left alone", rep)
		}
		if err := s.SetRuleActive(e.ctx, telecons.ID, true); err != nil {
			t.Fatal(err)
		}
		if rep := syncAt(time.Minute); !rep.NotModified || rep.Unmatched != 1 {
			t.Errorf("the rule resumed: %+v; want alice's registration for the renamed occurrence cancelled", rep)
		}
		if r := e.regFor(e.alice, dec08); r.Status != store.RegistrationCancelled {
			t.Errorf("alice's registration for the renamed %s: %s; want cancelled", dec08, r.Status)
		}

		// A removed rule's registrations are cancelled and stay so.
		removed, err := s.RemoveRule(e.ctx, telecons.ID)
		if err != nil || removed.Registrations != 3 {
			t.Fatalf("remove rule: %+v, %v; want its 3 active registrations cancelled", removed, err)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Revived != 0 {
			t.Errorf("after removing the rule: %+v; want nothing made", rep)
		}
		for _, r := range e.regsOf(e.alice) {
			if r.Status != store.RegistrationCancelled || r.Pending != 0 {
				t.Errorf("alice's registration #%d: %s, %d pending; want cancelled", r.ID, r.Status, r.Pending)
			}
		}

		// An event that comes into the window as time passes is matched.
		if rep := syncAt(20 * 24 * time.Hour); rep.Created != 1 {
			t.Errorf("20 days later: %+v; want bob registered for the far review", rep)
		}
		if r := e.regFor(e.bob, "far@x"); r.Status != store.RegistrationActive || r.Pending != 2 {
			t.Errorf("bob's registration for the far review: %s, %d pending", r.Status, r.Pending)
		}
	})
}

// tick moves the clock a millisecond on and returns it.
func (c *clock) tick() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}
