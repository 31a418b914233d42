package panel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
	"github.com/pfsnotify/pfsnotify/pkg/store/storetest"
)

// The "Send a message" page shows who gets the message on which channel
// and who cannot be reached, and queues it only when the admin confirms.
func TestAdminSendPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		ctx := context.Background()
		if _, err := st.CreateGroup(ctx, store.Group{Name: "ops", Description: "operations"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddGroupMembers(ctx, "ops", []string{"alice", "bob"}); err != nil {
			t.Fatal(err)
		}
		w := f.get("/admin/send", "root")
		wantStatus(t, "the page", w, http.StatusOK)
		if !strings.Contains(w.Body.String(), `value="ops"`) {
			t.Errorf("the page does not offer the group ops: %s", excerpt(w.Body.String()))
		}
		in := url.Values{"group": {"ops"}, "users": {"root"}, "title": {"Run cancelled"}, "message": {"High winds tonight."}}
		w = f.post("/admin/send", "root", in)
		wantStatus(t, "the first step", w, http.StatusOK)
		body := w.Body.String()
		for _, want := range []string{
			"<td>alice</td><td>email</td>",
			"<td>bob</td><td>cannot be reached: ",
			"<td>root</td><td>cannot be reached: ",
			"1 can be reached, 2 cannot",
			`id="confirm-send"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the plan: got %s; want it to contain %q", excerpt(body), want)
			}
		}
		if due := f.due(); due != 0 {
			t.Fatalf("after the first step: %d deliveries due; want none", due)
		}
		in.Set("confirm", "1")
		w = f.post("/admin/send", "root", in)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/send?done=message-sent" {
			t.Fatalf("confirm: got %d %s; want 303 to /admin/send?done=message-sent", w.Code, w.Header().Get("Location"))
		}
		claims, err := st.ClaimDue(ctx, "test", time.Minute, 10)
		if err != nil || len(claims) != 1 || claims[0].UserID != f.users["alice"].ID || claims[0].Channel != "email" {
			t.Errorf("queued: got %+v (%v); want one email to alice", claims, err)
		}
	})
}

// Bad input on the "Send a message" page is shown by the field, and
// nothing is queued.
func TestAdminSendBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		good := url.Values{"users": {"alice"}, "title": {"T"}, "message": {"m"}, "confirm": {"1"}}
		tests := []struct {
			name, key, value, wantField, wantText string
		}{
			{"no title", "title", "", "title", "is empty"},
			{"no text", "message", " ", "message", "is empty"},
			{"nobody", "users", "", "users", "no group or person given"},
			{"unknown login", "users", "alice nobody", "users", "no such user nobody"},
			{"unknown channel", "channels", "push,pigeon", "channels", "pigeon"},
			{"unreadable time", "at", "someday", "at", "someday"},
			{"time in the past", "at", "2001-01-01 09:00", "at", "in the past"},
		}
		for _, tt := range tests {
			in := url.Values{}
			for k, v := range good {
				in[k] = v
			}
			in.Set(tt.key, tt.value)
			w := f.post("/admin/send", "root", in)
			body := w.Body.String()
			if w.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s: got %d; want 422", tt.name, w.Code)
			}
			if i := strings.Index(body, `id="`+tt.wantField+`-error"`); i < 0 || !strings.Contains(body[i:], tt.wantText) {
				t.Errorf("%s: got %s; want an error on %s saying %q", tt.name, excerpt(body), tt.wantField, tt.wantText)
			}
		}
		if due := f.due(); due != 0 {
			t.Errorf("after bad input: %d deliveries due; want none", due)
		}
	})
}

// due counts the deliveries due now, without claiming them.
func (f *fixture) due() int {
	f.t.Helper()
	ds, err := f.st.ListDeliveries(context.Background(), store.DeliveryFilter{State: store.StatePending})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(ds)
}

// onMessage queues a fresh message to alice, due in an hour, and a request
// about it (format takes its id).
func onMessage(method, format string, form url.Values) func(f *fixture, who string) (request, func() error) {
	return func(f *fixture, who string) (request, func() error) {
		id := f.message("alice")
		return request{method: method, path: fmt.Sprintf(format, id), form: form}, nil
	}
}

// message queues a message to logins by email, due in an hour, and returns
// its id.
func (f *fixture) message(logins ...string) int64 {
	f.t.Helper()
	ctx := context.Background()
	to, err := f.st.Recipients(ctx, store.Audience{Logins: logins, Channels: []schedule.Channel{"email"}})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range to {
		to[i].Channel = "email"
	}
	m, _, err := f.st.QueueMessage(ctx, store.NewMessage{Title: "Run cancelled", Body: "High winds.", CreatedBy: "test",
		SendAt: f.now.Add(time.Hour)}, to)
	if err != nil {
		f.t.Fatal(err)
	}
	return m.ID
}

// The page lists the recent messages with where their deliveries are; an
// admin cancels one set for later, and its deliveries are not sent.
func TestAdminCancelMessage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, nil)
		id := f.message("alice", "bob")
		w := f.get("/admin/send", "root")
		wantStatus(t, "the page", w, http.StatusOK)
		body := w.Body.String()
		for _, want := range []string{fmt.Sprintf(`id="message-%d"`, id), "<td>Run cancelled</td>", "2 waiting, 0 sent, 0 failed, 0 cancelled",
			fmt.Sprintf(`action="/admin/messages/%d/cancel"`, id)} {
			if !strings.Contains(body, want) {
				t.Errorf("the page: got %s; want it to contain %q", excerpt(body), want)
			}
		}
		tests := []struct {
			path, want string
			status     int
		}{
			{fmt.Sprintf("/admin/messages/%d/cancel", id), "/admin/send?done=message-cancelled", http.StatusSeeOther},
			{fmt.Sprintf("/admin/messages/%d/cancel", id), "/admin/send?done=message-nothing-to-cancel", http.StatusSeeOther},
			{"/admin/messages/999/cancel", "", http.StatusNotFound},
			{"/admin/messages/x/cancel", "", http.StatusNotFound},
		}
		for _, tt := range tests {
			w := f.post(tt.path, "root", url.Values{})
			if w.Code != tt.status || w.Header().Get("Location") != tt.want {
				t.Errorf("POST %s: got %d %q; want %d %q", tt.path, w.Code, w.Header().Get("Location"), tt.status, tt.want)
			}
		}
		w = f.get("/admin/send", "root")
		if body := w.Body.String(); !strings.Contains(body, "0 waiting, 0 sent, 0 failed, 2 cancelled") ||
			strings.Contains(body, fmt.Sprintf(`action="/admin/messages/%d/cancel"`, id)) {
			t.Errorf("after the cancel: got %s; want 2 cancelled and no cancel button", excerpt(body))
		}
		st.SetClock(func() time.Time { return f.now.Add(2 * time.Hour) })
		if claims, err := st.ClaimDue(context.Background(), "test", time.Minute, 10); err != nil || len(claims) != 0 {
			t.Errorf("after the cancel, at the send time: claimed %d (%v); want none", len(claims), err)
		}
	})
}
