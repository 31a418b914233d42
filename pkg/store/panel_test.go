package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "UTC")
		bob := addUser(t, s, "bob", "UTC")
		value, tok, err := s.CreateAPIToken(ctx, alice.ID, " indico script ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(value, store.APITokenPrefix) || len(value) != len(store.APITokenPrefix)+43 || tok.Name != "indico script" {
			t.Errorf("got %q, %+v; want pfs_ and 43 characters, named indico script", value, tok)
		}
		got, u, err := s.UserByAPIToken(ctx, value)
		if err != nil || u.ID != alice.ID || got.ID != tok.ID || !got.LastUsedAt.Equal(testNow) {
			t.Errorf("UserByAPIToken = %+v, %s, %v; want alice's token, used now", got, u.Login, err)
		}
		for _, bad := range []string{"", "pfs_", value + "x", strings.TrimPrefix(value, store.APITokenPrefix)} {
			if _, _, err := s.UserByAPIToken(ctx, bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserByAPIToken(%q): got %v; want ErrNotFound", bad, err)
			}
		}
		for _, tt := range []struct{ name, field string }{{"", "name"}, {strings.Repeat("x", 129), "name"}, {"a\nb", "name"}} {
			if _, _, err := s.CreateAPIToken(ctx, alice.ID, tt.name); !hasFieldError(err, tt.field) {
				t.Errorf("CreateAPIToken(%q): got %v; want a %s error", tt.name, err, tt.field)
			}
		}
		if err := s.DeleteAPIToken(ctx, bob.ID, tok.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob deletes alice's token: got %v; want ErrNotFound", err)
		}
		if list, err := s.ListAPITokens(ctx, alice.ID); err != nil || len(list) != 1 {
			t.Errorf("ListAPITokens = %v, %v; want alice's one", list, err)
		}
		clock.t = testNow.Add(time.Hour)
		yes := true
		if _, err := s.UpdateUser(ctx, "alice", store.UserChanges{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UserByAPIToken(ctx, value); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token of a disabled user: got %v; want ErrNotFound", err)
		}
		if err := s.DeleteAPIToken(ctx, alice.ID, tok.ID); err != nil {
			t.Errorf("DeleteAPIToken: %v", err)
		}
	})
}

