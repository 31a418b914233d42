package calsync

import (
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// calendar-sync applies group rules for each member, and notices the
// changes made without ApplyGroupRules (a member joins, unmutes) at its
// next run; when nothing changed it makes nothing.
func TestSyncGroupRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, feed(telecon(4)))
		s.SetClock(e.clock.tick)
		e.syncer.Now = e.clock.tick
		syncAt := func(d time.Duration) Report {
			t.Helper()
			e.clock.set(e.clock.now().Add(d))
			return e.sync(RunOptions{})
		}
		if _, err := s.CreateGroup(e.ctx, store.Group{Name: "drp"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(e.ctx, "drp", []string{"alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetPreferences(e.ctx, e.alice.ID, store.Preferences{Channels: []schedule.Channel{schedule.ChannelSMS},
			Leads: []time.Duration{30 * time.Minute}}); err != nil {
			t.Fatal(err)
		}
		rule, err := s.CreateGroupRule(e.ctx, store.GroupRule{GroupName: "drp", Pattern: "(?i)telecon",
			Channels: []schedule.Channel{schedule.ChannelEmail}, Leads: []time.Duration{time.Hour, 5 * time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		if rep := syncAt(0); rep.Created != 4 {
			t.Fatalf("first sync: %+v; want alice registered for 4 telecons", rep)
		}
		if r := e.regFor(e.alice, dec01); r.Origin != store.GroupRuleOrigin(rule.ID) || r.Pending != 1 ||
			schedule.FormatChannels(r.Channels) != "sms" {
			t.Errorf("alice's registration: %+v; want one sms reminder from the group rule", r)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Revived+rep.Unmatched != 0 {
			t.Errorf("nothing changed: %+v; want nothing done", rep)
		}

		// bob joins without the CLI: the next sync registers him, on the rule's fallback.
		if _, err := s.AddGroupMembers(e.ctx, "drp", []string{"bob"}); err != nil {
			t.Fatal(err)
		}
		if rep := syncAt(time.Minute); !rep.NotModified || rep.Created != 4 {
			t.Errorf("bob joined: %+v; want him registered for 4 telecons", rep)
		}
		if r := e.regFor(e.bob, dec01); r.Pending != 2 || schedule.FormatChannels(r.Channels) != "email" {
			t.Errorf("bob's registration: %+v; want 2 email reminders", r)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Revived+rep.Unmatched != 0 {
			t.Errorf("nothing changed since bob joined: %+v; want nothing done", rep)
		}

		// alice mutes it: nothing comes back at the next sync; unmuting brings hers back.
		if muted, err := s.MuteGroupRule(e.ctx, rule.ID, e.alice.ID); err != nil || muted.Registrations != 4 {
			t.Fatalf("MuteGroupRule = %+v, %v; want her 4 registrations set aside", muted, err)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Revived != 0 {
			t.Errorf("alice muted: %+v; want nothing made", rep)
		}
		if _, err := s.UnmuteGroupRule(e.ctx, rule.ID, e.alice.ID); err != nil {
			t.Fatal(err)
		}
		if rep := syncAt(time.Minute); rep.Revived != 4 {
			t.Errorf("alice unmuted: %+v; want her 4 registrations back", rep)
		}
		if r := e.regFor(e.alice, dec01); r.Status != store.RegistrationActive || r.Pending != 1 {
			t.Errorf("alice's registration after unmuting: %s, %d pending; want active, 1", r.Status, r.Pending)
		}

		// bob leaves: his are cancelled and stay so.
		if _, err := s.RemoveGroupMembers(e.ctx, "drp", []string{"bob"}); err != nil {
			t.Fatal(err)
		}
		if rep := syncAt(time.Minute); rep.Created+rep.Revived != 0 {
			t.Errorf("bob left: %+v; want nothing made", rep)
		}
		for _, r := range e.regsOf(e.bob) {
			if r.Status != store.RegistrationCancelled || r.Pending != 0 {
				t.Errorf("bob's registration #%d after leaving: %s, %d pending; want cancelled", r.ID, r.Status, r.Pending)
			}
		}
	})
}
