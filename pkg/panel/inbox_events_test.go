package panel

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// liveInbox is an open GET /events/inbox: the "inbox" events it carried.
type liveInbox struct {
	t      *testing.T
	who    string
	events chan inboxEvent
	ended  chan struct{} // closed when the server ends the stream
	body   io.Closer
}

// openLiveInbox opens the stream as who (a session of the fixture).
func openLiveInbox(t *testing.T, f *fixture, srv *httptest.Server, who string) *liveInbox {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+"/events/inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.token[who]})
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("GET /events/inbox as %s: got %d %s %s; want 200 text/event-stream", who, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	l := &liveInbox{t: t, who: who, events: make(chan inboxEvent, 16), ended: make(chan struct{}), body: res.Body}
	t.Cleanup(func() { res.Body.Close() })
	go func() {
		defer close(l.ended)
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && name == "inbox":
				var ev inboxEvent
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
					t.Errorf("%s's stream: bad data %q: %v", who, line, err)
				}
				l.events <- ev
			case line == "":
				name = ""
			}
		}
	}()
	return l
}

// next waits for the next event, with a deadline.
func (l *liveInbox) next(what string) inboxEvent {
	l.t.Helper()
	select {
	case ev := <-l.events:
		return ev
	case <-l.ended:
		l.t.Fatalf("%s: %s's stream ended; want an event", what, l.who)
	case <-time.After(10 * time.Second):
		l.t.Fatalf("%s: no event on %s's stream in 10 s", what, l.who)
	}
	return inboxEvent{}
}

// want waits for the next event and checks it.
func (l *liveInbox) want(what string, want store.InboxState, label string) {
	l.t.Helper()
	got := l.next(what)
	if got.InboxState != want || got.Label != label {
		l.t.Errorf("%s: %s got %+v; want %+v labelled %q", what, l.who, got, want, label)
	}
}

// waitEnd waits for the server to end the stream.
func (l *liveInbox) waitEnd(what string) {
	l.t.Helper()
	select {
	case <-l.ended:
	case <-time.After(10 * time.Second):
		l.t.Fatalf("%s: %s's stream still open after 10 s", what, l.who)
	}
}

// The live inbox: each person's stream carries their own inbox state when
// it opens and whenever it changes, past the server's read and write
// timeouts; it ends on sign-out and on shutdown.
func TestLiveInbox(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, func(o *Options) { o.InboxPoll = 20 * time.Millisecond })
		ctx := context.Background()
		srv := httptest.NewUnstartedServer(f.srv)
		srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
		srv.Start()
		defer srv.Close()
		defer f.srv.CloseStreams() // before Close, which waits for the streams

		alice := openLiveInbox(t, f, srv, "alice")
		alice.want("opened", store.InboxState{}, "0 unread")
		bob := openLiveInbox(t, f, srv, "bob")
		bob.want("opened", store.InboxState{}, "未読 0 件")
		alice2 := openLiveInbox(t, f, srv, "alice") // another tab
		alice2.want("opened", store.InboxState{}, "0 unread")

		// Past the server's timeouts, which would end an ordinary answer:
		// the streams must outlive them (this waits; it decides nothing).
		time.Sleep(3 * srv.Config.WriteTimeout)
		f.sent("alice")
		alice.want("a notification sent to alice", store.InboxState{Count: 1, Unread: 1}, "1 unread")
		alice2.want("a notification sent to alice, other tab", store.InboxState{Count: 1, Unread: 1}, "1 unread")

		// bob gets two at once (a test and a reminder): his first event
		// must be his own.
		if _, err := st.CreateTestDelivery(ctx, f.users["bob"].ID, schedule.ChannelLog, "bob"); err != nil {
			t.Fatal(err)
		}
		f.register("bob", "Bob's telecon", time.Hour)
		st.SetClock(func() time.Time { return time.Now().Add(55 * time.Minute) })
		f.drain()
		st.SetClock(time.Now)
		bob.want("two notifications sent to bob", store.InboxState{Count: 2, Unread: 2}, "未読 2 件")

		// Read on one device (a form post): read on every stream.
		wantStatus(t, "read all", f.post("/inbox/read-all", "alice", nil), http.StatusSeeOther)
		alice.want("alice read hers", store.InboxState{Count: 1, Unread: 0}, "0 unread")
		alice2.want("alice read hers, other tab", store.InboxState{Count: 1, Unread: 0}, "0 unread")

		// Signing out ends the streams of that session, not bob's.
		wantStatus(t, "sign out", f.post("/signout", "alice", nil), http.StatusSeeOther)
		alice.waitEnd("alice signed out")
		alice2.waitEnd("alice signed out, other tab")
		select {
		case <-bob.ended:
			t.Fatal("bob's stream ended when alice signed out")
		default:
		}

		// Shutting down ends every stream and refuses new ones.
		f.srv.CloseStreams()
		bob.waitEnd("shutdown")
		w := f.get("/events/inbox", "root")
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("a stream opened during shutdown: got %d (Retry-After %q); want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
		}
	})
}

// Nobody signed in gets a 401 (JSON, for the script), not a stream.
func TestLiveInboxNeedsSignIn(t *testing.T) {
	f := sqliteFixture(t)
	w := f.get("/events/inbox", "")
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("GET /events/inbox signed out: got %d %s %s; want 401 JSON", w.Code, w.Header().Get("Content-Type"), excerpt(w.Body.String()))
	}
}