func TestInboxAndUpcoming(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, created, _ := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelCall)
		alice, _ := s.UserByLogin(ctx, "alice")
		bob := addUser(t, s, "bob", "UTC")

		up, err := s.UpcomingOfUser(ctx, alice.ID, testNow, 0)
		if err != nil || len(up) != 1 || up[0].ID != reg.ID || len(up[0].Pending) != 2 || up[0].Title != "Detector review" || up[0].Pending[0].DueAt.IsZero() {
			t.Fatalf("UpcomingOfUser = %+v, %v; want the registration with 2 pending reminders", up, err)
		}
		// The instants as stored, in UTC (SQLite's are read as text and parsed by the store).
		if got := up[0].StartAt; !got.Equal(reg.StartAt) || got.Location() != time.UTC {
			t.Errorf("upcoming start %v; want %v in UTC", got, reg.StartAt)
		}
		for _, rem := range up[0].Pending {
			i := slices.IndexFunc(created, func(d store.Delivery) bool { return d.ID == rem.ID })
			if i < 0 || !rem.DueAt.Equal(created[i].DueAt) || rem.DueAt.Location() != time.UTC || rem.Channel != created[i].Channel {
				t.Errorf("upcoming reminder %+v; want it as created (%+v)", rem, created)
			}
		}
		if up, _ := s.UpcomingOfUser(ctx, bob.ID, testNow, 0); len(up) != 0 {
			t.Errorf("bob's upcoming: got %d; want none", len(up))
		}

		claims, err := s.ClaimDue(ctx, "w", time.Minute, 10)
		if err != nil || len(claims) != 2 {
			t.Fatalf("ClaimDue = %d, %v", len(claims), err)
		}
		if _, err := s.Finish(ctx, "w", []store.Result{
			{ID: claims[0].ID, State: store.StateSent, Attempt: 1, Outcome: "sent"},
			{ID: claims[1].ID, State: store.StateFailed, Attempt: 1, Outcome: "failed", Error: "busy"},
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountUnread(ctx, alice.ID); err != nil || n != 1 {
			t.Errorf("CountUnread = %d, %v; want 1 (the failed one is not in the inbox)", n, err)
		}
		items, err := s.ListInbox(ctx, alice.ID, store.InboxFilter{})
		if err != nil || len(items) != 1 || items[0].ID != claims[0].ID || items[0].Title != "Detector review" || !items[0].ReadAt.IsZero() {
			t.Fatalf("ListInbox = %+v, %v; want the sent one, unread", items, err)
		}
		if _, err := s.MarkRead(ctx, bob.ID, []int64{claims[0].ID}, testNow); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob marks alice's read: got %v; want ErrNotFound", err)
		}
		if n, err := s.MarkRead(ctx, alice.ID, []int64{claims[0].ID}, testNow); err != nil || n != 1 {
			t.Errorf("MarkRead = %d, %v; want 1", n, err)
		}
		if n, err := s.MarkRead(ctx, alice.ID, []int64{claims[0].ID}, testNow); err != nil || n != 0 {
			t.Errorf("MarkRead again = %d, %v; want 0 and no error", n, err)
		}
		if n, _ := s.CountUnread(ctx, alice.ID); n != 0 {
			t.Errorf("CountUnread after MarkRead = %d; want 0", n)
		}
		if unread, _ := s.ListInbox(ctx, alice.ID, store.InboxFilter{UnreadOnly: true}); len(unread) != 0 {
			t.Errorf("unread items: got %d; want 0", len(unread))
		}

		log, err := s.ListDeliveries(ctx, store.DeliveryFilter{UserID: alice.ID, State: store.StateFailed})
		if err != nil || len(log) != 1 || log[0].ID != claims[1].ID || log[0].UserLogin != "alice" || log[0].Title != "Detector review" {
			t.Errorf("ListDeliveries(failed) = %+v, %v; want the failed call", log, err)
		}
		if all, _ := s.ListDeliveries(ctx, store.DeliveryFilter{Channel: schedule.ChannelPush}); len(all) != 1 {
			t.Errorf("ListDeliveries(push): got %d; want 1", len(all))
		}
		if v, err := s.DeliveryViewByID(ctx, created[0].ID); err != nil || v.ID != created[0].ID {
			t.Errorf("DeliveryViewByID = %+v, %v", v, err)
		}
		if _, err := s.DeliveryViewByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeliveryViewByID(9999): got %v; want ErrNotFound", err)
		}

		sent := claims[0]
		d, err := s.AcknowledgeByToken(ctx, sent.Token, testNow)
		if err != nil || d.State != store.StateAcknowledged {
			t.Errorf("AcknowledgeByToken = %+v, %v; want acknowledged", d, err)
		}
		if d, err := s.AcknowledgeByToken(ctx, claims[1].Token, testNow); err != nil || d.State != store.StateFailed || d.ReadAt.IsZero() {
			t.Errorf("acknowledging the failed one = %+v, %v; want it still failed, and read", d, err)
		}
		if _, err := s.AcknowledgeByToken(ctx, "nope", testNow); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AcknowledgeByToken(nope): got %v; want ErrNotFound", err)
		}
	})
}

func TestCreateTestDelivery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := atMovableNow(s)
		alice := addUser(t, s, "alice", "Asia/Tokyo")
		d, err := s.CreateTestDelivery(ctx, alice.ID, schedule.ChannelCall, "alice")
		if err != nil || d.Kind != store.KindTest || d.Channel != schedule.ChannelCall || !d.DueAt.Equal(testNow) || d.State != store.StatePending {
			t.Fatalf("CreateTestDelivery = %+v, %v; want a test call due now", d, err)
		}
		if _, err := s.CreateTestDelivery(ctx, alice.ID, schedule.ChannelCall, "alice"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second test while the first waits: got %v; want ErrConflict", err)
		}
		push, err := s.CreateTestDelivery(ctx, alice.ID, schedule.ChannelPush, "alice")
		if err != nil || push.RegistrationID != d.RegistrationID {
			t.Errorf("test push = %+v, %v; want it on the same test registration", push, err)
		}
		claims, err := s.ClaimDue(ctx, "w", time.Minute, 10)
		if err != nil || len(claims) != 2 {
			t.Fatalf("ClaimDue = %d, %v; want both tests", len(claims), err)
		}
		if _, err := s.Finish(ctx, "w", []store.Result{{ID: d.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"}}); err != nil {
			t.Fatal(err)
		}
		clock.t = testNow.Add(time.Minute)
		again, err := s.CreateTestDelivery(ctx, alice.ID, schedule.ChannelCall, "alice")
		if err != nil || again.ID == d.ID || !again.DueAt.Equal(clock.t) {
			t.Errorf("test after the first was sent = %+v, %v; want a new one due now", again, err)
		}
		if up, _ := s.UpcomingOfUser(ctx, alice.ID, testNow.Add(-time.Hour), 0); len(up) != 0 {
			t.Errorf("the test registration is upcoming: %+v", up)
		}
		if regs, _ := s.ListRegistrationViews(ctx, store.RegistrationQuery{UserID: alice.ID}); len(regs) != 0 {
			t.Errorf("the test registration is listed: %+v", regs)
		}
		if _, err := s.CreateTestDelivery(ctx, alice.ID, "pigeon", "alice"); !hasFieldError(err, "channel") {
			t.Errorf("unknown channel: got %v; want a channel error", err)
		}
		if _, err := s.CreateTestDelivery(ctx, 999, schedule.ChannelPush, "x"); !hasFieldError(err, "user") {
			t.Errorf("unknown user: got %v; want a user error", err)
		}
	})
}

func TestRegisterPanelAgain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		cal := mkCalendar(t, s, "telecons")
		ev := mkEvent(t, s, cal.ID, "e1", "Weekly telecon", testNow.Add(24*time.Hour))
		nr := store.NewRegistration{UserID: alice.ID, EventID: ev.ID, Channels: pushCall,
			Leads: []time.Duration{10 * time.Minute}, CreatedBy: "alice"}
		reg, created, _, err := s.RegisterPanel(ctx, nr)
		if err != nil || len(created) != 2 {
			t.Fatalf("RegisterPanel = %+v, %d, %v", reg, len(created), err)
		}
		if _, _, _, err := s.RegisterPanel(ctx, nr); !errors.Is(err, store.ErrConflict) {
			t.Errorf("registering twice: got %v; want ErrConflict", err)
		}
		if _, err := s.CancelRegistrations(ctx, []int64{reg.ID}, alice.ID); err != nil {
			t.Fatal(err)
		}
		nr.Channels, nr.Leads = []schedule.Channel{schedule.ChannelPush}, []time.Duration{10 * time.Minute, time.Hour}
		again, created, _, err := s.RegisterPanel(ctx, nr)
		if err != nil || again.ID != reg.ID || again.Status != store.RegistrationActive {
			t.Fatalf("RegisterPanel after cancel = %+v, %v; want registration #%d active again", again, err, reg.ID)
		}
		if len(created) != 1 || created[0].Lead != time.Hour {
			t.Errorf("created %+v; want only the new 1h push reminder", created)
		}
		ds, _ := s.DeliveriesOfRegistration(ctx, reg.ID)
		pending := map[string]bool{}
		for _, d := range ds {
			if d.State == store.StatePending {
				pending[string(d.Channel)+" "+d.Lead.String()] = true
			}
		}
		if len(pending) != 2 || !pending["push 10m0s"] || !pending["push 1h0m0s"] {
			t.Errorf("pending reminders %v; want push 10m (back) and push 1h (new), not the call", pending)
		}
		if views, err := s.ListRegistrationViews(ctx, store.RegistrationQuery{CalendarID: cal.ID}); err != nil || len(views) != 1 {
			t.Errorf("ListRegistrationViews(calendar) = %+v, %v; want 1", views, err)
		}
		other := mkCalendar(t, s, "other")
		if views, _ := s.ListRegistrationViews(ctx, store.RegistrationQuery{CalendarID: other.ID}); len(views) != 0 {
			t.Errorf("registrations of another calendar: got %d; want 0", len(views))
		}
	})
}

func TestDeletePushSubscriptionByEndpoint(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		bob := addUser(t, s, "bob", "UTC")
		p := mkPushSubscription(t, s, alice.ID, "https://push.example.net/a")
		if err := s.DeletePushSubscriptionByEndpoint(ctx, bob.ID, p.Endpoint); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob deletes alice's: got %v; want ErrNotFound", err)
		}
		if err := s.DeletePushSubscriptionByEndpoint(ctx, alice.ID, p.Endpoint); err != nil {
			t.Errorf("DeletePushSubscriptionByEndpoint: %v", err)
		}
		if got := listPush(t, s, alice.ID, true); len(got) != 0 {
			t.Errorf("left %d subscriptions; want 0", len(got))
		}
	})
}

func TestDeleteUserSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		atTestNow(s)
		alice := addUser(t, s, "alice", "UTC")
		bob := addUser(t, s, "bob", "UTC")
		a1, _ := mkSession(t, s, alice.ID, time.Hour)
		mkSession(t, s, alice.ID, time.Hour)
		b1, _ := mkSession(t, s, bob.ID, time.Hour)
		if n, err := s.DeleteUserSessions(ctx, alice.ID); err != nil || n != 2 {
			t.Errorf("DeleteUserSessions = %d, %v; want 2", n, err)
		}
		if _, _, err := s.SessionByToken(ctx, a1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("alice's session after: got %v; want ErrNotFound", err)
		}
		if _, _, err := s.SessionByToken(ctx, b1); err != nil {
			t.Errorf("bob's session after: %v; want it kept", err)
		}
	})
}

func TestPanelReadsAgreeWithTheStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		reg, _, _ := dueRegistration(t, s, schedule.ChannelPush, schedule.ChannelCall)
		alice, _ := s.UserByLogin(ctx, "alice")
		token, _ := mkSession(t, s, alice.ID, 24*time.Hour)
		p, err := s.PreparePanelReads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for range 2 { // a prepared statement used again
			up, err := p.UpcomingOfUser(ctx, alice.ID, testNow)
			want, _ := s.UpcomingOfUser(ctx, alice.ID, testNow, 0)
			if err != nil || len(up) != 1 || up[0].ID != reg.ID || len(up[0].Pending) != 2 || len(want) != 1 ||
				!up[0].StartAt.Equal(want[0].StartAt) || up[0].Pending[1] != want[0].Pending[1] {
				t.Errorf("prepared UpcomingOfUser = %+v, %v; want %+v", up, err, want)
			}
			// The page's lean read: what the page shows, the rest empty.
			page, err := p.UpcomingPage(ctx, alice.ID, testNow)
			if err != nil || len(page) != 1 {
				t.Fatalf("UpcomingPage = %+v, %v; want one registration", page, err)
			}
			lean := want[0]
			lean.TimeZone, lean.Channels, lean.Leads = "", nil, nil
			lean.Pending = slices.Clone(lean.Pending)
			for i := range lean.Pending {
				lean.Pending[i].State = ""
			}
			if got := page[0]; !reflect.DeepEqual(got, lean) {
				t.Errorf("UpcomingPage = %+v; want %+v", got, lean)
			}
			sess, u, err := p.SessionByToken(ctx, token)
			if err != nil || u.Login != "alice" || sess.UserID != alice.ID {
				t.Errorf("prepared SessionByToken = %+v, %s, %v", sess, u.Login, err)
			}
			if _, _, err := p.SessionByToken(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("prepared SessionByToken(nope): got %v; want ErrNotFound", err)
			}
			if n, err := p.CountUnread(ctx, alice.ID); err != nil || n != 0 {
				t.Errorf("prepared CountUnread = %d, %v; want 0", n, err)
			}
			if _, u, n, err := p.SessionWithUnread(ctx, token); err != nil || u.ID != alice.ID || n != 0 {
				t.Errorf("SessionWithUnread = %s, %d, %v; want alice, 0", u.Login, n, err)
			}
		}
		if _, err := s.CreateTestDelivery(ctx, alice.ID, schedule.ChannelLog, "alice"); err != nil {
			t.Fatal(err)
		}
		claims, _ := s.ClaimDue(ctx, "w", time.Minute, 100)
		var results []store.Result
		for _, c := range claims {
			results = append(results, store.Result{ID: c.ID, State: store.StateSent, Attempt: 1, Outcome: "sent"})
		}
		s.Finish(ctx, "w", results)
		if _, _, n, err := p.SessionWithUnread(ctx, token); err != nil || n != 3 {
			t.Errorf("SessionWithUnread after 3 sent: %d, %v; want 3", n, err)
		}
		// Reminders come by due time, whatever order the database gives.
		two, _, _, err := s.Register(ctx, adHoc(alice.ID, testNow.Add(3*time.Hour), pushCall, 10*time.Minute, time.Hour, 30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		up, _ := p.UpcomingOfUser(ctx, alice.ID, testNow)
		if len(up) != 2 || up[1].ID != two.ID || len(up[1].Pending) != 6 {
			t.Fatalf("got %+v; want the second registration with 6 reminders", up)
		}
		if first, err := s.UpcomingOfUser(ctx, alice.ID, testNow, 1); err != nil || len(first) != 1 || first[0].ID != reg.ID || len(first[0].Pending) != 0 {
			t.Errorf("UpcomingOfUser(limit 1) = %+v, %v; want only the first registration (its reminders were sent)", first, err)
		}
		if both, err := s.UpcomingOfUser(ctx, alice.ID, testNow, 2); err != nil || len(both) != 2 || len(both[1].Pending) != 6 {
			t.Errorf("UpcomingOfUser(limit 2) = %+v, %v; want both, the second with its 6 reminders", both, err)
		}
		for i := 1; i < len(up[1].Pending); i++ {
			if a, b := up[1].Pending[i-1], up[1].Pending[i]; a.DueAt.After(b.DueAt) || a.DueAt.Equal(b.DueAt) && a.ID > b.ID {
				t.Errorf("reminder %d (%s #%d) comes after %d (%s #%d)", i-1, a.DueAt, a.ID, i, b.DueAt, b.ID)
			}
		}
		yes := true
		s.UpdateUser(ctx, "alice", store.UserChanges{Disabled: &yes})
		if _, _, err := p.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session of a disabled user: got %v; want ErrNotFound", err)
		}
	})
}
